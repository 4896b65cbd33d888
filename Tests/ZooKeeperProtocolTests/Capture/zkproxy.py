#!/usr/bin/env python3
"""A recording TCP proxy for the ZooKeeper client protocol.

Sits between a client and a ZooKeeper server, forwards bytes unchanged in both
directions and splits each direction into 4-byte big-endian length frames. The
first frame of each direction is the connect handshake (ConnectRequest /
ConnectResponse); every later client frame is RequestHeader + body and every
later server frame is ReplyHeader + body.

Used as a library by capture.py (start/stop/drop/scenario switching from a
driver thread), or standalone:

    python3 zkproxy.py LISTEN_PORT UPSTREAM_PORT OUT.txt

Output lines: `<conn> <dir> <label> <hex>` where dir is `>` (client to server)
or `<` (server to client) and hex is the frame body without its length prefix.
"""
import asyncio
import struct
import sys
import threading

OPS = {
    0: "notification", 1: "create", 2: "delete", 3: "exists", 4: "getData", 5: "setData",
    6: "getACL", 7: "setACL", 8: "getChildren", 9: "sync", 11: "ping", 12: "getChildren2",
    13: "check", 14: "multi", 15: "create2", 16: "reconfig", 17: "checkWatches",
    18: "removeWatches", 19: "createContainer", 20: "deleteContainer", 21: "createTTL",
    22: "multiRead", 100: "auth", 101: "setWatches", 102: "sasl", 103: "getEphemerals",
    104: "getAllChildrenNumber", 105: "setWatches2", 106: "addWatch", 107: "whoAmI",
    -10: "createSession", -11: "closeSession", -1: "error",
}
MAX_FRAME = 16 * 1024 * 1024


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.scenario = "default"
        self.records = {}  # scenario -> list of lines
        self.next_conn = 1

    def new_conn(self):
        with self.lock:
            c = self.next_conn
            self.next_conn += 1
            return c, self.scenario

    def add(self, scenario, line):
        with self.lock:
            self.records.setdefault(scenario, []).append(line)

    def take(self, scenario):
        with self.lock:
            return self.records.pop(scenario, [])


class Conn:
    def __init__(self, recorder):
        self.recorder = recorder
        self.id, self.scenario = recorder.new_conn()
        self.pending = {}  # xid -> op name
        self.first = {">": True, "<": True}
        self.writers = []

    def label(self, direction, body):
        if self.first[direction]:
            self.first[direction] = False
            return "connect"
        if direction == ">":
            xid, typ = struct.unpack(">ii", body[:8])
            name = OPS.get(typ, f"op{typ}")
            self.pending[xid] = name
            return f"{name}:xid={xid}"
        xid, zxid, err = struct.unpack(">iqi", body[:16])
        if xid == -1:
            name = "notification"
        else:
            name = self.pending.pop(xid, "?") if xid >= 0 else self.pending.get(xid, "?")
        return f"{name}:xid={xid}:err={err}"

    def record(self, direction, body):
        self.recorder.add(self.scenario, f"c{self.id} {direction} {self.label(direction, body)} {body.hex()}")


async def pump(conn, direction, reader, writer):
    buf = b""
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 4:
                (n,) = struct.unpack(">i", buf[:4])
                if n < 0 or n > MAX_FRAME:
                    conn.recorder.add(conn.scenario, f"# c{conn.id} {direction} unframed bytes {buf[:16]!r}")
                    buf = b""
                    break
                if len(buf) < 4 + n:
                    break
                conn.record(direction, buf[4:4 + n])
                buf = buf[4 + n:]
            # Record before forwarding so a reply can never be logged ahead of its request.
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if buf:
            conn.recorder.add(conn.scenario, f"# c{conn.id} {direction} {len(buf)} trailing bytes")
        try:
            writer.close()
        except Exception:
            pass


class Proxy:
    """Runs an asyncio proxy on its own thread."""

    def __init__(self, listen_port, upstream_port, recorder, host="127.0.0.1"):
        self.listen_port, self.upstream_port, self.host = listen_port, upstream_port, host
        self.recorder = recorder
        self.loop = asyncio.new_event_loop()
        self.conns = set()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._accept, self.host, self.listen_port))
        self.ready.set()
        self.loop.run_forever()

    async def _accept(self, creader, cwriter):
        conn = Conn(self.recorder)
        try:
            ureader, uwriter = await asyncio.open_connection(self.host, self.upstream_port)
        except OSError:
            cwriter.close()
            return
        conn.writers = [cwriter, uwriter]
        self.conns.add(conn)
        try:
            await asyncio.gather(pump(conn, ">", creader, uwriter), pump(conn, "<", ureader, cwriter))
        finally:
            self.conns.discard(conn)

    def start(self):
        self.thread.start()
        self.ready.wait()

    def drop_all(self):
        """Abruptly closes every proxied connection (the client then reconnects)."""
        def drop():
            for c in list(self.conns):
                for w in c.writers:
                    w.transport.abort()
        self.loop.call_soon_threadsafe(drop)

    def stop(self):
        def shutdown():
            self.server.close()
            for c in list(self.conns):
                for w in c.writers:
                    w.transport.abort()
            self.loop.call_later(0.2, self.loop.stop)
        self.loop.call_soon_threadsafe(shutdown)
        self.thread.join(5)


if __name__ == "__main__":
    listen, upstream, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rec = Recorder()
    p = Proxy(listen, upstream, rec)
    p.start()
    print(f"proxy 127.0.0.1:{listen} -> 127.0.0.1:{upstream}, Ctrl-C to write {out}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    p.stop()
    with open(out, "w") as f:
        f.write("\n".join(rec.take("default")) + "\n")
