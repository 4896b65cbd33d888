#!/usr/bin/env python3
"""Two-way data directory compatibility between Apache ZooKeeper 3.8 and Corral.

A scenario is WRITER->READER with a way of stopping the writer (kill -9 or
SIGTERM):

  1. start WRITER (standalone, snapCount=100, extendedTypesEnabled=true) on a
     fresh dataDir and run the workload: persistent nodes with empty, null,
     binary and ~500 KB data, nested paths, persistent / ephemeral / TTL
     sequential nodes, container nodes (with children), TTL nodes, ACLs of
     every scheme (world with limited perms, digest, ip, auth), repeated
     setData and setACL, deletes of children, successful and failed multi
     transactions, failed writes (error txns), a session closed normally (its
     ephemerals deleted), and two sessions that stay OPEN (one created before
     the last snapshot, one only in the log after it) owning ephemerals;
     enough txns for several snapshots and log rolls, and txns after the last
     snapshot so that recovery has to replay the log;
  2. dump the whole tree as the super user (superDigest in zoo.cfg; every path
     from / including /zookeeper: data bytes, all eleven Stat fields, ACL)
     -> D1, and the last zxid (`srvr`);
  3. stop WRITER (SIGKILL, or SIGTERM) while those sessions are connected;
  4. check WRITER's files with Apache's own tools: every snapshot through
     org.apache.zookeeper.server.SnapshotFormatter -d and every log through
     org.apache.zookeeper.server.persistence.TxnLogToolkit -d (exit 0, no
     exception / CRC / error, the logs hold every zxid once up to the last
     one), and the raw node kinds in the snapshots (container, TTL, ephemeral
     owner) and the open sessions with their timeouts;
  5. start READER on the same dataDir (on a new port, so the writer's clients
     cannot reconnect and renew their sessions), check its last zxid and dump
     -> D2; D1 and D2 must be equal (data + every Stat field + ACL);
  6. check that READER continues the zxid sequence, force a READER snapshot
     and check the node kinds / sessions in it, then (kill -9 scenarios) wait
     for the open sessions to expire: their ephemerals must vanish within the
     session timeout (+ slack) of READER's start.

Scenarios (default: the four Corral ones):
  apache-corral-kill  apache-corral-term  corral-apache-kill  corral-apache-term
  apache-apache-kill  apache-apache-term  (--selftest: validates this harness)
  corral-corral-kill  corral-corral-term

Usage:
  datadir.py [--corral BIN] [--selftest] [--scenario NAME ...] [--no-expiry]
             [--keep]
Last line: "datadir compatibility: PASS (...)" or "... FAIL (...)"; exit 1 on
failure.
"""

import argparse
import concurrent.futures
import ctypes
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError, NodeExistsError
from kazoo.protocol import serialization as ser
from kazoo.retry import KazooRetry
from kazoo.security import ACL, Id, make_digest_acl_credential

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

ZK_CLASSPATH = os.environ.get(
    "ZK_CLASSPATH", "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar")
JAVA_TOOL_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]

TICK_MS = 2000
SNAP_COUNT = 100
SESSION_TIMEOUT_S = 15.0          # open sessions (their ephemerals must survive)
TTL_MS = 3_600_000

READ, WRITE, CREATE, DELETE, ADMIN, ALL = 1, 2, 4, 8, 16, 31
WORLD = Id("world", "anyone")
ALICE = Id("digest", make_digest_acl_credential("alice", "apw"))
DUMP = Id("digest", make_digest_acl_credential("dump", "secret"))
SUPER = make_digest_acl_credential("super", "sup3r")
LOCAL_IP = Id("ip", "127.0.0.1")
LOCAL_NET = Id("ip", "127.0.0.0/8")
OPEN = [ACL(ALL, WORLD)]

STAT_FIELDS = ["czxid", "mzxid", "pzxid", "ctime", "mtime", "version",
               "cversion", "aversion", "ephemeralOwner", "dataLength",
               "numChildren"]
ZXID_FIELDS = {"czxid", "mzxid", "pzxid", "ephemeralOwner"}

CONTAINER_OWNER = 0x8000000000000000
TTL_MARK = 0xFF00000000000000

ZOO_CFG = """\
tickTime={tick}
initLimit=10
syncLimit=5
dataDir={datadir}
clientPort={port}
clientPortAddress=127.0.0.1
maxClientCnxns=0
4lw.commands.whitelist=*
extendedTypesEnabled=true
admin.enableServer=false
snapCount={snapcount}
DigestAuthenticationProvider.superDigest={superdigest}
"""

log = logging.getLogger("datadir")

# --------------------------------------------------------------------------
# requests kazoo does not have (createContainer, createTTL): Create2 layout


class CreateContainer(namedtuple("CreateContainer", "path data acl flags")):
    type = 19

    def serialize(self):
        return ser.Create2(self.path, self.data, self.acl, self.flags).serialize()

    @classmethod
    def deserialize(cls, bytes, offset):
        return ser.Create2.deserialize(bytes, offset)


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    type = 21

    def serialize(self):
        b = ser.Create2(self.path, self.data, self.acl, self.flags).serialize()
        b.extend(ser.long_struct.pack(self.ttl))
        return b

    @classmethod
    def deserialize(cls, bytes, offset):
        return ser.Create2.deserialize(bytes, offset)


def raw_call(client, request, timeout=30):
    result = client.handler.async_result()
    client._call(request, result)
    return result.get(timeout=timeout)


# --------------------------------------------------------------------------
# processes


_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def four_letter(port, word, timeout=3.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(word.encode())
            out = b""
            while True:
                b = s.recv(4096)
                if not b:
                    return out.decode(errors="replace")
                out += b
    except OSError:
        return None


def srvr_zxid(port):
    out = four_letter(port, "srvr") or ""
    m = re.search(r"^Zxid: (0x[0-9a-fA-F]+)", out, re.M)
    return int(m.group(1), 16) if m else None


class Server:
    """One server process (Apache QuorumPeerMain or `corral server`)."""

    live = []  # every started Server, for cleanup

    def __init__(self, kind, corral_bin, workdir, datadir, port, name):
        self.kind, self.port, self.name = kind, port, name
        self.cfg = os.path.join(workdir, name + ".cfg")
        self.log_path = os.path.join(workdir, name + ".log")
        with open(self.cfg, "w") as f:
            f.write(ZOO_CFG.format(tick=TICK_MS, datadir=datadir, port=port,
                                   snapcount=SNAP_COUNT, superdigest=SUPER))
        if kind == "apache":
            cmd = ["java", "-Xmx512m", "-cp", ZK_CLASSPATH,
                   "org.apache.zookeeper.server.quorum.QuorumPeerMain", self.cfg]
        else:
            cmd = [corral_bin, "server", "--config", self.cfg]
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=workdir,
                                     preexec_fn=_die_with_parent)
        Server.live.append(self)
        self.started = time.monotonic()

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise Failure("%s (%s) exited with %s before serving; log %s:\n%s"
                              % (self.name, self.kind, self.proc.returncode,
                                 self.log_path, self.tail()))
            r = four_letter(self.port, "srvr", 1.0)
            if r and "Zxid:" in r:
                return
            time.sleep(0.05)
        raise Failure("%s (%s) not serving after %ds; log %s:\n%s"
                      % (self.name, self.kind, timeout, self.log_path, self.tail()))

    def stop(self, sig=signal.SIGTERM, grace=20):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logf.close()
        if self in Server.live:
            Server.live.remove(self)
        return self.proc.returncode

    def tail(self, n=25, grep=None):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
        except OSError:
            return ""
        if grep:
            lines = [l for l in lines if re.search(grep, l, re.I)]
        return "\n".join("    | " + l for l in lines[-n:])


class Failure(Exception):
    pass


class TimedOut(BaseException):
    """SIGTERM (run.sh's `timeout`): unwinds through every cleanup."""


# --------------------------------------------------------------------------
# clients


clients = []  # every started KazooClient, for cleanup


def connect(port, auth=(), timeout=SESSION_TIMEOUT_S):
    c = KazooClient(hosts="127.0.0.1:%d" % port, timeout=timeout,
                    auth_data=list(auth),
                    connection_retry=KazooRetry(max_tries=-1, delay=0.2, backoff=1,
                                                max_delay=0.5),
                    command_retry=KazooRetry(max_tries=0))
    c.start(timeout=20)
    clients.append(c)
    return c


def drop(c):
    """Stop a client whose server is gone (it can no longer close its session)."""
    try:
        c.stop()
        c.close()
    except Exception:
        pass
    if c in clients:
        clients.remove(c)


# --------------------------------------------------------------------------
# dump and compare


def dump_tree(port):
    """{path: {"data": hex|None, "stat": {...}, "acl": [[perms, scheme, id]]}}

    The dumping client is the super user (superDigest in zoo.cfg): it may
    read every node and sees digest ACL ids unredacted (a client without
    ADMIN on a node gets "user:x" from getACL)."""
    c = connect(port, auth=[("digest", "super:sup3r")], timeout=10)
    try:
        out = {}
        level = ["/"]
        while level:
            reqs = [(p, c.get_async(p), c.get_acls_async(p), c.get_children_async(p))
                    for p in level]
            nxt = []
            for p, g, a, ch in reqs:
                data, st = g.get(timeout=30)
                acls, _ = a.get(timeout=30)
                kids = sorted(ch.get(timeout=30))
                out[p] = {
                    "data": None if data is None else bytes(data).hex(),
                    "stat": {f: getattr(st, f) for f in STAT_FIELDS},
                    "acl": [[x.perms, x.id.scheme, x.id.id] for x in acls],
                }
                nxt += [(p.rstrip("/") + "/" + k) for k in kids]
            level = nxt
        return out
    finally:
        c.stop()
        c.close()
        clients.remove(c)


def fmt_val(field, v):
    if field in ZXID_FIELDS and isinstance(v, int):
        return "0x%x" % (v & 0xFFFFFFFFFFFFFFFF)
    return repr(v)


def fmt_data(h):
    if h is None:
        return "null"
    b = bytes.fromhex(h)
    s = b[:24].hex() + ("..." if len(b) > 24 else "")
    return "%d bytes %s" % (len(b), s)


def compare_dumps(expected, actual, exp_name, act_name, limit=25):
    """List of readable differences (empty when equal)."""
    diffs = []
    for p in sorted(set(expected) | set(actual)):
        if p not in actual:
            e = expected[p]
            diffs.append("%s: missing in %s (in %s: ephemeralOwner=%s czxid=%s)" % (
                p, act_name, exp_name, fmt_val("ephemeralOwner", e["stat"]["ephemeralOwner"]),
                fmt_val("czxid", e["stat"]["czxid"])))
            continue
        if p not in expected:
            diffs.append("%s: extra in %s (not in %s)" % (p, act_name, exp_name))
            continue
        e, a = expected[p], actual[p]
        if e["data"] != a["data"]:
            eb = None if e["data"] is None else bytes.fromhex(e["data"])
            ab = None if a["data"] is None else bytes.fromhex(a["data"])
            where = ""
            if eb is not None and ab is not None:
                off = next((i for i in range(min(len(eb), len(ab))) if eb[i] != ab[i]),
                           min(len(eb), len(ab)))
                where = " (first difference at byte %d)" % off
            diffs.append("%s: data: expected %s, got %s%s" % (
                p, fmt_data(e["data"]), fmt_data(a["data"]), where))
        for f in STAT_FIELDS:
            if e["stat"][f] != a["stat"][f]:
                diffs.append("%s: stat.%s: expected %s, got %s" % (
                    p, f, fmt_val(f, e["stat"][f]), fmt_val(f, a["stat"][f])))
        if e["acl"] != a["acl"]:
            diffs.append("%s: acl: expected %s, got %s" % (p, e["acl"], a["acl"]))
    return diffs


# --------------------------------------------------------------------------
# workload


class Workload:
    """Writes the same tree on any server; remembers what it made."""

    def __init__(self, port):
        self.port = port
        self.kinds = {}       # path -> "container" | ("ttl", ms)
        self.open_sessions = {}   # session id -> list of ephemeral paths
        self.open_clients = []
        self.rnd = random.Random(20240601)

    def run(self, datadir):
        rnd = self.rnd
        w = connect(self.port, auth=[("digest", "alice:apw"), ("digest", "dump:secret")])
        self.open_clients.append(w)
        # an owner created early: it is in the snapshots
        owner1 = connect(self.port)
        self.open_clients.append(owner1)

        w.create("/dd", b"datadir workload root")
        w.create("/dd/empty", b"")
        w.create("/dd/null", None)
        w.create("/dd/binary", bytes(range(256)) * 4)
        big = bytes(b if not (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A) else b ^ 0x80
                    for b in rnd.randbytes(500 * 1024))
        w.create("/dd/big", big)
        w.create("/dd/nested/a/b/c/d", b"deep", makepath=True)
        w.create("/dd/unicode-\u00e9\u0436", "\u00fcn\u00efc\u00f6d\u00e9".encode())
        w.create("/dd/seq", b"")
        for i in range(5):
            w.create("/dd/seq/item-", b"%d" % i, sequence=True)
        w.create("/dd/seq/data-", b"x" * 100, sequence=True, include_data=True)

        # containers (with children so they are not reaped)
        raw_call(w, CreateContainer("/dd/container", b"c", OPEN, 4))
        w.create("/dd/container/child", b"kid")
        w.create("/dd/container/gone", b"")
        w.delete("/dd/container/gone")
        raw_call(w, CreateContainer("/dd/container/nested", b"", OPEN, 4))
        w.create("/dd/container/nested/leaf", b"leaf")
        for p in ("/dd/container", "/dd/container/nested"):
            self.kinds[p] = "container"

        # TTL nodes (persistent with TTL, persistent sequential with TTL)
        raw_call(w, CreateTTL("/dd/ttl", b"ttl data", OPEN, 5, TTL_MS))
        self.kinds["/dd/ttl"] = ("ttl", TTL_MS)
        w.create("/dd/ttl/child", b"")
        w.create("/dd/ttls", b"")
        for i in range(2):
            p, _ = raw_call(w, CreateTTL("/dd/ttls/t-", b"%d" % i, OPEN, 6, TTL_MS + i))
            self.kinds[p] = ("ttl", TTL_MS + i)

        # ACLs of every scheme; each readable by dump (digest) or 127.0.0.1
        w.create("/dd/acl", b"acl parent")
        w.create("/dd/acl/world-read", b"r", acl=[ACL(READ, WORLD)])
        w.create("/dd/acl/world-rwc", b"rwc", acl=[ACL(READ | WRITE | CREATE, WORLD)])
        w.create("/dd/acl/digest", b"alice", acl=[ACL(ALL, ALICE), ACL(READ, DUMP)])
        w.create("/dd/acl/digest/child", b"c", acl=[ACL(READ | ADMIN, DUMP), ACL(ALL, ALICE)])
        w.create("/dd/acl/ip", b"ip", acl=[ACL(READ | WRITE | CREATE, LOCAL_IP)])
        w.create("/dd/acl/ipnet", b"net", acl=[ACL(ALL, LOCAL_NET)])
        w.create("/dd/acl/auth", b"auth", acl=[ACL(READ | WRITE | ADMIN, Id("auth", ""))])
        w.create("/dd/acl/mixed", b"m", acl=[ACL(READ, WORLD), ACL(ALL, ALICE),
                                             ACL(ADMIN, LOCAL_IP)])
        w.create("/dd/acl/changed", b"", acl=[ACL(READ, WORLD), ACL(ALL, ALICE)])
        w.set_acls("/dd/acl/changed", [ACL(ALL, LOCAL_IP), ACL(READ, WORLD)])
        w.set_acls("/dd/acl/changed", [ACL(ALL, ALICE), ACL(READ, DUMP),
                                       ACL(READ, LOCAL_NET)], version=1)
        w.set_acls("/dd/acl/changed", [ACL(ALL, ALICE), ACL(READ, DUMP)])
        w.set("/dd/acl/ip", b"ip v1")
        w.set("/dd/acl/digest", b"alice v1")

        # versions
        w.create("/dd/versions", b"v0")
        for i, v in enumerate([b"v1", b"", b"v3" * 100, None, b"v5", bytes(3000), b"v7"]):
            w.set("/dd/versions", v, version=i)
        w.set("/dd/empty", b"")

        # children deleted: cversion / pzxid
        w.create("/dd/churn", b"")
        for i in range(30):
            w.create("/dd/churn/c-%02d" % i, b"%d" % i)
        for i in range(0, 30, 3):
            w.delete("/dd/churn/c-%02d" % i)
        w.create("/dd/churn/x/y", b"", makepath=True)
        w.delete("/dd/churn/x/y")

        # multi (success and failure)
        t = w.transaction()
        t.create("/dd/multi", b"m")
        t.create("/dd/multi/a", b"a")
        t.create("/dd/multi/b", b"b")
        t.set_data("/dd/versions", b"from multi")
        t.check("/dd/empty", 1)
        t.delete("/dd/churn/c-01")
        res = t.commit()
        if any(isinstance(r, Exception) for r in res):
            raise Failure("multi failed on the writer: %r" % (res,))
        t = w.transaction()
        t.create("/dd/multi/c", b"never")
        t.check("/dd/empty", 99)
        res = t.commit()
        if not any(isinstance(r, Exception) for r in res):
            raise Failure("failing multi succeeded on the writer: %r" % (res,))

        # failed writes (error txns in the log)
        for fn, exc in ((lambda: w.create("/dd/empty", b""), NodeExistsError),
                        (lambda: w.delete("/dd/nope"), NoNodeError),
                        (lambda: w.set("/dd/versions", b"", version=1), BadVersionError)):
            try:
                fn()
                raise Failure("expected %s" % exc.__name__)
            except exc:
                pass

        # ephemerals: owner1 (stays open), a session closed normally, the writer
        w.create("/dd/eph", b"")
        e = [owner1.create("/dd/eph/owner1-a", b"eph data", ephemeral=True),
             owner1.create("/dd/eph/owner1-b", b"", ephemeral=True,
                           acl=[ACL(ALL, WORLD), ACL(READ, DUMP)])]
        for i in range(3):
            e.append(owner1.create("/dd/eph/owner1-seq-", b"%d" % i, ephemeral=True,
                                   sequence=True))
        e.append(owner1.create("/dd/nested/a/eph-owner1", b"", ephemeral=True))
        owner1.create("/dd/eph/owner1-deleted", b"", ephemeral=True)
        owner1.delete("/dd/eph/owner1-deleted")
        self.open_sessions[owner1.client_id[0]] = e
        closer = connect(self.port)
        closer.create("/dd/eph/closed-a", b"", ephemeral=True)
        closer.create("/dd/eph/closed-seq-", b"", ephemeral=True, sequence=True)
        closer.stop()
        closer.close()
        clients.remove(closer)
        self.open_sessions[w.client_id[0]] = [
            w.create("/dd/eph/writer-a", b"w", ephemeral=True)]

        # bulk: several snapshots and log rolls (async, so snapshots are fuzzy)
        w.create("/dd/bulk", b"")
        rs = [w.create_async("/dd/bulk/n-%04d" % i, b"%d" % i) for i in range(150)]
        for r in rs:
            r.get(timeout=30)
        rs = [w.set_async("/dd/bulk/n-%04d" % i, b"set %d" % i) for i in range(150)]
        for r in rs:
            r.get(timeout=30)
        rs = [w.delete_async("/dd/bulk/n-%04d" % i) for i in range(0, 150, 10)]
        for r in rs:
            r.get(timeout=30)

        # txns after the last snapshot: write until the newest snapshot is
        # between 3 and 30 txns behind (a snapshot comes >= snapCount/2 txns
        # after the previous one)
        w.create("/dd/tail", b"")
        n = 0
        while True:
            time.sleep(0.15)
            last = srvr_zxid(self.port)
            snaps = snapshot_files(datadir)
            s = snaps[-1][0] if snaps else -1
            if last is not None and 3 <= last - s <= 30:
                break
            if n > 400:
                raise Failure("could not get 3..30 txns after the last snapshot "
                              "(last zxid %s, snapshots %s)" % (
                                  last, [hex(z) for z, _ in snaps]))
            k = 3 if last is not None and last - s < 3 else 10
            for _ in range(k):
                w.set("/dd/tail", b"tail %d" % n)
                n += 1

        # a second owner that exists only in the log after the last snapshot
        owner2 = connect(self.port)
        self.open_clients.append(owner2)
        self.open_sessions[owner2.client_id[0]] = [
            owner2.create("/dd/eph/owner2-a", b"late", ephemeral=True),
            owner2.create("/dd/tail/owner2-seq-", b"", ephemeral=True, sequence=True)]
        w.set("/dd/tail", b"the end")

    def stop_clients(self):
        for c in self.open_clients:
            drop(c)
        self.open_clients = []


# --------------------------------------------------------------------------
# data dir files and Apache's tools


def _files(datadir, prefix):
    d = os.path.join(datadir, "version-2")
    out = []
    if os.path.isdir(d):
        for n in os.listdir(d):
            if n.startswith(prefix + "."):
                try:
                    out.append((int(n[len(prefix) + 1:], 16), os.path.join(d, n)))
                except ValueError:
                    pass
    return sorted(out)


def snapshot_files(datadir):
    return _files(datadir, "snapshot")


def log_files(datadir):
    return _files(datadir, "log")


def run_tool(cls, args, timeout=60):
    cmd = ["java"] + JAVA_TOOL_FLAGS + ["-cp", ZK_CLASSPATH, cls] + args
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout,
                       preexec_fn=_die_with_parent)
    return p.returncode, p.stdout.decode(errors="replace")


def bad_lines(out):
    """Lines of a tool's output that report a problem: an exception, a CRC
    mismatch ("CRC ERROR"), a log line at ERROR level, or "error" anywhere
    except where TxnLogToolkit names an error txn ("... error -101", a failed
    multi's ";error:" part).  SnapshotFormatter's base64 `data = ...` lines
    are skipped (random base64 can spell "crc")."""
    bad = []
    for l in out.splitlines():
        if l.startswith("  data = "):
            continue
        if (re.search(r"exception|crc", l, re.I) or re.search(r"\bERROR\b", l)
                or (re.search(r"error", l, re.I)
                    and not re.search(r" zxid 0x[0-9a-f]+ error -\d+$|;error:", l))):
            bad.append(l)
    return bad


def show(lines, n=15, width=300):
    return "\n".join("    | " + (l if len(l) <= width else l[:width] + "...")
                     for l in lines[-n:])


def parse_snapshot_dump(out):
    """SnapshotFormatter -d output -> ({path: {field: value}}, {sid: (timeout, count)})"""
    nodes, sessions = {}, {}
    cur = None
    in_sessions = False
    for line in out.splitlines():
        if line.startswith("[main]"):
            continue
        if line.startswith("Session Details"):
            in_sessions = True
            continue
        if in_sessions:
            m = re.match(r"^(0x[0-9a-fA-F]+), (\d+), (\d+)$", line.strip())
            if m:
                sessions[int(m.group(1), 16)] = (int(m.group(2)), int(m.group(3)))
            continue
        if line.startswith("/"):
            cur = nodes.setdefault(line.strip(), {})
            continue
        m = re.match(r"^  (\w+) = (.*)$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2)
    return nodes, sessions


def expected_raw_owner(path, tree, kinds):
    k = kinds.get(path)
    if k == "container":
        return CONTAINER_OWNER
    if isinstance(k, tuple):
        return TTL_MARK | k[1]
    return tree[path]["stat"]["ephemeralOwner"]


def check_snapshot_kinds(snap_nodes, snap_sessions, tree, kinds, open_sessions,
                         snap_zxid, label, full=False):
    """Raw ephemeralOwner (container / TTL / session) of every node of `tree`
    that is in the snapshot with the same czxid; open sessions whose
    ephemerals are in the snapshot must be listed with their timeout (and,
    for a snapshot of the `full` tree, their exact ephemeral count)."""
    problems, checked = [], 0
    for path, n in snap_nodes.items():
        if path not in tree or "cZxid" not in n:
            continue
        if int(n["cZxid"], 16) != tree[path]["stat"]["czxid"]:
            continue
        want = expected_raw_owner(path, tree, kinds)
        got = int(n.get("ephemeralOwner", "0x0"), 16)
        checked += 1
        if got != want:
            problems.append("%s: %s: raw ephemeralOwner 0x%x, expected 0x%x (%s)" % (
                label, path, got, want, kinds.get(path, "session" if want else "persistent")))
    for sid, paths in open_sessions.items():
        if any(p in snap_nodes and int(snap_nodes[p].get("cZxid", "0x0"), 16)
               == tree[p]["stat"]["czxid"] for p in paths if p in tree):
            if sid not in snap_sessions:
                problems.append("%s: open session 0x%x owns ephemerals in the snapshot "
                                "but is not in its session list %s" % (
                                    label, sid, sorted(hex(s) for s in snap_sessions)))
            elif snap_sessions[sid][0] != int(SESSION_TIMEOUT_S * 1000):
                problems.append("%s: session 0x%x timeout %d, expected %d" % (
                    label, sid, snap_sessions[sid][0], int(SESSION_TIMEOUT_S * 1000)))
            elif full and snap_sessions[sid][1] != len(paths):
                problems.append("%s: session 0x%x has %d ephemerals, expected %d" % (
                    label, sid, snap_sessions[sid][1], len(paths)))
    return problems, checked


def check_files(datadir, tree, kinds, open_sessions, last_zxid, who):
    """Apache's SnapshotFormatter / TxnLogToolkit on every file of `datadir`."""
    problems, notes = [], []
    snaps, logs = snapshot_files(datadir), log_files(datadir)
    if len(snaps) < 2 or len(logs) < 2:
        problems.append("%s wrote %d snapshots and %d logs with snapCount=%d "
                        "(expected at least 2 of each)" % (who, len(snaps), len(logs), SNAP_COUNT))

    def snap_job(item):
        z, path = item
        rc, out = run_tool("org.apache.zookeeper.server.SnapshotFormatter", ["-d", path])
        return item, rc, out

    def log_job(item):
        z, path = item
        rc, out = run_tool("org.apache.zookeeper.server.persistence.TxnLogToolkit",
                           ["-d", path])
        return item, rc, out

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        snap_res = list(ex.map(snap_job, snaps))
        log_res = list(ex.map(log_job, logs))

    kinds_checked = 0
    for (z, path), rc, out in snap_res:
        name = os.path.basename(path)
        bad = bad_lines(out)
        if rc != 0 or bad or "ZNode Details" not in out:
            problems.append("SnapshotFormatter %s: exit %d%s\n%s" % (
                name, rc, "" if "ZNode Details" in out else ", no 'ZNode Details'",
                show(bad or out.splitlines())))
            continue
        nodes, sessions = parse_snapshot_dump(out)
        p, c = check_snapshot_kinds(nodes, sessions, tree, kinds, open_sessions, z, name)
        problems += p
        kinds_checked += c

    seen = {}
    txns_total = 0
    for (z, path), rc, out in log_res:
        name = os.path.basename(path)
        bad = bad_lines(out)
        m = re.search(r"EOF reached after (\d+) txns", out)
        if rc != 0 or bad or not m:
            problems.append("TxnLogToolkit -d %s: exit %d%s\n%s" % (
                name, rc, "" if m else ", no 'EOF reached after N txns'",
                show(bad or out.splitlines())))
            continue
        zx = [int(x, 16) for x in re.findall(r" zxid (0x[0-9a-fA-F]+) ", out)]
        if int(m.group(1)) != len(zx):
            problems.append("TxnLogToolkit %s: says %s txns, printed %d" % (
                name, m.group(1), len(zx)))
        if zx and zx[0] != z:
            problems.append("%s: first txn has zxid 0x%x, not the file name's" % (name, zx[0]))
        if zx != sorted(zx):
            problems.append("%s: zxids out of order" % name)
        for x in zx:
            if x in seen:
                problems.append("zxid 0x%x is in both %s and %s" % (x, seen[x], name))
            seen[x] = name
        txns_total += len(zx)
    if seen:
        lo, hi = min(seen), max(seen)
        missing = [x for x in range(lo, hi + 1) if x not in seen]
        if missing:
            problems.append("logs miss zxids %s" % ", ".join(hex(x) for x in missing[:10]))
        if hi != last_zxid:
            problems.append("last logged zxid 0x%x, but the server reported 0x%x "
                            "before it was stopped" % (hi, last_zxid))
        if snaps and lo > snaps[0][0] + 1:
            problems.append("oldest log starts at 0x%x, after the oldest snapshot 0x%x + 1"
                            % (lo, snaps[0][0]))
    notes.append("%d snapshots, %d logs (%d txns) read by SnapshotFormatter/TxnLogToolkit, "
                 "%d node kinds checked" % (len(snaps), len(logs), txns_total, kinds_checked))
    return problems, notes


# --------------------------------------------------------------------------
# a scenario


def scenario(name, writer_kind, reader_kind, stop_sig, args):
    """Returns (problems, notes)."""
    problems, notes = [], []
    work = tempfile.mkdtemp(prefix="corral-datadir-%s-" % name)
    print("   work dir %s (removed if the scenario passes)" % work, flush=True)
    datadir = os.path.join(work, "data")
    os.makedirs(datadir)
    t0 = time.monotonic()
    servers = []
    wl = None
    ok = False
    try:
        # ---- writer
        p1 = free_port()
        writer = Server(writer_kind, args.corral, work, datadir, p1, "writer-" + writer_kind)
        servers.append(writer)
        writer.wait_ready()
        wl = Workload(p1)
        wl.run(datadir)
        d1 = dump_tree(p1)
        last_zxid = srvr_zxid(p1)
        with open(os.path.join(work, "D1.json"), "w") as f:
            json.dump(d1, f, indent=1, sort_keys=True)
        for sid, paths in wl.open_sessions.items():
            for p in paths:
                if p not in d1 or d1[p]["stat"]["ephemeralOwner"] != sid:
                    raise Failure("writer: %s not an ephemeral of 0x%x in D1" % (p, sid))
        snaps = snapshot_files(datadir)
        after = last_zxid - snaps[-1][0] if snaps else None
        owner2_first = min(d1[p]["stat"]["czxid"]
                           for p in list(wl.open_sessions.values())[-1])
        notes.append("writer %s: %d nodes, last zxid 0x%x, %s txns after snapshot.%x%s" % (
            writer_kind, len(d1), last_zxid, after, snaps[-1][0] if snaps else -1,
            "" if not snaps or owner2_first > snaps[-1][0]
            else " (late session not after the last snapshot)"))

        # ---- stop the writer while its sessions are open
        rc = writer.stop(stop_sig)
        servers.remove(writer)
        notes.append("writer stopped by %s (exit %s)" % (signal.Signals(stop_sig).name, rc))
        wl.stop_clients()

        # ---- Apache's tools on the writer's files
        p, n = check_files(datadir, d1, wl.kinds, wl.open_sessions, last_zxid,
                           writer_kind)
        problems += ["writer files: " + x for x in p]
        notes += n

        # ---- reader
        p2 = free_port()
        reader = Server(reader_kind, args.corral, work, datadir, p2, "reader-" + reader_kind)
        servers.append(reader)
        reader.wait_ready()
        rz = srvr_zxid(p2)
        if rz != last_zxid:
            problems.append("reader %s reports last zxid %s after recovery, writer had 0x%x"
                            % (reader_kind, None if rz is None else hex(rz), last_zxid))
        d2 = dump_tree(p2)
        dumped_after = time.monotonic() - reader.started
        with open(os.path.join(work, "D2.json"), "w") as f:
            json.dump(d2, f, indent=1, sort_keys=True)
        diffs = compare_dumps(d1, d2, "writer (%s)" % writer_kind, "reader (%s)" % reader_kind)
        if diffs:
            problems.append("tree served by %s differs from the one %s wrote "
                            "(%d differences):\n%s%s" % (
                                reader_kind, writer_kind, len(diffs),
                                "\n".join("    " + d for d in diffs[:25]),
                                "\n    ..." if len(diffs) > 25 else ""))
        else:
            notes.append("reader %s: same %d nodes (data, 11 Stat fields, ACL), "
                         "dumped %.1fs after start" % (reader_kind, len(d2), dumped_after))
        if dumped_after > SESSION_TIMEOUT_S * 0.8:
            problems.append("dump took until %.1fs after the reader started: too close to "
                            "the session timeout to judge ephemerals" % dumped_after)

        # ---- zxid continuity and a snapshot written by the reader
        c = connect(p2, auth=[("digest", "dump:secret")], timeout=10)
        _, st = c.create("/dd-after-restart", b"", include_data=True)
        if st.czxid <= last_zxid:
            problems.append("reader %s reused zxids: new node czxid 0x%x <= last zxid 0x%x"
                            % (reader_kind, st.czxid, last_zxid))
        before = {z for z, _ in snapshot_files(datadir)}
        rs = [c.set_async("/dd-after-restart", b"%d" % i) for i in range(SNAP_COUNT + 10)]
        for r in rs:
            r.get(timeout=30)
        c.stop()
        c.close()
        clients.remove(c)
        newest = None
        end = time.monotonic() + 10
        while time.monotonic() < end:
            new = [(z, pth) for z, pth in snapshot_files(datadir) if z not in before]
            if new:
                newest = new[-1]
                break
            time.sleep(0.1)
        if newest is None:
            problems.append("reader %s wrote no snapshot after %d txns (snapCount=%d)"
                            % (reader_kind, SNAP_COUNT + 11, SNAP_COUNT))
        else:
            size = -1
            for _ in range(50):
                s = os.path.getsize(newest[1])
                if s == size and s > 0:
                    break
                size = s
                time.sleep(0.2)
            for attempt in range(3):
                rc, out = run_tool("org.apache.zookeeper.server.SnapshotFormatter",
                                   ["-d", newest[1]])
                if rc == 0 and not bad_lines(out):
                    break
                time.sleep(0.5)
            label = "reader snapshot " + os.path.basename(newest[1])
            if rc != 0 or bad_lines(out):
                problems.append("SnapshotFormatter on %s: exit %d\n%s" % (
                    label, rc, show(bad_lines(out) or out.splitlines())))
            else:
                nodes, sessions = parse_snapshot_dump(out)
                p, k = check_snapshot_kinds(nodes, sessions, d1, wl.kinds,
                                            wl.open_sessions, newest[0], label, full=True)
                problems += p
                notes.append("%s: %d node kinds and %d open sessions checked" % (
                    label, k, len(wl.open_sessions)))

        # ---- the restored open sessions expire
        if stop_sig == signal.SIGKILL and not args.no_expiry:
            eph = [p for paths in wl.open_sessions.values() for p in paths]
            limit = SESSION_TIMEOUT_S + 2 * TICK_MS / 1000 + 5
            c = connect(p2, timeout=10)
            gone_at = None
            while True:
                left = [p for p in eph if c.exists(p) is not None]
                now = time.monotonic() - reader.started
                if not left:
                    gone_at = now
                    break
                if now > limit:
                    break
                time.sleep(0.25)
            drop(c)
            if gone_at is None:
                problems.append("ephemerals of the restored sessions still there %.0fs "
                                "after the reader started (session timeout %.0fs): %s" % (
                                    limit, SESSION_TIMEOUT_S, ", ".join(left)))
            elif gone_at < SESSION_TIMEOUT_S * 0.5:
                problems.append("ephemerals of the restored sessions gone after only %.1fs "
                                "(session timeout %.0fs)" % (gone_at, SESSION_TIMEOUT_S))
            else:
                notes.append("restored sessions expired: ephemerals gone %.1fs after the "
                             "reader started (timeout %.0fs)" % (gone_at, SESSION_TIMEOUT_S))

        rc = reader.stop(signal.SIGTERM)
        servers.remove(reader)
        if problems:
            for s, tag in ((writer, "writer"), (reader, "reader")):
                lines = s.tail(12, grep=r"error|warn|exception|corrupt|crc|invalid|fail")
                if lines:
                    problems.append("%s log (%s) warnings/errors:\n%s" % (tag, s.log_path, lines))
        ok = not problems
    except Failure as e:
        problems.append(str(e))
    except Exception as e:
        problems.append("%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
    finally:
        if wl is not None:
            wl.stop_clients()
        for s in servers:
            try:
                s.stop(signal.SIGKILL)
            except Exception:
                pass
            if not ok:
                problems.append("%s log tail (%s):\n%s" % (s.name, s.log_path, s.tail(15)))
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            notes.append("files kept in %s" % work)
    notes.append("%.1fs" % (time.monotonic() - t0))
    return problems, notes


SCENARIOS = {
    "apache-corral-kill": ("apache", "corral", signal.SIGKILL),
    "apache-corral-term": ("apache", "corral", signal.SIGTERM),
    "corral-apache-kill": ("corral", "apache", signal.SIGKILL),
    "corral-apache-term": ("corral", "apache", signal.SIGTERM),
    "apache-apache-kill": ("apache", "apache", signal.SIGKILL),
    "apache-apache-term": ("apache", "apache", signal.SIGTERM),
    "corral-corral-kill": ("corral", "corral", signal.SIGKILL),
    "corral-corral-term": ("corral", "corral", signal.SIGTERM),
}
DEFAULT = ["apache-corral-kill", "apache-corral-term", "corral-apache-kill",
           "corral-apache-term"]
SELFTEST = ["apache-apache-kill", "apache-apache-term"]


def cleanup_all():
    for c in list(clients):
        drop(c)
    for s in list(Server.live):
        try:
            s.stop(signal.SIGKILL, grace=5)
        except Exception:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corral", default=os.environ.get(
        "CORRAL_BIN", os.path.join(REPO, ".build", "debug", "corral")))
    ap.add_argument("--selftest", action="store_true",
                    help="Apache on both sides (validates the harness)")
    ap.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    ap.add_argument("--no-expiry", action="store_true",
                    help="skip waiting for the restored sessions to expire")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs")
    args = ap.parse_args()

    names = args.scenario or (SELFTEST if args.selftest else DEFAULT)
    missing = [j for j in ZK_CLASSPATH.split(":") if not os.path.exists(j)]
    if not shutil.which("java") or missing:
        print("Apache ZooKeeper 3.8 not found (java: %s, missing: %s); "
              "apt-get install zookeeper" % (shutil.which("java"), ", ".join(missing)))
        print("datadir compatibility: FAIL (no Apache ZooKeeper)")
        return 2
    if any("corral" in n for n in names) and not os.access(args.corral, os.X_OK):
        print("corral binary not found: %s (set CORRAL_BIN)" % args.corral)
        print("datadir compatibility: FAIL (no corral binary)")
        return 1
    logdir = tempfile.mkdtemp(prefix="corral-datadir-log-")
    logging.basicConfig(filename=os.path.join(logdir, "kazoo.log"), level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")

    def on_term(*_):
        raise TimedOut()
    signal.signal(signal.SIGTERM, on_term)
    t0 = time.monotonic()
    failed = []
    timed_out = False
    try:
        for n in names:
            w, r, sig = SCENARIOS[n]
            print("== %s: %s writes, %s stopped by %s, %s reads" % (
                n, w, w, signal.Signals(sig).name, r), flush=True)
            problems, notes = scenario(n, w, r, sig, args)
            for x in notes:
                print("   " + x, flush=True)
            for x in problems:
                print("   FAIL " + x, flush=True)
            print("   %s: %s" % (n, "FAIL" if problems else "PASS"), flush=True)
            if problems:
                failed.append(n)
    except TimedOut:
        timed_out = True
        failed.append(n + " (timed out: SIGTERM)")
    finally:
        cleanup_all()
    if failed:
        print("kazoo client log: %s" % os.path.join(logdir, "kazoo.log"))
    else:
        shutil.rmtree(logdir, ignore_errors=True)
    took = time.monotonic() - t0
    if failed:
        print("datadir compatibility: FAIL (%d of %d scenarios: %s; %.0fs)" % (
            len(failed), len(names), ", ".join(failed), took), flush=True)
        return 124 if timed_out else 1
    print("datadir compatibility: PASS (%d scenarios: %s; %.0fs)" % (
        len(names), ", ".join(names), took))
    return 0


if __name__ == "__main__":
    sys.exit(main())
