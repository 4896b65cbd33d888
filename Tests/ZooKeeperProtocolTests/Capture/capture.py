#!/usr/bin/env python3
"""Regenerates Tests/ZooKeeperProtocolTests/Golden/*.txt from a real Apache ZooKeeper.

Starts Apache ZooKeeper (Debian's 3.8 jars in /usr/share/java) standalone on a free
127.0.0.1 port, puts zkproxy.Proxy in front of it and drives sessions through the proxy
with Apache's Java CLI (ZooKeeperMain), a small Java API program (Golden.java), the C
client's cli_mt, kazoo and hand-written raw frames. Every process it starts is stopped
by pid. Usage: python3 capture.py [OUTPUT_DIR]   (default: ../Golden)
"""
import base64
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zkproxy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
JARS = "/usr/share/java"
CP = ":".join(f"{JARS}/{j}" for j in [
    "zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "commons-cli.jar",
    "metrics-core.jar", "netty-handler.jar", "netty-common.jar", "netty-transport.jar",
    "netty-buffer.jar", "netty-codec.jar", "netty-resolver.jar",
    "netty-transport-native-epoll.jar", "netty-transport-native-unix-common.jar"])
SERVER_CP = CP + f":{JARS}/slf4j-simple.jar"   # server log in the temp dir
CP += f":{JARS}/slf4j-nop.jar"                 # quiet clients
CLI_MT = shutil.which("cli_mt") or "/usr/lib/zookeeper/bin/cli_mt"
HEADER = "# Golden frames captured by Tests/ZooKeeperProtocolTests/Capture/capture.py from Apache ZooKeeper 3.8.0 (Debian 3.8.0-11+deb12u2) through zkproxy.py.\n" \
         "# Line: <connection> <dir> <label> <hex body without the 4-byte length prefix>; dir '>' client->server, '<' server->client.\n" \
         "# The first frame in each direction of a connection is the connect handshake.\n"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def four_letter(port, word):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(word)
        return s.recv(100)


def start_server(tmp):
    port = free_port()
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    cfg = os.path.join(tmp, "zoo.cfg")
    with open(cfg, "w") as f:
        f.write(f"tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir={data}\nclientPort={port}\n"
                "clientPortAddress=127.0.0.1\nextendedTypesEnabled=true\n4lw.commands.whitelist=*\n"
                "admin.enableServer=false\n")
    log = open(os.path.join(tmp, "server.log"), "w")
    proc = subprocess.Popen(["java", "-cp", SERVER_CP, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                if four_letter(port, b"ruok") == b"imok":
                    warm_up(port)
                    return proc, port
            except (OSError, EOFError):
                pass
            time.sleep(0.2)
    except BaseException:
        stop(proc)
        raise
    stop(proc)
    raise RuntimeError("ZooKeeper did not start; see " + log.name)


def warm_up(port):
    """One session straight to the server (not recorded), so the first recorded connect is not
    slowed down by the server's first txn-log write."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(frame(connect_body(readonly=False)))
        read_frame(s)
        s.sendall(frame(struct.pack(">ii", 1, -11)))
        read_frame(s)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def digest(user_pass):
    user = user_pass.split(":")[0]
    return user + ":" + base64.b64encode(hashlib.sha1(user_pass.encode()).digest()).decode()


# ---------------------------------------------------------------- scenarios

def java_cli(port, extra=(), commands=()):
    cmd = ["java", "-cp", CP, "org.apache.zookeeper.ZooKeeperMain", "-server", f"127.0.0.1:{port}",
           "-waitforconnection", *extra]
    out = subprocess.run(cmd, input="\n".join(commands) + "\nquit\n", capture_output=True, text=True, timeout=120)
    return out.stdout + out.stderr


def scenario_java_cli(port):
    d = digest("golden:secret")
    cmds = [
        "create /cli", "create /cli/a data-a", "create -s /cli/seq- s", "create -e /cli/eph e",
        "create -s -e /cli/eseq- es", "create -c /cli/cont", "create /cli/cont/child",
        "create -t 60000 /cli/ttl t", "create -s -t 60000 /cli/ttlseq- ts",
        "get -s -w /cli/a", "set /cli/a data-a2", "set -s -v 1 /cli/a data-a3", "set -v 9 /cli/a bad",
        "stat /cli/a", "stat -w /cli/nope", "create /cli/nope x", "ls /cli", "ls -s -w /cli", "ls -R /cli",
        "getEphemerals /cli", "getEphemerals", "getAllChildrenNumber /cli",
        "create /cli/acl x", f"setAcl /cli/acl digest:{d}:cdrwa,world:anyone:r", "getAcl /cli/acl",
        "set /cli/acl denied", "addauth digest golden:secret", "getAcl -s /cli/acl", "set /cli/acl allowed",
        "create /cli/authacl x auth::cdrwa", "setAcl -R /cli/cont world:anyone:cdrwa",
        "addWatch /cli/a", "addWatch -m PERSISTENT_RECURSIVE /cli/cont", "set /cli/a watched",
        "create /cli/cont/deep x", "removewatches /cli/a -a", "removewatches /cli/cont",
        "sync /cli", "whoami", "config", "get /cli/missing", "create /cli x", "delete /cli",
        "delete -v 5 /cli/seq-0000000001", "delete /cli/seq-0000000001", "deleteall /cli/cont",
        "setquota -n 10 /cli", "listquota /cli", "delquota /cli",
        "reconfig -add server.9=127.0.0.1:1:2;3",
        "deleteall /cli",
    ]
    return java_cli(port, ["-timeout", "4000"], cmds)


def scenario_java_cli_readonly(port):
    return java_cli(port, ["-r", "-timeout", "4000"], ["ls /", "get /zookeeper/quota"])


def scenario_java_api(port, proxy, tmp):
    classes = os.path.join(tmp, "classes")
    os.makedirs(classes, exist_ok=True)
    subprocess.run(["javac", "-d", classes, "-cp", CP, os.path.join(HERE, "Golden.java")], check=True)
    proc = subprocess.Popen(["java", "-cp", CP + ":" + classes, "Golden", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    try:
        for line in proc.stdout:
            out.append(line)
            if line.strip() == "DROP":
                time.sleep(0.2)
                proxy.drop_all()
        proc.wait(60)
    finally:
        stop(proc)
    return "".join(out)


def scenario_c_cli(port, proxy=None, readonly=False):
    args = [CLI_MT, *(["-r"] if readonly else []), f"127.0.0.1:{port}"]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = ["ls /"] if readonly else [
        "create /c", "create +e /c/eph", "create +s /c/seq-", "create +es /c/eseq-", "create +c /c/cont",
        "create +t=60000 /c/ttl", "create2 /c/two", "create2 +s /c/two-", "create2 +t=60000 /c/ttl2",
        "get /c", "set /c hello", "ls /c", "ls2 /c", "exists /c/two", "wexists /c/none", "exists /c/none",
        "create /c/none", "sync /c", "config", "addauth digest golden:secret", "get /c/missing", "create /c",
        "delete /c", "delete /c/two", "reconfig -add server.9=127.0.0.1:1:2;3", "myid",
        # watches to replay after the dropped connection below
        "wexists /c/later", "get /c/none", "ls /c/cont",
        "DROP", "create /c/later", "set /c/none after", "create /c/cont/kid",
        "SLEEP",  # cli_mt's session timeout is 30 s: it pings after 10 s idle
    ]

    def send(l):
        proc.stdin.write(l + "\n")
        proc.stdin.flush()

    try:
        time.sleep(1.0)
        for l in lines:
            if l == "DROP":
                proxy.drop_all()
                time.sleep(3.0)
            elif l == "SLEEP":
                time.sleep(11.0)
            else:
                send(l)
                time.sleep(0.25)
        time.sleep(0.5)
        send("quit")
        out, _ = proc.communicate(timeout=20)
    finally:
        stop(proc)
    return out


def scenario_kazoo(port, proxy):
    from kazoo.client import KazooClient
    from kazoo.security import make_digest_acl, make_acl
    from kazoo.protocol.states import KazooState
    log = []
    zk = KazooClient(hosts=f"127.0.0.1:{port}", timeout=4.0)
    states = []
    zk.add_listener(lambda s: states.append(s))
    zk.start(timeout=15)
    zk.ensure_path("/k/a/b")
    zk.create("/k/x", b"value")
    zk.create("/k/eseq-", b"e", ephemeral=True, sequence=True)
    zk.create("/k/c2", b"two", include_data=True)
    zk.create("/k/deep/er/path", b"p", makepath=True)
    log.append(zk.get("/k/x", watch=lambda e: log.append(("watch", e))))
    log.append(zk.get_children("/k", include_data=True))
    log.append(zk.get_children("/k", watch=lambda e: log.append(("cwatch", e))))
    log.append(zk.exists("/k/none", watch=lambda e: log.append(("ewatch", e))))
    zk.set("/k/x", b"value2")
    zk.create("/k/none", b"")
    t = zk.transaction()
    t.create("/k/t1", b"t1")
    t.set_data("/k/t1", b"t1b")
    t.check("/k/t1", 1)
    t.delete("/k/t1")
    log.append(("tx ok", t.commit()))
    t = zk.transaction()
    t.create("/k/t2", b"t2")
    t.check("/k/x", 99)
    t.delete("/k/none")
    log.append(("tx fail", t.commit()))
    log.append(("empty tx", zk.transaction().commit()))
    zk.add_auth("digest", "golden:secret")
    zk.create("/k/acl", b"a", acl=[make_digest_acl("golden", "secret", all=True), make_acl("world", "anyone", read=True)])
    log.append(zk.get_acls("/k/acl"))
    zk.set_acls("/k/acl", [make_digest_acl("golden", "secret", all=True)])
    zk.sync("/k")
    try:
        zk.get("/k/missing")
    except Exception as e:
        log.append(repr(e))
    try:
        zk.reconfig(joining="server.9=127.0.0.1:1:2;3", leaving=None, new_members=None)
    except Exception as e:
        log.append(repr(e))
    # a dropped connection: kazoo reconnects with its session id and replays auth
    zk.get("/k/x", watch=lambda e: log.append(("watch2", e)))
    n = len(states)
    proxy.drop_all()
    for _ in range(100):
        if states[n:].count(KazooState.CONNECTED):
            break
        time.sleep(0.1)
    zk.set("/k/x", b"after-reconnect")
    zk.delete("/k", recursive=True)
    zk.stop()
    zk.close()
    zk2 = KazooClient(hosts=f"127.0.0.1:{port}", timeout=4.0, read_only=True)
    zk2.start(timeout=15)
    log.append(zk2.get_children("/"))
    zk2.stop()
    zk2.close()
    return "\n".join(map(repr, log))


def frame(body):
    return struct.pack(">i", len(body)) + body


def jstr(s):
    b = s.encode()
    return struct.pack(">i", len(b)) + b


def read_frame(s):
    def exact(n):
        b = b""
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c:
                raise EOFError
            b += c
        return b
    (n,) = struct.unpack(">i", exact(4))
    return exact(n)


def connect_body(timeout=4000, session=0, passwd=b"\0" * 16, zxid=0, readonly=None):
    b = struct.pack(">iqiq", 0, zxid, timeout, session) + struct.pack(">i", len(passwd)) + passwd
    if readonly is not None:
        b += bytes([1 if readonly else 0])
    return b


def scenario_raw(port, rec):
    """Hand-made frames for what the stock clients never send."""
    out = []
    # 1. an old client: ConnectRequest without the trailing readOnly byte
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(frame(connect_body(readonly=None)))
    resp = read_frame(s)
    out.append(f"old-client connect response {resp.hex()}")
    proto, to, sid, plen = struct.unpack(">iiqi", resp[:20])
    passwd = resp[20:20 + plen]
    reqs = [
        struct.pack(">ii", 1, 1) + jstr("/raw") + struct.pack(">i", -1) + struct.pack(">i", 1)
        + struct.pack(">i", 31) + jstr("world") + jstr("anyone") + struct.pack(">i", 0),     # create, null data
        struct.pack(">ii", 2, 4) + jstr("/raw") + b"\0",                                       # getData -> null data
        struct.pack(">ii", -2, 11),                                                            # ping
        struct.pack(">ii", 3, 14) + struct.pack(">i?i", -1, True, -1),                         # empty multi
        struct.pack(">ii", 4, 22) + struct.pack(">i?i", -1, True, -1),                         # empty multiRead
        struct.pack(">ii", 5, 5) + jstr("/raw") + struct.pack(">i", 0) + struct.pack(">i", -1),  # setData empty
        struct.pack(">ii", 6, 15) + jstr("/raw/ctnr") + struct.pack(">i", 0) + struct.pack(">i", 1)
        + struct.pack(">i", 31) + jstr("world") + jstr("anyone") + struct.pack(">i", 4),     # create2 with flags=container
        struct.pack(">ii", 7, 19) + jstr("/raw/c") + struct.pack(">i", 1) + b"c" + struct.pack(">i", 1)
        + struct.pack(">i", 31) + jstr("world") + jstr("anyone") + struct.pack(">i", 4),     # createContainer
        struct.pack(">ii", 8, 21) + jstr("/raw/t") + struct.pack(">i", 1) + b"t" + struct.pack(">i", 1)
        + struct.pack(">i", 31) + jstr("world") + jstr("anyone") + struct.pack(">i", 5)
        + struct.pack(">q", 0),                                                                # createTTL with ttl 0 -> error
        struct.pack(">ii", 9, 18) + jstr("/raw") + struct.pack(">i", 3),                     # removeWatches none -> NOWATCHER
        struct.pack(">ii", 10, 17) + jstr("/raw") + struct.pack(">i", 1),                    # checkWatches none
        struct.pack(">ii", 11, 104) + jstr("/"),                                               # getAllChildrenNumber /
        struct.pack(">ii", 12, 101) + struct.pack(">q", 0) + struct.pack(">i", 0)
        + struct.pack(">i", 1) + jstr("/raw/none") + struct.pack(">i", 0),                   # setWatches, normal xid
        struct.pack(">ii", 13, 106) + jstr("/raw") + struct.pack(">i", 0),                   # addWatch persistent
        struct.pack(">ii", 14, 105) + struct.pack(">q", 0) + struct.pack(">iiii", 0, 0, 0, 0)
        + struct.pack(">i", 1) + jstr("/raw"),                                                 # setWatches2
        struct.pack(">ii", 15, 2) + jstr("/raw") + struct.pack(">i", -1),                    # delete -> notEmpty
        struct.pack(">ii", 16, 20) + jstr("/raw/c"),                                           # deleteContainer
        struct.pack(">ii", 17, 107),                                                           # whoAmI, no auth
        struct.pack(">ii", -4, 100) + struct.pack(">i", 0) + jstr("digest") + struct.pack(">i", 13) + b"golden:secret",
        struct.pack(">ii", 18, 107),                                                           # whoAmI with auth
        struct.pack(">ii", 19, 3) + jstr("/raw/w") + b"\1",                                    # exists watch on missing
        struct.pack(">ii", 20, 1) + jstr("/raw/c") + struct.pack(">i", 0) + struct.pack(">i", 0)
        + struct.pack(">i", 0),                                                                # create with empty ACL -> INVALIDACL
        struct.pack(">ii", 21, 1) + jstr("raw-relative") + struct.pack(">i", 0) + struct.pack(">i", 1)
        + struct.pack(">i", 31) + jstr("world") + jstr("anyone") + struct.pack(">i", 0),     # bad path -> BADARGUMENTS
        struct.pack(">ii", 22, 1) + jstr("/raw/f") + struct.pack(">i", 0) + struct.pack(">i", 1)
        + struct.pack(">i", 31) + jstr("world") + jstr("anyone") + struct.pack(">i", 99),    # bad create flags
        struct.pack(">ii", 23, 13) + jstr("/raw") + struct.pack(">i", 1),                    # standalone check, ok
        struct.pack(">ii", 24, 13) + jstr("/raw") + struct.pack(">i", 7),                    # standalone check, BADVERSION
    ]
    for r in reqs:
        s.sendall(frame(r))
        time.sleep(0.05)
    time.sleep(0.5)
    s.sendall(frame(struct.pack(">ii", 25, 1) + jstr("/raw/w") + struct.pack(">i", 0) + struct.pack(">i", 1)
                    + struct.pack(">i", 31) + jstr("world") + jstr("anyone") + struct.pack(">i", 0)))  # fires the exists watch
    time.sleep(0.3)
    s.sendall(frame(struct.pack(">ii", 26, -11)))                                             # closeSession
    try:
        while True:
            read_frame(s)
    except (EOFError, OSError):
        pass
    s.close()
    # 2. reconnect to the now-closed session, with and without readOnly -> invalid-session response
    for ro in (None, False):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(frame(connect_body(session=sid, passwd=passwd, zxid=0x10, readonly=ro)))
        try:
            out.append(f"expired connect (readOnly={ro}) response {read_frame(s).hex()}")
        except (EOFError, OSError) as e:
            out.append(f"expired connect: {e!r}")
        s.close()
    # 3. a live session's id with a wrong password (Apache closes the live connection first!)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(frame(connect_body(readonly=True)))
    resp = read_frame(s)
    sid2 = struct.unpack(">q", resp[8:16])[0]
    s2 = socket.create_connection(("127.0.0.1", port), timeout=5)
    s2.sendall(frame(connect_body(session=sid2, passwd=b"\1" * 16, readonly=False)))
    try:
        out.append(f"bad password response {read_frame(s2).hex()}")
    except (EOFError, OSError) as e:
        out.append(f"bad password: {e!r}")
    s2.close()
    try:
        out.append(f"live connection after bad-password attempt: {read_frame(s).hex()}")
    except (EOFError, OSError) as e:
        out.append(f"live connection after bad-password attempt: {e!r}")
    s.close()
    # 4. requests the codec must reject, each on a fresh session: unknown opcode, multi mixing reads and writes.
    #    Recorded in their own fixture, raw-invalid.txt.
    time.sleep(0.5)
    rec.scenario = "raw-invalid"
    for what, body in (("unknown opcode", struct.pack(">ii", 1, 999) + jstr("/")),
                       ("mixed multi", struct.pack(">ii", 1, 14) + struct.pack(">i?i", 4, False, -1) + jstr("/") + b"\0"
                        + struct.pack(">i?i", 2, False, -1) + jstr("/nope") + struct.pack(">i", -1)
                        + struct.pack(">i?i", -1, True, -1))):
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.sendall(frame(connect_body(readonly=False)))
        read_frame(s)
        s.sendall(frame(body))
        try:
            out.append(f"{what}: reply {read_frame(s).hex()}")
        except (EOFError, OSError) as e:
            out.append(f"{what}: {e!r}")
        s.sendall(frame(struct.pack(">ii", 2, -11)))
        try:
            while True:
                out.append(f"{what}: then {read_frame(s).hex()}")
        except (EOFError, OSError) as e:
            out.append(f"{what}: closed {e!r}")
        s.close()
    return "\n".join(out)


DESCRIPTIONS = {
    "raw-invalid": "hand-made requests Apache rejects (capture.py scenario_raw): unknown opcode 999 "
                   "(reply err UNIMPLEMENTED, zxid -1, then the server closes) and a multi mixing a read "
                   "and a write (reply err MARSHALLINGERROR, connection stays open)",
}


def main():
    outdir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "Golden"))
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="corral-golden-")
    server, zk_port = start_server(tmp)
    rec = zkproxy.Recorder()
    proxy = zkproxy.Proxy(free_port(), zk_port, rec)
    proxy.start()
    port = proxy.listen_port
    logs = {}
    scenarios = [
        ("java-cli", "Apache Java CLI (ZooKeeperMain) 3.8.0, commands piped on stdin; then one with -r",
         lambda: scenario_java_cli(port) + scenario_java_cli_readonly(port)),
        ("java-api", "Apache Java client 3.8.0 API (Capture/Golden.java)",
         lambda: scenario_java_api(port, proxy, tmp)),
        ("c-cli", "Apache C client 3.8.0 cli_mt; then one with -r",
         lambda: scenario_c_cli(port, proxy) + scenario_c_cli(port, readonly=True)),
        ("kazoo", "kazoo (python) client; the second session is read_only=True",
         lambda: scenario_kazoo(port, proxy)),
        ("raw", "hand-made frames (capture.py scenario_raw): old client without readOnly, edge cases",
         lambda: scenario_raw(port, rec)),
    ]
    try:
        for name, desc, run in scenarios:
            rec.scenario = name
            print(f"== {name}", flush=True)
            logs[name] = run()
            time.sleep(1.0)
            with open(os.path.join(tmp, f"{name}.log"), "w") as f:
                f.write(logs[name])
            for scenario in sorted(rec.records):
                lines = rec.take(scenario)
                with open(os.path.join(outdir, f"{scenario}.txt"), "w") as f:
                    f.write(HEADER + f"# Client: {DESCRIPTIONS.get(scenario, desc)}\n" + "\n".join(lines) + "\n")
                print(f"   {scenario}: {len(lines)} frames", flush=True)
    finally:
        proxy.stop()
        stop(server)
    print("client logs in", tmp)


if __name__ == "__main__":
    main()
