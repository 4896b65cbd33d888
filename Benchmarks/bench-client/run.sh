#!/usr/bin/env bash
# `corral bench` and Apache's C load_gen against the no-op responder, Apache ZooKeeper and Corral
# (forceSync=yes), all in one run. See README.md.
# Usage: Benchmarks/bench-client/run.sh [--duration S] [--warmup S] [--servers noop,apache,corral]
#            [--shapes loadgen,4x64,32x8,1x1] [--children N] [--threads N] [--no-load-gen] [--json] [--keep]
# Corral comes from $CORRAL_BIN (default: <repo>/.build/release/corral).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CORRAL_BIN="${CORRAL_BIN:-$repo/.build/release/corral}"
if [[ ! -x "$CORRAL_BIN" ]]; then
    echo "Corral binary not found at $CORRAL_BIN." >&2
    echo "Build it first:  (cd $repo && swift build -c release)  or point CORRAL_BIN at a release build." >&2
    exit 1
fi
exec python3 "$here/bench.py" "$@"
