"""Full-disk behaviour of the txn log (issue 3, "Disk trouble").

The server's dataDir is on a 16 MiB tmpfs. A filler file takes all the space, then:
  * once the space the log had already allocated is used up, a write in flight is not
    acknowledged while the log cannot be written;
  * new writes fail at once with THROTTLEDOP (kazoo's ThrottledOpError) — after the session's
    earlier requests, so here on a session with nothing in flight;
  * another session's reads are served; four-letter words say the server is not serving;
  * once the filler is removed the pending write is acknowledged and writes work again;
  * after kill -9 and a restart every acknowledged write is there.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from kazoo.client import KazooClient
from kazoo.exceptions import ThrottledOpError

BIN = sys.argv[1]
procs = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fourletter(port, word):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(word.encode())
        out = b""
        while chunk := s.recv(4096):
            out += chunk
    return out.decode()


def start(cfg, port, log):
    p = subprocess.Popen([BIN, "server", "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p
        except OSError:
            time.sleep(0.05)
    raise SystemExit("diskfull: FAIL server did not start")


def fill(path):
    """Writes zeros to `path` until the file system is full."""
    block = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0" * 512)
        except OSError:
            pass


def check(cond, what):
    if not cond:
        raise SystemExit(f"diskfull: FAIL {what}")
    print(f"ok: {what}")


def on_term(signum, frame):
    raise SystemExit(f"diskfull: FAIL (signal {signum})")


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="corral-diskfull-")
    mnt = os.path.join(work, "mnt")
    os.mkdir(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"diskfull: SKIPPED (cannot mount a tmpfs: {r.stderr.strip()})")
        return
    try:
        run(work, mnt)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["umount", mnt])


def run(work, mnt):
    port = free_port()
    cfg = os.path.join(work, "zoo.cfg")
    with open(cfg, "w") as f:
        f.write(f"tickTime=2000\ndataDir={mnt}/data\nclientPort={port}\nclientPortAddress=127.0.0.1\n"
                "preAllocSize=64\n4lw.commands.whitelist=*\n")
    log = open(os.path.join(work, "server.log"), "ab")
    server = start(cfg, port, log)
    writer = KazooClient(hosts=f"127.0.0.1:{port}", timeout=30)
    reader = KazooClient(hosts=f"127.0.0.1:{port}", timeout=30)
    writer.start()
    reader.start()
    payload = lambda i: (b"%06d" % i) * 1000  # 6 KB: every record needs fresh pages
    writer.create("/d", payload(0))
    filler = os.path.join(mnt, "filler")
    fill(filler)
    # The log keeps some space it already allocated (preallocation and the zeros written ahead of
    # the records), so writes go on until that is used up; then one stays unacknowledged.
    pending, version = None, 0
    for i in range(1, 4000):
        result = writer.set_async("/d", payload(i))
        if not result.wait(1.0):
            pending, version = result, i
            break
    check(pending is not None and version > 1,
          f"a write is not acknowledged while the log cannot be written (after {version - 1} that fit)")
    try:
        reader.create("/refused", b"x")
        check(False, "a new write is refused")
    except ThrottledOpError:
        check(True, "a new write fails at once with THROTTLEDOP")
    data, stat = reader.get("/d")
    check(data == payload(version - 1) and stat.version == version - 1, "another session's reads are served")
    srvr = fourletter(port, "srvr")
    check("not currently serving" in srvr, f"srvr says the server cannot serve ({srvr.strip()!r})")
    os.unlink(filler)
    stat = pending.get(timeout=10)
    check(stat.version == version, "the pending write is acknowledged once space returns")
    writer.create("/after", payload(2))
    check(writer.exists("/refused") is None, "the refused create was never applied")
    check("imok" in fourletter(port, "ruok") and "Mode: standalone" in fourletter(port, "srvr"),
          "four-letter words report a serving server again")
    writer.stop()
    reader.stop()
    server.send_signal(signal.SIGKILL)
    server.wait()
    start(cfg, port, log)
    zk = KazooClient(hosts=f"127.0.0.1:{port}", timeout=30)
    zk.start()
    data, stat = zk.get("/d")
    check(data == payload(version) and stat.version == version, "after kill -9 the acknowledged setData is there")
    check(zk.get("/after")[0] == payload(2), "after kill -9 the write made after recovery is there")
    zk.stop()
    print("diskfull: PASS (writes refused with THROTTLEDOP while the disk was full, reads served, "
          "writes resumed, acknowledged writes survived kill -9)")


main()
