#!/usr/bin/env python3
"""Crash test: acknowledged writes survive `kill -9`, and the txn log has no zxid gap.

A kazoo client writes continuously with pipelining (many async creates, sequential creates,
setData and deletes in flight, each with a distinct payload) to a standalone server that this
script starts on 127.0.0.1 with a fresh data dir and a small snapCount (log rolls and background
snapshots during the run). The server is killed with SIGKILL at seeded random moments (uniformly
during the load, right after a log roll, while a snapshot is being written, right after restart),
--kills times; a quarter of those kills are followed by one more while the server restarts
(recovery, its first snapshot). After every kill:

  * the txn logs in dataDir/version-2 are parsed directly (header, Adler32 of every record, 'B'
    end-of-record byte, zero preallocation): zxids must follow each other (+1) within and across
    files with no gap or duplicate; a damaged record is accepted only as the last thing in a file
    (a write torn by the kill, nothing but zeros after it); every acknowledged write must be in the
    log at the zxid its reply reported, with the same type, path, data (and version for setData);
  * the server is restarted on the same data dir and a fresh client checks every node: each
    acknowledged create/setData/delete must be there with the acknowledged data, version, czxid and
    mzxid. Ops that were in flight at the kill (no reply, or ConnectionLoss) may have been applied
    or not, and nothing else: a create may exist (with its data, version 0) or not, a setData may
    show the old or the new data+version, a delete may have happened or not; and the applied ones
    must be a prefix of the in-flight ops in submission order (a log is replayed in order). No other
    node may exist.

At the end the client drains its writes, the server is stopped with SIGTERM, restarted and checked
once more (clean shutdown), and Apache's own readers run over the data dir: TxnLogToolkit -d on
every log file and SnapshotFormatter on the newest snapshot (via ApacheReaders.java, one JVM).

Every write gets a new kazoo client per server lifetime: kazoo never resends a write across the
kill (ops queued when the connection drops fail with ConnectionLoss and are "unknown outcome").

Output: a line per cycle, then "crash test: PASS (N kills, M acknowledged writes verified)" or
"crash test: FAIL: <first discrepancy>"; exit status 1 on failure, 2 on a harness error.

Usage:
  crash.py --apache [--seed S] [--kills 25]
  crash.py --corral [BIN] [--seed S] [--kills 25]
"""

import argparse
import atexit
import logging
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
APACHE_CP = os.environ.get("ZK_SERVER_CLASSPATH") or os.environ.get(
    "ZK_CLASSPATH", "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar")

TXNLOG_MAGIC = 0x5A4B4C47  # "ZKLG"
MAX_RECORD = 0xFFFFF + 1024  # jute.maxbuffer plus slack: a larger length is damage, not data

TXN_TYPES = {1: "create", 2: "delete", 5: "setData", 7: "setACL", 13: "check", 14: "multi",
             15: "create2", 19: "createContainer", 20: "deleteContainer", 21: "createTTL",
             -10: "createSession", -11: "closeSession", -1: "error", 16: "reconfig"}
CREATE_TYPES = (1, 15, 19, 21)

# ---------------------------------------------------------------------------------------------
# processes: everything started here is stopped by pid at exit, also on failure


LIVE = []  # Popen objects that may still run


def _reap_all():
    for p in list(LIVE):
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if p in LIVE:
            LIVE.remove(p)


atexit.register(_reap_all)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


class Failure(Exception):
    """A discrepancy found in the server's behaviour (the test fails)."""


class HarnessError(Exception):
    """The harness itself could not do its job."""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


ZOO_CFG = """\
tickTime=2000
dataDir={datadir}
clientPort={port}
clientPortAddress=127.0.0.1
snapCount={snap_count}
forceSync=yes
preAllocSize={prealloc_kb}
maxClientCnxns=0
4lw.commands.whitelist=*
admin.enableServer=false
"""


class Server:
    """One server process at a time on a fixed config; every start appends to server.log."""

    def __init__(self, kind, binary, workdir, port, snap_count, prealloc_kb):
        self.kind = kind
        self.binary = binary
        self.workdir = workdir
        self.port = port
        self.datadir = os.path.join(workdir, "data")
        self.logdir = os.path.join(self.datadir, "version-2")
        self.cfg = os.path.join(workdir, "zoo.cfg")
        self.log_path = os.path.join(workdir, "server.log")
        with open(self.cfg, "w") as f:
            f.write(ZOO_CFG.format(datadir=self.datadir, port=port, snap_count=snap_count,
                                   prealloc_kb=prealloc_kb))
        self.proc = None
        self.lifetime = 0
        self.log_offsets = []  # server.log offset where each lifetime starts

    def start(self):
        self.lifetime += 1
        if self.kind == "apache":
            cmd = ["java", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                   "-cp", APACHE_CP, "org.apache.zookeeper.server.quorum.QuorumPeerMain", self.cfg]
        else:
            cmd = [self.binary, "server", "--config", self.cfg]
        log = open(self.log_path, "ab")
        self.log_offsets.append(log.tell())
        log.write(("==== crash.py: lifetime %d: %s\n" % (self.lifetime, " ".join(cmd))).encode())
        log.flush()
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir)
        log.close()
        LIVE.append(self.proc)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        LIVE.remove(self.proc)

    def stop(self, timeout=20):
        """SIGTERM; returns the exit status (SIGKILL after timeout, then returns None)."""
        p = self.proc
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
                LIVE.remove(p)
                return None
        if p in LIVE:
            LIVE.remove(p)
        return p.returncode

    def log_excerpt(self, lifetimes=2, max_lines=40):
        """The last lines of the server log of the last `lifetimes` lifetimes."""
        try:
            with open(self.log_path, "rb") as f:
                start = self.log_offsets[max(0, len(self.log_offsets) - lifetimes)]
                f.seek(start)
                text = f.read().decode(errors="replace")
        except OSError as e:
            return "(cannot read %s: %s)" % (self.log_path, e)
        lines = text.splitlines()
        # keep the lifetime markers and the last lines
        if len(lines) > max_lines:
            markers = [l for l in lines[:-max_lines] if l.startswith("==== crash.py")]
            lines = markers + ["  [...]"] + lines[-max_lines:]
        return "\n".join("    | " + l for l in lines)


# ---------------------------------------------------------------------------------------------
# txn log files (Apache format), parsed directly


class LogRecord:
    __slots__ = ("zxid", "type", "client", "cxid", "path", "dlen", "dcrc", "version", "offset")


class LogScan:
    """One txn log file: its records, how it ends and anything wrong with it."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.name_zxid = int(self.name.split(".", 1)[1], 16)
        self.records = []
        self.end = "eof"  # eof | zeros | torn@<offset> | empty
        self.problems = []  # discrepancies (the test fails)
        self.notes = []  # accepted anomalies (reported)
        self.size = 0


def _read_jstr(b, off):
    (n,) = struct.unpack_from(">i", b, off)
    off += 4
    if n < 0:
        return None, off
    if off + n > len(b):
        raise ValueError("string length %d past the end" % n)
    return b[off:off + n], off + n


def _all_zero(buf, start):
    if start >= len(buf):
        return True
    return buf.count(0, start) == len(buf) - start


def scan_log(path):
    s = LogScan(path)
    with open(path, "rb") as f:
        buf = f.read()
    s.size = len(buf)
    if not buf:
        s.end = "empty"
        s.notes.append("%s: empty file (killed before its header was written)" % s.name)
        return s
    if len(buf) < 16:
        s.end = "torn@0"
        s.notes.append("%s: %d-byte torn header" % (s.name, len(buf)))
        return s
    magic, version, _dbid = struct.unpack_from(">iiq", buf, 0)
    if magic != TXNLOG_MAGIC or version != 2:
        s.problems.append("%s: bad file header (magic 0x%08x, version %d)" % (s.name, magic & 0xFFFFFFFF, version))
        return s
    off = 16
    n_buf = len(buf)
    while True:
        if off + 12 > n_buf:
            if _all_zero(buf, off):
                s.end = "eof"
            else:
                s.end = "torn@%d" % off
                s.notes.append("%s: torn record header at offset %d (end of file)" % (s.name, off))
            return s
        crc, length = struct.unpack_from(">qi", buf, off)
        if crc == 0 and length == 0:
            s.end = "zeros"
            if not _all_zero(buf, off):
                nz = next(i for i in range(off, n_buf) if buf[i])
                s.problems.append(
                    "%s: end-of-log marker (zero record) at offset %d but non-zero bytes follow at "
                    "offset %d: records after a hole" % (s.name, off, nz))
            return s
        torn = None
        if length <= 0 or length > MAX_RECORD:
            torn = "record length %d" % length
            claimed_end = off + 12
        elif off + 12 + length + 1 > n_buf:
            torn = "record of %d bytes runs past the end of the file" % length
            claimed_end = n_buf
        elif buf[off + 12 + length] != 0x42:
            torn = "no end-of-record 'B' (0x%02x)" % buf[off + 12 + length]
            claimed_end = off + 12 + length + 1
        if torn is not None:
            s.end = "torn@%d" % off
            if _all_zero(buf, claimed_end):
                s.notes.append("%s: torn last record at offset %d (%s), zeros after it" % (s.name, off, torn))
            else:
                s.problems.append("%s: damaged record at offset %d (%s) with more data after it"
                                  % (s.name, off, torn))
            return s
        body = buf[off + 12:off + 12 + length]
        if zlib.adler32(body) != crc:
            s.problems.append("%s: checksum mismatch at offset %d (stored 0x%x, computed 0x%x) in a "
                              "complete record" % (s.name, off, crc, zlib.adler32(body)))
            s.end = "bad@%d" % off
            return s
        if length < 32:
            s.problems.append("%s: record at offset %d is %d bytes, shorter than a TxnHeader"
                              % (s.name, off, length))
            return s
        r = LogRecord()
        r.client, r.cxid, r.zxid, _time, r.type = struct.unpack_from(">qiqqi", body, 0)
        r.offset = off
        r.path = None
        r.dlen = r.dcrc = r.version = None
        try:
            if r.type in CREATE_TYPES or r.type == 5:
                p, o = _read_jstr(body, 32)
                d, o = _read_jstr(body, o)
                r.path = p.decode(errors="replace") if p is not None else None
                r.dlen = -1 if d is None else len(d)
                r.dcrc = zlib.crc32(d) if d is not None else None
                if r.type == 5:
                    (r.version,) = struct.unpack_from(">i", body, o)
            elif r.type == 2:
                p, o = _read_jstr(body, 32)
                r.path = p.decode(errors="replace") if p is not None else None
        except (ValueError, struct.error) as e:
            s.problems.append("%s: record zxid 0x%x at offset %d: cannot decode %s txn: %s"
                              % (s.name, r.zxid, off, TXN_TYPES.get(r.type, r.type), e))
        s.records.append(r)
        off += 12 + length + 1


class LogSet:
    """All log files of the data dir, re-parsed when a file changes."""

    LOG_RE = re.compile(r"^log\.[0-9a-fA-F]+$")

    def __init__(self, logdir):
        self.logdir = logdir
        self.cache = {}  # name -> (stat key, LogScan)
        self.scans = []
        self.firsts = []

    def rescan(self):
        names = sorted((n for n in os.listdir(self.logdir) if self.LOG_RE.match(n)),
                       key=lambda n: int(n.split(".", 1)[1], 16))
        scans = []
        for n in names:
            p = os.path.join(self.logdir, n)
            st = os.stat(p)
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
            hit = self.cache.get(n)
            if hit is None or hit[0] != key:
                hit = (key, scan_log(p))
                self.cache[n] = hit
            scans.append(hit[1])
        for n in list(self.cache):
            if n not in names:
                del self.cache[n]
        self.scans = scans
        self.firsts = [s.records[0].zxid if s.records else None for s in scans]
        return scans

    def check(self):
        """(problems, notes, first zxid, last zxid, record count) over all files in zxid order."""
        problems, notes = [], []
        prev = None  # (zxid, file name)
        first = None
        count = 0
        for s in self.scans:
            problems.extend(s.problems)
            notes.extend(s.notes)
            if not s.records:
                continue
            if s.records[0].zxid != s.name_zxid:
                problems.append("%s: first record has zxid 0x%x, not the zxid in the file name"
                                % (s.name, s.records[0].zxid))
            for r in s.records:
                count += 1
                if first is None:
                    first = r.zxid
                if prev is not None and r.zxid != prev[0] + 1:
                    what = "gap" if r.zxid > prev[0] + 1 else "duplicate/backwards zxid"
                    where = ("in %s at offset %d" % (s.name, r.offset) if prev[1] == s.name
                             else "between %s and %s" % (prev[1], s.name))
                    problems.append("zxid %s %s: 0x%x follows 0x%x" % (what, where, r.zxid, prev[0]))
                prev = (r.zxid, s.name)
        return problems, notes, first, (prev[0] if prev else None), count

    def find(self, zxid):
        """The record with this zxid (last file holding it), or None."""
        best = None
        for s, f in zip(self.scans, self.firsts):
            if f is None or f > zxid:
                continue
            i = zxid - f
            if i < len(s.records) and s.records[i].zxid == zxid:
                best = s.records[i]
            else:
                for r in s.records:
                    if r.zxid == zxid:
                        best = r
        return best

    def first_zxid(self):
        for f in self.firsts:
            if f is not None:
                return f
        return None


def snapshot_files(logdir):
    out = []
    for n in os.listdir(logdir):
        m = re.match(r"^snapshot\.([0-9a-fA-F]+)$", n)
        if m:
            out.append((int(m.group(1), 16), os.path.join(logdir, n)))
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# the model: what was acknowledged


class Node:
    __slots__ = ("data", "version", "czxid", "mzxid")

    def __init__(self, data, version, czxid, mzxid):
        self.data, self.version, self.czxid, self.mzxid = data, version, czxid, mzxid


class Op:
    __slots__ = ("seq", "kind", "path", "data", "version", "status", "zxid", "result_path", "error",
                 "old")

    def __init__(self, seq, kind, path, data=None, version=-1, old=None):
        self.seq, self.kind, self.path, self.data, self.version = seq, kind, path, data, version
        self.status = None  # None: no reply; "ok"; "lost" (ConnectionLoss etc.); "error"
        self.zxid = None
        self.result_path = None
        self.error = None
        self.old = old  # the node's acknowledged state when the op was sent (set/delete)

    def describe(self):
        p = self.result_path or self.path
        extra = ""
        if self.kind == "set":
            extra = " version %d->%d" % (self.version, self.version + 1)
        elif self.kind == "delete":
            extra = " version %d" % self.version
        return "#%d %s %s%s (%d bytes)" % (self.seq, self.kind, p, extra,
                                            len(self.data) if self.data is not None else 0)


ROOT, PLAIN, SEQ = "/crash", "/crash/p", "/crash/s"


class Model:
    def __init__(self):
        self.lock = threading.Lock()
        self.nodes = {}  # path -> Node, acknowledged state (under PLAIN and SEQ)
        self.op_seq = 0
        self.acked_total = 0


def unknown_outcome_errors():
    from kazoo import exceptions as ke
    from kazoo.handlers.threading import KazooTimeoutError
    names = ["ConnectionLoss", "ConnectionClosedError", "SessionExpiredError", "ConnectionDropped",
             "OperationTimeoutError"]
    return tuple(getattr(ke, n) for n in names if hasattr(ke, n)) + (KazooTimeoutError,)


class Writer(threading.Thread):
    """Pipelined writes from one thread; replies are handled on kazoo's callback thread."""

    def __init__(self, zk, model, rng, inflight, max_nodes, lifetime):
        super().__init__(daemon=True, name="writer-%d" % lifetime)
        self.zk, self.model, self.rng = zk, model, rng
        self.sem = threading.Semaphore(inflight)
        self.max_nodes = max_nodes
        self.lifetime = lifetime
        self.stop_flag = threading.Event()
        self.ops = []  # this lifetime's ops in submission order
        self.outstanding = 0
        self.frozen = False
        self.idle = list(model.nodes)  # nodes with no op in flight
        self.rng.shuffle(self.idle)
        self.unknown_types = unknown_outcome_errors()
        self.exception = None

    def payload(self, seq):
        r = self.rng.random()
        if r < 0.80:
            n = self.rng.randrange(8, 200)
        elif r < 0.96:
            n = self.rng.randrange(200, 2000)
        else:
            n = self.rng.randrange(2000, 12000)
        head = b"op%d/life%d/" % (seq, self.lifetime)
        return head + self.rng.randbytes(max(0, n - len(head)))

    def run(self):
        try:
            self._run()
        except Exception as e:  # surfaces in the cycle as a harness error
            self.exception = e

    def _run(self):
        zk, rng, m = self.zk, self.rng, self.model
        while not self.stop_flag.is_set():
            if not self.sem.acquire(timeout=0.05):
                continue
            if self.stop_flag.is_set():
                self.sem.release()
                break
            with m.lock:
                m.op_seq += 1
                seq = m.op_seq
                n = len(m.nodes)
                r = rng.random()
                if n < self.max_nodes * 0.8:
                    kind = "create" if r < 0.20 else "seq" if r < 0.35 else "set"
                else:
                    kind = "create" if r < 0.12 else "seq" if r < 0.22 else "delete" if r < 0.47 else "set"
                if kind in ("set", "delete") and not self.idle:
                    kind = "create"
                if kind == "create":
                    op = Op(seq, "create", "%s/n%07d" % (PLAIN, seq), self.payload(seq))
                elif kind == "seq":
                    op = Op(seq, "seq", SEQ + "/q-", self.payload(seq))
                else:
                    i = rng.randrange(len(self.idle))
                    path = self.idle[i]
                    self.idle[i] = self.idle[-1]
                    self.idle.pop()
                    node = m.nodes[path]
                    if kind == "set":
                        op = Op(seq, "set", path, self.payload(seq), node.version, old=node)
                    else:
                        op = Op(seq, "delete", path, None, node.version, old=node)
                self.ops.append(op)
                self.outstanding += 1
            if op.kind == "create":
                a = zk.create_async(op.path, op.data, include_data=True)
            elif op.kind == "seq":
                a = zk.create_async(op.path, op.data, sequence=True, include_data=True)
            elif op.kind == "set":
                a = zk.set_async(op.path, op.data, op.version)
            else:
                a = zk.delete_async(op.path, op.version)
            a.rawlink(lambda res, op=op: self._reply(op, res))

    def _reply(self, op, res):
        m = self.model
        exc = res.exception
        with m.lock:
            if self.frozen:
                return  # the lifetime is over: counted as "no reply"
            self.outstanding -= 1
            if exc is None:
                op.status = "ok"
                v = res.value
                m.acked_total += 1
                if op.kind in ("create", "seq"):
                    path, stat = v
                    op.result_path = path
                    op.zxid = stat.czxid
                    m.nodes[path] = Node(op.data, stat.version, stat.czxid, stat.mzxid)
                    self.idle.append(path)
                elif op.kind == "set":
                    op.zxid = v.mzxid
                    m.nodes[op.path] = Node(op.data, v.version, v.czxid, v.mzxid)
                    self.idle.append(op.path)
                else:
                    del m.nodes[op.path]
            elif isinstance(exc, self.unknown_types):
                op.status = "lost"
                op.error = exc
            else:
                op.status = "error"
                op.error = exc
        self.sem.release()

    def freeze(self):
        with self.model.lock:
            self.frozen = True


# ---------------------------------------------------------------------------------------------
# client helpers


def new_client(port):
    from kazoo.client import KazooClient
    from kazoo.retry import KazooRetry
    return KazooClient(hosts="127.0.0.1:%d" % port, timeout=10.0,
                       connection_retry=KazooRetry(max_tries=-1, delay=0.05, backoff=1,
                                                   max_delay=0.2, ignore_expire=False))


def four_letter(port, word, timeout=2.0):
    """The server's answer to a four-letter word, "" if it closed without one, None if no connect."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(word.encode())
            s.shutdown(socket.SHUT_WR)
            out = b""
            while True:
                b = s.recv(4096)
                if not b:
                    return out.decode(errors="replace")
                out += b
    except OSError:
        return None


def wait_serving(server, deadline_s=60):
    """Waits until `srvr` reports a zxid (the data is loaded; a client connecting earlier may wait
    out its whole session timeout); returns that zxid. Failure if the server dies or never serves."""
    end = time.monotonic() + deadline_s
    last = None
    while True:
        if not server.alive():
            raise Failure("server exited during startup/recovery (status %s)\n%s"
                          % (server.proc.returncode, server.log_excerpt(1)))
        r = four_letter(server.port, "srvr")
        if r:
            last = r
            m = re.search(r"^Zxid: (0x[0-9a-fA-F]+)", r, re.M)
            if m:
                return int(m.group(1), 16)
        if time.monotonic() > end:
            raise Failure("server did not start serving within %ds (last srvr answer: %r)\n%s"
                          % (deadline_s, last, server.log_excerpt(1)))
        time.sleep(0.03)


def connect(server, deadline_s=60):
    """A connected fresh client for the server (already serving)."""
    end = time.monotonic() + deadline_s
    while True:
        zk = new_client(server.port)
        try:
            zk.start(timeout=max(1.0, min(15.0, end - time.monotonic())))
            zk.exists("/")
            return zk
        except Exception as e:
            close_client(zk)
            if not server.alive():
                raise Failure("server exited (status %s)\n%s" % (server.proc.returncode, server.log_excerpt(1)))
            if time.monotonic() > end:
                raise Failure("server did not answer a client within %ds (%s: %s)\n%s"
                              % (deadline_s, type(e).__name__, e, server.log_excerpt(1)))
            time.sleep(0.1)


def close_client(zk, timeout=25):
    """Stops a kazoo client; HarnessError if its connection thread does not end (it could
    otherwise reconnect to the next server and send a queued write)."""
    def stop():
        try:
            zk.stop()
        except Exception:
            pass
        try:
            zk.close()
        except Exception:
            pass
    t = threading.Thread(target=stop, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise HarnessError("kazoo client did not stop within %ds" % timeout)


def wait_all(asyncs, timeout=60):
    end = time.monotonic() + timeout
    out = []
    for a in asyncs:
        left = end - time.monotonic()
        try:
            out.append((True, a.get(timeout=max(0.01, left))))
        except Exception as e:
            out.append((False, e))
    return out


# ---------------------------------------------------------------------------------------------
# checks


def check_logs(logs, ops, label, rescan=True):
    """Chain check over all log files plus: each op reported committed is in the log at its zxid.
    Without rescan, checks against the files as last parsed. Returns (first zxid, last zxid,
    record count, notes)."""
    if rescan:
        logs.rescan()
    problems, notes, first, last, count = logs.check()
    if problems:
        raise Failure("txn log (%s): %s%s" % (label, problems[0],
                      "" if len(problems) == 1 else " (and %d more: %s)" % (len(problems) - 1, "; ".join(problems[1:4]))))
    lo = logs.first_zxid()
    for op in ops:
        if op.zxid is None or op.kind == "delete":
            continue
        if lo is None or op.zxid < lo:
            continue  # older than every log file kept (not the case without purging)
        r = logs.find(op.zxid)
        if r is None:
            raise Failure("%s: acknowledged write %s has zxid 0x%x but the txn log ends at 0x%x: "
                          "acknowledged and not durable" % (label, op.describe(), op.zxid, last or 0))
        want_types = CREATE_TYPES if op.kind in ("create", "seq") else (5,)
        path = op.result_path or op.path
        bad = []
        if r.type not in want_types:
            bad.append("txn type %s" % TXN_TYPES.get(r.type, r.type))
        if r.path != path:
            bad.append("path %r" % r.path)
        if r.dlen != len(op.data) or r.dcrc != zlib.crc32(op.data):
            bad.append("data of %s bytes differs" % r.dlen)
        if op.kind == "set" and r.version != op.version + 1:
            bad.append("version %s" % r.version)
        if bad:
            raise Failure("%s: log record at zxid 0x%x does not match acknowledged write %s: %s"
                          % (label, op.zxid, op.describe(), ", ".join(bad)))
    return first, last, count, notes


def verify(zk, model, unknown, label):
    """Checks the restarted server against the model; adopts the in-flight ops that were applied.
    Returns (nodes checked, applied unknown ops)."""
    def fail(msg):
        raise Failure("%s: %s" % (label, msg))

    for p in (ROOT, PLAIN, SEQ):
        if zk.exists(p) is None:
            fail("parent node %s is missing" % p)
    kids_p = set(PLAIN + "/" + c for c in zk.get_children(PLAIN))
    kids_s = set(SEQ + "/" + c for c in zk.get_children(SEQ))
    present = kids_p | kids_s

    unknown_by_path = {}
    for op in unknown:
        if op.kind in ("set", "delete", "create"):
            unknown_by_path[op.path] = op
    extra_seq = sorted(kids_s - set(model.nodes))
    to_read = sorted(set(model.nodes) | (kids_p - set(model.nodes)) | set(extra_seq))
    got = dict(zip(to_read, wait_all([zk.get_async(p) for p in to_read])))
    observed = {}
    for p, (ok, v) in got.items():
        if ok:
            observed[p] = v  # (data, stat)
        elif type(v).__name__ != "NoNodeError":
            raise HarnessError("getData %s after restart: %s: %s" % (p, type(v).__name__, v))

    # nodes with an acknowledged state and no op in flight: exactly as acknowledged
    for path, node in model.nodes.items():
        if path in unknown_by_path:
            continue
        if path not in observed or path not in present:
            fail("acknowledged node %s (version %d, mzxid 0x%x) is missing after restart"
                 % (path, node.version, node.mzxid))
        data, st = observed[path]
        if data != node.data or st.version != node.version or st.mzxid != node.mzxid or st.czxid != node.czxid:
            fail("node %s after restart: version %d mzxid 0x%x czxid 0x%x data %r...; acknowledged: "
                 "version %d mzxid 0x%x czxid 0x%x data %r..." % (
                     path, st.version, st.mzxid, st.czxid, data[:24], node.version, node.mzxid,
                     node.czxid, node.data[:24]))

    # in-flight ops: applied or not, nothing in between
    applied = []
    seq_by_data = {}
    for p in extra_seq:
        if p in observed:
            seq_by_data.setdefault(observed[p][0], []).append(p)
    accounted = set(model.nodes)
    for op in unknown:
        if op.kind == "create":
            if op.path in present and op.path in observed:
                data, st = observed[op.path]
                if data != op.data or st.version != 0:
                    fail("in-flight %s: node exists with version %d and data %r... (expected the "
                         "op's data, version 0)" % (op.describe(), st.version, data[:24]))
                applied.append((op, op.path, st))
                accounted.add(op.path)
            else:
                applied.append((op, None, None))
        elif op.kind == "seq":
            cands = seq_by_data.get(op.data)
            if cands:
                p = cands.pop(0)
                st = observed[p][1]
                if st.version != 0:
                    fail("in-flight %s: node %s has version %d" % (op.describe(), p, st.version))
                applied.append((op, p, st))
                accounted.add(p)
            else:
                applied.append((op, None, None))
        elif op.kind == "set":
            old = model.nodes[op.path]
            if op.path not in observed or op.path not in present:
                fail("node %s (acknowledged version %d; setData in flight) is missing after restart"
                     % (op.path, old.version))
            data, st = observed[op.path]
            if data == old.data and st.version == old.version and st.mzxid == old.mzxid and st.czxid == old.czxid:
                applied.append((op, None, None))
            elif data == op.data and st.version == old.version + 1 and st.czxid == old.czxid and st.mzxid > old.mzxid:
                applied.append((op, op.path, st))
            else:
                fail("in-flight %s: node shows version %d mzxid 0x%x data %r...; allowed: the "
                     "acknowledged version %d (mzxid 0x%x) or the op's data at version %d" % (
                         op.describe(), st.version, st.mzxid, data[:24], old.version, old.mzxid,
                         old.version + 1))
        else:  # delete
            old = model.nodes[op.path]
            if op.path in present and op.path in observed:
                data, st = observed[op.path]
                if data != old.data or st.version != old.version or st.mzxid != old.mzxid:
                    fail("in-flight %s: node shows version %d mzxid 0x%x; allowed: deleted or the "
                         "acknowledged version %d (mzxid 0x%x)" % (
                             op.describe(), st.version, st.mzxid, old.version, old.mzxid))
                applied.append((op, None, None))
            else:
                applied.append((op, op.path, None))

    extra = sorted(present - accounted)
    if extra:
        p = extra[0]
        d = observed.get(p, (b"?", None))[0]
        fail("unexpected node %s after restart (data %r...): neither acknowledged nor in flight "
             "(%d such nodes)" % (p, d[:24], len(extra)))

    # what survived of the in-flight ops must be a prefix of them (the log replays in order)
    flags = [a[1] is not None for a in applied]
    if False in flags:
        first_lost = flags.index(False)
        if True in flags[first_lost:]:
            j = first_lost + flags[first_lost:].index(True)
            fail("recovered state is not a prefix of the writes: in-flight %s was lost but the later "
                 "%s survived" % (applied[first_lost][0].describe(), applied[j][0].describe()))

    # adopt
    n_applied = 0
    for op, p, st in applied:
        if p is None:
            continue
        n_applied += 1
        if op.kind in ("create", "seq"):
            op.result_path = p
            op.zxid = st.czxid
            model.nodes[p] = Node(op.data, st.version, st.czxid, st.mzxid)
        elif op.kind == "set":
            op.zxid = st.mzxid
            model.nodes[p] = Node(op.data, st.version, st.czxid, st.mzxid)
        else:
            del model.nodes[p]
    return len(to_read), n_applied


def check_zxid_order(ops, label):
    """The zxids of one session's committed writes increase in submission order."""
    prev = None
    for op in ops:
        if op.zxid is None:
            continue
        if prev is not None and op.zxid <= prev.zxid:
            raise Failure("%s: %s got zxid 0x%x, not after the earlier %s with zxid 0x%x"
                          % (label, op.describe(), op.zxid, prev.describe(), prev.zxid))
        prev = op


# ---------------------------------------------------------------------------------------------
# Apache's own readers


def run_apache_readers(logdir, outdir, timeout=240):
    logs = sorted((n for n in os.listdir(logdir) if LogSet.LOG_RE.match(n)),
                  key=lambda n: int(n.split(".", 1)[1], 16))
    snaps = snapshot_files(logdir)
    args = []
    skipped = []
    for n in logs:
        p = os.path.join(logdir, n)
        if os.path.getsize(p) == 0:
            skipped.append(n)
            continue
        args.append("log:" + p)
    for _zxid, path in snaps:
        args.append("snap:" + path)
    cmd = ["java", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", APACHE_CP,
           os.path.join(HERE, "ApacheReaders.java"), outdir] + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    LIVE.append(p)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        raise HarnessError("Apache readers did not finish within %ds" % timeout)
    finally:
        if p in LIVE:
            LIVE.remove(p)
    text = out.decode(errors="replace")
    results = {}
    for line in text.splitlines():
        m = re.match(r"^RESULT (log|snap) (\S+) status=(\S+) crc_errors=(\d+) exception_lines=(\d+) "
                     r"lines=(\d+) last=(.*)$", line)
        if m:
            results[m.group(2)] = (m.group(1), m.group(3).replace("_", " "), int(m.group(4)),
                                   int(m.group(5)), m.group(7))
    if p.returncode != 0 or len(results) != len(args):
        raise HarnessError("Apache readers (exit %s) answered for %d of %d files:\n%s"
                           % (p.returncode, len(results), len(args), text[-3000:]))
    return results, skipped, (snaps[-1][1] if snaps else None)


# ---------------------------------------------------------------------------------------------
# self-check of the harness: damage the data dir between a kill and the restart; the run must FAIL


def inject_damage(logs, mode, acked):
    """Damages the txn log around the last acknowledged write; returns what was done."""
    logs.rescan()
    zxids = [op.zxid for op in acked if op.zxid is not None]
    if mode == "tear":
        # what a kill in the middle of a write leaves: the last record of the log half written
        # (zeros after), allowed when it is no acknowledged write; the run must still PASS
        s = [x for x in logs.scans if x.records][-1]
        r = s.records[-1]
        if zxids and r.zxid <= max(zxids):
            return "nothing torn: the last record (zxid 0x%x) is an acknowledged write" % r.zxid
        with open(s.path, "r+b") as f:
            f.seek(r.offset + 8)
            (length,) = struct.unpack(">i", f.read(4))
            cut = r.offset + 12 + length // 2
            f.seek(cut)
            f.write(b"\0" * (length - length // 2 + 1))
        return "tore the last record of %s (zxid 0x%x, %d bytes): zeros from offset %d" % (
            s.name, r.zxid, length, cut)
    if not zxids:
        raise HarnessError("--inject: no acknowledged write in this cycle")
    target = max(zxids) - 2  # the last three acknowledged writes (and what follows) are hit
    holder = [s for s in logs.scans if s.records and s.records[0].zxid <= target <= s.records[-1].zxid]
    if not holder:
        raise HarnessError("--inject: zxid 0x%x is in no log file" % target)
    s = holder[-1]
    r = next(r for r in s.records if r.zxid == target)
    with open(s.path, "r+b") as f:
        if mode in ("truncate", "truncate-state"):
            # lose the log from that record on, as if it had never been written
            f.seek(0, 2)
            size = f.tell()
            f.seek(r.offset)
            f.write(b"\0" * (size - r.offset))
            later = [x for x in logs.scans if x.name_zxid > s.name_zxid]
            for x in later:
                os.remove(x.path)
            return "zeroed %s from offset %d (zxid 0x%x on)%s" % (
                s.name, r.offset, r.zxid, "" if not later else ", removed " + " ".join(x.name for x in later))
        i = s.records.index(r)
        if mode == "hole":
            if i + 1 >= len(s.records):
                raise HarnessError("--inject hole: zxid 0x%x is the last record of %s" % (target, s.name))
            f.seek(r.offset)
            f.write(b"\0" * (s.records[i + 1].offset - r.offset))
            return "zeroed record zxid 0x%x in %s (offset %d)" % (r.zxid, s.name, r.offset)
        if mode == "flip":
            f.seek(r.offset + 12 + 40)
            b = f.read(1)
            f.seek(r.offset + 12 + 40)
            f.write(bytes([b[0] ^ 0x20]))
            return "flipped a bit in record zxid 0x%x in %s" % (r.zxid, s.name)
    raise HarnessError("unknown --inject mode %s" % mode)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--apache", action="store_true", help="test Apache ZooKeeper 3.8 (QuorumPeerMain)")
    ap.add_argument("--corral", nargs="?", const=os.environ.get(
        "CORRAL_BIN", os.path.join(REPO, ".build", "debug", "corral")),
        help="test `BIN server --config zoo.cfg` (default $CORRAL_BIN or .build/debug/corral)")
    ap.add_argument("--seed", type=int, default=None, help="seed of every random choice (printed)")
    ap.add_argument("--kills", type=int, default=25, help="kill -9 cycles (default 25)")
    ap.add_argument("--inflight", type=int, default=128, help="writes in flight (default 128)")
    ap.add_argument("--max-nodes", type=int, default=3000,
                    help="about this many nodes at most; deletes keep creates going (default 3000)")
    ap.add_argument("--snap-count", type=int, default=2000, help="zoo.cfg snapCount (default 2000)")
    ap.add_argument("--prealloc-kb", type=int, default=64, help="zoo.cfg preAllocSize in KB (default 64)")
    ap.add_argument("--max-window", type=float, default=2.5,
                    help="longest load before a kill, seconds (default 2.5)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (kept anyway on failure)")
    ap.add_argument("--inject", choices=["truncate", "truncate-state", "hole", "flip", "tear"],
                    help="harness self-check: after the kill of cycle --inject-cycle, damage the log "
                         "at the third-last acknowledged write (truncate: zero it and everything after "
                         "it; truncate-state: the same after the log check, so the restarted server's "
                         "state must show it; hole: zero that one record; flip: flip a bit in it); "
                         "the run must then FAIL. tear: cut the log's last record in half if it is "
                         "no acknowledged write (a torn write); the run must still PASS")
    ap.add_argument("--inject-cycle", type=int, default=2)
    args = ap.parse_args()
    if args.apache == bool(args.corral):
        ap.error("give exactly one of --apache or --corral [BIN]")
    if args.corral:
        args.corral = os.path.abspath(args.corral)
    if args.corral and not os.access(args.corral, os.X_OK):
        ap.error("corral binary %s is not executable" % args.corral)
    try:
        import kazoo  # noqa: F401
    except ImportError:
        print("crash test: FAIL: kazoo is not installed (pip install kazoo==2.11.0)")
        return 2

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    rng = random.Random(seed)
    kind = "apache" if args.apache else "corral"
    workdir = tempfile.mkdtemp(prefix="corral-crash-", dir="/tmp")
    port = free_port()
    server = Server(kind, args.corral, workdir, port, args.snap_count, args.prealloc_kb)
    print("crash test: %s on 127.0.0.1:%d, work dir %s" % (
        "Apache ZooKeeper" if kind == "apache" else args.corral, port, workdir))
    print("seed %d  (reproduce the choices with --seed %d); %d kills, %d in flight, snapCount %d, "
          "preAllocSize %d KB" % (seed, seed, args.kills, args.inflight, args.snap_count, args.prealloc_kb))
    sys.stdout.flush()

    # kazoo's warnings (connection drops are the point of this test) go to a file
    handler = logging.FileHandler(os.path.join(workdir, "client.log"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)

    model = Model()
    logs = LogSet(server.logdir)
    t0 = time.monotonic()
    ok = False
    rc = 1
    zk = None
    try:
        server.start()
        wait_serving(server)
        zk = connect(server)
        for p in (ROOT, PLAIN, SEQ):
            zk.create(p, b"")
        modes = []
        torn_tails = 0
        recovery_kills = 0
        last_startup = 1.0
        for cycle in range(1, args.kills + 1):
            if not modes:
                modes = ["uniform", "recovery", "roll", "snap", "recovery", "roll", "snap", "early"]
                rng.shuffle(modes)
            mode = modes.pop()
            label = "cycle %d" % cycle
            before = set(os.listdir(server.logdir))
            w = Writer(zk, model, rng, args.inflight, args.max_nodes, server.lifetime)
            w_start = time.monotonic()
            w.start()
            # --- when to kill
            if mode in ("uniform", "recovery"):
                time.sleep(rng.uniform(0.15, args.max_window))
                how = "uniform"
            elif mode == "early":
                time.sleep(rng.uniform(0.0, 0.08))
                how = "right after restart"
            else:
                prefix = "log." if mode == "roll" else "snapshot"  # also ".snapshot.<zxid>.tmp"
                delay = rng.uniform(0.0, 0.03 if mode == "roll" else 0.015)
                end = w_start + max(args.max_window, 4.0)
                seen = None
                while time.monotonic() < end:
                    new = [n for n in os.listdir(server.logdir) if n.lstrip(".").startswith(prefix) and n not in before]
                    if new:
                        seen = new[0]
                        break
                    time.sleep(0.002)
                if seen:
                    time.sleep(delay)
                    how = "%.0fms after %s appeared" % (delay * 1000, seen)
                else:
                    how = "no new %s file within %.1fs" % (prefix.rstrip("."), time.monotonic() - w_start)
            if w.exception:
                raise HarnessError("writer: %s: %s" % (type(w.exception).__name__, w.exception))
            if not server.alive():
                raise Failure("%s: server exited by itself before the kill (status %s)\n%s"
                              % (label, server.proc.returncode, server.log_excerpt(1)))
            with model.lock:
                inflight_at_kill = w.outstanding
            t_kill = time.monotonic() - w_start
            w.stop_flag.set()  # no new op after the kill: the in-flight set is the one at the kill
            server.kill9()
            w.join(10)
            close_client(zk)
            zk = None
            w.freeze()
            # --- what the client saw
            ops = w.ops
            errors = [op for op in ops if op.status == "error"]
            if errors:
                op = errors[0]
                raise Failure("%s: server answered %s with %s: %s (before the kill)"
                              % (label, op.describe(), type(op.error).__name__, op.error))
            acked = [op for op in ops if op.status == "ok"]
            unknown = [op for op in ops if op.status != "ok"]
            after = set(os.listdir(server.logdir))
            new_files = sorted(after - before)
            # --- the log on disk, before the restart touches it
            check_zxid_order(acked, label)
            if args.inject and args.inject != "truncate-state" and cycle == args.inject_cycle:
                print("%s: --inject %s: %s" % (label, args.inject, inject_damage(logs, args.inject, acked)))
            first, last, count, notes = check_logs(logs, acked, label + " (after kill)")
            if args.inject == "truncate-state" and cycle == args.inject_cycle:
                print("%s: --inject %s: %s" % (label, args.inject, inject_damage(logs, args.inject, acked)))
                first, last, count, notes = check_logs(logs, [], label + " (after damage)")
            tail = "%s %s" % (logs.scans[-1].name, logs.scans[-1].end) if logs.scans else "-"
            torn_tails += sum(1 for s in logs.scans[-1:] if s.end.startswith("torn"))
            # --- restart and compare
            if mode == "recovery":
                # one more kill while the restarted server recovers (torn tail cut, replay, its
                # first snapshot), at a random moment of the time the last restart took
                server.start()
                d = rng.uniform(0.0, 0.9 * last_startup)
                time.sleep(d)
                state = "serving" if four_letter(server.port, "srvr", 0.2) else "not serving yet"
                if not server.alive():
                    raise Failure("%s: server exited during recovery (status %s)\n%s"
                                  % (label, server.proc.returncode, server.log_excerpt(1)))
                server.kill9()
                recovery_kills += 1
                first, last, count, _ = check_logs(logs, acked, label + " (after a kill during recovery)")
                how += "; killed again %.2fs into the restart (%s)" % (d, state)
            t_restart = time.monotonic()
            server.start()
            recovered = wait_serving(server)
            t_up = time.monotonic()
            last_startup = t_up - t_restart
            if last is not None and recovered != last:
                raise Failure("%s: the restarted server reports zxid 0x%x (srvr) but the txn log held "
                              "records up to 0x%x at the kill" % (label, recovered, last))
            zk = connect(server)
            n_checked, n_applied = verify(zk, model, unknown, label + " (after restart)")
            t_verified = time.monotonic()
            check_zxid_order([op for op in ops if op.zxid is not None], label)
            # the in-flight ops the restarted server shows were recovered from disk: they must be in the
            # log as it was at the kill (parsed above, before the restart could cut a torn tail)
            check_logs(logs, [op for op in unknown if op.zxid is not None],
                       label + " (in-flight ops that survived)", rescan=False)
            print("cycle %2d: kill at %.2fs (%s): %d ops sent, %d acked (%d acked so far), %d in flight "
                  "-> %d applied; log 0x%x..0x%x, tail %s; up in %.1fs at zxid 0x%x, verified %d nodes in %.1fs; "
                  "new files: %s" % (
                      cycle, t_kill, how, len(ops), len(acked), model.acked_total, inflight_at_kill,
                      n_applied, first or 0, last or 0, tail, t_up - t_restart, recovered, n_checked,
                      t_verified - t_up, " ".join(new_files) if new_files else "-"))
            sys.stdout.flush()

        # --- final: drain, clean stop, restart, check, Apache readers
        before = set(os.listdir(server.logdir))
        w = Writer(zk, model, rng, args.inflight, args.max_nodes, server.lifetime)
        w.start()
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if [n for n in os.listdir(server.logdir) if re.match(r"^snapshot\.[0-9a-f]+$", n) and n not in before]:
                break
            time.sleep(0.01)
        time.sleep(0.3)
        w.stop_flag.set()
        w.join(10)
        drain_end = time.monotonic() + 30
        while time.monotonic() < drain_end:
            with model.lock:
                if w.outstanding == 0:
                    break
            time.sleep(0.01)
        close_client(zk)
        zk = None
        w.freeze()
        ops = w.ops
        bad = [op for op in ops if op.status != "ok"]
        if bad:
            op = bad[0]
            raise Failure("final writes: %s got %s: %s with the server running"
                          % (op.describe(), op.status, op.error))
        time.sleep(0.5)  # let a background snapshot finish
        status = server.stop()
        check_zxid_order(ops, "final writes")
        first, last, count, notes = check_logs(logs, ops, "after clean stop")
        print("final: %d more writes acked, server stopped with SIGTERM (status %s); log zxids 0x%x..0x%x "
              "in %d files, %d records, no gap" % (len(ops), status, first or 0, last or 0,
                                                    len(logs.scans), count))
        server.start()
        recovered = wait_serving(server)
        if recovered != last:
            raise Failure("after the clean stop the restarted server reports zxid 0x%x (srvr) but the "
                          "txn log holds records up to 0x%x" % (recovered, last))
        zk = connect(server)
        n_checked, _ = verify(zk, model, [], "after clean restart")
        close_client(zk)
        zk = None
        status = server.stop()
        print("final: restarted after the clean stop, verified %d nodes; stopped (status %s)"
              % (n_checked, status))
        # Apache's readers over every log file and every snapshot: the newest snapshot must read;
        # an older one may have been cut short by a kill (the server then used an older one)
        torn = {s.path: s.end for s in logs.rescan() if s.end.startswith("torn")}
        results, skipped, newest = run_apache_readers(server.logdir, os.path.join(workdir, "apache-readers"))
        n_logs = 0
        accepted = []
        snaps_ok, snaps_bad = 0, []
        for path, (k, st, crc_errors, exc_lines, last_line) in sorted(results.items()):
            name = os.path.basename(path)
            if k == "log":
                n_logs += 1
                clean = st == "exit 0" and crc_errors == 0 and exc_lines == 0
                if not clean and path in torn and (crc_errors <= 1 and (
                        st == "exit 0" or "partial" in last_line.lower())):
                    accepted.append("%s (%s, torn tail at %s)" % (name, last_line.strip(), torn[path]))
                    continue
                if not clean:
                    raise Failure("Apache TxnLogToolkit -d %s: %s, %d CRC ERROR line(s), %d line(s) with "
                                  "an exception, last output: %s (full output in %s/apache-readers/%s.txt)"
                                  % (name, st, crc_errors, exc_lines, last_line, workdir, name))
            else:
                clean = st == "exit 0" and exc_lines == 0
                if clean:
                    snaps_ok += 1
                elif path != newest:
                    snaps_bad.append("%s (%s)" % (name, st))
                else:
                    raise Failure("Apache SnapshotFormatter %s: %s, last output: %s (full output in "
                                  "%s/apache-readers/%s.txt)" % (name, st, last_line, workdir, name))
        print("final: Apache TxnLogToolkit -d read %d log files%s; SnapshotFormatter read %d of %d "
              "snapshots, the newest (%s) among them"
              % (n_logs, "" if not skipped else " (%d empty files skipped)" % len(skipped),
                 snaps_ok, snaps_ok + len(snaps_bad), os.path.basename(newest) if newest else "none!"))
        for a in accepted:
            print("       torn last record accepted (log file in use at a kill): " + a)
        for b in snaps_bad:
            print("       older snapshot cut short (written at a kill): " + b)
        print("final: %d of %d kills left a torn record at the end of the log; %d more kills hit a "
              "restart" % (torn_tails, args.kills, recovery_kills))
        if newest is None:
            raise Failure("no snapshot file in %s" % server.logdir)
        ok = True
        rc = 0
        print("crash test: PASS (%d kills, %d acknowledged writes verified) in %.0fs"
              % (args.kills + recovery_kills, model.acked_total, time.monotonic() - t0))
    except Failure as e:
        print("crash test: FAIL: %s" % e)
        if server.proc is not None:
            print("  server log (%s), last lifetimes:\n%s" % (server.log_path, server.log_excerpt(2)))
        rc = 1
    except HarnessError as e:
        print("crash test: FAIL (harness): %s" % e)
        rc = 2
    finally:
        if zk is not None:
            try:
                close_client(zk, timeout=10)
            except HarnessError:
                pass
        if server.alive():
            server.stop(timeout=10)
        _reap_all()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("work dir kept: %s" % workdir)
    return rc


if __name__ == "__main__":
    sys.exit(main())
