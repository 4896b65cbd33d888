#!/usr/bin/env python3
"""Snapshot latency: client latency and server memory while a snapshot of ~1,000,000 znodes is
taken under load, Apache ZooKeeper vs Corral in the same run.

Per server: start it on a fresh data dir (snapCount=--snap-count, forceSync as given), populate
--nodes znodes of --size bytes with multi ops of --per-multi creates (one txn each), let it
settle, then run --clients open-loop clients at --rate ops/s each (getData/setData of random
populated nodes, --write-fraction writes). Their setData txns push the server over its log-roll
threshold (snapCount/2 + random(snapCount/2) txns since the last roll), which starts a snapshot.
The snapshot window comes from the server's own log lines, stamped as they arrive:
  start: "Snapshotting: 0x<zxid> to <path>" (both servers)
  end:   Apache "Snapshot taken in N ms"; Corral "Snapshot <path>: N znodes, B bytes in T ms".
The load runs until --after seconds past the end of the snapshot. Ops are assigned to the window
in which they were due to be sent (open loop: latency counts from the scheduled send time, so a
stall shows up in full). VmRSS of the server pid is sampled every 50 ms throughout."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import benchlib as bl  # noqa: E402

START_RX = r"Snapshotting: 0x([0-9a-fA-F]+) to (\S+)"
END_RX = {
    "apache": r"Snapshot taken in (\d+) ms",
    "corral": r"Snapshot (\S+): (\d+) znodes, (\d+) bytes in (\d+) ms",
}
OPS = {4: "get", 5: "set"}


def stats(lat_ms, seconds):
    lat = sorted(lat_ms)
    return {
        "ops": len(lat),
        "ops_per_s": len(lat) / seconds if seconds > 0 else float("nan"),
        "p50_ms": bl.percentile(lat, 0.50),
        "p99_ms": bl.percentile(lat, 0.99),
        "p999_ms": bl.percentile(lat, 0.999),
        "max_ms": lat[-1] if lat else float("nan"),
    }


def load_records(path):
    recs = []
    with open(path) as f:
        for line in f:
            client, typ, intended, done, err = line.split()
            recs.append((int(intended), int(done), int(typ), int(err)))
    return recs


def run_one(kind, args, workdir, zkbench, corral_bin, rep):
    cfg = {"snapCount": str(args.snap_count), "forceSync": args.force_sync}
    srv = bl.Server(kind, workdir, f"{kind}-{rep}", extra_cfg=cfg, corral_bin=corral_bin)
    result = {"server": kind, "repeat": rep + 1}
    srv.start()
    sampler = bl.ProcSampler(srv.pid, 0.05)
    sampler.start()
    mix = None
    try:
        time.sleep(1.0)
        result["rss_empty_kb"] = srv.rss_kb()

        bl.log(f"  {kind}: populating {args.nodes} znodes ({args.per_multi} creates per multi)...")
        pop = subprocess.run([zkbench, "populate", "--port", str(srv.port), "--nodes", str(args.nodes),
                              "--per-multi", str(args.per_multi), "--size", str(args.size),
                              "--root", "/snapbench", "--timeout-ms", "30000"],
                             capture_output=True, text=True)
        if pop.returncode != 0:
            raise RuntimeError(f"populate failed against {kind}: {pop.stderr.strip()}")
        result["populate"] = json.loads(pop.stdout)
        bl.log(f"  {kind}: populated in {result['populate']['seconds']:.1f} s "
               f"({result['populate']['nodes_per_s']:.0f} znodes/s)")
        early = srv.find_lines(START_RX)
        result["snapshots_before_load"] = len(early)
        time.sleep(args.settle)
        t_settled = time.monotonic_ns()
        result["rss_after_populate_kb"] = bl.median(sampler.between(t_settled - 1_000_000_000, t_settled))

        out = os.path.join(srv.dir, "mix.txt")
        t_launch = time.monotonic_ns()
        mix = subprocess.Popen([zkbench, "mix", "--port", str(srv.port), "--clients", str(args.clients),
                                "--rate", str(args.rate), "--depth", str(args.depth),
                                "--write-fraction", str(args.write_fraction), "--nodes", str(args.nodes),
                                "--size", str(args.size), "--root", "/snapbench",
                                "--duration", str(args.max_wait + 120), "--out", out, "--timeout-ms", "30000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        start = srv.wait_line(START_RX, after_ns=t_launch, timeout=args.max_wait)
        end = None
        if start is None:
            bl.log(f"  {kind}: no snapshot started within {args.max_wait} s of load; "
                   f"raise --rate or lower --snap-count")
        else:
            bl.log(f"  {kind}: snapshot started {(start[0] - t_launch) / 1e9:.1f} s into the load: {start[1].strip()}")
            end = srv.wait_line(END_RX[kind], after_ns=start[0], timeout=600)
            if end is None:
                bl.log(f"  {kind}: snapshot did not finish within 600 s")
            else:
                bl.log(f"  {kind}: snapshot finished after {(end[0] - start[0]) / 1e9:.2f} s: {end[1].strip()}")
        time.sleep(args.after)
        mix.terminate()
        mix_out, mix_err = mix.communicate(timeout=60)
        if mix.returncode != 0:
            raise RuntimeError(f"mix failed against {kind}: {mix_err.strip()}")
        result["mix"] = json.loads(mix_out)
    finally:
        if mix is not None and mix.poll() is None:
            mix.kill()
            mix.wait()
        srv.stop()
        sampler.stop()

    m = result["mix"]
    t0 = m["start_ns"] + int(args.warmup * 1e9)
    t_stop = m["stop_ns"]
    recs = load_records(out)
    errors = sum(1 for r in recs if r[3] != 0)
    result["errors"] = errors
    if start is not None:
        s0 = start[0]
        s1 = end[0] if end is not None else t_stop
        snap_path = start[2].group(2)
        result["snapshot"] = {
            "zxid": "0x" + start[2].group(1),
            "path": snap_path,
            "seconds": (s1 - s0) / 1e9,
            "started_after_load_s": (s0 - m["start_ns"]) / 1e9,
            "file_bytes": os.path.getsize(snap_path) if os.path.exists(snap_path) else None,
            "server_line": end[1].strip() if end is not None else None,
        }
        if result["snapshot"]["seconds"] < 0.5:
            bl.log(f"  {kind}: NOTE the snapshot took {result['snapshot']['seconds']:.3f} s; the 'during' "
                   f"window holds few ops, so its p99 is close to its max")
    else:
        s0 = s1 = t_stop
        result["snapshot"] = None
    windows = {"before": (t0, s0), "during": (s0, s1), "after": (s1, t_stop)}
    result["windows"] = {}
    for name, (a, b) in windows.items():
        w = {"seconds": max(0, b - a) / 1e9}
        sel = [r for r in recs if a <= r[0] < b and r[3] == 0]
        w["all"] = stats([(r[1] - r[0]) / 1e6 for r in sel], w["seconds"])
        for typ, label in OPS.items():
            w[label] = stats([(r[1] - r[0]) / 1e6 for r in sel if r[2] == typ], w["seconds"])
        rss = sampler.between(a, b)
        w["rss_max_kb"] = max(rss) if rss else None
        w["rss_median_kb"] = bl.median(rss) if rss else None
        w["server_cpu_pct"] = sampler.cpu_pct(a, b)
        w["machine_cpu_pct"] = sampler.cpu_pct(a, b, machine=True)
        # Everything but the server and zkbench (zkbench's share is its average over the load).
        w["other_cpu_pct"] = w["machine_cpu_pct"] - w["server_cpu_pct"] - m["gen_cpu_pct"]
        result["windows"][name] = w
    # 250 ms buckets from 2 s before the snapshot to 2 s after it, for the timeline.
    timeline = []
    if start is not None:
        step = 250_000_000
        t = s0 - 2_000_000_000
        while t < min(s1 + 2_000_000_000, t_stop):
            sel = sorted((r[1] - r[0]) / 1e6 for r in recs if t <= r[0] < t + step)
            rss = sampler.between(t, t + step)
            timeline.append({"t_s": round((t - s0) / 1e9, 2), "ops": len(sel),
                             "p99_ms": bl.percentile(sel, 0.99) if sel else None,
                             "max_ms": sel[-1] if sel else None,
                             "rss_mb": round(max(rss) / 1024, 1) if rss else None,
                             "server_cpu_pct": round(sampler.cpu_pct(t, t + step), 0),
                             "machine_cpu_pct": round(sampler.cpu_pct(t, t + step, machine=True), 0)})
            t += step
    result["timeline"] = timeline
    result["rss_samples"] = len(sampler.samples)
    if not args.keep:
        srv.remove_data()
    return result


def mb(kb):
    return "-" if kb is None else f"{kb / 1024:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--per-multi", type=int, default=1000)
    ap.add_argument("--size", type=int, default=100, help="znode data bytes (100)")
    ap.add_argument("--snap-count", type=int, default=16000, help="zoo.cfg snapCount (16000)")
    ap.add_argument("--force-sync", choices=["yes", "no"], default="yes", help="zoo.cfg forceSync (yes)")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rate", type=float, default=250.0, help="ops/s per client (250)")
    ap.add_argument("--depth", type=int, default=8, help="max outstanding requests per client (8)")
    ap.add_argument("--write-fraction", type=float, default=0.5, help="share of setData (0.5)")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of load not counted as 'before' (5)")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds of idle after populating (3)")
    ap.add_argument("--after", type=float, default=3.0, help="seconds of load after the snapshot ends (3)")
    ap.add_argument("--max-wait", type=float, default=90.0, help="give up if no snapshot starts by then (90)")
    ap.add_argument("--servers", default="apache,corral")
    ap.add_argument("--repeats", type=int, default=1, help="runs per server, alternating order (1)")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep data dirs, server logs and op records")
    ap.add_argument("--timeline", action="store_true", help="print 250 ms buckets around the snapshot")
    ap.add_argument("--quiet-below", type=float, default=30.0,
                    help="before each run wait until the machine is busy less than this %% of one core (30)")
    ap.add_argument("--quiet-wait", type=float, default=300.0,
                    help="wait at most this many seconds for that (300; 0 = do not wait)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    servers = args.servers.split(",")
    corral_bin = bl.corral_binary() if "corral" in servers else None
    workdir = args.workdir or tempfile.mkdtemp(prefix="corral-snapshot-latency-", dir="/tmp")
    os.makedirs(workdir, exist_ok=True)
    zkbench = bl.build_zkbench(os.path.join(workdir, "bin"))
    machine = bl.machine_description(workdir)
    bl.log(f"snapshot-latency: {machine['date']}, {machine['cpus']} CPUs ({machine['cpu_model']}), "
           f"{machine['memory']}, {machine['os']}, kernel {machine['kernel']}")
    bl.log(f"data dirs under {workdir} on {machine['workdir_device']} ({machine['workdir_fstype']}); "
           f"{args.nodes} znodes x {args.size} B; snapCount={args.snap_count}, forceSync={args.force_sync}; "
           f"load: {args.clients} clients x {args.rate:g} ops/s open loop (max {args.depth} outstanding), "
           f"{args.write_fraction:.0%} setData / rest getData")
    bl.log(f"corral: {corral_bin}; apache: {machine['java']} {os.environ.get('APACHE_JVM_FLAGS', '(default JVM flags)')}")

    results = []
    for rep in range(args.repeats):
        order = servers if rep % 2 == 0 else list(reversed(servers))
        for kind in order:
            bl.wait_for_quiet(args.quiet_below, args.quiet_wait)
            results.append(run_one(kind, args, workdir, zkbench, corral_bin, rep))

    rows = []
    for r in results:
        w = r["windows"]
        snap = r["snapshot"]
        b, d = w["before"]["all"], w["during"]["all"]
        ratio = d["p99_ms"] / b["p99_ms"] if snap and b["ops"] and d["ops"] else float("nan")
        file_mb = snap["file_bytes"] / 1048576 if snap and snap["file_bytes"] else None
        peak = w["during"]["rss_max_kb"]
        rows.append([
            r["server"], r["repeat"],
            f"{snap['seconds']:.2f}" if snap else "none",
            f"{b['p99_ms']:.2f}", f"{d['p99_ms']:.2f}", f"{ratio:.2f}x",
            f"{b['max_ms']:.1f}", f"{d['max_ms']:.1f}",
            f"{file_mb:.0f}" if file_mb else "-",
            mb(r["rss_after_populate_kb"]), mb(peak),
            f"{peak / 1024 / file_mb:.2f}x" if peak and file_mb else "-",
        ])
        r["summary"] = {"p99_ratio_during_over_before": ratio,
                        "rss_peak_during_over_snapshot_file": (peak / 1024 / file_mb) if peak and file_mb else None,
                        "rss_before_over_snapshot_file":
                            (r["rss_after_populate_kb"] / 1024 / file_mb) if file_mb else None}

    print()
    print(f"Snapshot of {args.nodes} znodes under load ({args.clients} x {args.rate:g} ops/s, "
          f"{args.write_fraction:.0%} setData); latency in ms from the scheduled send; memory in MiB")
    print(bl.fmt_table(["server", "run", "snap s", "p99 before", "p99 during", "ratio", "max before",
                        "max during", "snap file", "RSS before", "RSS peak during", "peak/file"], rows))
    for r in results:
        w = r["windows"]
        line = (f"{r['server']} run {r['repeat']}: before {w['before']['seconds']:.1f} s / "
                f"{w['before']['all']['ops']} ops, during {w['during']['seconds']:.1f} s / "
                f"{w['during']['all']['ops']} ops, after {w['after']['seconds']:.1f} s; "
                f"p99 get/set before {w['before']['get']['p99_ms']:.2f}/{w['before']['set']['p99_ms']:.2f}, "
                f"during {w['during']['get']['p99_ms']:.2f}/{w['during']['set']['p99_ms']:.2f}, "
                f"after {w['after']['all']['p99_ms']:.2f}; RSS empty {mb(r['rss_empty_kb'])}, "
                f"after load {mb(w['after']['rss_max_kb'])}; populate {r['populate']['seconds']:.1f} s; "
                f"server CPU before/during {w['before']['server_cpu_pct']:.0f}%/{w['during']['server_cpu_pct']:.0f}% "
                f"of a core; zkbench CPU {r['mix']['gen_cpu_pct']:.1f}%; other processes' CPU before/during "
                f"{max(0, w['before']['other_cpu_pct']):.0f}%/{max(0, w['during']['other_cpu_pct']):.0f}%; "
                f"late sends {r['mix']['late_sends']}, errors {r['errors']}")
        print(line)
    others = [r["windows"][k]["other_cpu_pct"] for r in results for k in ("before", "during")]
    worst_other = max([x for x in others if x == x] or [0])
    if worst_other > 25:
        print(f"WARNING: other processes used up to {worst_other:.0f}% of a core during the windows; "
              f"the latencies are disturbed")
    if args.timeline:
        for r in results:
            print(f"\n{r['server']} run {r['repeat']}: timeline (t relative to snapshot start; "
                  f"snapshot took {r['snapshot']['seconds'] if r['snapshot'] else float('nan'):.2f} s)")
            print(bl.fmt_table(["t s", "ops", "p99 ms", "max ms", "RSS MiB", "server CPU %", "machine CPU %"],
                               [[x["t_s"], x["ops"], "-" if x["p99_ms"] is None else f"{x['p99_ms']:.2f}",
                                 "-" if x["max_ms"] is None else f"{x['max_ms']:.2f}",
                                 "-" if x["rss_mb"] is None else x["rss_mb"],
                                 x["server_cpu_pct"], x["machine_cpu_pct"]] for x in r["timeline"]], left=0))
    if args.json:
        print(json.dumps({"benchmark": "snapshot-latency", "machine": machine, "args": vars(args),
                          "results": results}, indent=1, default=str))
    if not args.keep and not args.workdir:
        bl.shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
