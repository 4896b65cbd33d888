#!/usr/bin/env python3
"""Regenerates Tests/CorralStorageTests/Fixtures/snapshot/ from a real Apache ZooKeeper 3.8.

Starts Apache ZooKeeper (Debian's 3.8 jars in /usr/share/java) standalone on a free 127.0.0.1 port
with a temporary dataDir, extendedTypesEnabled=true and a container check interval of an hour (so
containers and TTL nodes stay), drives it with kazoo to create nodes of every kind (persistent with
data and with null data, sequential, ephemeral and ephemeral sequential, container, TTL, digest /
auth / ip ACLs, setData, setACL, deletes) from two sessions it leaves open (and one it closes),
stops the server (by pid) without closing those sessions, starts it again on the same dataDir —
Apache takes a snapshot right after loading, holding the open sessions — and stops it again.
Copies the newest snapshot to Fixtures/snapshot/apache-3.8-snapshot.<zxid> and writes next to it
  <name>.formatter.txt   SnapshotFormatter's output (TZ=UTC)
  <name>.dump.txt        SnapshotCheck.java's canonical dump (what Apache's loader reads back)
Usage:
    python3 make_snapshot_fixture.py [OUTPUT_DIR]   (default: ../Fixtures/snapshot)
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from kazoo.client import KazooClient
from kazoo.protocol.serialization import Create, Create2, long_struct
from kazoo.security import ACL, Id, Permissions, make_digest_acl, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE

JARS = "/usr/share/java"
CP = ":".join(f"{JARS}/{j}" for j in [
    "zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-simple.jar", "commons-cli.jar",
    "metrics-core.jar", "netty-handler.jar", "netty-common.jar", "netty-transport.jar",
    "netty-buffer.jar", "netty-codec.jar", "netty-resolver.jar",
    "netty-transport-native-epoll.jar", "netty-transport-native-unix-common.jar"])
HERE = os.path.dirname(os.path.abspath(__file__))
# Apache hashes `path.getBytes()` (the JVM's default charset) into its tree digest, and prints paths
# in it: make it UTF-8 everywhere, as the Swift tests do.
UTF8 = ["-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Dsun.stderr.encoding=UTF-8"]
ENV = dict(os.environ, TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8")


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


def start_server(tmp, data, port, tag):
    cfg = os.path.join(tmp, "zoo.cfg")
    with open(cfg, "w") as f:
        f.write(f"tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir={data}\nclientPort={port}\n"
                "clientPortAddress=127.0.0.1\nextendedTypesEnabled=true\n4lw.commands.whitelist=*\n"
                "admin.enableServer=false\nsnapCount=1000000\nminSessionTimeout=4000\n")
    log = open(os.path.join(tmp, f"server-{tag}.log"), "w")
    proc = subprocess.Popen(["java", *UTF8, "-Dznode.container.checkIntervalMs=3600000",
                             "-cp", CP, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
                            stdout=log, stderr=subprocess.STDOUT, env=ENV)
    for _ in range(150):
        try:
            if ruok(port) == b"imok":
                return proc
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


def drive(port):
    """Leaves two sessions open; returns the clients (not yet stopped)."""
    hosts = f"127.0.0.1:{port}"
    a = KazooClient(hosts=hosts, timeout=10, auth_data=[("digest", "alice:secret"), ("digest", "bob:pw")])
    a.start()
    a.create("/app", b"hello")
    a.set("/app", b"hello again")
    a.set("/app", b"v2", version=1)
    a.create("/app/binary", bytes(range(256)))
    call(a, Create("/app/null", None, OPEN_ACL_UNSAFE, 0))
    seqs = [a.create("/app/seq-", b"s", sequence=True) for _ in range(3)]
    a.delete(seqs[1])
    a.create("/app/eph", b"ephemeral", ephemeral=True)
    a.create("/app/eseq-", b"", ephemeral=True, sequence=True)
    digest = make_digest_acl("bob", "pw", all=True)
    a.create("/secure", b"s", acl=[digest, READ_ACL_UNSAFE[0]])
    a.create("/secure/inner", b"i", acl=[digest, READ_ACL_UNSAFE[0]])       # shares the ACL id
    a.create("/authed", b"", acl=[ACL(Permissions.ALL, Id("auth", ""))])     # auth -> digest:alice:...
    a.create("/iponly", b"", acl=[ACL(Permissions.READ | Permissions.WRITE, Id("ip", "127.0.0.1"))])
    a.set_acls("/app/binary", [make_digest_acl("carol", "x", read=True)] + OPEN_ACL_UNSAFE)
    call(a, CreateContainer("/containers", b"", OPEN_ACL_UNSAFE, 4))
    a.create("/containers/child", b"c")
    call(a, CreateContainer("/empty-container", b"ec", OPEN_ACL_UNSAFE, 4))
    call(a, CreateTTL("/ttl", b"t", OPEN_ACL_UNSAFE, 5, 3600000))           # persistentWithTTL
    call(a, CreateTTL("/ttlseq-", b"t", OPEN_ACL_UNSAFE, 6, 7200000))       # persistentSequentialWithTTL
    a.create("/\u00fcn\u00ef\u00e7\u00f8d\u00e9", "\u00e9t\u00e9".encode())  # non-ASCII name and data
    a.create("/gone", b"")
    a.delete("/gone")
    b = KazooClient(hosts=hosts, timeout=6)
    b.start()
    b.create("/b-eph", b"b", ephemeral=True)
    c = KazooClient(hosts=hosts, timeout=10)
    c.start()
    c.create("/c-eph", b"", ephemeral=True)
    c.stop()                                                  # closed: not in the snapshot
    c.close()
    time.sleep(0.5)
    return [a, b]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "Fixtures", "snapshot")
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="corral-snap-")
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    port = free_port()
    proc = start_server(tmp, data, port, "1")
    clients = []
    try:
        clients = drive(port)
    finally:
        stop(proc)                                            # sessions stay open in the log
    for cl in clients:                                        # server is down: no closeSession
        cl.stop()
        cl.close()
    proc = start_server(tmp, data, port, "2")                 # loads, then snapshots at startup
    try:                                                      # (ruok answers before loading ends)
        for _ in range(300):
            with open(os.path.join(tmp, "server-2.log")) as f:
                if "Snapshot taken" in f.read():
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("no snapshot at startup; see server-2.log in " + tmp)
    finally:
        stop(proc)
    snapdir = os.path.join(data, "version-2")
    snaps = sorted((f for f in os.listdir(snapdir) if f.startswith("snapshot.")),
                   key=lambda f: int(f.split(".")[1], 16))
    src = os.path.join(snapdir, snaps[-1])
    name = "apache-3.8-" + snaps[-1]
    dst = os.path.join(out, name)
    shutil.copyfile(src, dst)
    env = ENV
    fmt = subprocess.run(["java", *UTF8, "-cp", CP, "org.apache.zookeeper.server.SnapshotFormatter", dst],
                         capture_output=True, text=True, timeout=60, env=env, check=True)
    with open(dst + ".formatter.txt", "w") as f:
        f.write(fmt.stdout)
    dump = subprocess.run(["java", *UTF8, "-Dzookeeper.extendedTypesEnabled=true", "-cp", CP,
                           os.path.join(HERE, "SnapshotCheck.java"), dst],
                          capture_output=True, text=True, timeout=120, env=env, check=True)
    with open(dst + ".dump.txt", "w") as f:
        f.write(dump.stdout)
    print(f"{dst}: {os.path.getsize(dst)} bytes (snapshots in dataDir: {snaps})")
    print(dump.stdout)
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp)
    else:
        print("kept", tmp)


if __name__ == "__main__":
    main()
