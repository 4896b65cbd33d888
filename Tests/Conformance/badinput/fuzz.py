#!/usr/bin/env python3
"""Bad input on the client port must only ever hurt the connection that sent it.

Against a ZooKeeper-protocol server at HOST:PORT this script

  1. runs fixed probes (one connection each: negative / oversized length
     prefixes, unknown opcodes, lying string and vector lengths, ...) and prints
     how the server reacted; a few reactions are required (see REQUIRED), the
     rest are compared with the reactions recorded from Apache ZooKeeper 3.8 in
     apache-probes.txt (differences are reported; they fail only with
     --strict-probes);
  2. fuzzes for --duration seconds from --workers threads, each attack on a new
     connection: random bytes, garbage before the handshake, truncated frames,
     bad length prefixes, unknown opcodes, bit-flipped real request frames,
     lying string/vector lengths, trickled handshakes, half-open frames;
  3. meanwhile a well-behaved kazoo client on its own connection loops
     create/get/set/get/delete and must see no error, no lost/suspended
     session and the data it wrote;
  4. afterwards checks that a new session works, that `ruok` answers `imok`
     (skipped if ruok is not whitelisted) and, if this script started the
     server, that the process is still alive.

Every attack i is generated from random.Random("SEED:i"), so a failure is
reproducible with --seed S (and --replay i to send one attack and print it).

Prints one line per check and, last, "N passed, N failed"; exit 1 on failure.

Usage:
  fuzz.py --port 2181 [--host 127.0.0.1] [--seed N] [--duration 10]
  fuzz.py --apache            # start a throw-away Apache ZooKeeper 3.8 on a free port
  fuzz.py --corral [BIN]      # start a throw-away `corral server --config zoo.cfg`
"""

import argparse
import concurrent.futures
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# Apache's default jute.maxbuffer (0xfffff): a frame length above it (or < 0)
# closes the connection.
MAXBUFFER = 0xFFFFF

OPS = {
    "create": 1, "delete": 2, "exists": 3, "getData": 4, "setData": 5,
    "getACL": 6, "setACL": 7, "getChildren": 8, "sync": 9, "ping": 11,
    "getChildren2": 12, "check": 13, "multi": 14, "create2": 15,
    "reconfig": 16, "checkWatches": 17, "removeWatches": 18,
    "createContainer": 19, "deleteContainer": 20, "createTTL": 21,
    "multiRead": 22, "auth": 100, "setWatches": 101, "getEphemerals": 103,
    "getAllChildrenNumber": 104, "setWatches2": 105, "addWatch": 106,
    "whoAmI": 107, "sasl": 102, "createSession": -10, "closeSession": -11,
}
KNOWN_OPCODES = set(OPS.values()) | {0, -1}  # 0 notification, -1 error
UNKNOWN_OPCODES = [10, 23, 50, 99, 108, 200, 1000, -2, -5, -9, -12, -100,
                   0x7FFFFFFF, -0x80000000]

# --------------------------------------------------------------------------
# jute encoding


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def zbool(v):
    return b"\x01" if v else b"\x00"


def zstr(s):
    if s is None:
        return i32(-1)
    b = s.encode() if isinstance(s, str) else s
    return i32(len(b)) + b


zbuf = zstr


def zacl(perms=31, scheme="world", ident="anyone"):
    return i32(perms) + zstr(scheme) + zstr(ident)


def acl_vec(acls=None):
    acls = acls if acls is not None else [zacl()]
    return i32(len(acls)) + b"".join(acls)


def str_vec(items):
    return i32(len(items)) + b"".join(zstr(s) for s in items)


def frame(body):
    return i32(len(body)) + body


def connect_body(timeout=4000, session=0, passwd=b"\0" * 16, last_zxid=0,
                 proto=0, readonly=True):
    b = i32(proto) + i64(last_zxid) + i32(timeout) + i64(session) + zbuf(passwd)
    if readonly is not None:
        b += zbool(readonly)
    return b


def request(xid, op, body=b""):
    return frame(i32(xid) + i32(op) + body)


def op_bodies(path="/badinput-x"):
    """Valid request bodies for most opcodes (used for mutation)."""
    return {
        "create": zstr(path) + zbuf(b"data") + acl_vec() + i32(0),
        "create2": zstr(path) + zbuf(b"data") + acl_vec() + i32(1),
        "createContainer": zstr(path + "c") + zbuf(b"") + acl_vec() + i32(4),
        "createTTL": zstr(path + "t") + zbuf(b"d") + acl_vec() + i32(5) + i64(60000),
        "delete": zstr(path) + i32(-1),
        "exists": zstr(path) + zbool(True),
        "getData": zstr("/zookeeper") + zbool(False),
        "setData": zstr(path) + zbuf(b"x" * 8) + i32(-1),
        "getACL": zstr("/"),
        "setACL": zstr(path) + acl_vec([zacl(), zacl(1, "digest", "u:x")]) + i32(-1),
        "getChildren": zstr("/") + zbool(True),
        "getChildren2": zstr("/") + zbool(False),
        "sync": zstr("/"),
        "check": zstr("/") + i32(0),
        "multi": (i32(1) + zbool(False) + i32(-1) + zstr(path + "m") + zbuf(b"")
                  + acl_vec() + i32(0)
                  + i32(13) + zbool(False) + i32(-1) + zstr(path + "m") + i32(0)
                  + i32(2) + zbool(False) + i32(-1) + zstr(path + "m") + i32(-1)
                  + i32(-1) + zbool(True) + i32(-1)),
        "multiRead": (i32(8) + zbool(False) + i32(-1) + zstr("/")
                      + i32(4) + zbool(False) + i32(-1) + zstr("/zookeeper")
                      + i32(-1) + zbool(True) + i32(-1)),
        "checkWatches": zstr("/") + i32(1),
        "removeWatches": zstr("/") + i32(3),
        "setWatches": i64(0) + str_vec(["/a", "/b"]) + str_vec(["/c"]) + str_vec([]),
        "setWatches2": (i64(0) + str_vec(["/a"]) + str_vec([]) + str_vec(["/b"])
                        + str_vec(["/c"]) + str_vec([])),
        "addWatch": zstr("/") + i32(1),
        "getEphemerals": zstr("/"),
        "getAllChildrenNumber": zstr("/"),
        "whoAmI": b"",
        "auth": i32(0) + zstr("digest") + zbuf(b"user:pass"),
        "reconfig": zstr(None) + zstr(None) + zstr(None) + i64(-1),
    }


# --------------------------------------------------------------------------
# a raw connection


class Closed(Exception):
    pass


class Conn:
    def __init__(self, host, port, timeout=2.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Closed(str(e))

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        try:
            b = self.sock.recv(65536)
        except ConnectionResetError:
            raise Closed("reset")
        if not b:
            raise Closed("eof")
        self.buf += b

    def recv_frame(self, timeout=2.0):
        deadline = time.monotonic() + timeout
        while len(self.buf) < 4:
            self._fill(deadline)
        n = struct.unpack(">i", self.buf[:4])[0]
        if n < 0 or n > 16 * 1024 * 1024:
            raise ValueError("server sent bad frame length %d" % n)
        while len(self.buf) < 4 + n:
            self._fill(deadline)
        body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return body

    def handshake(self, timeout_ms=4000):
        self.send(frame(connect_body(timeout=timeout_ms)))
        body = self.recv_frame()
        proto, to, sid = struct.unpack(">iiq", body[:16])
        if to <= 0 or sid == 0:
            raise ValueError("handshake refused: timeout=%d session=%#x" % (to, sid))
        return sid

    def wait_closed(self, timeout):
        """Read and discard until the server closes (True) or timeout (False)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
                self.buf = b""
        except Closed:
            return True
        except (socket.timeout, TimeoutError):
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def describe_connect(body):
    if len(body) < 16:
        return "connect-reply(%d bytes)" % len(body)
    proto, to, sid = struct.unpack(">iiq", body[:16])
    ro = {37: str(body[-1]), 36: "absent"}.get(len(body), "len=%d" % len(body))
    return "connect-reply(timeout=%d,session=%s,readOnly=%s)" % (
        to, "0" if sid == 0 else "set", ro)


def reaction(conn, timeout=1.5, connect_phase=False):
    """Describe what the server does next: its replies (a ConnectResponse
    first if connect_phase, then ReplyHeader fields) and whether it closes the
    connection within `timeout` ('closed') or not ('open')."""
    out = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                out.append("open")
                break
            body = conn.recv_frame(timeout=left)
            if connect_phase and not out:
                out.append(describe_connect(body))
            elif len(body) in (36, 37) and body[:4] == b"\0\0\0\0":
                out.append(describe_connect(body))
            elif len(body) >= 16:
                xid, zxid, err = struct.unpack(">iqi", body[:16])
                out.append("reply(xid=%d,err=%d)" % (xid, err))
            else:
                out.append("reply(%d bytes)" % len(body))
    except Closed:
        out.append("closed")
    except (socket.timeout, TimeoutError):
        out.append("open")
    except ValueError as e:
        out.append("garbled(%s)" % e)
    return " ".join(out)


# --------------------------------------------------------------------------
# probes: fixed inputs, reactions printed (and some required)

PING = request(-2, OPS["ping"])


def probes():
    """(name, pre_handshake, payload, required_reaction or None).
    required: 'closed' = server must close the connection; 'alive' = a ping
    sent afterwards is answered."""
    P = []
    pre = lambda name, payload, req=None: P.append((name, False, payload, req))
    post = lambda name, payload, req=None: P.append((name, True, payload, req))

    pre("len=-5 before handshake", i32(-5) + b"xxxx", "closed")
    pre("len=-1 before handshake", i32(-1), "closed")
    pre("len=0x7fffffff before handshake", i32(0x7FFFFFFF) + b"\0" * 64, "closed")
    pre("len=maxbuffer+1 before handshake", i32(MAXBUFFER + 1) + b"\0" * 64, "closed")
    pre("len=0 before handshake", i32(0))
    pre("len=3 garbage before handshake", frame(b"abc"))
    pre("connect frame truncated by its length", i32(44) + connect_body()[:20])
    pre("connect without readOnly byte", frame(connect_body(readonly=None)))
    pre("connect with unknown session id", frame(connect_body(session=0x1234567890)))
    pre("connect with passwd of 3 bytes", frame(connect_body(passwd=b"abc")))
    pre("connect with passwd length -1", frame(connect_body(passwd=None)))
    pre("connect with passwd length 0x7fffffff",
        frame(i32(0) + i64(0) + i32(4000) + i64(0) + i32(0x7FFFFFFF) + b"\0" * 16))
    pre("connect with timeout -1", frame(connect_body(timeout=-1)))
    pre("connect with lastZxidSeen in the future", frame(connect_body(last_zxid=1 << 40)))
    pre("connect with protocolVersion 99", frame(connect_body(proto=99)))
    pre("connect + 8 junk bytes in frame", frame(connect_body() + b"\xde\xad" * 4))
    pre("getData request as first frame", request(1, OPS["getData"], zstr("/") + zbool(False)))
    pre("http request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    pre("tls client hello", bytes.fromhex("160301002d0100002903035a") + b"\0" * 40)

    post("len=-5 after handshake", i32(-5), "closed")
    post("len=0x7fffffff after handshake", i32(0x7FFFFFFF) + b"\0" * 16, "closed")
    post("len=maxbuffer+1 after handshake", i32(MAXBUFFER + 1) + b"\0" * 16, "closed")
    post("len=maxbuffer getData of a 1 MB path (allowed)",
         request(5, OPS["getData"], i32(MAXBUFFER - 13) + b"/" * (MAXBUFFER - 13) + zbool(False)))
    post("len=0 after handshake", i32(0))
    post("len=4 (xid only) after handshake", frame(i32(7)))
    post("ping", PING, "alive")
    for op in (10, 23, 99, 108, 1000, -5, -12, 0x7FFFFFFF):
        post("unknown opcode %d" % op, request(5, op, zstr("/")))
    post("opcode 102 (sasl) with a junk token", request(5, OPS["sasl"], zbuf(b"junk")))
    post("opcode 0 (notification)", request(5, 0, b""))
    post("opcode -10 createSession", request(5, OPS["createSession"],
                                              connect_body()))
    post("getData path len 0x7fffffff",
         request(5, OPS["getData"], i32(0x7FFFFFFF) + b"/zookeeper" + zbool(False)))
    post("getData path len -7", request(5, OPS["getData"], i32(-7) + zbool(False)))
    post("getData path len 1000 > frame",
         request(5, OPS["getData"], i32(1000) + b"/zookeeper" + zbool(False)))
    post("getData path null (len -1)", request(5, OPS["getData"], i32(-1) + zbool(False)))
    post("getData path without slash", request(5, OPS["getData"], zstr("zookeeper") + zbool(False)))
    post("getData path with NUL", request(5, OPS["getData"], zstr("/a\0b") + zbool(False)))
    post("getData path invalid utf-8", request(5, OPS["getData"], zstr(b"/\xff\xfe") + zbool(False)))
    post("getData missing watch byte", request(5, OPS["getData"], zstr("/")))
    post("exists with trailing junk", request(5, OPS["exists"], zstr("/") + zbool(False) + b"junk"))
    post("create data len 0x7fffffff",
         request(5, OPS["create"], zstr("/bi") + i32(0x7FFFFFFF) + b"xx" + acl_vec() + i32(0)))
    post("create data len -2",
         request(5, OPS["create"], zstr("/bi-neg") + i32(-2) + acl_vec() + i32(0)))
    post("create acl count 0x7fffffff",
         request(5, OPS["create"], zstr("/bi") + zbuf(b"") + i32(0x7FFFFFFF) + zacl() + i32(0)))
    post("create acl count -1 (null)",
         request(5, OPS["create"], zstr("/bi-nullacl") + zbuf(b"") + i32(-1) + i32(0)))
    post("create acl count 0",
         request(5, OPS["create"], zstr("/bi-noacl") + zbuf(b"") + i32(0) + i32(0)))
    post("create flags 99",
         request(5, OPS["create"], zstr("/bi-flags") + zbuf(b"") + acl_vec() + i32(99)))
    post("create flags -1",
         request(5, OPS["create"], zstr("/bi-flags") + zbuf(b"") + acl_vec() + i32(-1)))
    post("createTTL ttl 0",
         request(5, OPS["createTTL"], zstr("/bi-ttl") + zbuf(b"") + acl_vec() + i32(5) + i64(0)))
    post("setWatches count 0x7fffffff",
         request(-8, OPS["setWatches"], i64(0) + i32(0x7FFFFFFF) + zstr("/a")))
    post("setWatches count -2",
         request(-8, OPS["setWatches"], i64(0) + i32(-2) + str_vec([]) + str_vec([])))
    post("multi with op type 99",
         request(5, OPS["multi"], i32(99) + zbool(False) + i32(-1) + zstr("/")
                 + i32(-1) + zbool(True) + i32(-1)))
    post("multi without end marker",
         request(5, OPS["multi"], i32(13) + zbool(False) + i32(-1) + zstr("/") + i32(-1)))
    post("multi empty", request(5, OPS["multi"], i32(-1) + zbool(True) + i32(-1)))
    post("multiRead with a write op",
         request(5, OPS["multiRead"], i32(2) + zbool(False) + i32(-1) + zstr("/nope") + i32(-1)
                 + i32(-1) + zbool(True) + i32(-1)))
    post("auth unknown scheme", request(-4, OPS["auth"], i32(0) + zstr("nosuch") + zbuf(b"x")))
    post("auth digest without colon", request(-4, OPS["auth"], i32(0) + zstr("digest") + zbuf(b"nocolon")))
    post("auth scheme len 0x7fffffff",
         request(-4, OPS["auth"], i32(0) + i32(0x7FFFFFFF) + b"digest"))
    post("auth with xid 5 instead of -4", request(5, OPS["auth"], i32(0) + zstr("digest") + zbuf(b"u:p")))
    post("addWatch mode 7", request(5, OPS["addWatch"], zstr("/") + i32(7)))
    post("removeWatches type 9", request(5, OPS["removeWatches"], zstr("/") + i32(9)))
    post("reconfig in standalone", request(5, OPS["reconfig"], op_bodies()["reconfig"]))
    post("second connect request", frame(connect_body()))
    post("closeSession", request(5, OPS["closeSession"]))
    return P


def run_probe(host, port, name, post, payload, required):
    try:
        c = Conn(host, port)
    except OSError as e:
        return "connect failed: %s" % e, False
    try:
        if post:
            c.handshake()
        try:
            c.send(payload)
            r = reaction(c, timeout=2.0, connect_phase=not post)
        except Closed:
            r = "closed"
        ok = True
        if required == "closed":
            ok = r.endswith("closed")
        elif required == "alive":
            try:
                c.send(PING)
                ok = "reply(xid=-2,err=0)" in r + " " + reaction(c, 1.0)
            except Closed:
                ok = False
        return r, ok
    except (Closed, ValueError, OSError) as e:
        return "handshake failed: %s" % e, False
    finally:
        c.close()


# --------------------------------------------------------------------------
# fuzz attacks


def bitflip(data, rng, nflips):
    b = bytearray(data)
    for _ in range(nflips):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def attack(seed, i):
    """Returns (kind, handshake_first, [chunks], hold_seconds, close_early)."""
    rng = random.Random("%s:%d" % (seed, i))
    kinds = ["random_bytes", "garbage_then_handshake", "truncated_frame",
             "bad_length", "unknown_opcode", "mutated_request", "lying_lengths",
             "trickled_handshake", "half_open", "mutated_handshake",
             "pipelined_junk", "big_frame", "flood_no_read"]
    kind = rng.choice(kinds)
    bodies = op_bodies("/badinput-f%d" % rng.randrange(100))

    def real_request():
        name = rng.choice(sorted(bodies))
        xid = {"auth": -4, "setWatches": -8, "setWatches2": -8}.get(name, rng.randrange(1, 1000))
        return request(xid, OPS[name], bodies[name])

    if kind == "random_bytes":
        return kind, False, [rng.randbytes(rng.randrange(1, 4096))], 0, False
    if kind == "garbage_then_handshake":
        return kind, False, [rng.randbytes(rng.randrange(1, 64)), frame(connect_body())], 0, False
    if kind == "truncated_frame":
        pre = rng.random() < 0.5
        f = frame(connect_body()) if pre else real_request()
        cut = rng.randrange(1, len(f))
        return kind, not pre, [f[:cut]], 0, True
    if kind == "bad_length":
        n = rng.choice([0x7FFFFFFF, -5, -1, -0x80000000, MAXBUFFER + 1, MAXBUFFER * 16,
                        0, 1, 2, 3, rng.randrange(-2**31, 2**31)])
        return kind, rng.random() < 0.5, [i32(n) + rng.randbytes(rng.randrange(0, 64))], 0, False
    if kind == "unknown_opcode":
        op = rng.choice(UNKNOWN_OPCODES + [rng.randrange(-2**31, 2**31)])
        if op in KNOWN_OPCODES:
            op = 99
        return kind, True, [request(rng.randrange(1, 100), op,
                                    rng.randbytes(rng.randrange(0, 32)))], 0, False
    if kind == "mutated_request":
        reqs = [real_request() for _ in range(rng.randrange(1, 4))]
        k = rng.randrange(len(reqs))
        f = reqs[k]
        if rng.random() < 0.8:   # keep the length prefix, flip in the body
            f = f[:4] + bitflip(f[4:], rng, rng.randrange(1, 6))
        else:
            f = bitflip(f, rng, rng.randrange(1, 4))
        reqs[k] = f
        return kind, True, [b"".join(reqs)], 0, False
    if kind == "lying_lengths":
        lie = rng.choice([0x7FFFFFFF, -2, -100, 65536, MAXBUFFER, 1000, 17])
        where = rng.choice(["path", "data", "acl_count", "acl_scheme", "watch_vec", "auth"])
        if where == "path":
            body = i32(lie) + b"/abc" + zbool(False)
            f = request(7, OPS["getData"], body)
        elif where == "data":
            f = request(7, OPS["setData"], zstr("/x") + i32(lie) + b"data" + i32(-1))
        elif where == "acl_count":
            f = request(7, OPS["setACL"], zstr("/x") + i32(lie) + zacl() + i32(-1))
        elif where == "acl_scheme":
            f = request(7, OPS["create"], zstr("/x") + zbuf(b"") + i32(1) + i32(31)
                        + i32(lie) + b"world" + zstr("anyone") + i32(0))
        elif where == "watch_vec":
            f = request(-8, OPS["setWatches"], i64(0) + i32(lie) + zstr("/a") + str_vec([]))
        else:
            f = request(-4, OPS["auth"], i32(0) + zstr("digest") + i32(lie) + b"u:p")
        return kind, True, [f], 0, False
    if kind == "trickled_handshake":
        f = frame(connect_body())
        chunks = []
        pos = 0
        while pos < len(f):
            n = rng.randrange(1, 8)
            chunks.append(f[pos:pos + n])
            pos += n
        return kind, False, chunks + [PING], 0, False
    if kind == "half_open":
        f = real_request()
        return kind, rng.random() < 0.7, [f[:rng.randrange(1, len(f))]], rng.uniform(0.2, 1.0), True
    if kind == "mutated_handshake":
        f = frame(connect_body(timeout=rng.choice([4000, 0, -1, 2**31 - 1]),
                               readonly=rng.choice([True, None])))
        return kind, False, [bitflip(f, rng, rng.randrange(1, 5))], 0, False
    if kind == "big_frame":
        # a length within jute.maxbuffer, fully sent, body junk or a huge path
        n = rng.randrange(60000, MAXBUFFER + 1)
        if rng.random() < 0.5:
            body = rng.randbytes(n)
        else:
            body = i32(rng.randrange(1, 1000)) + i32(OPS["getData"]) + i32(n - 13) + b"/" * (n - 13) + b"\0"
        return kind, rng.random() < 0.7, [frame(body)], 0, False
    if kind == "flood_no_read":
        # thousands of pipelined reads, then close without reading a reply
        n = rng.randrange(200, 3000)
        f = request(1, OPS["getData"], zstr("/zookeeper") + zbool(True))
        return kind, True, [f * n], 0, True
    # pipelined_junk: handshake frame immediately followed by requests/junk
    parts = [frame(connect_body())]
    for _ in range(rng.randrange(1, 5)):
        parts.append(real_request() if rng.random() < 0.5 else rng.randbytes(rng.randrange(1, 40)))
    return kind, False, [b"".join(parts)], 0, False


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = {}
        self.refused = 0
        self.count = 0

    def add(self, kind, outcome):
        with self.lock:
            self.count += 1
            d = self.by_kind.setdefault(kind, {})
            d[outcome] = d.get(outcome, 0) + 1


def run_attack(host, port, seed, i, stats=None, verbose=False):
    kind, hs, chunks, hold, close_early = attack(seed, i)
    if verbose:
        print("attack %d: %s handshake_first=%s hold=%.2f close_early=%s" % (i, kind, hs, hold, close_early))
        for c in chunks:
            print("  send %d bytes: %s%s" % (len(c), c[:96].hex(), "..." if len(c) > 96 else ""))
    try:
        c = Conn(host, port, timeout=3.0)
    except OSError as e:
        if stats:
            with stats.lock:
                stats.refused += 1
        time.sleep(0.05)
        return "refused: %s" % e
    try:
        if hs:
            c.handshake()
        for ch in chunks:
            c.send(ch)
            if len(chunks) > 1:
                time.sleep(0.002)
        if hold:
            time.sleep(hold)
        if close_early:
            outcome = "client-closed"
        else:
            r = reaction(c, timeout=0.5)
            outcome = "closed" if r.endswith("closed") else ("replied+open" if "reply" in r else "open")
    except Closed:
        outcome = "closed"
    except (ValueError, OSError) as e:
        outcome = "error:%s" % type(e).__name__
    finally:
        c.close()
    if stats:
        stats.add(kind, outcome)
    if verbose:
        print("  outcome: %s" % outcome)
    return outcome


# --------------------------------------------------------------------------
# the well-behaved client


class GoodClient(threading.Thread):
    def __init__(self, hosts, prefix):
        super().__init__(daemon=True)
        from kazoo.client import KazooClient
        self.zk = KazooClient(hosts=hosts, timeout=10.0)
        self.prefix = prefix
        self.stop_flag = threading.Event()
        self.errors = []
        self.states = []
        self.ops = 0
        self.max_latency = 0.0

    def run(self):
        zk = self.zk
        try:
            zk.add_listener(lambda s: self.states.append(str(s)))
            zk.ensure_path(self.prefix)
            i = 0
            while not self.stop_flag.is_set():
                t0 = time.monotonic()
                p = "%s/n%d" % (self.prefix, i % 20)
                v1 = ("v1-%d" % i).encode() * (1 + i % 7)
                v2 = ("v2-%d" % i).encode()
                zk.create(p, v1)
                d, st = zk.get(p)
                if d != v1 or st.version != 0:
                    self.errors.append("get after create %s: %r v%d" % (p, d[:20], st.version))
                st = zk.set(p, v2, version=0)
                if st.version != 1:
                    self.errors.append("set %s returned version %d" % (p, st.version))
                d, st = zk.get(p)
                if d != v2 or st.version != 1:
                    self.errors.append("get after set %s: %r v%d" % (p, d[:20], st.version))
                kids = zk.get_children(self.prefix)
                if p.rsplit("/", 1)[1] not in kids:
                    self.errors.append("%s missing from children" % p)
                zk.delete(p, version=1)
                if zk.exists(p) is not None:
                    self.errors.append("%s exists after delete" % p)
                self.ops += 7
                self.max_latency = max(self.max_latency, time.monotonic() - t0)
                i += 1
        except Exception as e:  # any exception is a failure of the server
            self.errors.append("%s: %s" % (type(e).__name__, e))


# --------------------------------------------------------------------------
# server management (only for --apache / --corral)


ZOO_CFG = """\
tickTime=2000
dataDir={datadir}
clientPort={port}
clientPortAddress=127.0.0.1
maxClientCnxns=0
4lw.commands.whitelist=*
extendedTypesEnabled=true
admin.enableServer=false
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def four_letter(host, port, word, timeout=3.0):
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
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


def start_server(args):
    workdir = tempfile.mkdtemp(prefix="corral-badinput-")
    port = args.port or free_port()
    cfg = os.path.join(workdir, "zoo.cfg")
    with open(cfg, "w") as f:
        f.write(ZOO_CFG.format(datadir=os.path.join(workdir, "data"), port=port))
    if args.apache:
        cmd = ["java", "-Xmx512m", "-cp", os.environ.get(
            "ZK_SERVER_CLASSPATH",
            "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"),
            "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg]
    else:
        cmd = [args.corral, "server", "--config", cfg]
    log = open(os.path.join(workdir, "server.log"), "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, cwd=workdir)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited (%s); see %s/server.log" % (proc.returncode, workdir))
        r = four_letter("127.0.0.1", port, "srvr", 1.0)
        if r and "not currently serving" not in r:
            return proc, port, workdir
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start; see %s/server.log" % workdir)


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--apache", action="store_true", help="start Apache ZooKeeper 3.8 here")
    ap.add_argument("--corral", nargs="?", const=os.environ.get(
        "CORRAL_BIN", os.path.join(REPO, ".build", "debug", "corral")),
        help="start `BIN server --config zoo.cfg` here")
    ap.add_argument("--replay", type=int, default=None, help="send only attack I (verbose)")
    ap.add_argument("--no-probes", action="store_true")
    ap.add_argument("--probes-only", action="store_true")
    ap.add_argument("--strict-probes", action="store_true",
                    help="probe reactions that differ from apache-probes.txt fail")
    ap.add_argument("--record-probes", action="store_true",
                    help="write the probe reactions to apache-probes.txt")
    ap.add_argument("--keep", action="store_true", help="keep the started server's work dir")
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    proc = workdir = None
    if args.apache or args.corral:
        proc, args.port, workdir = start_server(args)
        print("started %s server pid %d on %s:%d (%s)" % (
            "Apache" if args.apache else "corral", proc.pid, args.host, args.port, workdir))
    elif not args.port:
        ap.error("give --port (server at --host:--port), or --apache / --corral")

    host, port = args.host, args.port
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail else ""))

    try:
        if args.replay is not None:
            print("seed %d" % seed)
            run_attack(host, port, seed, args.replay, verbose=True)
            r = four_letter(host, port, "ruok")
            print("ruok -> %r" % r)
            return 0

        print("seed %d  (reproduce: --seed %d; one attack: --seed %d --replay I)" % (seed, seed, seed))

        # 1. probes
        if not args.no_probes:
            recorded = {}
            rec_path = os.path.join(HERE, "apache-probes.txt")
            if os.path.exists(rec_path):
                for line in open(rec_path):
                    if " => " in line:
                        k, v = line.rstrip("\n").split(" => ", 1)
                        recorded[k] = v
            lines = []
            diffs = 0
            plist = probes()
            # independent connections: run them 8 at a time, report in order
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                outcomes = list(pool.map(
                    lambda p: run_probe(host, port, p[0], p[1], p[2], p[3]), plist))
            for (name, post, payload, required), (r, ok) in zip(plist, outcomes):
                lines.append("%s => %s" % (name, r))
                note = ""
                if recorded and not args.record_probes and recorded.get(name) != r:
                    diffs += 1
                    note = "   [Apache: %s]" % recorded.get(name, "not recorded")
                if required:
                    check("probe %s (must be %s)" % (name, required), ok, r + note)
                elif note and args.strict_probes:
                    check("probe %s" % name, False, r + note)
                else:
                    print("     probe %s => %s%s" % (name, r, note))
            if args.record_probes:
                with open(rec_path, "w") as f:
                    f.write("# probe reactions of Apache ZooKeeper 3.8.0 (fuzz.py --apache --record-probes)\n")
                    f.write("\n".join(lines) + "\n")
                print("     recorded %s" % rec_path)
            elif recorded:
                print("     %d probe reaction(s) differ from Apache's" % diffs)

        # 2 + 3. fuzz while a good client works
        if args.probes_only:
            return finish(results)
        good = GoodClient("%s:%d" % (host, port), "/badinput-good")
        try:
            good.zk.start(timeout=10)
        except Exception as e:
            check("well-behaved client connects", False, "%s: %s" % (type(e).__name__, e))
            return finish(results)
        good.start()
        stats = Stats()
        counter = iter(range(10**9))
        clock = threading.Lock()
        end = time.monotonic() + args.duration

        def worker():
            while time.monotonic() < end:
                with clock:
                    i = next(counter)
                run_attack(host, port, seed, i, stats)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.duration + 30)
        time.sleep(0.5)
        good.stop_flag.set()
        good.join(30)
        print("     %d attacks in %.0fs from %d workers; outcomes by kind:" % (
            stats.count, args.duration, args.workers))
        for kind in sorted(stats.by_kind):
            print("       %-24s %s" % (kind, ", ".join(
                "%s=%d" % kv for kv in sorted(stats.by_kind[kind].items()))))
        check("fuzz connections were accepted", stats.refused == 0,
              "%d connection attempts refused" % stats.refused if stats.refused else "")
        bad_states = [s for s in good.states if s != "CONNECTED"]
        check("well-behaved client saw correct data and no errors",
              not good.errors and not good.is_alive() and good.ops > 0,
              "%d ops, max round %.3fs%s" % (good.ops, good.max_latency,
                                             "; errors: %s" % good.errors[:5] if good.errors else ""))
        check("well-behaved client kept its session", not bad_states,
              "state changes: %s" % bad_states if bad_states else "")
        def cleanup():
            try:
                if good.zk.connected:
                    good.zk.delete("/badinput-good", recursive=True)
                good.zk.stop()
                good.zk.close()
            except Exception:
                pass
        t = threading.Thread(target=cleanup, daemon=True)
        t.start()
        t.join(15)

        # 4. afterwards
        try:
            from kazoo.client import KazooClient
            zk = KazooClient(hosts="%s:%d" % (host, port), timeout=10.0)
            try:
                zk.start(timeout=10)
                zk.create("/badinput-after", b"ok", ephemeral=True)
                d, _ = zk.get("/badinput-after")
            finally:
                threading.Thread(target=lambda: (zk.stop(), zk.close()), daemon=True).start()
            check("new session after fuzzing", d == b"ok")
        except Exception as e:
            check("new session after fuzzing", False, "%s: %s" % (type(e).__name__, e))
        r = four_letter(host, port, "ruok")
        if r is not None and "not in the whitelist" in r:
            print("     ruok not whitelisted; skipped")
        else:
            check("ruok answers imok", r == "imok", repr(r))
        if proc is not None:
            check("server process still running", proc.poll() is None,
                  "" if proc.poll() is None else "exit status %s" % proc.returncode)
    finally:
        if proc is not None:
            stop_server(proc)
            if args.keep:
                print("     server work dir kept: %s" % workdir)
            else:
                shutil.rmtree(workdir, ignore_errors=True)

    return finish(results)


def finish(results):
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
