#!/usr/bin/env bash
# Load generators against a no-op ZooKeeper responder: how many ops/s can the clients themselves
# push when the server does no work at all? See README.md.
# Usage: Benchmarks/noop-responder/run.sh [--duration S] [--warmup S] [--threads N]
#            [--children N] [--shapes "CxD ..."] [--op setdata|create] [--no-load-gen] [--keep]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

duration=10          # measured seconds per run
warmup=3             # seconds before measuring
threads=1            # responder event-loop threads
children=10000       # load_gen's #children (each cycle: create, setData, getData, delete of each)
shapes="1x1 1x64 4x64 16x16 64x4"   # zkbench clients x depth
op=setdata
run_load_gen=1
keep=0
load_gen="${LOAD_GEN:-/usr/lib/zookeeper/bin/load_gen}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --children) children="$2"; shift 2 ;;
        --shapes) shapes="$2"; shift 2 ;;
        --op) op="$2"; shift 2 ;;
        --no-load-gen) run_load_gen=0; shift ;;
        --keep) keep=1; shift ;;
        *) sed -n '2,5p' "$0" >&2; exit 2 ;;
    esac
done

tmp="$(mktemp -d)"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if [[ $keep == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

cc="${CC:-cc}"
"$cc" -O2 -Wall -pthread -o "$tmp/noop" "$here/noop.c"
"$cc" -O2 -Wall -pthread -o "$tmp/zkbench" "$repo/Benchmarks/common/zkbench.c"

"$tmp/noop" 0 "$threads" > "$tmp/noop.out" &
noop_pid=$!
pids+=("$noop_pid")
for _ in $(seq 100); do grep -q '^port ' "$tmp/noop.out" && break; sleep 0.05; done
port="$(awk '/^port /{print $2; exit}' "$tmp/noop.out")"
[[ -n "$port" ]] || { echo "noop did not start" >&2; exit 1; }
clk="$(getconf CLK_TCK)"
ncpu="$(nproc)"

fsleep() { sleep "$(awk -v a="$1" 'BEGIN{printf "%.3f", a}')"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }      # utime + stime, all threads
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

# snap -> "requests monotonic_ns responder_ticks machine_busy machine_total" (responder counters
# via SIGUSR1; it prints "stats REQUESTS CONNECTIONS NS").
snap() {
    local before
    before="$(grep -c '^stats ' "$tmp/noop.out" || true)"
    kill -USR1 "$noop_pid"
    while [[ "$(grep -c '^stats ' "$tmp/noop.out" || true)" -le "$before" ]]; do sleep 0.005; done
    echo "$(awk '/^stats /{r=$2; t=$4} END{print r, t}' "$tmp/noop.out") $(ticks "$noop_pid") $(busy)"
}

# window SECONDS [GEN_PID] -> "ops_per_s responder_cpu_pct machine_busy_pct gen_cpu_pct"
window() {
    local a b g0=0 g1=0
    [[ -n "${2:-}" ]] && g0="$(ticks "$2")"
    a="$(snap)"
    fsleep "$1"
    b="$(snap)"
    [[ -n "${2:-}" ]] && g1="$(ticks "$2")"
    awk -v a="$a" -v b="$b" -v clk="$clk" -v g0="$g0" -v g1="$g1" -v n="$ncpu" 'BEGIN{
        split(a, x, " "); split(b, y, " ");
        dt = (y[2] - x[2]) / 1e9;
        printf "%.0f %.1f %.0f %.1f\n", (y[1] - x[1]) / dt, 100 * (y[3] - x[3]) / clk / dt,
            100 * n * (y[4] - x[4]) / (y[5] - x[5]), 100 * (g1 - g0) / clk / dt }'
}

echo "# noop responder on 127.0.0.1:$port ($threads thread(s)); $(date -u '+%Y-%m-%d %H:%M UTC'); $ncpu CPUs; $(uname -r)"
echo "# CPU figures are % of one core; 'machine' is all CPUs busy (max $((100 * ncpu))%)"

if [[ $run_load_gen == 1 ]]; then
    if [[ ! -x "$load_gen" ]]; then
        echo "load_gen not found at $load_gen (Debian package zookeeper-bin); skipping it" >&2
    else
        "$load_gen" "127.0.0.1:$port" /corral-noop "$children" 2> "$tmp/load_gen.log" &
        lg_pid=$!
        pids+=("$lg_pid")
        fsleep "$warmup"
        kill -0 "$lg_pid" 2>/dev/null || { echo "load_gen exited:" >&2; tail "$tmp/load_gen.log" >&2; exit 1; }
        read -r ops rcpu mach gcpu < <(window "$duration" "$lg_pid")
        kill "$lg_pid" 2>/dev/null || true
        wait "$lg_pid" 2>/dev/null || true
        cycles="$(grep -c 'Starting the write cycle' "$tmp/load_gen.log" || true)"
        errs="$(grep -c 'ZOO_ERROR' "$tmp/load_gen.log" || true)"
        printf 'load_gen  (%s children, %s cycles, %s error lines)  %8s ops/s  responder CPU %5.1f%%  load_gen CPU %5.1f%%  machine %s%%\n' \
            "$children" "$cycles" "$errs" "$ops" "$rcpu" "$gcpu" "$mach"
    fi
fi

for shape in $shapes; do
    clients="${shape%x*}"
    depth="${shape#*x}"
    "$tmp/zkbench" write --port "$port" --clients "$clients" --depth "$depth" --op "$op" \
        --warmup "$warmup" --duration "$duration" --timeout-ms 30000 > "$tmp/zkbench.json" 2> "$tmp/zkbench.err" &
    zb_pid=$!
    pids+=("$zb_pid")
    fsleep "$warmup + 0.5"
    read -r ops rcpu mach _ < <(window "$duration - 1")
    if ! wait "$zb_pid"; then
        echo "zkbench failed: $(cat "$tmp/zkbench.err") $(cat "$tmp/zkbench.json")" >&2
        exit 1
    fi
    zb_ops="$(sed -n 's/.*"ops_per_s":\([0-9.]*\).*/\1/p' "$tmp/zkbench.json")"
    zb_cpu="$(sed -n 's/.*"gen_cpu_pct":\([0-9.]*\).*/\1/p' "$tmp/zkbench.json")"
    zb_p50="$(sed -n 's/.*"p50_ms":\([0-9.]*\).*/\1/p' "$tmp/zkbench.json")"
    zb_err="$(sed -n 's/.*"errors":\([0-9]*\).*/\1/p' "$tmp/zkbench.json")"
    printf 'zkbench %-4s %3s clients x depth %-3s %8.0f ops/s (responder counted %s)  p50 %s ms  errors %s  responder CPU %5.1f%%  zkbench CPU %5.1f%%  machine %s%%\n' \
        "$op" "$clients" "$depth" "$zb_ops" "$ops" "$zb_p50" "$zb_err" "$rcpu" "$zb_cpu" "$mach"
done
