#!/usr/bin/env bash
# Scripted zkCli (Java) and cli_mt (C) sessions against a fresh server per case.
#
#   Tests/Conformance/cli/run.sh                 # against $CORRAL_BIN (default .build/debug/corral)
#   Tests/Conformance/cli/run.sh --apache        # against Apache ZooKeeper 3.8 (Debian package)
#   Tests/Conformance/cli/run.sh --apache --record   # regenerate expected/*.out from Apache
#   Tests/Conformance/cli/run.sh 05 acl          # only cases whose name contains 05 or acl
#
# Other options: --keep (keep work dirs with zoo.cfg, server.log, raw.out),
# --port N, --client-timeout S (default 30), --total-timeout S (default 600).
# Exit status 0 only if every case matched; the last line is "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
export CORRAL_BIN="${CORRAL_BIN:-$repo/.build/debug/corral}"
exec timeout --kill-after=30 "${CORRAL_CLI_TIMEOUT:-900}" \
    python3 "$here/runner.py" --client-timeout 30 "$@"
