#!/usr/bin/env bash
# Runs every Corral test: unit tests (swift test) and the conformance suites against a built
# `corral` (kazoo's own test suite, Apache's Java and C clients, bad-input fuzzing).
# Installs what the tests need when missing: Debian's zookeeper packages, PyPI's kazoo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

install_deps() {
    if ! dpkg -s zookeeper zookeeper-bin >/dev/null 2>&1; then
        echo "== installing Debian packages zookeeper zookeeper-bin"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zookeeper zookeeper-bin >/dev/null
    fi
    if ! python3 -c 'import kazoo, pytest_timeout' >/dev/null 2>&1; then
        echo "== installing kazoo and pytest-timeout from PyPI"
        python3 -m pip install -q 'kazoo==2.11.*' pytest pytest-timeout
    fi
}

install_deps

echo "== swift build"
swift build
export CORRAL_BIN="$root/.build/debug/corral"

failed=0
summary=()
run_suite() {
    local name=$1; shift
    echo "== $name"
    if "$@"; then summary+=("$name: ok"); else summary+=("$name: FAILED"); failed=1; fi
}

run_suite "swift test" swift test
run_suite "bad input (fuzz)" Tests/Conformance/badinput/run.sh --corral "$CORRAL_BIN"
run_suite "Apache Java and C CLI sessions" Tests/Conformance/cli/run.sh
run_suite "corral cli vs Apache zkCli transcripts" Tests/Conformance/cli/run.sh --corral-cli
run_suite "kazoo test suite" Tests/Conformance/kazoo/run.sh --corral "$CORRAL_BIN"
run_suite "kill -9 crash recovery" Tests/Conformance/crash/run.sh --corral "$CORRAL_BIN"
run_suite "full disk" Tests/Conformance/diskfull/run.sh --corral "$CORRAL_BIN"
run_suite "data dir compatibility with Apache" Tests/Conformance/datadir/run.sh --corral "$CORRAL_BIN"

echo "== summary"
printf '%s\n' "${summary[@]}"
exit $failed
