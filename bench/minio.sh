#!/usr/bin/env bash
# Why the worker's S3 blob store uses AWSSDK.S3 and not the Minio SDK: runs the Minio SDK (7.0.0) against
# the S3 test server (tools/s3rver) on the operations the storage module needs — a 1 GiB upload of
# unknown length, its download, a ranged download — and prints time, peak memory and failures.
# Usage: bench/minio.sh [MiB=1024]. Needs Node 20+ (tools/s3rver is installed on first use, as ./test.sh does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mib=${1:-1024}
if [ ! -d tools/s3rver/node_modules/@20minutes/s3rver ]; then
  (cd tools/s3rver && npm ci --no-audit --no-fund --loglevel=error && node patch.mjs)
fi
work=$(mktemp -d /tmp/madbase-minio-bench.XXXXXX)
port=32690
node tools/s3rver/start.mjs --port "$port" --dir "$work/s3" > "$work/s3.log" 2>&1 &
s3=$!
trap 'kill $s3 2>/dev/null; wait $s3 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do grep -q listening "$work/s3.log" && break; sleep 0.2; done
dotnet build bench/minio -c Release -v q -clp:ErrorsOnly >/dev/null
dotnet bench/minio/bin/Release/net10.0/MinioProbe.dll "$port" $((mib * 1024 * 1024))
