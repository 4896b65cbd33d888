#!/usr/bin/env python3
"""`corral bench` next to Apache's C load generator `load_gen`, against the no-op responder,
Apache ZooKeeper and Corral, all in one run on this machine.

For each server (a fresh one per generator run; Apache and Corral with forceSync=yes on a fresh
data dir, the no-op responder from ../noop-responder/noop.c with one thread):

* `load_gen 127.0.0.1:PORT /corral-loadgen CHILDREN` (Debian zookeeper-bin): endless cycles of
  CHILDREN async creates, setDatas, getDatas and deletes of "first"/"second" values, each phase
  waiting for its completions. It prints no rate, so its ops/s is what the server counted over
  --duration seconds after --warmup seconds: the responder's frame count (SIGUSR1) or the
  server's `mntr` zk_packets_received (pings included; there are few);
* `corral bench` for each --shapes entry, --warmup then --duration seconds; ops/s, latency and the
  generator's own CPU from its JSON (`--no-setup` against the responder, which keeps no state).

Beside every run: the server's CPU and the generator's CPU over the measured window (% of one
core) and the whole machine's busy CPU (max 100% x CPUs)."""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
import benchlib as bl  # noqa: E402

# name -> (sessions, depth, mix, payload, nodes)
SHAPES = {
    "loadgen": (1, 1000, "create=25,setData=25,getData=25,delete=25", 6, 10000),
    "4x64": (4, 64, "getData=80,setData=20", 100, 1000),
    "32x8": (32, 8, "getData=80,setData=20", 100, 1000),
    "1x1": (1, 1, "getData=80,setData=20", 100, 1000),
}
SHAPE_LABELS = {
    "loadgen": "1 session x depth 1000, create/setData/getData/delete 25% each, 6 B (load_gen's shape)",
    "4x64": "4 sessions x depth 64, getData 80% / setData 20%, 100 B",
    "32x8": "32 sessions x depth 8, getData 80% / setData 20%, 100 B",
    "1x1": "1 session x depth 1, getData 80% / setData 20%, 100 B",
}


def four_letter(port, word):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(word.encode())
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out.decode("utf-8", "replace")
            out += chunk


class Noop:
    """The no-op responder (one epoll thread) on a free port."""

    def __init__(self, workdir):
        self.binary = os.path.join(workdir, "noop")
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-pthread", "-o", self.binary,
                        os.path.join(HERE, "..", "noop-responder", "noop.c")], check=True)
        self.out_path = os.path.join(workdir, "noop.out")
        self.kind = "noop"

    def start(self):
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen([self.binary, "0", "1"], stdout=self.out, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        for _ in range(200):
            with open(self.out_path) as f:
                for line in f:
                    if line.startswith("port "):
                        self.port = int(line.split()[1])
                        return self
            time.sleep(0.02)
        raise RuntimeError("noop responder did not start")

    def requests(self):
        with open(self.out_path) as f:
            before = sum(1 for line in f if line.startswith("stats "))
        os.kill(self.pid, signal.SIGUSR1)
        while True:
            with open(self.out_path) as f:
                stats = [line for line in f if line.startswith("stats ")]
            if len(stats) > before:
                return int(stats[-1].split()[1])
            time.sleep(0.005)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.out.close()


class RealServer:
    """Apache ZooKeeper or Corral via benchlib, forceSync=yes, every 4lw allowed."""

    def __init__(self, kind, workdir, name, corral_bin):
        self.kind = kind
        self.server = bl.Server(kind, workdir, name, corral_bin=corral_bin,
                                extra_cfg={"forceSync": "yes", "4lw.commands.whitelist": "*",
                                           "maxClientCnxns": "0"})

    def start(self):
        self.server.start()
        self.pid = self.server.pid
        self.port = self.server.port
        return self

    def requests(self):
        for line in four_letter(self.port, "mntr").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "zk_packets_received":
                return int(parts[1])
        raise RuntimeError(f"{self.kind}: no zk_packets_received in mntr")

    def stop(self):
        self.server.stop()
        self.server.remove_data()


def window(server, gen_pid, seconds):
    """Counts over `seconds`: (server-counted requests/s, server CPU %, generator CPU %, machine %)."""
    r0, t0 = server.requests(), time.monotonic()
    s0, g0, m0 = bl.read_cpu_seconds(server.pid), bl.read_cpu_seconds(gen_pid), bl.machine_busy_seconds()
    time.sleep(seconds)
    r1, t1 = server.requests(), time.monotonic()
    s1, g1, m1 = bl.read_cpu_seconds(server.pid), bl.read_cpu_seconds(gen_pid), bl.machine_busy_seconds()
    dt = t1 - t0
    return (r1 - r0) / dt, 100 * (s1 - s0) / dt, 100 * (g1 - g0) / dt, 100 * (m1 - m0) / dt


def run_load_gen(server, load_gen, children, warmup, duration, workdir):
    log_path = os.path.join(workdir, f"load_gen-{server.kind}.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([load_gen, f"127.0.0.1:{server.port}", "/corral-loadgen", str(children)],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            time.sleep(warmup)
            if proc.poll() is not None:
                raise RuntimeError(f"load_gen exited early; see {log_path}")
            ops, server_cpu, gen_cpu, machine = window(server, proc.pid, duration)
        finally:
            proc.kill()
            proc.wait()
    with open(log_path, errors="replace") as f:
        text = f.read()
    return {"generator": "load_gen", "shape": f"{children} children, async create/set/get/delete cycles",
            "ops_per_s": ops, "p50_ms": None, "p99_ms": None, "p999_ms": None, "errors": text.count("ZOO_ERROR"),
            "gen_cpu_pct": gen_cpu, "server_cpu_pct": server_cpu, "machine_pct": machine,
            "cycles": text.count("Starting the write cycle")}


def run_corral_bench(server, corral_bin, shape, warmup, duration, threads, workdir):
    sessions, depth, mix, payload, nodes = SHAPES[shape]
    cmd = [corral_bin, "bench", f"127.0.0.1:{server.port}", "--sessions", str(sessions), "--depth", str(depth),
           "--mix", mix, "--payload", str(payload), "--nodes", str(nodes), "--warmup", str(warmup),
           "--duration", str(duration), "--json", "--timeout", "30000"]
    if threads:
        cmd += ["--threads", str(threads)]
    if server.kind == "noop":
        cmd.append("--no-setup")
    err_path = os.path.join(workdir, f"bench-{server.kind}-{shape}.err")
    with open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        # The measured window starts after setup and the warm-up; setup messages tell us when.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            with open(err_path) as f:
                if "connected" in f.read():
                    break
            time.sleep(0.02)
        time.sleep(warmup + 0.2)
        counted, server_cpu, _, machine = window(server, proc.pid, max(0.5, duration - 0.6))
        out, _ = proc.communicate(timeout=duration + 120)
    if proc.returncode != 0:
        with open(err_path) as f:
            raise RuntimeError(f"corral bench failed ({proc.returncode}): {f.read()}")
    r = json.loads(out)
    t = r["total"]
    return {"generator": "corral bench", "shape": shape, "ops_per_s": t["ops_per_s"], "server_counted": counted,
            "p50_ms": t["p50_ms"], "p99_ms": t["p99_ms"], "p999_ms": t["p999_ms"], "errors": t["errors"],
            "gen_cpu_pct": r["client_cpu"]["pct_of_one_core"], "server_cpu_pct": server_cpu, "machine_pct": machine,
            "report": r}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=10.0, help="measured seconds per run (10)")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring (3)")
    ap.add_argument("--servers", default="noop,apache,corral")
    ap.add_argument("--shapes", default="loadgen,4x64,32x8,1x1", help="corral bench shapes: " + ",".join(SHAPES))
    ap.add_argument("--children", type=int, default=10000, help="load_gen's #children (10000)")
    ap.add_argument("--threads", type=int, default=0, help="corral bench --threads (default: its own, one per core)")
    ap.add_argument("--no-load-gen", action="store_true")
    ap.add_argument("--quiet-below", type=float, default=40.0,
                    help="before each run wait until the machine is busy less than this %% of one core (40)")
    ap.add_argument("--quiet-wait", type=float, default=60.0, help="but at most this many seconds (60; 0 = no wait)")
    ap.add_argument("--json", action="store_true", help="also print all results as one JSON object")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    args = ap.parse_args()

    corral_bin = bl.corral_binary()
    load_gen = os.environ.get("LOAD_GEN", "/usr/lib/zookeeper/bin/load_gen")
    run_load = not args.no_load_gen and os.access(load_gen, os.X_OK)
    workdir = tempfile.mkdtemp(prefix="corral-bench-client-", dir="/tmp")
    machine = bl.machine_description(workdir)
    bl.log(f"# bench-client: {machine['date']}, {machine['cpus']} CPUs ({machine['cpu_model']}), {machine['memory']}, "
           f"{machine['os']}, kernel {machine['kernel']}; {machine['java']}")
    bl.log(f"# corral: {corral_bin}; load_gen: {load_gen if run_load else 'skipped'}; {args.warmup:g} s warm-up, "
           f"{args.duration:g} s measured; data dirs on {machine['workdir_device']} ({machine['workdir_fstype']})")
    noop = Noop(workdir)
    results = []
    for kind in args.servers.split(","):
        jobs = ([("load_gen", None)] if run_load else []) + [("corral bench", s) for s in args.shapes.split(",")]
        for n, (gen, shape) in enumerate(jobs):
            bl.wait_for_quiet(args.quiet_below, args.quiet_wait)
            server = noop if kind == "noop" else RealServer(kind, workdir, f"{kind}-{n}", corral_bin)
            server.start()
            try:
                if gen == "load_gen":
                    r = run_load_gen(server, load_gen, args.children, args.warmup, args.duration, workdir)
                else:
                    r = run_corral_bench(server, corral_bin, shape, args.warmup, args.duration, args.threads, workdir)
            finally:
                server.stop()
            r["server"] = kind
            results.append(r)
            extra = f"  (server counted {r['server_counted']:.0f}/s)" if "server_counted" in r else ""
            bl.log(f"{kind:6} {gen:12} {r['shape']:10.10} {r['ops_per_s']:11.0f} ops/s  errors {r['errors']}  "
                   f"gen CPU {r['gen_cpu_pct']:5.1f}%  server CPU {r['server_cpu_pct']:5.1f}%  "
                   f"machine {r['machine_pct']:4.0f}%{extra}")

    def fmt(v, d=3):
        return "–" if v is None else f"{v:.{d}f}"

    rows = [[r["server"], r["generator"], SHAPE_LABELS.get(r["shape"], r["shape"]), f"{r['ops_per_s']:,.0f}",
             fmt(r["p50_ms"]), fmt(r["p99_ms"]), fmt(r["p999_ms"]), str(r["errors"]), f"{r['gen_cpu_pct']:.0f}%",
             f"{r['server_cpu_pct']:.0f}%", f"{r['machine_pct']:.0f}%"] for r in results]
    print()
    print(bl.fmt_table(["server", "generator", "shape", "ops/s", "p50 ms", "p99 ms", "p999 ms", "errors",
                        "gen CPU", "server CPU", "machine"], rows, left=3))
    lg = {r["server"]: r["ops_per_s"] for r in results if r["generator"] == "load_gen"}
    print()
    for r in results:
        if r["generator"] == "corral bench" and lg.get(r["server"]):
            print(f"{r['server']:6} corral bench {r['shape']:8} / load_gen = {r['ops_per_s'] / lg[r['server']]:.2f}x")
    if args.json:
        print(json.dumps({"machine": machine, "results": [{k: v for k, v in r.items() if k != "report"} for r in results]}))
    if not args.keep:
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept {workdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
