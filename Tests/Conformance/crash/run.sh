#!/usr/bin/env bash
# Crash test: kill -9 a server under pipelined writes, restart it, check every acknowledged write
# and the zxid sequence of the txn logs. Examples:
#   Tests/Conformance/crash/run.sh --apache             # Apache ZooKeeper 3.8 (validates the test)
#   Tests/Conformance/crash/run.sh --corral             # $CORRAL_BIN (default .build/debug/corral)
#   Tests/Conformance/crash/run.sh --corral /work/bin/corral --seed 7 --kills 40
# Last line: "crash test: PASS (...)" or "crash test: FAIL: ..."; exit status 1 on failure.
# The whole run is bounded by CORRAL_CRASH_TIMEOUT seconds (default 300).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
export CORRAL_BIN="${CORRAL_BIN:-$repo/.build/debug/corral}"
export PYTHONDONTWRITEBYTECODE=1
exec timeout --kill-after=30 "${CORRAL_CRASH_TIMEOUT:-300}" python3 "$here/crash.py" "$@"
