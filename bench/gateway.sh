#!/usr/bin/env bash
# Gateway overhead, measured: wrk on loopback against a cheap worker endpoint (/auth/v1/health, which
# still resolves the project and verifies the JWT) three ways — through the MadBase gateway, straight to
# one worker, and through nginx as a reference reverse proxy — then the ratios: throughput, and the CPU each
# proxy spends per request (the figure that stays meaningful when wrk and the servers share two cores), and the
# worker's CPU per request behind the gateway against its CPU when called directly.
# Then the same request to a co-located node (Gateway__CoLocated, bench/lib.sh bench_start_colocated): the edge in-process.
# Usage: bench/gateway.sh [seconds=10] [connections=32]. Needs wrk and nginx (apt-get install -y wrk nginx).
# Starts its own stack (bench/lib.sh) on ports 32200-32204 and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration=${1:-10}
connections=${2:-32}
command -v nginx >/dev/null || { echo "nginx is not installed: apt-get install -y nginx"; exit 1; }
. bench/lib.sh
bench_on_exit() {
  [ -n "${nginx_pid:-}" ] && kill "$nginx_pid" 2>/dev/null
  [ -n "${floor_pid:-}" ] && kill "$floor_pid" 2>/dev/null
  return 0
}
bench_start gateway 1 32200
bench_start_colocated 32282

cat > "$work/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  upstream worker { server 127.0.0.1:32202; keepalive 64; }
  server {
    listen 127.0.0.1:32280;
    location / {
      proxy_pass http://worker;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-MadBase-Project default;
      proxy_set_header Authorization "Bearer \$http_apikey";
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
sleep 1
# nginx's master and its one worker process: their CPU is the reference proxy's cost.
bench_other_name=nginx
bench_other_pids="$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')"

# The floor of any YARP-based gateway: bench/yarp-floor, YARP with nothing else, run with the gateway's runtime
# settings (no thread-pool spinning, inline socket completions; MadBase.Gateway/InlineSocketCompletions.cs).
dotnet build bench/yarp-floor -c Release --nologo -v q -clp:ErrorsOnly > "$work/floor-build.log" || { cat "$work/floor-build.log"; exit 1; }
DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \
  dotnet bench/yarp-floor/bin/Release/net10.0/yarp-floor.dll "$worker" --urls http://127.0.0.1:32281 > "$work/floor.log" 2>&1 &
floor_pid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:32281/ && break; sleep 0.2; done

url_path=/auth/v1/health
echo "wrk: $connections connections, ${duration}s each, 2 threads, on $(nproc) cores shared with the servers"
bench_wrk worker "$worker$url_path" -H "X-MadBase-Project: default" -H "Authorization: Bearer $ANON_KEY"
bench_wrk gateway "$API_URL$url_path" -H "apikey: $ANON_KEY"
bench_wrk nginx "http://127.0.0.1:32280$url_path" -H "apikey: $ANON_KEY"
bench_other_name=yarp-floor bench_other_pids=$floor_pid \
  bench_wrk yarp-floor "http://127.0.0.1:32281$url_path" -H "X-MadBase-Project: default" -H "Authorization: Bearer $ANON_KEY"
bench_other_name=node bench_other_pids=$bench_node_pid bench_wrk node "$node_url$url_path" -H "apikey: $ANON_KEY"
awk -v g="$(cat "$work/gateway.rps")" -v w="$(cat "$work/worker.rps")" -v n="$(cat "$work/nginx.rps")" \
  'BEGIN { printf "throughput: gateway/worker %.2f   nginx/worker %.2f   gateway/nginx %.2f\n", g/w, n/w, g/n }'
awk -v g="$(bench_cpu gateway gateway)" -v n="$(bench_cpu nginx other)" -v wg="$(bench_cpu gateway worker)" \
  -v wd="$(bench_cpu worker worker)" -v wn="$(bench_cpu nginx worker)" 'BEGIN {
    printf "cpu per request: gateway/nginx %.2f (goal <= 2)   worker behind gateway/direct %.2f (goal <= 1.2)   worker behind nginx/direct %.2f\n",
      g / (n > 0 ? n : 1), wg / (wd > 0 ? wd : 1), wn / (wd > 0 ? wd : 1) }'
awk -v f="$(bench_cpu yarp-floor other)" -v n="$(bench_cpu nginx other)" -v g="$(bench_cpu gateway gateway)" 'BEGIN {
    printf "cpu per request: yarp-floor/nginx %.2f   gateway/yarp-floor %.2f (what the gateway adds to YARP)\n", f / (n > 0 ? n : 1), g / (f > 0 ? f : 1) }'
# Co-located mode: one process does the edge's steps and the worker's; its CPU less the worker's own (called directly)
# is what the edge costs there, against nginx's hop.
awk -v c="$(bench_cpu node other)" -v wd="$(bench_cpu worker worker)" -v n="$(bench_cpu nginx other)" \
  -v cr="$(cat "$work/node.rps")" -v w="$(cat "$work/worker.rps")" 'BEGIN {
    printf "co-located node: throughput node/worker %.2f   cpu per request node/worker-direct %.2f (goal <= 1.2)   edge in-process (node - worker)/nginx %.2f (goal <= 2)\n",
      cr / w, c / (wd > 0 ? wd : 1), (c - wd) / (n > 0 ? n : 1) }'
