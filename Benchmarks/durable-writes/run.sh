#!/usr/bin/env bash
# Durable writes: acknowledged writes/s with fsync on, Apache ZooKeeper vs Corral, same run.
# Usage: Benchmarks/durable-writes/run.sh [--json] [--op setdata|create] [--repeats N] [--duration S] ...
# Corral comes from $CORRAL_BIN (default: <repo>/.build/release/corral). See README.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CORRAL_BIN="${CORRAL_BIN:-$repo/.build/release/corral}"
if [[ ! -x "$CORRAL_BIN" ]]; then
    echo "Corral binary not found at $CORRAL_BIN." >&2
    echo "Build it first:  (cd $repo && swift build -c release)" >&2
    echo "or point CORRAL_BIN at a corral binary (a debug build's numbers are not meaningful)." >&2
    exit 1
fi
exec python3 "$here/bench.py" "$@"
