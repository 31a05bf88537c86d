#!/usr/bin/env bash
# Many projects on one cluster (issue 19, item 4): PROJECTS projects on one Postgres, two workers and one gateway.
# Measures, in one run: project creation time (admin API), the first request to a cold project (a new project's
# first request brings its database up to date, so it is the coldest there is), the workers' memory per project
# they serve, throughput of a primary-key GET spread evenly over every project against the same GET on one
# project (the ratio is the figure; goal >= 0.8), and the Postgres connections the workers hold while doing it
# against their cap (Worker__MaxConnections per worker). Then it starts a second Postgres cluster, puts a new
# project's database there (database_url) and shows the same request served from it.
# Usage: bench/projects.sh [projects=500] [seconds=10] [connections=32]; CAP=n sets Worker__MaxConnections (default 300),
# WORKERS=n the number of workers (2).
# The cap: the gateway keeps each project on one worker (ProjectAffinityPolicy), so each of W workers serves about
# PROJECTS/W of them, 250 of 500 with two (the hash spreads them within a few percent), and needs a pooled connection
# for each, plus those of a project's overlapping requests and of requests spilled over from the other worker; the
# worker's own default, 100, is far below even the 250. 300 per worker fits Postgres with room to spare: the local
# stack's max_connections is 1000 (MadBase.Cli ConnectionLimits), against 2 x 300 pools, 2 x 100 schema listeners
# (Rest__MaxSchemaListeners) and Control's and the system database's few. Measured, the pools still reach it (the
# extra connections above): see README, Performance.
# Needs wrk and psql; starts its own stack (bench/lib.sh, Release) on free ports and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
count=${1:-500}
duration=${2:-10}
connections=${3:-32}
cap=${CAP:-300}
workers=${WORKERS:-2}
pg_bin=${MADBASE_PG_BIN:-/usr/lib/postgresql/15/bin}
. bench/lib.sh
Worker__MaxConnections=$cap bench_start projects "$workers" free
control_pid=$(bench_pid_on $((base + 1)))
db() { sed -E "s#/[^/?]*(\?|$)#/$1\1#" <<< "$DB_URL"; } # the stack's DB_URL with another database
admin() { curl -sf -X "$1" "$ADMIN_URL$2" -H "Authorization: Bearer $ADMIN_PASSWORD" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
setup_sql="CREATE TABLE public.bench_items (id int PRIMARY KEY, name text NOT NULL, price numeric NOT NULL);
INSERT INTO public.bench_items SELECT g, 'item ' || g, g % 97 FROM generate_series(1, 1000) g;
GRANT SELECT ON public.bench_items TO anon; NOTIFY pgrst;"
percentiles() { sort -n | awk '{ v[NR] = $1; s += $1 } END { printf "mean %.0f ms, p50 %.0f ms, p99 %.0f ms, max %.0f ms", s / NR, v[int(NR * 0.5) + 1], v[(int(NR * 0.99) > 0) ? int(NR * 0.99) : 1], v[NR] }'; }

workers_rss() { local total=0 pid; for pid in "${bench_worker_pids[@]}"; do total=$((total + $(bench_rss "$pid"))); done; echo "$total"; }
rss_before=$(workers_rss)

# Creation, four at a time (as a provisioning script would); each call's own time is the figure.
echo "creating $count projects"
export ADMIN_URL ADMIN_PASSWORD
seq 1 "$count" | xargs -P 4 -I{} sh -c '
  curl -sf -o "$0/project-{}.json" -w "%{time_total}\n" -X POST "$ADMIN_URL/projects" -H "Authorization: Bearer $ADMIN_PASSWORD" \
    -H "Content-Type: application/json" -d "{\"name\":\"bench {}\"}"' "$work" > "$work/create.times"
[ "$(wc -l < "$work/create.times")" -eq "$count" ] || { echo "not every project was created"; exit 1; }
for i in $(seq 1 "$count"); do
  node -e 'const p = require(process.argv[1]); console.log([p.ref, p.db_name, p.anon_key].join(" "))' "$work/project-$i.json"
done > "$work/projects.txt"
awk '{print $3}' "$work/projects.txt" > "$work/keys.txt"
while read -r _ name _; do psql -q "$(db "$name")" -c "$setup_sql" > /dev/null; done < "$work/projects.txt"

# The first request of each project (on its worker, the one the gateway keeps it on): sequential, so each is alone.
echo "first requests"
while read -r _ _ key; do
  curl -s -o /dev/null -w "%{http_code} %{time_total}\n" "$API_URL/rest/v1/bench_items?id=eq.1" -H "apikey: $key"
done < "$work/projects.txt" > "$work/first.txt"
bad=$(awk '$1 != 200' "$work/first.txt" | wc -l)
rss_after=$(workers_rss)

cat > "$work/one.lua" <<LUA
math.randomseed(os.time())
local key = "$(head -1 "$work/keys.txt")"
request = function()
  return wrk.format("GET", string.format("/rest/v1/bench_items?select=*&id=eq.%d", math.random(1, 1000)), { ["apikey"] = key })
end
LUA
cat > "$work/many.lua" <<LUA
math.randomseed(os.time())
local keys = {}
for line in io.lines("$work/keys.txt") do keys[#keys + 1] = line end
request = function()
  return wrk.format("GET", string.format("/rest/v1/bench_items?select=*&id=eq.%d", math.random(1, 1000)), { ["apikey"] = keys[math.random(#keys)] })
end
LUA

# Postgres connections by who holds them, sampled through the many-projects run; the peak of each is printed.
sample_connections() {
  while :; do
    psql -Atq "$DB_URL" -c "SELECT count(*) FILTER (WHERE application_name LIKE 'madbase-worker:%'),
      count(*) FILTER (WHERE application_name LIKE 'madbase-schema-listener:%'), count(*) FILTER (WHERE backend_type = 'client backend')
      FROM pg_stat_activity" 2>/dev/null || true
    sleep 0.5
  done
}

echo "wrk: $connections connections, ${duration}s each, 2 threads, on $(nproc) cores shared with the servers"
# One project first: the figure the spread is held to is what the stack serves when one project has it to itself.
# Measured after, it was what a project serves while hundreds of others' pools still hold its worker's connections
# (they go only once cold, 10 s after their last request: ConnectionBudget): 2,182 to 3,423 req/s over five runs.
bench_wrk one-project "$API_URL" -s "$work/one.lua"
# Then spread over every project, after a warm-up long enough for every project to have its connections and
# prepared statements (the first requests above were minutes ago: Npgsql has closed those connections since).
sample_connections > "$work/connections.txt" &
sampler=$!
bench_warm_servers="" bench_warmup=${WARMUP:-30} bench_wrk "$count-projects" "$API_URL" -s "$work/many.lua"
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true

one=$(cat "$work/one-project.rps")
many=$(cat "$work/$count-projects.rps")
echo
echo "projects:            $count on one cluster, $workers workers, Worker__MaxConnections=$cap"
echo "creation:            $(awk '{print $1 * 1000}' "$work/create.times" | percentiles) (admin API, 4 at a time)"
echo "first request:       $(awk '{print $2 * 1000}' "$work/first.txt" | percentiles) (a new project: its migrations run); non-200: $bad"
echo "worker memory:       $(( (rss_after - rss_before) / count )) KiB RSS per project served (the workers together: $((rss_before / 1024)) MiB -> $((rss_after / 1024)) MiB)"
max_connections=$(psql -Atq "$DB_URL" -c "SHOW max_connections")
awk -F'|' -v cap="$cap" -v w="$workers" -v max="$max_connections" '{ if ($1 > p) p = $1; if ($2 > l) l = $2; if ($3 > t) t = $3 }
  END { printf "connections (peak):  pools %d (cap %d = %d workers x %d), schema listeners %d, all client backends %d (max_connections %d)\n", p, w * cap, w, cap, l, t, max }' \
  "$work/connections.txt"
awk -v one="$one" -v many="$many" -v n="$count" 'BEGIN { printf "throughput:          %.0f req/s over %d projects vs %.0f on one: ratio %.2f (goal >= 0.8)\n", many, n, one, many / one }'

# A second cluster: a project whose database lives there (database_url) answers the same request.
second=$(bench_free_ports 1)
mkdir -p "$work/second" && chown postgres "$work/second"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/second" -U postgres --auth=trust > /dev/null
# What a run leaves for a closer look: the stack's logs (in /tmp/madbase-projects-last).
bench_on_exit() {
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/second" -m immediate stop > /dev/null 2>&1 || true
  rm -rf /tmp/madbase-projects-last && cp -r "$work/stack/logs" /tmp/madbase-projects-last 2>/dev/null || true
}
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/second" -o "-p $second -k /tmp -c listen_addresses=127.0.0.1" -l "$work/second/server.log" -w start > /dev/null
psql -q "postgresql://postgres@127.0.0.1:$second/postgres" -c "CREATE DATABASE elsewhere TEMPLATE template0 ENCODING 'UTF8'"
started=$(date +%s%N)
created=$(admin POST /projects "{\"name\":\"on the second cluster\",\"database_url\":\"postgresql://postgres@127.0.0.1:$second/elsewhere\"}")
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
key=$(node -e 'console.log(JSON.parse(process.argv[1]).anon_key)' "$created")
psql -q "postgresql://postgres@127.0.0.1:$second/elsewhere" -c "$setup_sql" > /dev/null
answer=$(curl -s -w ' %{http_code}' "$API_URL/rest/v1/bench_items?select=name&id=eq.7" -H "apikey: $key")
echo "second cluster:      project created in $elapsed ms on 127.0.0.1:$second/elsewhere; GET answered $answer"
