#!/usr/bin/env bash
# Auth throughput, measured: password sign-ins per second through the gateway (each one a bcrypt
# verification at cost 10) against raw bcrypt hashes per second with the same library on the same cores,
# and refresh-token rotations per second; p50/p99 from wrk --latency.
# Usage: bench/auth.sh [seconds=10] [connections=8]; WORKERS=0 for a co-located stack. Needs wrk (apt-get install -y wrk).
# Starts its own stack (one worker) in a temp dir on the auth module's private ports 32600-32604 and
# stops it at the end. The bench turns the per-IP token rate limit off for the default project, since
# wrk sends everything from one address.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration=${1:-10}
connections=${2:-8}
. bench/lib.sh
bench_start auth "${WORKERS:-1}" 32600

curl -sf -X PATCH "$ADMIN_URL/projects/default" -H "Authorization: Bearer $ADMIN_PASSWORD" -H 'Content-Type: application/json' \
  -d '{"settings":{"auth":{"rate_limit_token_refresh":0}}}' >/dev/null
sleep 2 # the change reaches the worker through Redis

email="bench-$(date +%s)@example.com"
curl -sf "$API_URL/auth/v1/signup" -H "apikey: $ANON_KEY" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"bench-password\"}" >/dev/null

# One refresh-token chain per wrk thread (one connection each), so rotations never contend for a row;
# a fresh set of chains for each wrk run (warm-up, measured), since a run leaves its starting tokens spent.
echo 0 > "$work/round"
for i in $(seq 1 $((2 * connections))); do
  session=$(curl -sf "$API_URL/auth/v1/token?grant_type=password" -H "apikey: $ANON_KEY" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"bench-password\"}")
  echo "$session" | sed -E 's/.*"refresh_token":"([^"]+)".*/\1/' >> "$work/tokens"
done

cat > "$work/password.lua" <<LUA
wrk.method = "POST"
wrk.headers["apikey"] = "$ANON_KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"$email","password":"bench-password"}'
LUA

cat > "$work/refresh.lua" <<LUA
local counter = 0
local round
function setup(thread)
  if not round then
    local file = io.open("$work/round")
    round = tonumber(file:read("*l"))
    file:close()
    file = io.open("$work/round", "w")
    file:write(tostring(round + 1))
    file:close()
  end
  counter = counter + 1
  thread:set("id", round * $connections + counter)
end
function init(args)
  local tokens = {}
  for line in io.lines("$work/tokens") do tokens[#tokens + 1] = line end
  token = tokens[id] or tokens[1]
end
function request()
  return wrk.format("POST", nil, { ["apikey"] = "$ANON_KEY", ["Content-Type"] = "application/json" },
    '{"refresh_token":"' .. token .. '"}')
end
function response(status, headers, body)
  local next_token = body:match('"refresh_token":"([^"]+)"')
  if next_token then token = next_token end
end
LUA

# Raw bcrypt with the worker's library and cost, one thread per core, for the same duration.
mkdir -p "$work/raw"
cat > "$work/raw/raw.csproj" <<'PROJ'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><PackageReference Include="Portable.BouncyCastle" Version="1.8.10" /></ItemGroup>
</Project>
PROJ
cat > "$work/raw/Program.cs" <<'CS'
using System.Diagnostics;
using Org.BouncyCastle.Crypto.Generators;
var seconds = int.Parse(args[0]);
var hash = OpenBsdBCrypt.Generate("2a", "bench-password".ToCharArray(), new byte[16], 10);
long count = 0;
var clock = Stopwatch.StartNew();
Parallel.For(0, Environment.ProcessorCount, _ =>
{
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        OpenBsdBCrypt.CheckPassword(hash, "bench-password".ToCharArray());
        Interlocked.Increment(ref count);
    }
});
Console.WriteLine($"{count / clock.Elapsed.TotalSeconds:F1}");
CS
(cd "$work/raw" && dotnet build -c Release --nologo -v q -clp:ErrorsOnly >/dev/null)
raw=$(dotnet "$work/raw/bin/Release/net10.0/raw.dll" "$duration")

# bench_wrk: a warm-up, then the measured run with p50/p99 and CPU per request of each process. The refresh
# run overrides its two threads with one per connection, so each connection keeps its own chain.
echo "== password sign-ins (POST /auth/v1/token?grant_type=password), $connections connections, ${duration}s"
bench_wrk password "$API_URL/auth/v1/token?grant_type=password" --timeout 10s -s "$work/password.lua"
echo "== refresh-token rotations (POST /auth/v1/token?grant_type=refresh_token), $connections chains, ${duration}s"
bench_wrk refresh "$API_URL/auth/v1/token?grant_type=refresh_token" -t"$connections" -s "$work/refresh.lua"

signins=$(cat "$work/password.rps")
refreshes=$(cat "$work/refresh.rps")
echo
echo "raw bcrypt verifications/s ($(nproc) cores): $raw"
echo "password sign-ins/s through the gateway:     $signins  (ratio $(awk -v a="$signins" -v b="$raw" 'BEGIN {printf "%.2f", a / b}'))"
echo "refreshes/s:                                 $refreshes"
