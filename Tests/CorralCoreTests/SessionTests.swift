import Testing
import ZooKeeperProtocol
@testable import CorralCore

/// Sessions: timeout negotiation, expiry, reconnects, closeSession, and per-session FIFO.
@Suite struct SessionTests {
    /// Apache with tickTime 2000 (min 4000, max 40000) negotiated 1000 -> 4000, 100000 -> 40000,
    /// 6000 -> 6000.
    @Test func negotiatedTimeoutIsClamped() {
        var h = Harness()
        #expect(h.session(timeout: 1000).timeout == 4000)
        #expect(h.session(timeout: 100_000).timeout == 40_000)
        #expect(h.session(timeout: 6000).timeout == 6000)
        var custom = Harness { $0.minSessionTimeout = 5000; $0.maxSessionTimeout = 7000 }
        #expect(custom.session(timeout: 1).timeout == 5000)
        #expect(custom.session(timeout: 9000).timeout == 7000)
        // The createSession txn records the negotiated timeout.
        #expect(custom.logged[1].body == .createSession(timeout: 7000))
    }

    @Test func connectResponseCarriesIdAndJavaRandomPassword() {
        var h = Harness()
        let conn = h.open()
        // Nothing is answered until the createSession txn is durable.
        h.autoDurable = false
        let before = h.connect(conn, timeout: 10_000)
        #expect(before == [])
        #expect(h.logged.count == 1)
        h.makeDurable()
        let outs = h.drain(conn)
        // Apache: firstSessionId = (startTime << 24) >>> 8 | serverId << 56.
        let sid = Int64(bitPattern: UInt64(bitPattern: T0 << 24) >> 8)
        #expect(outs == [.connected(ConnectResponse(timeOut: 10_000, sessionId: sid, passwd: SessionTracker.password(for: sid)))])
        #expect(h.logged[0].header == TxnHeader(clientId: sid, cxid: 0, zxid: 1, time: T0, type: .createSession))
        #expect(SessionTracker.password(for: sid).count == 16)
        #expect(SessionTracker.password(for: sid) != SessionTracker.password(for: sid + 1))
    }

    @Test func expiryOnTickDeletesEphemeralsAndFiresWatches() {
        var h = Harness()
        let a = h.session(timeout: 30_000)
        let e = h.session(timeout: 6000)
        h.create(e, "/eph", mode: .ephemeral)                                                      // 3
        h.create(e, "/eph2", mode: .ephemeral)                                                     // 4
        #expect(h.send(a, .exists(path: "/eph", watch: true)).err == .ok)
        #expect(h.children(a, "/", watch: true) == ["eph", "eph2", "zookeeper"])
        _ = h.drain(a.conn); _ = h.drain(e.conn)
        // 6000 ms from T0, rounded up to the next tick (2000): expires at T0 + 8000.
        h.tick(at: T0 + 7999)
        #expect(h.logged.count == 4)
        h.tick(at: T0 + 8000)
        #expect(h.logged.count == 5)
        #expect(h.logged[4].header == TxnHeader(clientId: e.sessionId, cxid: 0, zxid: 5, time: T0 + 8000, type: .closeSession))
        #expect(h.logged[4].body == .closeSession(ephemerals: ["/eph", "/eph2"]))
        #expect(h.events(a) == [.event(.nodeDeleted, "/eph", zxid: 5), .event(.nodeChildrenChanged, "/", zxid: 5)])
        #expect(h.drain(e.conn) == [.closed])
        #expect(h.core.sessions.sessions[e.sessionId] == nil)
        #expect(h.core.tree.ephemerals[e.sessionId] == nil)
        #expect(h.stat(a, "/") == S("cz=0 mz=0 pz=5 v=0 cv=3 av=0 eo=0 dl=0 nc=1", ctime: 0))
        // A reconnect to the expired session is refused: timeout 0, session 0, zero password.
        let conn = h.open()
        #expect(h.connect(conn, sessionId: e.sessionId, passwd: e.passwd) == [
            .connected(ConnectResponse(timeOut: 0, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16))), .closed,
        ])
    }

    @Test func requestsTouchTheSession() {
        var h = Harness()
        let e = h.session(timeout: 4000)                                  // expires at T0 + 6000
        h.advance(to: T0 + 5000)
        h.send(e, .ping)                                                  // now T0 + 5000 + 4000 -> T0 + 10000
        h.tick(at: T0 + 9999)
        #expect(h.core.sessions.sessions[e.sessionId] != nil)
        #expect(h.logged.count == 1)
        h.tick(at: T0 + 10_000)
        #expect(h.logged.count == 2)
        #expect(h.logged[1].header == TxnHeader(clientId: e.sessionId, cxid: 0, zxid: 2, time: T0 + 10_000, type: .closeSession))
    }

    /// Apache touches a session with the timeout negotiated by its current connection
    /// (ZooKeeperServer.touch uses cnxn.getSessionTimeout()), so a reconnect with a longer timeout
    /// lengthens the session's life.
    @Test func reconnectTimeoutGovernsExpiry() {
        var h = Harness()
        let c = h.session(timeout: 4000)                                  // expires at T0 + 6000
        h.advance(to: T0 + 1000)
        let e = h.open()
        #expect(h.connect(e, timeout: 40_000, sessionId: c.sessionId, passwd: c.passwd)
                == [.connected(ConnectResponse(timeOut: 40_000, sessionId: c.sessionId, passwd: c.passwd))])
        h.tick(at: T0 + 6000)
        #expect(h.core.sessions.sessions[c.sessionId] != nil)
        h.advance(to: T0 + 10_000)
        h.submit(e, .ping, xid: Xid.ping)                                  // (T0 + 50000) -> T0 + 52000
        h.tick(at: T0 + 51_999)
        #expect(h.logged.count == 1)
        h.tick(at: T0 + 52_000)
        #expect(h.logged.count == 2)
        #expect(h.logged[1].header.type == .closeSession)
    }

    @Test func pingReply() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/x")
        h.submit(c.conn, .ping, xid: Xid.ping)
        #expect(h.drain(c.conn) == [.reply(xid: Xid.ping, zxid: 2, err: .ok, .empty)])
    }

    @Test func reconnectWithRightAndWrongPassword() {
        var h = Harness()
        let a = h.session()
        let c = h.session(timeout: 6000)
        h.create(c, "/eph", mode: .ephemeral)                                                      // 3
        #expect(h.send(a, .exists(path: "/eph", watch: true)).err == .ok)
        #expect(h.send(c, .getData(path: "/eph", watch: true)).err == .ok)
        _ = h.drain(a.conn)

        // A wrong password is refused, and (as Apache does, observed on 3.8: the owner's client
        // saw Disconnected and reconnected) the session's current connection is closed first.
        var bad = c.passwd
        bad[0] ^= 1
        let d = h.open()
        #expect(h.connect(d, timeout: 6000, sessionId: c.sessionId, passwd: bad) == [
            .connected(ConnectResponse(timeOut: 0, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16))), .closed,
        ])
        #expect(h.drain(c.conn) == [.closed])
        #expect(h.core.sessionId(of: c.conn) == nil)
        #expect(h.core.sessions.sessions[c.sessionId]?.connection == nil)
        #expect(h.core.dataWatches.watchCount == 1)   // a's exists watch only

        // The right password resumes the session (with its new timeout) on a new connection.
        // No txn is logged; watches belong to connections (clients re-send them with setWatches).
        let e = h.open()
        #expect(h.connect(e, timeout: 20_000, sessionId: c.sessionId, passwd: c.passwd) == [
            .connected(ConnectResponse(timeOut: 20_000, sessionId: c.sessionId, passwd: c.passwd)),
        ])
        #expect(h.core.sessionId(of: e) == c.sessionId)
        // A second valid reconnect moves it again and closes e.
        let e2 = h.open()
        #expect(h.connect(e2, timeout: 20_000, sessionId: c.sessionId, passwd: c.passwd).count == 1)
        #expect(h.drain(e) == [.closed])
        #expect(h.core.sessionId(of: e) == nil)
        let e3 = h.open()
        #expect(h.connect(e3, timeout: 20_000, sessionId: c.sessionId, passwd: c.passwd).count == 1)
        #expect(h.drain(e2) == [.closed])
        let eConn = e3
        #expect(h.logged.count == 3)
        #expect(h.send(eConn, .getEphemerals(prefixPath: "/")) == ok(.strings(["/eph"]), zxid: 3))
        #expect(h.send(eConn, .checkWatches(path: "/eph", type: WatcherType.data.rawValue)) == fail(.noWatcher, zxid: 3))
        // A client that has seen a later zxid than ours is refused without an answer.
        let f = h.open()
        #expect(h.connect(f, sessionId: c.sessionId, passwd: c.passwd, lastZxidSeen: 4) == [.closed])

        // closeSession: deletes the ephemerals, answers, closes.
        #expect(h.send(eConn, .closeSession) == ok(.empty, zxid: 4))
        #expect(h.drain(eConn).last == .closed)
        #expect(h.events(a) == [.event(.nodeDeleted, "/eph", zxid: 4)])
        #expect(h.stat(a, "/eph") == nil)
        #expect(h.logged[3].header == TxnHeader(clientId: c.sessionId, cxid: 3, zxid: 4, time: T0, type: .closeSession))
        // The closed session cannot be resumed.
        let g = h.open()
        #expect(h.connect(g, sessionId: c.sessionId, passwd: c.passwd).first
                == .connected(ConnectResponse(timeOut: 0, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16))))
    }

    @Test func closeSessionIsAnsweredWhenDurableThenTheConnectionCloses() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/e", mode: .ephemeral)                                                        // 2
        h.autoDurable = false
        let x = h.submit(c.conn, .closeSession)                                                    // 3
        #expect(h.drain(c.conn) == [])
        #expect(h.logged.last?.body == .closeSession(ephemerals: ["/e"]))
        h.makeDurable()
        #expect(h.drain(c.conn) == [.reply(xid: x, zxid: 3, err: .ok, .empty), .closed])
        #expect(h.core.sessions.sessions[c.sessionId] == nil)
    }

    /// closeSession lists ephemerals whose create is still pending, and not those whose delete is.
    @Test func closeSessionSeesPendingEphemerals() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/old", mode: .ephemeral)                                                      // 2
        h.create(c, "/gone", mode: .ephemeral)                                                     // 3
        h.autoDurable = false
        h.submit(c.conn, .create(op: .create, CreateRequest(path: "/new", data: [], acl: Ids.openACLUnsafe, flags: 1)))  // 4
        h.submit(c.conn, .delete(path: "/gone", version: -1))                                      // 5
        h.submit(c.conn, .closeSession)                                                            // 6
        #expect(h.logged.last?.body == .closeSession(ephemerals: ["/new", "/old"]))
        h.makeDurable()
        #expect(h.core.tree.node("/new") == nil)
        #expect(h.core.tree.node("/old") == nil)
        #expect(h.core.tree.node("/gone") == nil)
        #expect(h.core.tree.ephemerals.isEmpty)
    }

    @Test func connectionCloseKeepsTheSessionUntilItExpires() {
        var h = Harness()
        let a = h.session()
        let c = h.session(timeout: 4000)
        h.create(c, "/eph", mode: .ephemeral)                                                      // 3
        h.feed(.connectionClosed(c.conn))
        #expect(h.core.sessions.sessions[c.sessionId]?.connection == nil)
        #expect(h.stat(a, "/eph") != nil)
        h.advance(to: T0 + 3000)
        h.send(a, .ping)
        let e = h.open()
        #expect(h.connect(e, timeout: 4000, sessionId: c.sessionId, passwd: c.passwd).first
                == .connected(ConnectResponse(timeOut: 4000, sessionId: c.sessionId, passwd: c.passwd)))
        h.feed(.connectionClosed(e))
        // Touched at T0 + 3000 with 4000 ms: expires at T0 + 8000.
        h.tick(at: T0 + 7999)
        #expect(h.stat(a, "/eph") != nil)
        h.tick(at: T0 + 8000)
        #expect(h.stat(a, "/eph") == nil)
    }
}

/// Per-session FIFO: a session's requests are answered in arrival order, even when a read is
/// queued behind the same session's write that is not yet durable.
@Suite struct FIFOTests {
    @Test func readWaitsForTheSameSessionsEarlierWrite() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        h.autoDurable = false
        let x1 = h.submit(a.conn, .create(op: .create, CreateRequest(path: "/f", data: bytes("1"), acl: Ids.openACLUnsafe, flags: 0)))  // 3
        let x2 = h.submit(a.conn, .getData(path: "/f", watch: false))
        let x3 = h.submit(a.conn, .setData(path: "/f", data: bytes("22"), version: 0))                                                   // 4
        let x4 = h.submit(a.conn, .exists(path: "/f", watch: false))
        // A ping is liveness, not data: answered at once, not behind the writes (Apache queues it,
        // but its writes wait for one fsync at most; Corral's may wait for a full disk).
        let x5 = h.submit(a.conn, .ping, xid: Xid.ping)
        #expect(h.drain(a.conn) == [.reply(xid: x5, zxid: 2, err: .ok, .empty)])
        // Another session is not held up, and does not see the pending write.
        let y1 = h.submit(b.conn, .exists(path: "/f", watch: false))
        #expect(h.drain(b.conn) == [.reply(xid: y1, zxid: 2, err: .noNode, .empty)])
        #expect(h.drain(a.conn) == [])
        #expect(h.logged.count == 4)

        h.makeDurable(upTo: 3)
        let s3 = S("cz=3 mz=3 pz=3 v=0 cv=0 av=0 eo=0 dl=1 nc=0")
        #expect(h.drain(a.conn) == [
            .reply(xid: x1, zxid: 3, err: .ok, .path("/f")),
            .reply(xid: x2, zxid: 3, err: .ok, .data(bytes("1"), s3)),
        ])
        h.makeDurable(upTo: 4)
        let s4 = S("cz=3 mz=4 pz=3 v=1 cv=0 av=0 eo=0 dl=2 nc=0")
        #expect(h.drain(a.conn) == [
            .reply(xid: x3, zxid: 4, err: .ok, .stat(s4)),
            .reply(xid: x4, zxid: 4, err: .ok, .stat(s4)),
        ])
        // With nothing pending, reads are answered at once.
        let x6 = h.submit(a.conn, .exists(path: "/f", watch: false))
        #expect(h.drain(a.conn) == [.reply(xid: x6, zxid: 4, err: .ok, .stat(s4))])
    }

    @Test func failedWritesKeepTheirPlaceToo() {
        var h = Harness()
        let a = h.session()
        h.autoDurable = false
        let x1 = h.submit(a.conn, .delete(path: "/nope", version: -1))                              // 2
        let x2 = h.submit(a.conn, .sync(path: "/"))
        let x3 = h.submit(a.conn, .create(op: .create, CreateRequest(path: "/n", data: [], acl: Ids.openACLUnsafe, flags: 0)))  // 3
        #expect(h.drain(a.conn) == [])
        h.makeDurable()
        #expect(h.drain(a.conn) == [
            .reply(xid: x1, zxid: 2, err: .noNode, .empty),
            .reply(xid: x2, zxid: 2, err: .ok, .path("/")),
            .reply(xid: x3, zxid: 3, err: .ok, .path("/n")),
        ])
    }

    /// Preparation sees writes that are not yet applied (Apache's outstanding changes).
    @Test func preparationSeesPendingChanges() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        h.autoDurable = false
        let x1 = h.submit(a.conn, .create(op: .create, CreateRequest(path: "/p", data: [], acl: Ids.openACLUnsafe, flags: 0)))       // 3
        let y1 = h.submit(b.conn, .create(op: .create, CreateRequest(path: "/p", data: [], acl: Ids.openACLUnsafe, flags: 0)))       // 4
        let y2 = h.submit(b.conn, .create(op: .create, CreateRequest(path: "/p/s-", data: [], acl: Ids.openACLUnsafe,
                                                                     flags: CreateMode.persistentSequential.rawValue)))             // 5
        let x2 = h.submit(a.conn, .create(op: .create, CreateRequest(path: "/p/s-", data: [], acl: Ids.openACLUnsafe,
                                                                     flags: CreateMode.persistentSequential.rawValue)))             // 6
        let x3 = h.submit(a.conn, .delete(path: "/p", version: -1))                                                                  // 7
        let y3 = h.submit(b.conn, .setData(path: "/p/s-0000000000", data: [], version: 0))                                          // 8
        h.makeDurable()
        #expect(h.reply(a.conn, xid: x1) == ok(.path("/p"), zxid: 3))
        #expect(h.reply(b.conn, xid: y1) == fail(.nodeExists, zxid: 4))
        #expect(h.reply(b.conn, xid: y2) == ok(.path("/p/s-0000000000"), zxid: 5))
        #expect(h.reply(a.conn, xid: x2) == ok(.path("/p/s-0000000001"), zxid: 6))
        #expect(h.reply(a.conn, xid: x3) == fail(.notEmpty, zxid: 7))
        #expect(h.reply(b.conn, xid: y3)?.zxid == 8)
        #expect(h.reply(b.conn, xid: y3)?.stat?.version == 1)
    }
}
