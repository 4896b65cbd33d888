#!/usr/bin/env python3
"""Durable writes: acknowledged writes per second with fsync on, Apache ZooKeeper vs Corral.

For every repeat and every shape, each server is started on a fresh data dir and a free
127.0.0.1 port, zkbench drives it for --warmup + --duration seconds, and the server is stopped
by pid. The two servers alternate (Apache first on odd repeats, Corral first on even ones) so
that drift of the machine during the run hits both. Reported per shape and server: the median
over repeats of ops/s, p50 and p99 latency (each its own median), and Corral/Apache ratios."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import benchlib as bl  # noqa: E402

SHAPES = {
    "1x1": {"clients": 1, "depth": 1, "label": "1 client, depth 1"},
    "4x64": {"clients": 4, "depth": 64, "label": "4 clients, depth 64"},
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds per run (10)")
    ap.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before (2)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per shape and server (3)")
    ap.add_argument("--op", choices=["setdata", "create"], default="setdata",
                    help="setdata: setData of 100-byte values on pre-created nodes (default); "
                         "create: create of persistent sequential nodes with 100-byte data")
    ap.add_argument("--size", type=int, default=100, help="value size in bytes (100)")
    ap.add_argument("--shapes", default="1x1,4x64", help="comma list of " + ",".join(SHAPES))
    ap.add_argument("--servers", default="apache,corral")
    ap.add_argument("--workdir", default=None, help="where data dirs go (default: a new dir in /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep data dirs and logs")
    ap.add_argument("--quiet-below", type=float, default=30.0,
                    help="before each run wait until the machine is busy less than this %% of one core (30)")
    ap.add_argument("--quiet-wait", type=float, default=300.0,
                    help="wait at most this many seconds for that (300; 0 = do not wait)")
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON object")
    args = ap.parse_args()

    servers = args.servers.split(",")
    shapes = args.shapes.split(",")
    corral_bin = bl.corral_binary() if "corral" in servers else None
    workdir = args.workdir or tempfile.mkdtemp(prefix="corral-durable-writes-", dir="/tmp")
    os.makedirs(workdir, exist_ok=True)
    zkbench = bl.build_zkbench(os.path.join(workdir, "bin"))
    machine = bl.machine_description(workdir)
    extra_cfg = {"forceSync": "yes"}

    bl.log(f"durable-writes: {machine['date']}, {machine['cpus']} CPUs ({machine['cpu_model']}), "
           f"{machine['memory']}, {machine['os']}, kernel {machine['kernel']}")
    bl.log(f"data dirs under {workdir} on {machine['workdir_device']} ({machine['workdir_fstype']}); "
           f"forceSync=yes; op={args.op}, {args.size}-byte values; {args.warmup:g} s warm-up + "
           f"{args.duration:g} s measured; {args.repeats} repeats, servers alternating")
    if machine["workdir_fstype"] in ("tmpfs", "ramfs"):
        bl.log("WARNING: the work dir is on a memory filesystem; fsync costs nothing there")
    bl.log(f"corral: {corral_bin}; apache: {machine['java']}")

    runs = []
    for rep in range(args.repeats):
        order = servers if rep % 2 == 0 else list(reversed(servers))
        for shape in shapes:
            sh = SHAPES[shape]
            for kind in order:
                bl.wait_for_quiet(args.quiet_below, args.quiet_wait)
                srv = bl.Server(kind, workdir, f"{kind}-{shape}-{rep}", extra_cfg=extra_cfg, corral_bin=corral_bin)
                srv.start()
                sampler = bl.ProcSampler(srv.pid, 0.1)
                sampler.start()
                try:
                    cmd = [zkbench, "write", "--port", str(srv.port), "--clients", str(sh["clients"]),
                           "--depth", str(sh["depth"]), "--op", args.op, "--size", str(args.size),
                           "--warmup", str(args.warmup), "--duration", str(args.duration),
                           "--timeout-ms", "30000"]
                    res = subprocess.run(cmd, capture_output=True, text=True)
                    rss = srv.rss_kb()
                finally:
                    srv.stop()
                    sampler.stop()
                if res.returncode != 0 or not res.stdout.strip():
                    raise SystemExit(f"zkbench failed against {kind}: {res.stderr.strip()} {res.stdout.strip()}")
                r = json.loads(res.stdout)
                r.update(server=kind, shape=shape, repeat=rep + 1, server_rss_kb_end=rss)
                r["server_cpu_pct"] = sampler.cpu_pct(r["measure_start_ns"], r["measure_end_ns"])
                # Everything else that ran on the machine meanwhile (other users, this script).
                r["other_cpu_pct"] = (sampler.cpu_pct(r["measure_start_ns"], r["measure_end_ns"], machine=True)
                                      - r["server_cpu_pct"] - r["gen_cpu_pct"])
                r["server_cpu_us_per_op"] = (r["server_cpu_pct"] / 100 * 1e6 / r["ops_per_s"]
                                             if r["ops_per_s"] else float("nan"))
                runs.append(r)
                bl.log(f"  run {rep + 1} {sh['label']:<20} {kind:<6} {r['ops_per_s']:>9.0f} ops/s  "
                       f"p50 {r['p50_ms']:.3f} ms  p99 {r['p99_ms']:.3f} ms  errors {r['errors']}  "
                       f"server CPU {r['server_cpu_pct']:.0f}% ({r['server_cpu_us_per_op']:.0f} us/op)  "
                       f"zkbench CPU {r['gen_cpu_pct']:.1f}%  other CPU {max(0, r['other_cpu_pct']):.0f}%")
                if not args.keep:
                    srv.remove_data()

    summary = []
    rows = []
    for shape in shapes:
        per = {}
        for kind in servers:
            rs = [r for r in runs if r["shape"] == shape and r["server"] == kind]
            per[kind] = {
                "ops_per_s": bl.median([r["ops_per_s"] for r in rs]),
                "p50_ms": bl.median([r["p50_ms"] for r in rs]),
                "p99_ms": bl.median([r["p99_ms"] for r in rs]),
                "runs_ops_per_s": [round(r["ops_per_s"]) for r in rs],
                "gen_cpu_pct_max": max(r["gen_cpu_pct"] for r in rs),
                "max_send_gap_ms": max(r["max_send_gap_ms"] for r in rs),
                "errors": sum(r["errors"] for r in rs),
                "server_cpu_pct": bl.median([r["server_cpu_pct"] for r in rs]),
                "server_cpu_us_per_op": bl.median([r["server_cpu_us_per_op"] for r in rs]),
            }
            p = per[kind]
            rows.append([SHAPES[shape]["label"], kind, f"{p['ops_per_s']:.0f}", f"{p['p50_ms']:.3f}",
                         f"{p['p99_ms']:.3f}", "/".join(str(x) for x in p["runs_ops_per_s"]),
                         f"{p['server_cpu_pct']:.0f}%", f"{p['server_cpu_us_per_op']:.0f}",
                         f"{p['gen_cpu_pct_max']:.1f}%"])
        entry = {"shape": shape, "clients": SHAPES[shape]["clients"], "depth": SHAPES[shape]["depth"], **per}
        if "apache" in per and "corral" in per:
            a, c = per["apache"], per["corral"]
            entry["ratio_corral_over_apache"] = {
                "ops_per_s": c["ops_per_s"] / a["ops_per_s"],
                "p50_ms": c["p50_ms"] / a["p50_ms"],
                "p99_ms": c["p99_ms"] / a["p99_ms"],
            }
            rt = entry["ratio_corral_over_apache"]
            rt["server_cpu_us_per_op"] = c["server_cpu_us_per_op"] / a["server_cpu_us_per_op"]
            rows.append(["", "corral/apache", f"{rt['ops_per_s']:.2f}x", f"{rt['p50_ms']:.2f}x",
                         f"{rt['p99_ms']:.2f}x", "", "", f"{rt['server_cpu_us_per_op']:.2f}x", ""])
        summary.append(entry)

    print()
    print(f"Acknowledged {args.op} ops/s with forceSync=yes ({args.size}-byte values; medians of "
          f"{args.repeats} runs of {args.duration:g} s; latency in ms)")
    print(bl.fmt_table(["shape", "server", "ops/s", "p50", "p99", "runs ops/s", "server CPU",
                        "CPU us/op", "zkbench CPU"], rows))
    worst_cpu = max(r["gen_cpu_pct"] for r in runs)
    worst_thread = max(r["gen_max_thread_cpu_pct"] for r in runs)
    worst_gap = max(r["max_send_gap_ms"] for r in runs)
    timeouts = sorted({r["negotiated_timeout_ms"] for r in runs})
    verdict = "well below one core: not the bottleneck" if worst_cpu < 50 else "HIGH: may be the bottleneck"
    print(f"\nzkbench (C, one thread per client) used at most {worst_cpu:.1f}% of one core in total "
          f"(busiest client thread {worst_thread:.1f}%): {verdict}.")
    print(f"Sessions: negotiated timeout {timeouts} ms; longest gap between two sends on one session "
          f"{worst_gap:.1f} ms, so no pings were needed.")
    others = [r["other_cpu_pct"] for r in runs]
    print(f"CPU used by other processes during the measured windows (machine busy time minus server and "
          f"zkbench): median {max(0, bl.median(others)):.0f}%, max {max(0, max(others)):.0f}% of one core"
          + ("  WARNING: other work competed with the servers; the numbers are disturbed"
             if max(others) > 25 else ""))
    total_errors = sum(r["errors"] for r in runs)
    if total_errors:
        print(f"WARNING: {total_errors} error replies during measured windows")

    if args.json:
        print(json.dumps({"benchmark": "durable-writes", "machine": machine, "op": args.op, "size": args.size,
                          "warmup_s": args.warmup, "duration_s": args.duration, "repeats": args.repeats,
                          "force_sync": True, "results": summary, "runs": runs}, indent=1))
    if not args.keep and not args.workdir:
        bl.shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
