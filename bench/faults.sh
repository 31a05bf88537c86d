#!/usr/bin/env bash
# Faults under load, measured: the local stack (2 workers, Redis) under a fixed request rate through the
# gateway (bench/faults-load.mjs: REST reads, REST inserts with unique ids under RLS, password sign-ins,
# storage uploads and downloads), while one fault at a time is injected: a worker SIGKILLed, Postgres
# restarted with pg_ctl, every database connection terminated, Redis stopped, Redis frozen (SIGSTOP 20 s),
# a project's connection pool filled with slow queries. For each: failed/total requests, time to recover
# (first failure to the first success after the last one), and acknowledged inserts missing from the table,
# next to the goal. Exits non-zero only when an acknowledged write is lost or the stack never recovers.
# Usage: bench/faults.sh [requests-per-second=40]. Needs node (20+), redis-server and the PostgreSQL 15
# binaries. Starts its own stack (bench/lib.sh: 2 workers, Release build) in a temp dir on free
# ports, and stops it at the end. Loopback only; about four minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rate=${1:-40}
pg_bin=/usr/lib/postgresql/15/bin
lead=5 # seconds of steady load before each fault
command -v node >/dev/null || { echo "node is not installed"; exit 1; }
command -v jq >/dev/null || { echo "jq is not installed: apt-get install -y jq"; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is not installed: apt-get install -y redis-server"; exit 1; }
bench_needs_wrk=0
. bench/lib.sh
# What a run leaves for a closer look: every request's outcome, the stack's output and the servers' logs.
keep=/tmp/madbase-faults-last
bench_on_exit() {
  if [ -n "${redis_pid:-}" ]; then kill -CONT "$redis_pid" 2>/dev/null || true; fi
  # Stopped here rather than by bench_stop, so that the kept output ends with the stop.
  if [ -n "${stack_pid:-}" ]; then kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null || true; fi
  stack_pid=
  rm -rf "$keep" && mkdir -p "$keep" && cp -r "$work"/*.jsonl "$work"/*.summary "$work/stack.log" "$work/stack/logs" "$keep" 2>/dev/null
}
bench_start faults 2 free
psql() { "$pg_bin/psql" "$DB_URL" -qAtX -v ON_ERROR_STOP=1 "$@"; }
server_pid() { jq -r --arg name "$1" '.[] | select(.name == $name) | .pid' "$work/stack/status.json"; }
service() { curl -sS -H "apikey: $SERVICE_ROLE_KEY" -H "Authorization: Bearer $SERVICE_ROLE_KEY" "$@"; }

# The load's user: sign-ins without the per-IP token limit; a first request also applies the auth schema,
# which the table's default (auth.uid()) needs.
curl -sSf -X PATCH "$ADMIN_URL/projects/default" -H "Authorization: Bearer $ADMIN_PASSWORD" -H 'Content-Type: application/json' \
  -d '{"settings":{"auth":{"rate_limit_token_refresh":0}}}' >/dev/null
export USER_EMAIL="faults-$(date +%s)@example.com" USER_PASSWORD=faults-password
curl -sSf "$API_URL/auth/v1/signup" -H "apikey: $ANON_KEY" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$USER_EMAIL\",\"password\":\"$USER_PASSWORD\"}" >/dev/null
USER_TOKEN=$(curl -sSf "$API_URL/auth/v1/token?grant_type=password" -H "apikey: $ANON_KEY" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$USER_EMAIL\",\"password\":\"$USER_PASSWORD\"}" | jq -r .access_token)
export USER_TOKEN
psql <<'SQL'
CREATE TABLE public.fault_notes (
  id bigint PRIMARY KEY, phase text NOT NULL, body text NOT NULL, owner uuid NOT NULL DEFAULT auth.uid());
ALTER TABLE public.fault_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes_read ON public.fault_notes FOR SELECT TO authenticated USING (owner = auth.uid());
CREATE POLICY own_notes_write ON public.fault_notes FOR INSERT TO authenticated WITH CHECK (owner = auth.uid());
GRANT SELECT, INSERT ON public.fault_notes TO authenticated;
-- What fills a project's connection pool: each call holds a connection for as long as it sleeps.
CREATE FUNCTION public.fault_sleep(seconds float8) RETURNS void LANGUAGE sql AS 'SELECT pg_sleep(seconds)';
NOTIFY pgrst, 'reload schema';
SQL
service -f -X POST -H 'Content-Type: application/json' -d '{"id":"faults","name":"faults"}' "$API_URL/storage/v1/bucket" >/dev/null
service -f -X POST -H 'Content-Type: text/plain' --data-binary 'probe' "$API_URL/storage/v1/object/faults/probe.txt" >/dev/null

# Waits up to 60 s for a read and an insert through the gateway; the stack "never recovered" otherwise.
recovered_after_phase() {
  local attempt probe_id
  for attempt in $(seq 1 60); do
    probe_id=$((800000000 + next_id / 1000 + attempt)) # a new id each time: a lost answer may hide a commit
    if curl -sf -o /dev/null "$API_URL/rest/v1/fault_notes?select=id&limit=1" -H "apikey: $ANON_KEY" -H "Authorization: Bearer $USER_TOKEN" \
      && curl -sf -o /dev/null -X POST "$API_URL/rest/v1/fault_notes" -H "apikey: $ANON_KEY" -H "Authorization: Bearer $USER_TOKEN" \
        -H 'Content-Type: application/json' -d "{\"id\":$probe_id,\"phase\":\"probe\",\"body\":\"probe\"}"; then
      return 0
    fi
    sleep 1
  done
  return 1
}

# Acknowledged inserts (201) of a phase that are not in the table.
lost_writes() {
  psql <<SQL
CREATE TEMP TABLE acked (id bigint);
\copy acked FROM '$work/$1.acked'
SELECT count(*) FILTER (WHERE n.id IS NULL) || ' ' || count(*) FROM acked a LEFT JOIN public.fault_notes n USING (id);
SQL
}

# The faults. Each runs $lead seconds into its phase's load.
kill_worker() { kill -KILL "$(server_pid worker-1)"; }
restart_postgres() {
  touch "$work/pg_ctl.log"
  local as=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$work/pg_ctl.log"; as=(runuser -u postgres --); fi
  "${as[@]}" "$pg_bin/pg_ctl" restart -D "$work/stack/pg" -m fast -l "$work/pg_ctl.log" >/dev/null
  accepted_at=$(date +%s%3N) # pg_ctl -w returns once the new postmaster accepts connections
}
drop_connections() {
  # A backend may exit between the listing and its termination: that warning is no news.
  psql -c "SET client_min_messages = error" \
    -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'" >/dev/null
}
stop_redis() { kill -TERM "$(server_pid redis)"; }
freeze_redis() {
  redis_pid=$(server_pid redis)
  kill -STOP "$redis_pid"
  sleep 20
  kill -CONT "$redis_pid"
  redis_pid=
}
fillers=()
fill_pool() {
  # Twice what both workers' pools for the project hold (20 each), each holding a connection for 8 s.
  for _ in $(seq 1 80); do
    service -s -o /dev/null -m 30 -X POST -H 'Content-Type: application/json' -d '{"seconds":8}' "$API_URL/rest/v1/rpc/fault_sleep" &
    fillers+=($!)
  done
}

failures=0
next_id=1
printf '%-18s %-22s %-16s %-22s %s\n' fault failed/total recovered writes goal
run_phase() { # name seconds fault goal-check goal-text
  local name=$1 seconds=$2 fault=$3 check=$4 goal=$5
  accepted_at=
  node bench/faults-load.mjs run "$name" "$seconds" "$rate" "$work" "$next_id" &
  local load=$!
  next_id=$((next_id + 1000000))
  sleep "$lead"
  fault_at=$(date +%s%3N)
  "$fault"
  wait "$load"
  [ ${#fillers[@]} -eq 0 ] || wait "${fillers[@]}" || true
  fillers=()
  local recovered=yes
  recovered_after_phase || { recovered=NEVER; failures=$((failures + 1)); }
  local writes lost acked summary
  writes=$(lost_writes "$name")
  lost=${writes% *}
  acked=${writes#* }
  [ "$lost" = 0 ] || failures=$((failures + 1))
  summary=$(node bench/faults-load.mjs report "$name" "$work" "$fault_at" $accepted_at)
  echo "$summary" > "$work/$name.summary"
  local failed total pct recovery after met
  failed=$(jq -r .failed <<<"$summary")
  total=$(jq -r .total <<<"$summary")
  pct=$(jq -r '.failedPercent | . * 100 | round / 100' <<<"$summary")
  recovery=$(jq -r 'if .failed == 0 then "no failures" elif .recovered then "in \(.recoverySeconds) s" else "not in the phase" end' <<<"$summary")
  after=$(jq -r 'if .servingAfterAcceptSeconds != null then " (serving \(.servingAfterAcceptSeconds) s after Postgres accepted; \(.failedAfterAccept) failed after that)" else "" end' <<<"$summary")
  met=$(jq -r "if ($check) then \"met\" else \"NOT met\" end" <<<"$summary")
  [ "$recovered" = yes ] || recovery="NEVER (60 s after the phase)"
  printf '%-18s %-22s %-16s %-22s %s: %s, 0 lost: %s\n' "$name" "$failed/$total ($pct%)" "$recovery" "$acked acked, $lost lost" \
    "$met" "$goal$after" "$([ "$lost" = 0 ] && echo met || echo NOT met)"
  jq -r 'if .failed > 0 then "                   failures from \(.failuresFrom) s to \(.failuresTo) s after the fault; \(.failedByKind | to_entries | map("\(.key) \(.value)") | join(", "))" else empty end' <<<"$summary"
  jq -r '.firstErrors[] | "                     \(.[1])x \(.[0])"' <<<"$summary"
}

node bench/faults-load.mjs run warmup 5 "$rate" "$work" 900000000 # JIT, pools, schema cache
run_phase worker-sigkill 20 kill_worker '.failedPercent < 0.5' '< 0.5% failed, survivors carry the load'
run_phase postgres-restart 20 restart_postgres '.recovered and (.servingAfterAcceptSeconds // 0) <= 5' 'serving within 5 s of Postgres accepting'
run_phase drop-connections 15 drop_connections '.recovered' 'recovers'
run_phase redis-stop 20 stop_redis '.failed == 0' '0 failed REST/auth/storage'
run_phase redis-freeze 35 freeze_redis '.failed == 0' '0 failed REST/auth/storage'
run_phase pool-fill 25 fill_pool '.recovered' 'recovers once the slow queries end'

echo
echo "Restarts logged by the stack:"
grep -E 'madbase\[10[123]\]' "$work/stack.log" | sed 's/^/  /' || echo "  none"
dotnet MadBase.Cli/bin/Release/net10.0/madbase.dll status --data-dir "$work/stack" | sed -n '/^  postgres /,$p'
echo
if [ "$failures" -gt 0 ]; then
  echo "FAILED: an acknowledged write was lost or the stack did not recover ($failures). Details: $keep"
  exit 1
fi
echo "No acknowledged write lost; the stack recovered from every fault. Details: $keep"
