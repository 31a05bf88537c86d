#!/usr/bin/env bash
# Storage throughput and memory, measured: 100 MB and 1 GB objects uploaded and downloaded through the
# gateway (file backend, same disk) against a plain copy of the same file; peak RSS (VmHWM) of the
# gateway and the worker after each phase; and the latency of listing 100 entries in a bucket that
# holds 100,000 objects.
# Usage: bench/storage.sh [sizes in MB, default "100 1024"]; WORKERS=0 for a co-located stack. Starts its own stack (one worker, no Redis)
# in a temp dir on the storage module's private ports 32700-32704 and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=${1:-"100 1024"}
psql=/usr/lib/postgresql/15/bin/psql

. bench/lib.sh
bench_start storage "${WORKERS:-1}" 32700 --no-redis
gateway_pid=$bench_gateway_pid
worker_pid=$bench_worker_pid
peak_mb() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
rss_mb() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
mbps() { awk -v bytes="$1" -v secs="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / secs }'; }
api() { curl -sS -H "apikey: $SERVICE_ROLE_KEY" "$@"; }

# The default project's global limit is Supabase's 50 MB: raise it for the benchmark.
project_ref=$(curl -sS -H "Authorization: Bearer $ADMIN_PASSWORD" "$ADMIN_URL/projects" | jq -r 'if type == "array" then .[0].ref else .projects[0].ref end')
curl -sS -X PATCH -H "Authorization: Bearer $ADMIN_PASSWORD" -H 'content-type: application/json' \
  -d '{"settings":{"storage":{"file_size_limit":2147483648}}}' "$ADMIN_URL/projects/$project_ref" >/dev/null
api -X POST -H 'content-type: application/json' -d '{"id":"bench","name":"bench"}' "$API_URL/storage/v1/bucket" >/dev/null
sleep 1 # settings change reaches the worker

echo "Storage benchmark ($(nproc) cores, file backend at $work/stack/storage, gateway pid $gateway_pid, worker pid $worker_pid)"
echo "idle RSS: gateway $(rss_mb "$gateway_pid") MB, worker $(rss_mb "$worker_pid") MB"
printf '%-8s %-22s %10s %10s %14s %14s\n' size operation seconds MB/s gateway-peakMB worker-peakMB
for mb in $sizes; do
  bytes=$((mb * 1048576))
  head -c "$bytes" /dev/urandom > "$work/source.bin"
  sync

  start=$(date +%s.%N); cp "$work/source.bin" "$work/copy.bin"; sync; end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  printf '%-8s %-22s %10.2f %10s %14s %14s\n' "${mb}MB" "plain cp (+sync)" "$secs" "$(mbps "$bytes" "$secs")" - -
  rm -f "$work/copy.bin"

  start=$(date +%s.%N)
  code=$(curl -sS -o "$work/upload.json" -w '%{http_code}' -X POST -T "$work/source.bin" \
    -H "apikey: $SERVICE_ROLE_KEY" -H 'content-type: application/octet-stream' "$API_URL/storage/v1/object/bench/obj-$mb.bin")
  sync; end=$(date +%s.%N)
  [ "$code" = 200 ] || { echo "upload failed: $code $(cat "$work/upload.json")"; exit 1; }
  secs=$(echo "$end - $start" | bc)
  printf '%-8s %-22s %10.2f %10s %14s %14s\n' "${mb}MB" "upload via gateway" "$secs" "$(mbps "$bytes" "$secs")" "$(peak_mb "$gateway_pid")" "$(peak_mb "$worker_pid")"

  start=$(date +%s.%N)
  api -o "$work/download.bin" "$API_URL/storage/v1/object/bench/obj-$mb.bin"
  sync; end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  printf '%-8s %-22s %10.2f %10s %14s %14s\n' "${mb}MB" "download via gateway" "$secs" "$(mbps "$bytes" "$secs")" "$(peak_mb "$gateway_pid")" "$(peak_mb "$worker_pid")"
  cmp -s "$work/source.bin" "$work/download.bin" || { echo "downloaded bytes differ"; exit 1; }
  rm -f "$work/source.bin" "$work/download.bin"
done

# 100,000 rows in one bucket, half at the root and half in 100 folders, inserted directly (listing
# reads rows only, so no bytes are needed).
"$psql" -q "$DB_URL" <<'SQL'
INSERT INTO storage.buckets (id, name) VALUES ('bench-list', 'bench-list');
INSERT INTO storage.objects (bucket_id, name, version, metadata)
SELECT 'bench-list',
       CASE WHEN i % 2 = 0 THEN format('file-%s.txt', lpad(i::text, 6, '0'))
            ELSE format('folder-%s/file-%s.txt', lpad((i % 100)::text, 3, '0'), lpad(i::text, 6, '0')) END,
       'v1', jsonb_build_object('size', 10, 'mimetype', 'text/plain')
FROM generate_series(1, 100000) AS i;
ANALYZE storage.objects;
SQL
list() { # body
  for _ in $(seq 1 20); do
    api -o /dev/null -w '%{time_total}\n' -X POST -H 'content-type: application/json' -d "$1" "$API_URL/storage/v1/object/list/bench-list"
  done | sort -n | awk '{ a[NR] = $1 } END { printf "median %.1f ms, p95 %.1f ms\n", a[int(NR / 2) + 1] * 1000, a[int(NR * 0.95)] * 1000 }'
}
echo "list 100 of 100,000 (root, 50,100 entries):     $(list '{"prefix":"","limit":100,"offset":0,"sortBy":{"column":"name","order":"asc"}}')"
echo "list 100 of 100,000 (one folder, 500 entries):  $(list '{"prefix":"folder-042","limit":100,"offset":0,"sortBy":{"column":"name","order":"asc"}}')"
echo "list 100 of 100,000 (root, offset 10,000):      $(list '{"prefix":"","limit":100,"offset":10000,"sortBy":{"column":"name","order":"asc"}}')"
echo "list-v2 100 of 100,000 (root, delimiter):       $(for _ in $(seq 1 20); do api -o /dev/null -w '%{time_total}\n' -X POST -H 'content-type: application/json' -d '{"prefix":"","limit":100,"with_delimiter":true}' "$API_URL/storage/v1/object/list-v2/bench-list"; done | sort -n | awk '{ a[NR] = $1 } END { printf "median %.1f ms", a[int(NR / 2) + 1] * 1000 }')"
