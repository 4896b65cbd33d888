#!/usr/bin/env bash
# Run kazoo's own test suite (kazoo 2.11, the tests shipped inside the PyPI
# package) against Corral or Apache ZooKeeper. See Tests/Conformance/README.md.
#
#   Tests/Conformance/kazoo/run.sh --apache [--update-baseline]
#   CORRAL_BIN=.build/debug/corral Tests/Conformance/kazoo/run.sh
#   Tests/Conformance/kazoo/run.sh --corral .build/debug/corral
#   ... run.sh --apache -- -k TestClient       (extra pytest args after --)
#
# Modes:
#   corral (default; CORRAL_BIN or --corral PATH): kazoo's harness starts
#     "$CORRAL_BIN server --config <zoo.cfg>" instead of java. Exits non-zero
#     if any test listed in apache-baseline.txt does not pass, unless it is
#     listed in the Exclusions section of Tests/Conformance/README.md.
#   --apache: kazoo's harness starts Apache ZooKeeper 3.8 (Debian jars).
#     Exits non-zero if a baseline test fails (flaky baseline), unless
#     --update-baseline, which rewrites apache-baseline.txt from this run.
#
# Environment knobs (all optional):
#   KAZOO_OUT            output dir (default <repo>/.build/kazoo-conformance)
#   KAZOO_VENV           python venv (default <repo>/.build/kazoo-venv)
#   KAZOO_TEST_TIMEOUT   per-test timeout, seconds (default 90)
#   KAZOO_TOTAL_TIMEOUT  whole pytest run, seconds (default 900)
#   ZOOKEEPER_PORT_OFFSET  first port P: client P, election P+1, quorum P+2,
#                        admin P+3, secure client P+4 (default: the first
#                        free block from 20000 in steps of 100)
#   PYTHON               interpreter used to create the venv (default python3)
set -uo pipefail

# Everything is inside main, so bash has read the whole script before it runs
# any of it (editing run.sh cannot disturb a run in progress).
main() {

  HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  REPO="$(cd "$HERE/../../.." && pwd)"
  BASELINE="$HERE/apache-baseline.txt"
  README="$REPO/Tests/Conformance/README.md"

  MODE=corral
  UPDATE_BASELINE=0
  PYTEST_EXTRA=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --apache) MODE=apache ;;
      --corral) MODE=corral; CORRAL_BIN="$2"; shift ;;
      --update-baseline) UPDATE_BASELINE=1 ;;
      -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
      --) shift; PYTEST_EXTRA=("$@"); break ;;
      *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
  done

  if [ "$MODE" = corral ]; then
    if [ -z "${CORRAL_BIN:-}" ]; then
      echo "run.sh: set CORRAL_BIN (or pass --corral PATH), or use --apache" >&2
      exit 2
    fi
    case "$CORRAL_BIN" in /*) ;; *) CORRAL_BIN="$PWD/$CORRAL_BIN" ;; esac
    if [ ! -x "$CORRAL_BIN" ]; then
      echo "run.sh: CORRAL_BIN=$CORRAL_BIN is not an executable file" >&2
      exit 2
    fi
    export CORRAL_BIN
    if [ "$UPDATE_BASELINE" = 1 ]; then
      echo "run.sh: --update-baseline only makes sense with --apache" >&2
      exit 2
    fi
  else
    unset CORRAL_BIN
  fi

  OUT="${KAZOO_OUT:-$REPO/.build/kazoo-conformance}"
  VENV="${KAZOO_VENV:-$REPO/.build/kazoo-venv}"
  TEST_TIMEOUT="${KAZOO_TEST_TIMEOUT:-90}"
  TOTAL_TIMEOUT="${KAZOO_TOTAL_TIMEOUT:-900}"
  mkdir -p "$OUT"
  OUT="$(cd "$OUT" && pwd)"

  # --- python side: a private venv with kazoo 2.11 and its test dependencies --
  req_stamp="$VENV/.requirements.sha"
  req_sha="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$req_stamp" 2>/dev/null)" != "$req_sha" ] \
     || ! "$VENV/bin/python" -c 'import kazoo.testing.common, pytest_timeout' 2>/dev/null; then
    echo "run.sh: preparing venv $VENV"
    rm -rf "$VENV"
    "${PYTHON:-python3}" -m venv "$VENV" || exit 2
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt" || exit 2
    echo "$req_sha" > "$req_stamp"
  fi
  KAZOO_DIR="$("$VENV/bin/python" -c 'import kazoo,os;print(os.path.dirname(kazoo.__file__))')"
  SITE="$(dirname "$KAZOO_DIR")"

  # --- server side ------------------------------------------------------------
  if [ "$MODE" = apache ] || [ "${CORRAL_SELFTEST_NEEDS_JAVA:-0}" = 1 ]; then
    if [ ! -f /usr/share/java/zookeeper.jar ] || ! command -v java >/dev/null; then
      echo "run.sh: installing Debian zookeeper (Apache ZooKeeper 3.8)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zookeeper >/dev/null || exit 2
    fi
  fi

  # Ports: kazoo uses ZOOKEEPER_PORT_OFFSET .. +4. Unless one is given, take the
  # first block of five free ports from 20000 in steps of 100, so two runs (or a
  # developer's server) on one machine do not talk to each other's servers.
  if [ -z "${ZOOKEEPER_PORT_OFFSET:-}" ]; then
    ZOOKEEPER_PORT_OFFSET="$("$VENV/bin/python" - <<'PY'
import socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("0.0.0.0", p)); return True
    except OSError:
        return False
    finally:
        s.close()
for off in range(20000, 30000, 100):
    if all(free(off + i) for i in range(5)):
        print(off); break
PY
  )"
    [ -n "$ZOOKEEPER_PORT_OFFSET" ] || { echo "run.sh: no free ports in 20000-29999" >&2; exit 2; }
  fi
  export ZOOKEEPER_PORT_OFFSET

  PIDFILE="$OUT/server-pids.txt"
  RESULTS="$OUT/results.txt"
  JUNIT="$OUT/junit.xml"
  LOG="$OUT/pytest.log"
  : > "$PIDFILE"; : > "$RESULTS"; rm -f "$JUNIT"

  cleanup_servers() {
    # Stop, by pid, any server the harness started and did not stop.
    local pid cmd
    while read -r pid; do
      [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || continue
      cmd="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
      case "$cmd" in
        *QuorumPeerMain*|*"server --config"*) ;;
        *) continue ;;  # pid reused by something else: leave it alone
      esac
      echo "run.sh: stopping leftover server pid $pid"
      kill -TERM "$pid" 2>/dev/null
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        [ -d "/proc/$pid" ] || break
        sleep 0.5
      done
      [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
    done < "$PIDFILE"
  }
  PYTEST_PID=
  on_signal() {
    [ -n "$PYTEST_PID" ] && kill -TERM "$PYTEST_PID" 2>/dev/null
    sleep 1
    cleanup_servers
    exit 130
  }
  trap on_signal INT TERM

  echo "run.sh: mode=$MODE ports=$ZOOKEEPER_PORT_OFFSET.. kazoo=$KAZOO_DIR out=$OUT"
  start=$(date +%s)
  (
    cd "$OUT" || exit 2
    # CI=true (set by our CI) changes kazoo's tests: they then trust
    # ZOOKEEPER_VERSION instead of asking the server (envi) and run
    # test_build.py. Keep the suite identical everywhere.
    unset CI
    export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHONDONTWRITEBYTECODE=1
    export ZOOKEEPER_CLUSTER_SIZE=1
    export CORRAL_KAZOO_PIDFILE="$PIDFILE" CORRAL_KAZOO_RESULTS="$RESULTS"
    exec timeout --signal=TERM --kill-after=30 "$TOTAL_TIMEOUT" \
      "$VENV/bin/python" -m pytest "$KAZOO_DIR/tests" \
        -c "$HERE/pytest.ini" --rootdir "$SITE" \
        -p corral_plugin -p no:cacheprovider \
        --timeout "$TEST_TIMEOUT" --junitxml "$JUNIT" \
        -q -rfE --durations=25 \
        ${PYTEST_EXTRA[@]+"${PYTEST_EXTRA[@]}"}
  ) > "$LOG" 2>&1 &
  PYTEST_PID=$!
  wait "$PYTEST_PID"
  rc=$?
  PYTEST_PID=
  elapsed=$(( $(date +%s) - start ))
  cleanup_servers
  # pytest's closing sections (durations, failures list), without the client
  # chatter kazoo prints at exit.
  if grep -q -E '^=+ slowest' "$LOG"; then
    sed -n '/=\{5,\} slowest/,$p' "$LOG" | grep -v -E '^(Connection dropped|Transition to|Zookeeper session)' | head -n 120
  else
    tail -n 40 "$LOG"
  fi
  echo "run.sh: pytest exit $rc after ${elapsed}s (full log: $LOG)"
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "run.sh: the whole run hit KAZOO_TOTAL_TIMEOUT=${TOTAL_TIMEOUT}s; tests not reached count as failed"
  fi

  # --- verdict -----------------------------------------------------------------
  "$VENV/bin/python" "$HERE/compare.py" \
    --mode "$MODE" --results "$RESULTS" --baseline "$BASELINE" \
    --readme "$README" --pytest-rc "$rc" \
    $( [ "$UPDATE_BASELINE" = 1 ] && echo --update-baseline ) \
    $( [ ${#PYTEST_EXTRA[@]} -gt 0 ] && echo --partial )
}

main "$@"; exit $?
