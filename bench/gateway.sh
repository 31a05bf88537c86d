#!/usr/bin/env bash
# Gateway overhead, measured: wrk on loopback against a cheap worker endpoint (/auth/v1/health, which
# still resolves the project and verifies the JWT) three ways — through the MadBase gateway, straight to
# one worker, and through nginx as a reference reverse proxy — then the ratios.
# Usage: bench/gateway.sh [seconds=10] [connections=32]. Needs wrk and nginx (apt-get install -y wrk nginx).
# Starts its own stack (one worker) in a temp dir on private ports and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration=${1:-10}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk"; exit 1; }
command -v nginx >/dev/null || { echo "nginx is not installed: apt-get install -y nginx"; exit 1; }

work=$(mktemp -d /tmp/madbase-bench.XXXXXX)
chmod 755 "$work" # Postgres runs as the postgres user
cleanup() {
  [ -n "${nginx_pid:-}" ] && kill "$nginx_pid" 2>/dev/null || true
  [ -n "${stack_pid:-}" ] && kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build MadBase.Offline.slnf -c Release --nologo -v q -clp:ErrorsOnly >/dev/null
# wrk sends everything from one IP: switch the per-IP limiter off, or it measures 429s.
Gateway__RateLimit__PermitsPerSecond=0 dotnet MadBase.Cli/bin/Release/net10.0/madbase.dll start --data-dir "$work/stack" --workers 1 \
  --port 32200 --control-port 32201 --worker-port 32202 --db-port 32204 --redis-port 32205 > "$work/stack.log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 180); do [ -f "$work/stack/stack.env" ] && break; sleep 1; done
[ -f "$work/stack/stack.env" ] || { cat "$work/stack.log"; exit 1; }
# shellcheck disable=SC1091
. "$work/stack/stack.env"

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

run() { # name url headers...
  local name=$1 url=$2; shift 2
  wrk -t2 -c"$connections" -d3s "$@" "$url" > /dev/null # warm-up (JIT, pools), not counted
  local out; out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  printf '%-10s %12s req/s   p50 %-9s p99 %-9s non-2xx %s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
  echo "$rps" > "$work/$name.rps"
}

url_path=/auth/v1/health
echo "wrk: $connections connections, ${duration}s each, 2 threads, on $(nproc) cores shared with the servers"
run worker  "http://127.0.0.1:32202$url_path" -H "X-MadBase-Project: default" -H "Authorization: Bearer $ANON_KEY"
run gateway "$API_URL$url_path" -H "apikey: $ANON_KEY"
run nginx   "http://127.0.0.1:32280$url_path" -H "apikey: $ANON_KEY"
awk -v g="$(cat "$work/gateway.rps")" -v w="$(cat "$work/worker.rps")" -v n="$(cat "$work/nginx.rps")" \
  'BEGIN { printf "gateway/worker %.2f   nginx/worker %.2f   gateway/nginx %.2f\n", g/w, n/w, g/n }'
