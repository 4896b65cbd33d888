#!/usr/bin/env python3
"""Scripted zkCli (Java ZooKeeperMain) and cli_mt (C client) sessions against a
fresh server, normalised and compared with expected transcripts.

Invoked by run.sh; see README.md for the script format and normalisation rules.
Only uses the Python standard library.
"""

import argparse
import difflib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")
EXPECTED_DIR = os.path.join(HERE, "expected")
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

JAVA = os.environ.get("JAVA", "java")
# zookeeper.jar's manifest Class-Path brings jute, netty, slf4j-api, commons-cli ...
ZK_SERVER_CP = os.environ.get(
    "ZK_SERVER_CLASSPATH",
    "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar")
ZK_CLIENT_CP = os.environ.get(
    "ZK_CLIENT_CLASSPATH",
    "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar")
CLI_MT = os.environ.get("CLI_MT", "/usr/lib/zookeeper/bin/cli_mt")
JVM_FLAGS = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
             "-Duser.timezone=UTC"]

ZOO_CFG = """\
# written by Tests/Conformance/cli/runner.py
tickTime=2000
initLimit=10
syncLimit=5
dataDir={datadir}
clientPort={port}
clientPortAddress=127.0.0.1
maxClientCnxns=60
4lw.commands.whitelist=*
extendedTypesEnabled=true
admin.enableServer=false
# password "test"; base64(sha1("super:test"))
DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
"""

MARK = "__corral_mark_"


class Deadline(Exception):
    pass


# --------------------------------------------------------------------------
# server management


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def four_letter(port, word, timeout=2.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(word.encode())
            s.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                b = s.recv(4096)
                if not b:
                    break
                chunks.append(b)
            return b"".join(chunks).decode(errors="replace")
    except OSError:
        return None


class Server:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.port = args.port or free_port()
        self.datadir = os.path.join(workdir, "data")
        os.makedirs(self.datadir, exist_ok=True)
        self.cfg = os.path.join(workdir, "zoo.cfg")
        with open(self.cfg, "w") as f:
            f.write(ZOO_CFG.format(datadir=self.datadir, port=self.port))
        self.logpath = os.path.join(workdir, "server.log")
        self.proc = None

    def start(self, timeout=30.0):
        if self.args.apache:
            cmd = [JAVA] + JVM_FLAGS + [
                "-cp", ZK_SERVER_CP,
                "org.apache.zookeeper.server.quorum.QuorumPeerMain", self.cfg]
        else:
            cmd = [self.args.corral_bin, "server", "--config", self.cfg]
        self.log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir)
        # Ready = ruok answers imok and srvr does not say "not currently
        # serving". (No ZooKeeper handshake here: a session would take a zxid.)
        # A server whose port accepts connections but answers no 4lw at all
        # is taken as ready after 10 s.
        start = time.monotonic()
        end = start + timeout
        accepting_since = None
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s during startup (--keep keeps %s)"
                                   % (self.proc.returncode, self.logpath))
            r = four_letter(self.port, "ruok", timeout=1.0)
            if r is not None and r.startswith("imok"):
                s = four_letter(self.port, "srvr", timeout=1.0)
                if s is not None and "not currently serving" not in s:
                    return
            elif r is not None:
                accepting_since = accepting_since or time.monotonic()
                if time.monotonic() - accepting_since > 10:
                    print("  warning: port %d accepts connections but ruok got %r; "
                          "going ahead" % (self.port, r), file=sys.stderr)
                    return
            time.sleep(0.1)
        raise RuntimeError("server did not answer ruok/srvr within %ss; log: %s"
                           % (timeout, self.logpath))

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


# --------------------------------------------------------------------------
# script parsing


def parse_script(path):
    """Sections: a line '@java' or '@c' starts a new client session."""
    sections = []
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("@"):
                kind = line[1:].strip()
                if kind not in ("java", "c"):
                    raise ValueError("%s: unknown section %r" % (path, line))
                sections.append((kind, []))
                continue
            if not sections:
                raise ValueError("%s: command before first @java/@c line" % path)
            sections[-1][1].append(line)
    return sections


# --------------------------------------------------------------------------
# Java client (ZooKeeperMain)

JAVA_USAGE_HEAD = "ZooKeeper -server host:port"
JAVA_BANNERS = (
    re.compile(r"^Connecting to 127\.0\.0\.1:\d+$"),
    re.compile(r"^Welcome to ZooKeeper!$"),
    re.compile(r"^JLine support is (disabled|enabled)$"),
    re.compile(r"^SLF4J: "),
    # log4j/slf4j-simple style lines, should any logger be on the class path
    re.compile(r"^\[[^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR) "),
    re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]\d+ .*(TRACE|DEBUG|INFO|WARN|ERROR)"),
    re.compile(r"^OpenJDK .*warning", re.I),
)


def sort_java_list(line):
    """getEphemerals prints the server's (unordered) list as '[a, b]'."""
    m = re.match(r"^\[(.*)\]$", line)
    if not m or not m.group(1):
        return line
    return "[" + ", ".join(sorted(m.group(1).split(", "))) + "]"


def run_java(port, commands, timeout, corral_cli=None):
    """zkCli session; with corral_cli (path of the corral binary) `corral cli` stands in for
    Apache's ZooKeeperMain and must print the same."""
    stdin_lines = []
    for i, c in enumerate(commands):
        stdin_lines.append(c)
        stdin_lines.append("%s%d" % (MARK, i))
    stdin_lines.append("quit")
    cmd = [JAVA] + JVM_FLAGS + ["-cp", ZK_CLIENT_CP,
                                "org.apache.zookeeper.ZooKeeperMain",
                                "-server", "127.0.0.1:%d" % port]
    if corral_cli:
        cmd = [corral_cli, "cli", "-server", "127.0.0.1:%d" % port]
    try:
        p = subprocess.run(cmd, input="\n".join(stdin_lines) + "\n", text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, env=dict(os.environ, TZ="UTC"))
        out = p.stdout
    except subprocess.TimeoutExpired as e:
        out = (e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes)
               else (e.stdout or "")) + "\n!! TIMEOUT after %ss\n" % timeout
    lines = out.split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    # Watch events are printed by the client's event thread, asynchronously to
    # the command output: each println is "\n" + msg. Pull them out (as 2-line
    # units) and report node events at the end of the session, in order.
    events = []
    kept = []
    i = 0
    while i < len(lines):
        if lines[i] == "" and i + 1 < len(lines) and lines[i + 1] == "WATCHER::":
            i += 2
            continue
        if lines[i] == "" and i + 1 < len(lines) and lines[i + 1].startswith("WatchedEvent state:"):
            ev = lines[i + 1]
            if " type:None " not in ev:
                events.append(ev)
            i += 2
            continue
        kept.append(lines[i])
        i += 1
    kept = [l for l in kept if not any(rx.search(l) for rx in JAVA_BANNERS)]

    # Split on the markers (an unknown command prints the usage, then
    # "Command not found: Command not found <name>").
    transcript = []
    seg = []
    n = 0
    for l in kept:
        m = re.match(r"^Command not found: Command not found %s(\d+)$" % MARK, l)
        if m:
            # drop the usage block the marker printed
            for j in range(len(seg) - 1, -1, -1):
                if seg[j].startswith(JAVA_USAGE_HEAD):
                    seg = seg[:j]
                    break
            if n < len(commands):
                transcript.append("> " + commands[n])
                if commands[n].split()[:1] == ["getEphemerals"]:
                    seg = [sort_java_list(x) for x in seg]
                if commands[n].split()[:1] == ["whoami"] and seg[:1] == ["Auth scheme: User"]:
                    # the server keeps a connection's ids in a hash set
                    seg = seg[:1] + sorted(seg[1:])
                transcript.extend(seg)
            n += 1
            seg = []
        else:
            seg.append(l)
    for c in commands[n:]:
        transcript.append("> " + c)
        transcript.append("!! no completion marker for this command")
    transcript.extend(seg)  # anything after the last marker (quit)
    for ev in events:
        transcript.append("[event] " + ev)
    return transcript


# --------------------------------------------------------------------------
# C client (cli_mt): asynchronous, so it is driven one command at a time;
# after each command a 'sync /__corral_mark_N' is sent, and the command's
# output is everything printed before that sync's completion.


class Pipe:
    def __init__(self, proc):
        self.proc = proc
        self.buf = b""
        self.eof = False
        os.set_blocking(proc.stdout.fileno(), False)

    def read_until(self, pattern, deadline):
        rx = re.compile(pattern.encode(), re.M)
        while True:
            m = rx.search(self.buf)
            if m:
                out = self.buf[:m.end()]
                self.buf = self.buf[m.end():]
                return out.decode(errors="replace"), m
            if self.eof:
                raise EOFError(self.buf.decode(errors="replace"))
            left = deadline - time.monotonic()
            if left <= 0:
                raise Deadline(self.buf.decode(errors="replace"))
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if r:
                b = os.read(self.proc.stdout.fileno(), 65536)
                if not b:
                    self.eof = True
                self.buf += b

    def read_rest(self, deadline):
        while not self.eof and time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                b = os.read(self.proc.stdout.fileno(), 65536)
                if not b:
                    self.eof = True
                self.buf += b
            elif self.proc.poll() is not None:
                # drain
                continue
        out, self.buf = self.buf, b""
        return out.decode(errors="replace")


def sort_c_children(body):
    """ls/ls2 completions list children in the server's (unspecified) order:
    '<path>: rc = 0' then one '\t<child>' line each; sort that run of lines."""
    lines = body.split("\n")
    for i, l in enumerate(lines):
        if re.match(r"^/\S*: rc = 0$", l):
            j = i + 1
            while j < len(lines) and lines[j].startswith("\t") \
                    and "=" not in lines[j]:
                j += 1
            lines[i + 1:j] = sorted(lines[i + 1:j])
    return "\n".join(lines)


def run_c(port, commands, timeout):
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen([CLI_MT, "-h", "127.0.0.1:%d" % port],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=dict(os.environ, TZ="UTC"))
    pipe = Pipe(proc)
    transcript = []
    try:
        pre, _ = pipe.read_until(r"^Got a new session id: 0x[0-9a-f]+\n", deadline)
        transcript.extend(pre.rstrip("\n").split("\n"))
        for i, c in enumerate(commands):
            mark = "/%s%d" % (MARK, i)
            proc.stdin.write(("%s\nsync %s\n" % (c, mark)).encode())
            proc.stdin.flush()
            out, m = pipe.read_until(r"^\[%s\]: rc = (-?\d+)\n" % re.escape(mark), deadline)
            body = out[:m.start()]
            if m.group(1) == b"0":
                pipe.read_until(r"^\tname = [^\n]*\n", deadline)
            transcript.append("> " + c)
            body = sort_c_children(body)
            if body:
                transcript.extend(body.rstrip("\n").split("\n") if body.endswith("\n")
                                  else (body + "\n!! (no trailing newline)").split("\n"))
        proc.stdin.close()
        rest = pipe.read_rest(deadline)
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            transcript.append("!! cli_mt did not exit")
        if rest:
            transcript.extend(rest.rstrip("\n").split("\n"))
    except Deadline as e:
        transcript.append("!! TIMEOUT after %ss; pending output: %r" % (timeout, str(e)))
    except EOFError as e:
        transcript.append("!! cli_mt exited early (rc=%s); pending output: %r"
                          % (proc.poll(), str(e)))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return [l for l in transcript if l not in ("bye",)]


# --------------------------------------------------------------------------
# normalisation


def normalise(lines):
    """Replace values that legitimately differ between runs/servers.

    Kept verbatim: zxids (cZxid/mZxid/pZxid, czxid/mzxid), versions, cversion,
    aversion, dataLength, numChildren, sequence suffixes, ephemeralOwner == 0,
    the epoch timestamp of /, /zookeeper ... (ctime 0).
    Replaced: wall-clock dates -> <date>, 'time = N msec' -> dropped,
    session ids -> <session-K> numbered by first appearance.
    """
    sessions = {}

    def sess(hexid):
        v = int(hexid, 16)
        if v == 0:
            return None
        if v not in sessions:
            sessions[v] = "<session-%d>" % (len(sessions) + 1)
        return sessions[v]

    out = []
    for l in lines:
        if re.match(r"^time = -?\d+ msec$", l):
            continue
        # Java: ctime = Sat Nov 28 00:20:02 UTC 2026
        m = re.match(r"^(ctime|mtime) = (.*)$", l)
        if m and m.group(2) != "Thu Jan 01 00:00:00 UTC 1970":
            l = "%s = <date>" % m.group(1)
        # C: \tctime = Sat Nov 28 00:20:02 2026 ; \tmtime=Sat ...
        m = re.match(r"^\t(ctime = |mtime=)(.*)$", l)
        if m and m.group(2) != "Thu Jan  1 00:00:00 1970":
            l = "\t%s<date>" % m.group(1)
        m = re.match(r"^(ephemeralOwner = 0x)([0-9a-f]+)$", l)
        if m and sess(m.group(2)):
            l = "ephemeralOwner = " + sess(m.group(2))
        m = re.match(r"^(\tephemeralOwner = )([0-9a-f]+)$", l)
        if m and sess(m.group(2)):
            l = m.group(1) + sess(m.group(2))
        m = re.match(r"^(Got a new session id: 0x)([0-9a-f]+)$", l)
        if m:
            l = "Got a new session id: " + (sess(m.group(2)) or "0x0")
        m = re.match(r"^(session Id = )([0-9a-f]+)$", l)
        if m:
            l = m.group(1) + (sess(m.group(2)) or "0")
        out.append(l)
    return out


# --------------------------------------------------------------------------


def run_case(args, name, path):
    workdir = tempfile.mkdtemp(prefix="corral-cli-%s-" % name)
    server = Server(args, workdir)
    transcript = []
    ok = False
    try:
        server.start()
        for idx, (kind, commands) in enumerate(parse_script(path)):
            transcript.append("### session %d (%s)" % (idx + 1, kind))
            if kind == "java":
                transcript.extend(run_java(server.port, commands, args.client_timeout,
                                           args.corral_bin if args.corral_cli else None))
            else:
                transcript.extend(run_c(server.port, commands, args.client_timeout))
            if server.proc.poll() is not None:
                transcript.append("!! server exited with %s" % server.proc.returncode)
                break
        ok = True
    except Exception as e:
        tail = ""
        try:
            with open(server.logpath, errors="replace") as f:
                tail = "".join(f.readlines()[-15:])
        except OSError:
            pass
        raise RuntimeError("%s\n--- last lines of server log:\n%s" % (e, tail))
    finally:
        server.stop()
        if args.keep:
            with open(os.path.join(workdir, "raw.out"), "w") as f:
                f.write("\n".join(transcript) + "\n")
            print("  (work dir kept: %s)" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return "\n".join(normalise(transcript)) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apache", action="store_true")
    ap.add_argument("--corral-cli", action="store_true",
                    help="run the @java sessions with `corral cli` instead of Apache's zkCli")
    ap.add_argument("--corral-bin", default=os.environ.get(
        "CORRAL_BIN", os.path.join(REPO, ".build", "debug", "corral")))
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--client-timeout", type=float, default=60.0)
    ap.add_argument("--total-timeout", type=float, default=600.0)
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args()

    if args.record and not args.apache:
        print("--record only makes sense with --apache (expected output comes from Apache)",
              file=sys.stderr)
        return 2
    if args.record and args.corral_cli:
        print("--record takes transcripts from Apache's zkCli; drop --corral-cli", file=sys.stderr)
        return 2
    if (not args.apache or args.corral_cli) and not os.access(args.corral_bin, os.X_OK):
        print("corral binary not found: %s (set CORRAL_BIN or use --apache)" % args.corral_bin,
              file=sys.stderr)
        return 2

    names = sorted(f[:-len(".script")] for f in os.listdir(CASES_DIR) if f.endswith(".script"))
    if args.cases:
        names = [n for n in names if any(c in n for c in args.cases)]
    os.makedirs(EXPECTED_DIR, exist_ok=True)

    start = time.monotonic()
    passed = failed = 0
    for name in names:
        if time.monotonic() - start > args.total_timeout:
            print("FAIL %s (total time budget of %ss exhausted)" % (name, args.total_timeout))
            failed += 1
            continue
        t0 = time.monotonic()
        try:
            actual = run_case(args, name, os.path.join(CASES_DIR, name + ".script"))
        except Exception as e:  # server failed to start etc.
            print("FAIL %s: %s" % (name, e))
            failed += 1
            continue
        exp_path = os.path.join(EXPECTED_DIR, name + ".out")
        if args.record:
            with open(exp_path, "w") as f:
                f.write(actual)
            print("recorded %s (%.1fs)" % (name, time.monotonic() - t0))
            passed += 1
            continue
        try:
            with open(exp_path) as f:
                expected = f.read()
        except FileNotFoundError:
            expected = ""
        if actual == expected:
            print("ok   %s (%.1fs)" % (name, time.monotonic() - t0))
            passed += 1
        else:
            print("FAIL %s (%.1fs)" % (name, time.monotonic() - t0))
            sys.stdout.writelines(difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True),
                fromfile="expected/%s.out" % name, tofile="actual/%s.out" % name))
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
