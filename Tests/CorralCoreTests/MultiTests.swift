import Testing
import ZooKeeperProtocol
@testable import CorralCore

/// multi and multiRead, as Apache 3.8 answered the same sequence.
@Suite struct MultiTests {
    static func op(_ path: String, _ data: String, _ mode: CreateMode = .persistent, _ code: OpCode = .create) -> MultiOp {
        .create(op: code, CreateRequest(path: path, data: bytes(data), acl: Ids.openACLUnsafe, flags: mode.rawValue))
    }

    @Test func successfulMultiSharesOneZxid() {
        var h = Harness()
        let c = h.session()
        let sid = c.sessionId
        h.create(c, "/m")                                                              // 2
        let w = h.session()                                                            // 3
        #expect(h.children(w, "/m", watch: true) == [])
        let r = h.send(c, .multi([
            Self.op("/m/a", "1"),
            Self.op("/m/b", "2", .ephemeralSequential),
            .setData(path: "/m/a", data: bytes("xyz"), version: 0),
            .check(path: "/m", version: 0),
            .delete(path: "/m/a", version: 1),
            Self.op("/m/c", "3", .container, .createContainer),
        ]))
        #expect(r == ok(.multi([
            .create(path: "/m/a"),
            .create(path: "/m/b0000000001"),
            .setData(S("cz=4 mz=4 pz=4 v=1 cv=0 av=0 eo=0 dl=3 nc=0")),
            .check,
            .delete,
            .create2(path: "/m/c", stat: S("cz=4 mz=4 pz=4 v=0 cv=0 av=0 eo=0 dl=1 nc=0")),
        ]), zxid: 4))
        #expect(h.stat(c, "/m") == S("cz=2 mz=2 pz=4 v=0 cv=4 av=0 eo=0 dl=0 nc=2"))
        #expect(h.children(c, "/m") == ["b0000000001", "c"])
        #expect(h.stat(c, "/m/b0000000001") == S("cz=4 mz=4 pz=4 v=0 cv=0 av=0 eo=SID dl=1 nc=0", owner: sid))
        #expect(h.logged.count == 4)
        #expect(h.logged[3].header.type == .multi)
        // One child watch, one event, though three children changed.
        #expect(h.events(w) == [.event(.nodeChildrenChanged, "/m", zxid: 4)])
    }

    /// Apache decodes create, create2 and createContainer ops of a multi alike; the type follows
    /// the flags: a create2 answers a plain CreateResult (no Stat) and is logged as a create.
    @Test func create2InsideMultiIsAPlainCreate() {
        var h = Harness()
        let c = h.session()
        let r = h.send(c, .multi([Self.op("/x", "1", .persistent, .create2), Self.op("/y", "2", .container, .create2)]))
        #expect(r == ok(.multi([.create(path: "/x"), .create2(path: "/y", stat: S("cz=2 mz=2 pz=2 v=0 cv=0 av=0 eo=0 dl=1 nc=0"))]),
                        zxid: 2))
        guard case .multi(let subs) = h.logged.last?.body else { Issue.record("not a multi"); return }
        #expect(subs.map(\.type) == [.create, .createContainer])
    }

    @Test func failedMultiAnswersPerOpAndAppliesNothing() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/m")                                                              // 2
        h.send(c, .multi([Self.op("/m/b", "2"), Self.op("/m/c", "3")]))                // 3
        let w = h.session()                                                            // 4
        #expect(h.send(w, .getData(path: "/m", watch: true)).err == .ok)
        #expect(h.children(w, "/m", watch: true) == ["b", "c"])
        let failed = h.send(c, .multi([
            Self.op("/m/d", "1"),
            .setData(path: "/m", data: bytes("q"), version: -1),
            .check(path: "/m", version: 7),
            .delete(path: "/m/c", version: -1),
            Self.op("/m/e", ""),
        ]))
        // The ReplyHeader's err is 0; the failure is in the results.
        #expect(failed == ok(.multi([.error(.ok), .error(.ok), .error(.badVersion), .error(.runtimeInconsistency),
                                     .error(.runtimeInconsistency)]), zxid: 5))
        #expect(h.logged[4].header.type == .multi)
        #expect(h.logged[4].body == .multi([
            SubTxn(type: .create, body: .create(path: "/m/d", data: bytes("1"), acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 3)),
            SubTxn(type: .setData, body: .setData(path: "/m", data: bytes("q"), version: 1)),
            SubTxn(type: .error, body: .error(.badVersion)),
            SubTxn(type: .error, body: .error(.runtimeInconsistency)),
            SubTxn(type: .error, body: .error(.runtimeInconsistency)),
        ]))
        #expect(h.stat(c, "/m") == S("cz=2 mz=2 pz=3 v=0 cv=2 av=0 eo=0 dl=0 nc=2"))
        #expect(h.stat(c, "/m/d") == nil)
        #expect(h.events(w) == [])

        #expect(h.send(c, .multi([Self.op("/m/d", "1"), Self.op("/m/d", "1")]))
                == ok(.multi([.error(.ok), .error(.nodeExists)]), zxid: 6))
        #expect(h.send(c, .multi([.delete(path: "/m/c", version: -1), .delete(path: "/m", version: -1)]))
                == ok(.multi([.error(.ok), .error(.notEmpty)]), zxid: 7))
        #expect(h.send(c, .multi([Self.op("/m/f", "1"), .delete(path: "/m/f", version: 0)]))
                == ok(.multi([.create(path: "/m/f"), .delete]), zxid: 8))
        #expect(h.stat(c, "/m") == S("cz=2 mz=2 pz=8 v=0 cv=4 av=0 eo=0 dl=0 nc=2"))
        #expect(h.send(c, .multi([])) == ok(.multi([]), zxid: 9))
        // The create+delete fired the child watch once, with the multi's zxid.
        #expect(h.events(w) == [.event(.nodeChildrenChanged, "/m", zxid: 8)])
    }

    /// The first op's failure: nothing before it, RuntimeInconsistency after.
    @Test func failureInFirstOp() {
        var h = Harness()
        let c = h.session()
        #expect(h.send(c, .multi([.delete(path: "/nope", version: -1), Self.op("/a", "")]))
                == ok(.multi([.error(.noNode), .error(.runtimeInconsistency)]), zxid: 2))
        #expect(h.stat(c, "/a") == nil)
    }

    @Test func multiRead() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/m")                                                              // 2
        h.send(c, .multi([Self.op("/m/b", "2"), Self.op("/m/c", "")]))                 // 3
        h.create(c, "/secret", bytes("s"), acl: [ACL(perms: Perms.read, id: Id(scheme: "ip", id: "10.0.0.0/8"))])  // 4
        #expect(h.send(c, .multiRead([
            .getData(path: "/m"),
            .getChildren(path: "/m"),
            .getData(path: "/nope"),
            .getChildren(path: "/m/c"),
            .getData(path: "/secret"),
        ])) == ok(.multi([
            .getData(data: [], stat: S("cz=2 mz=2 pz=3 v=0 cv=2 av=0 eo=0 dl=0 nc=2")),
            .getChildren(["b", "c"]),
            .error(.noNode),
            .getChildren([]),
            .error(.noAuth),
        ]), zxid: 4))
        #expect(h.logged.count == 4)
    }

    /// Apache's outstanding changes: a multi not yet durable is visible to the next preparation.
    @Test func pendingMultiIsSeenByLaterWrites() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/q")                                                              // 2
        h.autoDurable = false
        let x1 = h.submit(c.conn, .multi([Self.op("/q/s-", "", .persistentSequential)]))            // 3
        let x2 = h.submit(c.conn, .create(op: .create, CreateRequest(path: "/q/s-", data: [], acl: Ids.openACLUnsafe,
                                                                    flags: CreateMode.persistentSequential.rawValue)))  // 4
        let x3 = h.submit(c.conn, .create(op: .create, CreateRequest(path: "/q/s-0000000000", data: [], acl: Ids.openACLUnsafe, flags: 0)))  // 5
        // A failed multi's changes are rolled back: /q/x does not exist for the next create.
        let x4 = h.submit(c.conn, .multi([Self.op("/q/x", ""), .delete(path: "/nope", version: -1)]))  // 6
        let x5 = h.submit(c.conn, .create(op: .create, CreateRequest(path: "/q/x", data: [], acl: Ids.openACLUnsafe, flags: 0)))  // 7
        #expect(h.drain(c.conn) == [])
        h.makeDurable()
        #expect(h.drain(c.conn) == [
            .reply(xid: x1, zxid: 3, err: .ok, .multi([.create(path: "/q/s-0000000000")])),
            .reply(xid: x2, zxid: 4, err: .ok, .path("/q/s-0000000001")),
            .reply(xid: x3, zxid: 5, err: .nodeExists, .empty),
            .reply(xid: x4, zxid: 6, err: .ok, .multi([.error(.ok), .error(.noNode)])),
            .reply(xid: x5, zxid: 7, err: .ok, .path("/q/x")),
        ])
    }
}
