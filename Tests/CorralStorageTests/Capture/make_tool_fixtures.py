#!/usr/bin/env python3
"""Regenerates Tests/CorralStorageTests/Fixtures/tools/: inputs for the text-dump tools and what
Apache ZooKeeper 3.8's own tools print for them (Debian's jars in /usr/share/java).

Writes, without any server:
  synthetic-log.1              a txn log crafted byte by byte (every txn record type TxnLogToolkit
                               prints, binary and non-ASCII data, escaped characters, V0 creates,
                               bodyless closeSessions, negative cxids, times before 1970 and after
                               2038, records with and without digests), then a zero-filled tail
  synthetic-snapshot.1f4       a snapshot crafted byte by byte: directories whose child names collide
                               in Java's String.hashCode (so HashSet bins become red-black trees, are
                               split and untreeified on resize), many children, sessions whose ids
                               collide in Long.hashCode, ephemerals, odd names and times, binary data
and captures, with TZ=UTC and LANG=C.UTF-8 (the only normalisation the tests rely on):
  <log>.toolkit.txt            org.apache.zookeeper.server.persistence.TxnLogToolkit <log>
  <snapshot>.formatter.txt     org.apache.zookeeper.server.SnapshotFormatter <snapshot>
  <snapshot>.formatter-d.txt   ... -d <snapshot>
  <snapshot>.formatter-json.txt ... -json <snapshot>   (its "timestamp" is the capture time)
for the synthetic files and for ../Fixtures/snapshot/apache-3.8-snapshot.1e (written by a real
Apache 3.8 server; see make_snapshot_fixture.py).
Usage:
    python3 make_tool_fixtures.py [OUTPUT_DIR]   (default: ../Fixtures/tools)
"""
import os
import struct
import subprocess
import sys
import zlib

JARS = "/usr/share/java"
HERE = os.path.dirname(os.path.abspath(__file__))


def classpath():
    return ":".join(os.path.join(JARS, j) for j in sorted(os.listdir(JARS)) if j.endswith(".jar"))


# ---------------------------------------------------------------- jute


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def ustring(s):
    if s is None:
        return i32(-1)
    b = s.encode("utf-8") if isinstance(s, str) else s
    return i32(len(b)) + b


def buf(b):
    return i32(-1) if b is None else i32(len(b)) + b


def boolean(v):
    return b"\x01" if v else b"\x00"


def acl_list(acls):
    out = i32(len(acls))
    for perms, scheme, ident in acls:
        out += i32(perms) + ustring(scheme) + ustring(ident)
    return out


OPEN = [(31, "world", "anyone")]
DIGEST = [(31, "digest", "user:2Om+GBbT2q/tS6pdvACZbbm7/1A="), (1, "world", "anyone")]
ODD = [(3, "ip", "10.0.0.0/8"), (5, "x-scheme", "a,b}c%d\ne\rf\x00g")]

# ---------------------------------------------------------------- txn log

OP = {"create": 1, "delete": 2, "setData": 5, "setACL": 7, "check": 13, "multi": 14, "create2": 15,
      "reconfig": 16, "createContainer": 19, "deleteContainer": 20, "createTTL": 21,
      "createSession": -10, "closeSession": -11, "error": -1}


def create_body(path, data, acl, ephemeral, pcv):
    return ustring(path) + buf(data) + acl_list(acl) + boolean(ephemeral) + i32(pcv)


def multi_body(subs):
    out = i32(len(subs))
    for op, body in subs:
        out += i32(OP[op]) + buf(body)
    return out


def log_records():
    sid = 0x1000042E6960000
    t = 1795829495000  # Sat Nov 28 01:31:35 UTC 2026
    binary = bytes(range(256))
    recs = [
        (sid, 0, 1, 0, "createSession", i32(30000), True),
        (sid, 1, 2, -1000, "create", create_body("/ü/日本", "héllo €".encode(), DIGEST, False, 1), True),
        (sid, 2, 3, t, "create2", create_body("/bin", binary, [], True, 2), True),
        (sid, 3, 4, t + 43200000, "create", ustring("/v0") + buf(b"old") + acl_list(OPEN) + boolean(False), False),
        (sid, 4, 5, t + 46800000, "createContainer", ustring("/c") + buf(None) + acl_list(OPEN) + i32(3), True),
        (sid, 5, 6, 2208988800123, "createTTL",
         ustring("/ttl,%}") + buf(b"t\x00t\n") + acl_list(ODD) + i32(4) + i64(600000), True),
        (sid, 6, 7, t, "setData", ustring("/a") + buf(None) + i32(-1), True),
        (sid, 7, 8, t, "setData", ustring("/a") + buf(b"\xc3\x28\xe2\x82\xed\xa0\x80\xf4\x90\x80\x80ok") + i32(7), True),
        (sid, 8, 9, t, "reconfig", ustring("/zookeeper/config")
         + buf(b"server.1=127.0.0.1:2888:3888;2181\nversion=100000000") + i32(-1), True),
        (sid, 9, 10, t, "setACL", ustring("/a,b}c%d") + acl_list([]) + i32(2), True),
        (sid, 10, 11, t, "setACL", ustring("/a") + acl_list(DIGEST + ODD) + i32(3), True),
        (sid, 11, 12, t, "delete", ustring("/x,y%z}\n"), True),
        (0, 0, 13, t, "deleteContainer", ustring("/c"), True),
        (sid, -1, 14, t, "error", i32(-101), False),
        (sid, -2, 15, t, "error", i32(-110), False),
        (sid, 12, 16, t, "multi", multi_body([
            ("create", create_body("/m", b"m", OPEN, False, 5)),
            ("create2", create_body("/m/e", binary[:40], DIGEST, True, 1)),
            ("setData", ustring("/m") + buf(b"m2") + i32(0)),
            ("check", ustring("/a") + i32(3)),
            ("delete", ustring("/m/e")),
            ("createContainer", ustring("/mc") + buf(b"") + acl_list(OPEN) + i32(6)),
            ("createTTL", ustring("/mt") + buf(b"t") + acl_list(OPEN) + i32(7) + i64(1000)),
            ("setACL", ustring("/m") + acl_list(OPEN) + i32(1)),
        ]), True),
        (sid, 13, 17, t, "multi", multi_body([
            ("create", create_body("/f", b"f", OPEN, False, 8)),
            ("error", i32(0)),
            ("error", i32(-2)),
        ]), True),
        (sid, 14, 18, t, "multi", multi_body([]), True),
        (sid + 1, 0, 19, t, "createSession", i32(4000), True),
        (sid + 1, 1, 20, t, "closeSession", i32(2) + ustring("/e1") + ustring("/a,b"), True),
        (sid + 2, 0, 21, t, "closeSession", i32(0), True),
        (sid + 3, 0, 22, t, "closeSession", b"", False),
        (-1, 0x7FFFFFFF, 0x7FFFFFFF00000001, 4102444800000 - 1, "setData", ustring("/a") + buf(b"") + i32(9), True),
        (0x7FFFFFFFFFFFFFFF, -2147483648, 0x100000000, 32503680000000, "delete", ustring("/a/b"), True),
    ]
    return recs


def write_log(path):
    out = i32(0x5A4B4C47) + i32(2) + i64(0)
    for client, cxid, zxid, time, op, body, digest in log_records():
        txn = i64(client) + i32(cxid) + i64(zxid) + i64(time) + i32(OP[op]) + body
        if digest:
            txn += i32(2) + i64(0x1234567890 + (zxid & 0xffff))
        out += i64(zlib.adler32(txn)) + i32(len(txn)) + txn + b"B"
    out += b"\x00" * 1024
    with open(path, "wb") as f:
        f.write(out)


# ---------------------------------------------------------------- snapshot


def java_hash(s):
    h = 0
    for unit in struct.unpack(">%dH" % (len(s.encode("utf-16-be")) // 2), s.encode("utf-16-be")):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h


def spread(h):
    return h ^ (h >> 16)


def blocks(n):
    """All 2^n strings of n blocks "Aa"/"BB": equal length, equal String.hashCode."""
    out = [""]
    for _ in range(n):
        out = [s + b for s in out for b in ("Aa", "BB")]
    return out


def family_prefixes():
    """Prefixes p1, p2 whose families share their bin at capacity 64 but split at 128."""
    suffix = blocks(4)[0]
    names = [a + b + c for a in "abcdefghijklmnopqrstuvwxyz" for b in "0123456789" for c in "0123456789"]
    by_low6 = {}
    for p in names:
        by_low6.setdefault(spread(java_hash(p + suffix)) & 63, []).append(p)
    for group in by_low6.values():
        lo = [p for p in group if not spread(java_hash(p + suffix)) & 64]
        hi = [p for p in group if spread(java_hash(p + suffix)) & 64]
        if len(lo) >= 4 and len(hi) >= 4:
            return lo, hi
    raise RuntimeError("no prefixes found")


def collide_children():
    lo, hi = family_prefixes()
    fam = lambda p, n: [p + s for s in blocks(4)][:n]
    a, b = fam(lo[0], 16), fam(hi[0], 16)  # 16 + 16: tree at 64, split 16/16 (both re-treeified)
    c, d = fam(lo[1], 7), fam(hi[1], 4)    # 7 + 4: split keeps a tree and untreeifies the rest
    e, f = fam(lo[2], 5), fam(hi[2], 5)    # 5 + 5: both sides untreeified
    g = fam(lo[3], 12)                     # 12 that never split
    fillers = ["n%03d" % i for i in range(260)]
    groups = [a, b, c, d, e, f, g]
    order = fillers[:30]
    longest = max(len(x) for x in groups)
    for i in range(longest):
        for x in groups:
            if i < len(x):
                order.append(x[i])
        order.extend(fillers[30 + i * 14: 30 + (i + 1) * 14])
    order.extend(fillers[30 + longest * 14:])
    assert len(order) == len(set(order))
    return order


def stat(czxid, mzxid, ctime, mtime, version, cversion, aversion, owner, pzxid):
    return (i64(czxid) + i64(mzxid) + i64(ctime) + i64(mtime) + i32(version) + i32(cversion)
            + i32(aversion) + i64(owner) + i64(pzxid))


def snapshot_nodes(sessions):
    t = 1795829495682
    nodes = []
    zx = [10]

    def add(path, data, acl=-1, owner=0, ctime=t, version=0):
        zx[0] += 1
        nodes.append((path, data, acl, stat(zx[0], zx[0] + 1, ctime, ctime + 5, version, 0, 0, owner, zx[0])))

    add("", b"")
    add("/zookeeper", b"")
    add("/zookeeper/quota", b"")
    add("/zookeeper/config", b"", acl=1)
    add("/collide", b"x")
    for name in collide_children():
        add("/collide/" + name, None if name.endswith("7") else name.encode())
    add("/many", b"")
    for i in range(400):
        add("/many/seq-%010d" % ((i * 7919) % 400), b"")
    add("/odd", bytes(range(256)), acl=2, ctime=-1)
    for name in ['q"uo\\te', "tab\there", "ctl\x01x\x1fy", "uni-ü日本😀", "del\x7fz", "sl<a>&b", "sp ace"]:
        add("/odd/" + name, name.encode(), ctime=0)
    add("/times", b"")
    for i, ms in enumerate([-1, 0, 1, 253402300799999, 253402300800000, -2208988800000, 951782400000,
                            4102444800000, 1711846800000, 1730598000000]):
        add("/times/t%d" % i, b"", ctime=ms)
    add("/eph", b"")
    owners = [s for s, _ in sessions]
    for i in range(40):
        add("/eph/e%d" % i, b"e", owner=owners[(i * 7) % 13])
    add("/eph/container", b"", owner=-0x8000000000000000)
    add("/eph/ttl", b"", owner=-0x00FFFFFFFFFFFF00 + 5)
    add("/eph/stranger", b"", owner=0x7777)
    return nodes


def snapshot_sessions():
    out = []
    for k in range(1, 13):
        out.append(((k << 32) | k, 1000 * k))                # Long.hashCode 0: one tree bin
    for k in range(25):
        out.append((0x100004864190000 + k * 0x10001, 4000 + k))
    out.append((-1, 5))
    out.append((-0x8000000000000000, 6))
    out.append((0x100004864190000, 7))                      # duplicate id: the last timeout wins
    return out


def write_snapshot(path):
    sessions = snapshot_sessions()
    out = i32(0x5A4B534E) + i32(2) + i64(-1)
    out += i32(len(sessions))
    for sid, timeout in sessions:
        out += i64(sid) + i32(timeout)
    out += i32(2) + i64(1) + acl_list([(1, "world", "anyone")]) + i64(2) + acl_list(DIGEST)
    for p, data, acl, st in snapshot_nodes(sessions):
        out += ustring(p) + buf(data) + i64(acl) + st
    out += ustring("/")
    out += i64(zlib.adler32(out)) + ustring("/")
    out += i64(0x1F4) + i32(2) + i64(123456789)
    out += i64(zlib.adler32(out)) + ustring("/")
    with open(path, "wb") as f:
        f.write(out)


# ---------------------------------------------------------------- capture


def run_java(main, *args):
    env = {"TZ": "UTC", "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    res = subprocess.run(["java", "-cp", classpath(), main, *args], env=env, capture_output=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"{main} {args} failed: {res.stderr.decode(errors='replace')[-2000:]}")
    return res.stdout


def capture_snapshot(snap, out_prefix):
    main = "org.apache.zookeeper.server.SnapshotFormatter"
    for suffix, flags in ((".formatter.txt", []), (".formatter-d.txt", ["-d"]), (".formatter-json.txt", ["-json"])):
        with open(out_prefix + suffix, "wb") as f:
            f.write(run_java(main, *flags, snap))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "Fixtures", "tools")
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, "synthetic-log.1")
    write_log(log)
    with open(log + ".toolkit.txt", "wb") as f:
        f.write(run_java("org.apache.zookeeper.server.persistence.TxnLogToolkit", log))
    snap = os.path.join(out, "synthetic-snapshot.1f4")
    write_snapshot(snap)
    capture_snapshot(snap, snap)
    apache = os.path.join(HERE, "..", "Fixtures", "snapshot", "apache-3.8-snapshot.1e")
    capture_snapshot(apache, os.path.join(out, "apache-3.8-snapshot.1e"))


if __name__ == "__main__":
    main()
