#!/usr/bin/env bash
# bcrypt cost 10: BCrypt.Net-Next (the worker's hasher) against BouncyCastle's OpenBsdBCrypt (the one it
# replaced), interleaved in one process; prints per-hash and per-verify times and the ratio next/bouncy.
# Usage: bench/bcrypt.sh [rounds=30]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/bcrypt"
dotnet run -c Release -v q -- "${1:-30}"
