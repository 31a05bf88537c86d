#!/usr/bin/env bash
# Edge Functions, measured (not a test): cold start (deploy, then the first response, which waits for a Deno
# instance to start), warm requests per second for a hello-world through the gateway against the same handler
# served by bare Deno (and through a co-located node), and the memory of a warm instance. Goals: cold start under 300 ms, warm throughput
# through MadBase >= 0.7x bare Deno.
# Usage: bench/functions.sh [seconds=10] [connections=32]. Needs wrk (apt-get install -y wrk) and tools/deno
# (npm ci there). Starts its own stack (bench/lib.sh) on free ports and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration=${1:-10}
connections=${2:-32}
deno=tools/deno/node_modules/deno/deno
[ -x "$deno" ] || { echo "Deno is not installed: (cd tools/deno && npm ci)"; exit 1; }
. bench/lib.sh
bench_on_exit() { [ -n "${bare_pid:-}" ] && kill "$bare_pid" 2>/dev/null; }
bench_start functions 1 free

handler='() => new Response("hello")'
mkdir -p "$work/hello"
echo "Deno.serve($handler);" > "$work/hello/index.ts"
tar -czf "$work/hello.tgz" -C "$work/hello" .
ms() { echo $(( $(date +%s%N) / 1000000 )); }

echo "cold start (3 deploys; each makes a new version, so the first request starts a new instance):"
for i in 1 2 3; do
  t0=$(ms)
  curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $ADMIN_PASSWORD" -H "Content-Type: application/gzip" \
    --data-binary @"$work/hello.tgz" "$ADMIN_URL/projects/default/functions/hello?verify_jwt=false"
  t1=$(ms)
  curl -sf -o /dev/null -H "apikey: $ANON_KEY" "$API_URL/functions/v1/hello"
  t2=$(ms)
  echo "  deploy $((t1 - t0)) ms, first response $((t2 - t1)) ms, deploy to first response $((t2 - t0)) ms"
done
grep -o '"Message":"Function default/hello[^"]*listening after [0-9]* ms' "$work/stack/logs/worker-1.log" \
  | sed 's/.*listening after/  instance start (worker log):/' | tail -3

echo "Deno.serve({ port: $((base + 40)), hostname: '127.0.0.1' }, $handler);" > "$work/bare.ts"
DENO_DIR="$work/deno" "$deno" run --allow-net "$work/bare.ts" > /dev/null 2>&1 &
bare_pid=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$((base + 40))/" && break; sleep 0.1; done

echo "wrk: $connections connections, ${duration}s each, 2 threads, on $(nproc) cores shared with the servers"
bench_wrk bare-deno "http://127.0.0.1:$((base + 40))/hello"
bench_wrk gateway "$API_URL/functions/v1/hello" -H "apikey: $ANON_KEY"
# A co-located node (the gateway serving the worker in-process) beside the stack: one .NET hop before Deno, not two.
bench_start_colocated $((base + 41))
bench_other_name=node bench_other_pids=$bench_node_pid bench_wrk node "$node_url/functions/v1/hello" -H "apikey: $ANON_KEY"
awk -v g="$(cat "$work/gateway.rps")" -v c="$(cat "$work/node.rps")" -v d="$(cat "$work/bare-deno.rps")" \
  'BEGIN { printf "through MadBase / bare Deno: gateway and worker %.2f, co-located node %.2f (goal >= 0.70)\n", g / d, c / d }'

echo "warm instances of the worker (RSS):"
for pid in $(pgrep -P "$bench_worker_pid" -f bootstrap.ts); do
  echo "  pid $pid: $(( $(bench_rss "$pid") / 1024 )) MiB"
done
