#!/usr/bin/env bash
# Full-disk test: a Corral server whose txn log lives on a small tmpfs that fills up.
#   Tests/Conformance/diskfull/run.sh [--corral BIN]
# Needs root (it mounts a tmpfs); without it, it says SKIPPED and exits 0.
# Last line: "diskfull: PASS ..." / "diskfull: FAIL ..." / "diskfull: SKIPPED ...".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
bin="${CORRAL_BIN:-$repo/.build/debug/corral}"
if [[ "${1:-}" == "--corral" ]]; then bin="$2"; fi
export PYTHONDONTWRITEBYTECODE=1
exec timeout --kill-after=10 120 python3 "$here/diskfull.py" "$bin"
