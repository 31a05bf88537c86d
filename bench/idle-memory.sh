#!/usr/bin/env bash
# Memory of an idle stack over a long run: the resident set (RSS) of Control, the worker and the gateway,
# sampled every 30 s while the only traffic is the gateway's health probes (and one admin call a minute,
# as a dashboard would make). A .NET service's RSS climbs for its first minutes whatever it does: JIT tier-1
# code as methods called once a minute reach the tiering threshold, pages of the framework's images touched,
# and GC regions committed as gen0's budget fills. That budget follows the L3 the CPU reports (260 MiB on
# these VMs), so before the services capped it (16 MiB, MadBase.Cli/LocalStack/ServiceRuntimeSettings.cs) an
# idle service went 30+ minutes without a collection and its RSS rose by what it allocated (~1 MiB/min for
# Control): the "leak" issue 10 reported. The figure that says "leak or not" is the growth after the warm-up.
# Prints, per service, RSS at start, after the warm-up and at the end, the peaks (below) and the growth per
# minute after the warm-up, and each service's collection count. Goal: under 64 KiB/min. Beside RSS it prints
# each service's managed heap after its last collection (its own /metrics), which tells a managed leak from the
# runtime's native growth (JIT code, GC regions committed and kept).
# Usage: bench/idle-memory.sh [minutes=90] [warm-up minutes=45]. Starts its own stack (bench/lib.sh) on
# a free run of ports and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
minutes=${1:-90}
warmup=${2:-45}
[ "$warmup" -lt "$minutes" ] || { echo "the warm-up ($warmup min) must be shorter than the run ($minutes min)"; exit 1; }
bench_needs_wrk=0
. bench/lib.sh
bench_start idle-memory 1 free
control_pid=$(bench_pid_on $((base + 1)))

services=(control:"$control_pid" worker:"$bench_worker_pid" gateway:"$bench_gateway_pid")
metrics=("http://127.0.0.1:$((base + 1))" "$worker" "http://127.0.0.1:$bench_metrics_port") # each service's /metrics, same order
samples="$work/rss.tsv" # minute, then the RSS (KiB) of each service in the order above
heaps="$work/heap.tsv"  # minute, then each service's managed heap after its last collection (KiB)
# The runtime's own figure of what the last collection left (every generation, LOH and POH included): RSS also
# counts JIT code, native memory and gen0's sawtooth; this is the live set plus what that collection did not reach.
heap() { curl -s -m 5 "$1/metrics" | awk '/^dotnet_gc_last_collection_heap_size_bytes/ { n += $NF } END { printf "%d", n / 1024 }'; }
sample() {
  local line=$1 heapLine=$1 s u
  for s in "${services[@]}"; do line+=$'\t'$(bench_rss "${s#*:}"); done
  for u in "${metrics[@]}"; do heapLine+=$'\t'$(heap "$u"); done
  echo "$line" >> "$samples"; echo "$heapLine" >> "$heaps"
}

echo "idle stack: $minutes min, sampled every 30 s; growth counted after a $warmup min warm-up"
sample 0
for ((i = 1; i <= minutes * 2; i++)); do
  sleep 30
  if ((i % 2 == 0)); then curl -s -o /dev/null -H "Authorization: Bearer $ADMIN_PASSWORD" "$API_URL/admin/v1/projects"; fi
  sample "$(awk -v i="$i" 'BEGIN { print i / 2 }')"
done

# Between two collections RSS climbs by what the service allocates (a few KB/s: health probes, Redis pings,
# telemetry) until gen0's budget is spent, then falls back: a sawtooth. One sample at the end of the warm-up
# and one at the end can land anywhere on two teeth, so the growth is read from the peaks instead: the highest
# RSS in the first and in the last third of the time after the warm-up, over the time between those thirds'
# middles. A leak lifts every peak; a sawtooth whose teeth are shorter than a third (the 16 MiB gen0 cap,
# ServiceRuntimeSettings, makes them minutes long) does not. The least-squares slope is printed beside it.
# The services' own count of collections (their /metrics; the gateway's is on its metrics port): a run with none
# after the start-up would be the uncollected gen0 this bench was first fooled by.
gcs() { curl -s "$1/metrics" | awk '/^dotnet_gc_collections_total/ { n += $NF } END { print n + 0 }'; }
echo "collections during the run: control $(gcs "http://127.0.0.1:$((base + 1))"), worker $(gcs "$worker"), gateway $(gcs "http://127.0.0.1:$bench_metrics_port")"

status=0
column=2
for s in "${services[@]}"; do
  awk -v n="${s%%:*}" -v c="$column" -v w="$warmup" -v m="$minutes" -F'\t' '
    NR == 1 { first = $c }
    $1 == w { after = $c }
    $1 > w {
      t = $1; y = $c; k++; sx += t; sy += y; sxx += t * t; sxy += t * y
      third = int(3 * (t - w - 0.001) / (m - w))
      if (y > peak[third]) peak[third] = y
      last = y
    }
    END {
      growth = (peak[2] - peak[0]) / ((m - w) * 2 / 3)
      fit = (k * sxy - sx * sy) / (k * sxx - sx * sx)
      printf "%-8s RSS %6.1f MiB at start, %6.1f MiB after the warm-up, %6.1f MiB at the end; peaks %6.1f -> %6.1f MiB: %+6.1f KiB/min after the warm-up (goal < 64; least squares %+6.1f) %s\n",
        n, first / 1024, after / 1024, last / 1024, peak[0] / 1024, peak[2] / 1024, growth, fit, growth < 64 ? "ok" : "GROWING"
      exit growth < 64 ? 0 : 1
    }' "$samples" || status=1
  column=$((column + 1))
done

# A managed leak lifts the heap every collection leaves; floating garbage (what a gen0/gen1 collection cannot
# free) only lifts some samples, so each third's lowest value is compared.
column=2
for s in "${services[@]}"; do
  awk -v n="${s%%:*}" -v c="$column" -v w="$warmup" -v m="$minutes" -F'\t' '
    $1 > w && $c > 0 {
      third = int(3 * ($1 - w - 0.001) / (m - w))
      if (!(third in low) || $c < low[third]) low[third] = $c
    }
    END {
      growth = (low[2] - low[0]) / ((m - w) * 2 / 3)
      printf "%-8s managed heap after the last collection: lowest %6.1f -> %6.1f MiB: %+6.1f KiB/min after the warm-up\n",
        n, low[0] / 1024, low[2] / 1024, growth
    }' "$heaps"
  column=$((column + 1))
done
exit $status
