#!/usr/bin/env python3
"""Regenerates Tests/CorralStorageTests/Fixtures/apache-3.8-log.1 from a real Apache ZooKeeper.

Starts Apache ZooKeeper (Debian's 3.8 jars in /usr/share/java) standalone on a free 127.0.0.1
port with a temporary dataDir, snapCount large (one log file), extendedTypesEnabled=true, a 1 s
container check interval and zookeeper.preAllocSize=1 (KB), drives it with kazoo so that every
txn type is logged, stops it (by pid) and copies version-2/log.1 whole: with 1 KB preallocation
the file is only a few KB including its zero-filled tail, and its exact size is Apache's padding.
Also writes the TxnLogToolkit dump next to it for reference. Usage:
    python3 make_txnlog_fixture.py [OUTPUT_DIR]   (default: ../Fixtures)
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError
from kazoo.protocol.serialization import Create, Create2, SetData, long_struct
from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE

JARS = "/usr/share/java"
CP = ":".join(f"{JARS}/{j}" for j in [
    "zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-simple.jar", "commons-cli.jar",
    "metrics-core.jar", "netty-handler.jar", "netty-common.jar", "netty-transport.jar",
    "netty-buffer.jar", "netty-codec.jar", "netty-resolver.jar",
    "netty-transport-native-epoll.jar", "netty-transport-native-unix-common.jar"])
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def ruok(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"ruok")
        return s.recv(10)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_server(tmp):
    port = free_port()
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    cfg = os.path.join(tmp, "zoo.cfg")
    with open(cfg, "w") as f:
        f.write(f"tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir={data}\nclientPort={port}\n"
                "clientPortAddress=127.0.0.1\nextendedTypesEnabled=true\n4lw.commands.whitelist=*\n"
                "admin.enableServer=false\nsnapCount=1000000\nminSessionTimeout=4000\n")
    log = open(os.path.join(tmp, "server.log"), "w")
    proc = subprocess.Popen(["java", "-Dzookeeper.preAllocSize=1",
                             "-Dznode.container.checkIntervalMs=1000",
                             "-cp", CP, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            if ruok(port) == b"imok":
                return proc, port, data
        except OSError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError("ZooKeeper did not start; see " + log.name)


class CreateContainer(Create2):
    type = 19


class CreateTTL(Create2):
    type = 21

    def __new__(cls, path, data, acl, flags, ttl):
        self = super().__new__(cls, path, data, acl, flags)
        self.ttl = ttl
        return self

    def serialize(self):
        return super().serialize() + long_struct.pack(self.ttl)


def call(zk, request):
    """Sends a request kazoo has no method for (null data, container, TTL) and waits for it."""
    result = zk.handler.async_result()
    zk._call(request, result)
    return result.get(timeout=10)


def wait_gone(zk, path, seconds=20):
    for _ in range(seconds * 10):
        if zk.exists(path) is None:
            return
        time.sleep(0.1)
    raise RuntimeError(path + " was not removed by the container manager")


def drive(port):
    hosts = f"127.0.0.1:{port}"
    a = KazooClient(hosts=hosts, timeout=10)
    a.start()                                                 # createSession
    a.create("/a", b"hello")                                  # create (opcode 1)
    a.create("/a/b", b"two", include_data=True)               # create2
    a.create("/a/seq-", b"", sequence=True)                   # persistent sequential
    call(a, Create("/nulldata", None, OPEN_ACL_UNSAFE, 0))   # create with null data
    a.create("/a/eph", b"e", ephemeral=True)                  # ephemeral (listed in closeSession)
    a.create("/a/eseq-", b"es", ephemeral=True, sequence=True)
    call(a, CreateTTL("/ttl", b"t", OPEN_ACL_UNSAFE, 5, 600000))      # createTTL persistentWithTTL
    call(a, CreateTTL("/ttlseq-", b"t", OPEN_ACL_UNSAFE, 6, 600000))  # persistentSequentialWithTTL
    call(a, CreateTTL("/ttlshort", b"", OPEN_ACL_UNSAFE, 5, 1))       # expires: deleteContainer
    call(a, CreateContainer("/c", b"container", OPEN_ACL_UNSAFE, 4))  # createContainer
    a.set("/a", b"world")                                     # setData
    a.set("/a", b"again", version=1)
    call(a, SetData("/nulldata", None, -1))              # setData with null data
    a.set_acls("/a/b", [make_digest_acl("user", "pw", all=True)] + OPEN_ACL_UNSAFE)   # setACL
    a.delete("/a/seq-0000000001")                             # delete
    for op in (lambda: a.create("/a", b"x"),                  # error txns from failed writes
               lambda: a.delete("/nope"),
               lambda: a.set("/a", b"x", version=42)):
        try:
            op()
        except (NodeExistsError, NoNodeError, BadVersionError):
            pass
    t = a.transaction()                                       # multi success
    t.create("/m", b"m")
    t.set_data("/m", b"m2")
    t.check("/a", 2)
    t.create("/m/e", b"", ephemeral=True)
    t.delete("/m/e")
    t.commit()
    t = a.transaction()                                       # multi failure
    t.create("/f", b"f")
    t.check("/a", 99)
    t.set_data("/a", b"never")
    t.commit()
    a.create("/c/x", b"")                                     # container gets a child ...
    a.delete("/c/x")                                          # ... and loses it:
    wait_gone(a, "/c")                                        # server's deleteContainer txn
    wait_gone(a, "/ttlshort")                                 # ... and for the expired TTL node
    try:                                                      # reconfig in standalone: error txn
        a.reconfig(joining=None, leaving="2", new_members=None)
    except Exception:
        pass
    b = KazooClient(hosts=hosts, timeout=10)
    b.start()
    b.create("/b-eph", b"", ephemeral=True)
    b.stop()                                                  # closeSession with one path
    b.close()
    a.stop()                                                  # closeSession with several paths
    a.close()
    c = KazooClient(hosts=hosts, timeout=10)
    c.start()
    c.stop()                                                  # closeSession with no paths
    c.close()
    time.sleep(0.5)


def data_end(raw):
    """Offset just after the last record (crc long, length int, bytes, 'B')."""
    pos = 16
    while pos + 12 <= len(raw):
        n = int.from_bytes(raw[pos + 8:pos + 12], "big")
        if n == 0:
            break
        pos += 12 + n + 1
    return pos


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "Fixtures")
    tmp = tempfile.mkdtemp(prefix="corral-txnlog-")
    proc, port, data = start_server(tmp)
    try:
        drive(port)
    finally:
        stop(proc)
    logdir = os.path.join(data, "version-2")
    logs = sorted(f for f in os.listdir(logdir) if f.startswith("log."))
    assert logs == ["log.1"], logs
    src = os.path.join(logdir, "log.1")
    raw = open(src, "rb").read()
    end = data_end(raw)
    assert raw[end:] == bytes(len(raw) - end), "non-zero bytes after the last record"
    dst = os.path.join(out, "apache-3.8-log.1")
    shutil.copyfile(src, dst)
    dump = subprocess.run(["java", "-cp", CP, "org.apache.zookeeper.server.persistence.TxnLogToolkit", dst],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, TZ="UTC"))
    with open(os.path.join(out, "apache-3.8-log.1.txt"), "w") as f:
        f.write(dump.stdout)
    print(f"{dst}: {len(raw)} bytes, records end at {end}")
    print(dump.stdout)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
