#!/usr/bin/env bash
# Bad-input / fuzz test for the client port. Examples:
#   Tests/Conformance/badinput/run.sh --apache            # throw-away Apache ZooKeeper 3.8
#   Tests/Conformance/badinput/run.sh --corral            # throw-away $CORRAL_BIN server
#   Tests/Conformance/badinput/run.sh --port 2181 --seed 7 --duration 30
#   Tests/Conformance/badinput/run.sh --port 2181 --seed 7 --replay 123   # one attack, verbose
# Last line: "N passed, N failed"; exit status 1 on any failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
export CORRAL_BIN="${CORRAL_BIN:-$repo/.build/debug/corral}"
export PYTHONDONTWRITEBYTECODE=1
exec timeout --kill-after=30 "${CORRAL_BADINPUT_TIMEOUT:-300}" python3 "$here/fuzz.py" "$@"
