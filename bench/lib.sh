# Sourced by the benches: a private stack in a temp dir (Release build, one or more workers, the gateway's
# per-IP limiter off since the load comes from one address), stopped and removed on exit; and wrk runs
# that also report the CPU each process spent per request, a figure that stays meaningful when other
# work shares the cores and requests per second do not.
# shellcheck shell=bash

# bench_start NAME WORKERS BASE_PORT|free [cli options...]: the stack on ports BASE (gateway), BASE+1
# (control), BASE+2.. (the WORKERS workers), then Postgres, Redis and the gateway's metrics port; `free` picks a
# free run of ports. WORKERS 0 is a co-located stack (madbase start --co-located): the gateway's process is also the
# worker, so bench_worker_pid(s) name it and there is no direct worker URL.
# Variables set before the call (VAR=x bench_start ...) reach the services. Sets work, base, stack_pid,
# worker (the first worker's URL), db_port, bench_metrics_port, bench_gateway_pid, bench_worker_pid (the first worker's),
# bench_worker_pids and bench_worker_ports (all of them), and exports everything in stack.env.
bench_start() {
  local name=$1 workers=$2 i
  base=$3
  shift 3
  if [ "${bench_needs_wrk:-1}" = 1 ]; then
    command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk"; exit 1; }
  fi
  if [ "$base" = free ]; then base=$(bench_free_ports $((workers + 5))) || exit 1; fi
  db_port=$((base + 2 + workers))
  work=$(mktemp -d "/tmp/madbase-$name-bench.XXXXXX")
  chmod 755 "$work" # Postgres runs as the postgres user
  trap bench_stop EXIT
  dotnet build MadBase.sln -c Release --nologo -v q -clp:ErrorsOnly > "$work/build.log" || { cat "$work/build.log"; exit 1; }
  local shape=(--workers "$workers" --worker-port $((base + 2)))
  [ "$workers" = 0 ] && shape=(--co-located)
  Gateway__RateLimit__PermitsPerSecond=0 dotnet MadBase.Cli/bin/Release/net10.0/madbase.dll start --data-dir "$work/stack" \
    "${shape[@]}" --port "$base" --control-port $((base + 1)) --db-port "$db_port" \
    --redis-port $((db_port + 1)) --metrics-port $((db_port + 2)) "$@" > "$work/stack.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 1 180); do [ -f "$work/stack/stack.env" ] && break; sleep 1; done
  [ -f "$work/stack/stack.env" ] || { cat "$work/stack.log"; exit 1; }
  set -a
  # shellcheck disable=SC1091
  . "$work/stack/stack.env"
  set +a
  worker=http://127.0.0.1:$((base + 2))
  bench_metrics_port=$((db_port + 2))
  bench_gateway_pid=$(bench_pid_on "$base")
  bench_worker_ports=() bench_worker_pids=()
  for ((i = 0; i < workers; i++)); do
    bench_worker_ports+=($((base + 2 + i)))
    bench_worker_pids+=("$(bench_pid_on $((base + 2 + i)))")
  done
  if [ "$workers" = 0 ]; then
    worker='' bench_worker_ports=("$base") bench_worker_pids=("$bench_gateway_pid")
  fi
  bench_worker_pid=${bench_worker_pids[0]}
}

# bench_start_colocated PORT: a co-located node (MadBase.Gateway with Gateway__CoLocated: the worker's APIs served in
# the gateway's process, no proxy hop) beside the stack, on its Postgres, Redis and Control, with the first worker's
# settings; its pid in bench_node_pid, its URL in node_url; bench_stop stops it.
bench_start_colocated() {
  local port=$1
  node_url=http://127.0.0.1:$port
  (
    while IFS= read -r -d '' line; do
      case $line in ConnectionStrings__* | Storage__* | Worker__* | Rest__* | Realtime__* | ASPNETCORE_ENVIRONMENT=*) export "${line?}" ;; esac
    done < "/proc/$bench_worker_pid/environ"
    export Gateway__CoLocated=true Gateway__RateLimit__PermitsPerSecond=0 services__control__http__0="http://127.0.0.1:$((base + 1))" \
      Functions__DataDirectory="$work/node-functions"
    exec dotnet MadBase.Gateway/bin/Release/net10.0/MadBase.Gateway.dll --urls "$node_url"
  ) > "$work/node.log" 2>&1 &
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$node_url/health" && break; sleep 0.2; done
  curl -sf -o /dev/null "$node_url/health" || { echo "the co-located node did not start:"; tail -20 "$work/node.log"; exit 1; }
  bench_node_pid=$(bench_pid_on "$port")
}

# bench_free_ports COUNT: the first of COUNT free loopback ports in a row, from 20000-39999.
bench_free_ports() {
  local first
  for _ in $(seq 1 50); do
    first=$((20000 + RANDOM % 20000))
    [ -z "$(ss -ltnH "sport >= :$first and sport <= :$((first + $1 - 1))")" ] && { echo "$first"; return; }
  done
  echo "no $1 free ports in a row" >&2; exit 1
}

# bench_rss PID: the process's resident set (VmRSS) in KiB, 0 once it is gone.
bench_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

bench_stop() {
  if declare -F bench_on_exit >/dev/null; then bench_on_exit || true; fi
  if [ -n "${bench_node_pid:-}" ]; then kill -TERM "$bench_node_pid" 2>/dev/null || true; fi
  if [ -n "${stack_pid:-}" ]; then kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}

bench_pid_on() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }

# CPU ticks (utime + stime) of the given processes.
bench_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# The stack's Postgres: the postmaster on db_port and its backends.
bench_postgres_pids() {
  local postmaster
  postmaster=$(bench_pid_on "$db_port")
  echo "$postmaster" $(pgrep -P "$postmaster")
}

# bench_wrk NAME URL [wrk options...]: a warm-up (JIT, pools; 15 s the first time a server is called, while its
# hot paths are compiled to their final tier, then 3 s), then the measured run. Prints req/s,
# p50/p99, non-2xx and CPU µs per request of gateway, worker and Postgres (and of bench_other_pids, named
# bench_other_name, when the caller sets them: a reference proxy); leaves req/s in $work/NAME.rps and the CPU
# figures, "gateway worker postgres other" in µs per request, in $work/NAME.cpu.
bench_wrk() {
  local name=$1 url=$2
  shift 2
  # The first call through the gateway is also the first time its code runs, even when the worker behind it is warm.
  local server
  server=$(sed -E 's#^([a-z]+://[^/]+).*#\1#' <<< "$url")
  if [[ " ${bench_warm_servers:-} " == *" $server "* ]]; then
    wrk -t2 -c"${connections:-32}" -d3s "$@" "$url" > /dev/null
  else
    wrk -t2 -c"${connections:-32}" -d"${bench_warmup:-15}s" "$@" "$url" > /dev/null
    bench_warm_servers="${bench_warm_servers:-} $server"
  fi
  local hz g0 w0 p0 o0 out g1 w1 p1 o1 file=${name//\//_}
  hz=$(getconf CLK_TCK)
  g0=$(bench_ticks "$bench_gateway_pid"); w0=$(bench_ticks "$bench_worker_pid"); p0=$(bench_ticks $(bench_postgres_pids))
  o0=$(bench_ticks ${bench_other_pids:-})
  out=$(wrk -t2 -c"${connections:-32}" -d"${duration:-10}s" --latency "$@" "$url")
  g1=$(bench_ticks "$bench_gateway_pid"); w1=$(bench_ticks "$bench_worker_pid"); p1=$(bench_ticks $(bench_postgres_pids))
  o1=$(bench_ticks ${bench_other_pids:-})
  echo "$out" | awk -v name="$name" -v hz="$hz" -v g=$((g1 - g0)) -v w=$((w1 - w0)) -v p=$((p1 - p0)) -v o=$((o1 - o0)) \
    -v other="${bench_other_name:-}" -v cpu="$work/$file.cpu" '
    /requests in/ { n = $1 }
    /Requests\/sec/ { rps = $2 }
    /Non-2xx/ { non = $5 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    END {
      us = 1000000 / hz / (n > 0 ? n : 1)
      printf "%-16s %10s req/s  p50 %-8s p99 %-8s non-2xx %-5s cpu/req: gateway %4.0f us, worker %4.0f us, postgres %4.0f us",
        name, rps, p50, p99, non + 0, g * us, w * us, p * us
      if (other != "") printf ", %s %4.0f us", other, o * us
      printf "\n"
      printf "%f %f %f %f\n", g * us, w * us, p * us, o * us > cpu
    }'
  echo "$out" | awk '/Requests\/sec/ {print $2}' > "$work/$file.rps"
}

# bench_cpu NAME COLUMN: a CPU figure bench_wrk left for the run NAME (gateway, worker, postgres or other), µs per request.
bench_cpu() {
  local column
  case $2 in gateway) column=1 ;; worker) column=2 ;; postgres) column=3 ;; other) column=4 ;; *) return 1 ;; esac
  awk -v c="$column" '{print $c}' "$work/${1//\//_}.cpu"
}
