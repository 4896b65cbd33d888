#!/usr/bin/env bash
# Two-way data directory compatibility with Apache ZooKeeper 3.8. Examples:
#   Tests/Conformance/datadir/run.sh                      # the four Corral scenarios
#   Tests/Conformance/datadir/run.sh --selftest           # Apache on both sides (harness check)
#   Tests/Conformance/datadir/run.sh --scenario corral-apache-kill --keep
#   CORRAL_BIN=/path/to/corral Tests/Conformance/datadir/run.sh --no-expiry
# Last line: "datadir compatibility: PASS (...)" or "... FAIL (...)"; exit 1 on failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
export CORRAL_BIN="${CORRAL_BIN:-$repo/.build/debug/corral}"
export PYTHONDONTWRITEBYTECODE=1
exec timeout --kill-after=30 "${CORRAL_DATADIR_TIMEOUT:-300}" python3 "$here/datadir.py" "$@"
