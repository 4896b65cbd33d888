"""Shared pieces of the Corral benchmarks: starting and stopping Apache ZooKeeper and Corral on
127.0.0.1 with a fresh data directory and a free port, timestamping their log lines, sampling their
resident memory, and a few formatting helpers. Standard library only."""

import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

APACHE_LOG4J = """\
log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.Target=System.out
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1} - %m%n
"""


def log(msg):
    print(msg, flush=True)


def build_zkbench(out_dir):
    """Compiles zkbench.c (it is small; this takes about a second) and returns the binary's path."""
    os.makedirs(out_dir, exist_ok=True)
    binary = os.path.join(out_dir, "zkbench")
    source = os.path.join(HERE, "zkbench.c")
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O2", "-Wall", "-pthread", "-o", binary, source], check=True)
    return binary


def corral_binary():
    binary = os.environ.get("CORRAL_BIN") or os.path.join(REPO, ".build", "release", "corral")
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise SystemExit(
            f"Corral binary not found: {binary}\n"
            f"Build it with `swift build -c release` in {REPO}, or point CORRAL_BIN at a built corral.")
    return binary


def apache_classpath(conf_dir):
    cp = os.environ.get("APACHE_ZK_CLASSPATH")
    if cp:
        return conf_dir + ":" + cp
    jars = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"]
    missing = [j for j in jars if not os.path.exists(j)]
    if missing:
        raise SystemExit("Apache ZooKeeper not found (%s); install Debian's zookeeper package or set "
                         "APACHE_ZK_CLASSPATH" % ", ".join(missing))
    # zookeeper.jar's manifest names its own dependencies; log4j gives timestamped console logging.
    return ":".join([conf_dir] + jars)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def filesystem_of(path):
    """(device, fstype) of the filesystem holding path, from /proc/self/mounts."""
    path = os.path.realpath(path)
    best = ("?", "?", "")
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                dev, mnt, fstype = line.split()[:3]
                if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best[2]):
                    best = (dev, fstype, mnt)
    except OSError:
        pass
    return best[0], best[1]


def machine_description(workdir):
    cpus = os.cpu_count()
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = "%.1f GiB" % (kb / 1048576)
    except OSError:
        pass
    distro = "?"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    dev, fstype = filesystem_of(workdir)
    java = "?"
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
        java = out.splitlines()[0] if out else "?"
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpus": cpus, "cpu_model": model, "memory": mem, "os": distro,
        "kernel": platform.release(), "workdir": workdir, "workdir_device": dev,
        "workdir_fstype": fstype, "java": java,
    }


class Server:
    """One server process (Apache or Corral) with a fresh data dir under workdir/name.

    Its stdout and stderr go through a pipe; a thread stamps every line with time.monotonic_ns()
    (the clock zkbench uses) as it arrives and also copies it to workdir/name/server.log."""

    def __init__(self, kind, workdir, name, extra_cfg=None, corral_bin=None, jvm_flags=None):
        assert kind in ("apache", "corral")
        self.kind = kind
        self.dir = os.path.join(workdir, name)
        if os.path.exists(self.dir):
            shutil.rmtree(self.dir)
        self.data_dir = os.path.join(self.dir, "data")
        os.makedirs(self.data_dir)
        self.port = free_port()
        self.cfg = {
            "tickTime": "2000",
            "dataDir": self.data_dir,
            "clientPort": str(self.port),
            "clientPortAddress": "127.0.0.1",
        }
        if kind == "apache":
            # Apache otherwise starts its admin HTTP server on 8080.
            self.cfg["admin.enableServer"] = "false"
        self.cfg.update(extra_cfg or {})
        self.cfg_path = os.path.join(self.dir, "zoo.cfg")
        with open(self.cfg_path, "w") as f:
            for k, v in self.cfg.items():
                f.write(f"{k}={v}\n")
        if kind == "apache":
            with open(os.path.join(self.dir, "log4j.properties"), "w") as f:
                f.write(APACHE_LOG4J)
            flags = (jvm_flags if jvm_flags is not None else os.environ.get("APACHE_JVM_FLAGS", "")).split()
            self.argv = ["java"] + flags + ["-cp", apache_classpath(self.dir),
                                            "org.apache.zookeeper.server.quorum.QuorumPeerMain", self.cfg_path]
        else:
            self.argv = [corral_bin or corral_binary(), "server", "--config", self.cfg_path]
        self.proc = None
        self.lines = []          # (monotonic_ns, text)
        self.lines_lock = threading.Lock()
        self.line_event = threading.Condition(self.lines_lock)
        self._reader = None

    def start(self, timeout=60):
        self._logfile = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}; see {self.dir}/server.log")
            if zk_handshake_ok(self.port):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} did not open port {self.port} within {timeout} s")

    def _read(self):
        for raw in self.proc.stdout:
            t = time.monotonic_ns()
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self._logfile.write(text + "\n")
            with self.lines_lock:
                self.lines.append((t, text))
                self.line_event.notify_all()
        self._logfile.flush()

    def find_lines(self, pattern, after_ns=0):
        rx = re.compile(pattern)
        with self.lines_lock:
            return [(t, s, m) for (t, s) in self.lines if t >= after_ns for m in [rx.search(s)] if m]

    def wait_line(self, pattern, after_ns=0, timeout=None):
        """Waits for a log line matching pattern (stamped at or after after_ns)."""
        rx = re.compile(pattern)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.lines_lock:
            seen = 0
            while True:
                for t, s in self.lines[seen:]:
                    if t >= after_ns:
                        m = rx.search(s)
                        if m:
                            return t, s, m
                seen = len(self.lines)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self.line_event.wait(timeout=0.2 if remaining is None else min(0.2, remaining))

    def rss_kb(self):
        return read_rss_kb(self.pid)

    def stop(self, timeout=20):
        """SIGTERM to this server's pid, SIGKILL if it has not exited after timeout seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._reader:
            self._reader.join(timeout=5)
        self._logfile.close()

    def remove_data(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def zk_handshake_ok(port):
    """True when the server at port completes a ZooKeeper session handshake (Apache opens its port
    before it serves); the session is closed again right away."""
    connect = struct.pack(">iqiqi16s?", 0, 0, 30000, 0, 16, bytes(16), False)
    close = struct.pack(">ii", 1, -11)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(struct.pack(">i", len(connect)) + connect)
            reply = b""
            while len(reply) < 4 + 20:
                chunk = s.recv(4096)
                if not chunk:
                    return False
                reply += chunk
            timeout = struct.unpack(">i", reply[8:12])[0]
            if timeout <= 0:
                return False
            s.sendall(struct.pack(">i", len(close)) + close)
            try:
                s.recv(4096)
            except OSError:
                pass
            return True
    except OSError:
        return False


def read_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def read_cpu_seconds(pid):
    """User + system CPU seconds used so far by pid (all its threads), from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU seconds all CPUs of the machine have spent busy (not idle or waiting for I/O)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return None


def wait_for_quiet(max_busy_pct, max_wait_s, window_s=2.0):
    """Waits (up to max_wait_s) until the whole machine was busy less than max_busy_pct of one core
    over window_s seconds; returns the last measured busy percentage. max_wait_s <= 0: no wait."""
    waited = 0.0
    while True:
        b0 = machine_busy_seconds()
        time.sleep(window_s)
        busy = 100.0 * (machine_busy_seconds() - b0) / window_s
        if busy < max_busy_pct or waited >= max_wait_s:
            if waited:
                log(f"    (waited {waited:.0f} s for other work on the machine to calm down; now {busy:.0f}% busy)")
            return busy
        waited += window_s


class ProcSampler(threading.Thread):
    """Samples a pid's VmRSS (kB) and CPU seconds, and the whole machine's busy CPU seconds, every
    interval seconds into self.samples [(monotonic_ns, rss_kb, cpu_s, machine_busy_s)]."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples = []
        self._halt = threading.Event()

    def run(self):
        next_t = time.monotonic()
        while not self._halt.is_set():
            kb = read_rss_kb(self.pid)
            cpu = read_cpu_seconds(self.pid)
            if kb is None or cpu is None:
                break
            self.samples.append((time.monotonic_ns(), kb, cpu, machine_busy_seconds()))
            next_t += self.interval
            delay = next_t - time.monotonic()
            if delay > 0:
                self._halt.wait(delay)
            else:
                next_t = time.monotonic()

    def stop(self):
        self._halt.set()
        self.join(timeout=2)

    def between(self, t0, t1):
        """RSS samples (kB) taken in [t0, t1]."""
        return [s[1] for s in self.samples if t0 <= s[0] <= t1]

    def cpu_pct(self, t0, t1, machine=False):
        """CPU use over [t0, t1] in percent of one core (from the samples nearest the ends): the
        pid's, or with machine=True the whole machine's (every process)."""
        k = 3 if machine else 2
        inside = [(s[0], s[k]) for s in self.samples if t0 <= s[0] <= t1]
        if len(inside) < 2 or inside[-1][0] == inside[0][0] or inside[0][1] is None:
            return float("nan")
        return 100.0 * (inside[-1][1] - inside[0][1]) / ((inside[-1][0] - inside[0][0]) / 1e9)


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    i = int(round(q * (len(sorted_values) - 1)))
    return sorted_values[i]


def median(values):
    return statistics.median(values) if values else float("nan")


def fmt_table(headers, rows, left=2):
    """A plain-text table; the first `left` columns are left-aligned, the rest right-aligned."""
    cols = [[str(h)] + [str(r[i]) for r in rows] for i, h in enumerate(headers)]
    widths = [max(len(c) for c in col) for col in cols]
    out = []
    for n, line in enumerate([headers] + rows):
        cells = [str(v).rjust(w) if n and i >= left else str(v).ljust(w) for i, (v, w) in enumerate(zip(line, widths))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
