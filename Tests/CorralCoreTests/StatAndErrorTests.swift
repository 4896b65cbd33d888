import Testing
import ZooKeeperProtocol
@testable import CorralCore

/// setData / delete / setACL: Stats, versions and errors, zxid for zxid as Apache 3.8 answered the
/// same sequence from a fresh server.
@Suite struct StatAndVersionTests {
    @Test func setDeleteAndSetACLStats() {
        var h = Harness()
        let c = h.session()
        #expect(h.create(c, "/x", bytes("abc"), op: .create) == ok(.path("/x"), zxid: 2))
        h.advance(to: T0 + 1000)
        #expect(h.setData(c, "/x", bytes("hello"), version: 0)
                == ok(.stat(S("cz=2 mz=3 pz=2 v=1 cv=0 av=0 eo=0 dl=5 nc=0", mtime: T0 + 1000)), zxid: 3))
        #expect(h.setData(c, "/x", bytes("hello"), version: 0) == fail(.badVersion, zxid: 4))
        h.advance(to: T0 + 2000)
        #expect(h.setData(c, "/x", nil, version: -1)
                == ok(.stat(S("cz=2 mz=5 pz=2 v=2 cv=0 av=0 eo=0 dl=0 nc=0", mtime: T0 + 2000)), zxid: 5))
        #expect(h.stat(c, "/x") == S("cz=2 mz=5 pz=2 v=2 cv=0 av=0 eo=0 dl=0 nc=0", mtime: T0 + 2000))
        #expect(h.setData(c, "/nope", bytes("z")) == fail(.noNode, zxid: 6))
        #expect(h.create(c, "/x/c1").err == .ok)   // 7
        #expect(h.create(c, "/x/c2").err == .ok)   // 8
        #expect(h.stat(c, "/x") == S("cz=2 mz=5 pz=8 v=2 cv=2 av=0 eo=0 dl=0 nc=2", mtime: T0 + 2000))
        #expect(h.delete(c, "/x") == fail(.notEmpty, zxid: 9))
        #expect(h.delete(c, "/x/c1", version: 5) == fail(.badVersion, zxid: 10))
        #expect(h.delete(c, "/x/c1", version: 0) == ok(.empty, zxid: 11))
        #expect(h.stat(c, "/x") == S("cz=2 mz=5 pz=11 v=2 cv=3 av=0 eo=0 dl=0 nc=1", mtime: T0 + 2000))
        #expect(h.delete(c, "/x/c1") == fail(.noNode, zxid: 12))
        #expect(h.send(c, .setACL(path: "/x", acl: Ids.readACLUnsafe, version: 5)) == fail(.badVersion, zxid: 13))
        #expect(h.send(c, .setACL(path: "/x", acl: Ids.readACLUnsafe, version: 0))
                == ok(.stat(S("cz=2 mz=5 pz=11 v=2 cv=3 av=1 eo=0 dl=0 nc=1", mtime: T0 + 2000)), zxid: 14))
        #expect(h.send(c, .getACL(path: "/x"))
                == ok(.acl(Ids.readACLUnsafe, S("cz=2 mz=5 pz=11 v=2 cv=3 av=1 eo=0 dl=0 nc=1", mtime: T0 + 2000)), zxid: 14))
        // READ only: no WRITE, CREATE, ADMIN or DELETE (on the parent, for deleting a child).
        #expect(h.setData(c, "/x", bytes("q")) == fail(.noAuth, zxid: 15))
        #expect(h.create(c, "/x/c3", op: .create) == fail(.noAuth, zxid: 16))
        #expect(h.send(c, .setACL(path: "/x", acl: Ids.openACLUnsafe, version: -1)) == fail(.noAuth, zxid: 17))
        #expect(h.delete(c, "/x/c2") == fail(.noAuth, zxid: 18))
        #expect(h.send(c, .getData(path: "/x", watch: false))
                == ok(.data(nil, S("cz=2 mz=5 pz=11 v=2 cv=3 av=1 eo=0 dl=0 nc=1", mtime: T0 + 2000)), zxid: 18))
        #expect(h.send(c, .getChildren(op: .getChildren2, path: "/x", watch: false))
                == ok(.children2(["c2"], S("cz=2 mz=5 pz=11 v=2 cv=3 av=1 eo=0 dl=0 nc=1", mtime: T0 + 2000)), zxid: 18))
    }

    /// Apache's `checkAndIncVersion` (ZOOKEEPER-4743): -1 matches anything; the version after
    /// Integer.MAX_VALUE is MIN_VALUE, and the one after -2 skips -1 to 0.
    @Test func versionArithmetic() throws {
        let core = ServerCore(config: CoreConfig(), startTime: T0)
        #expect(try core.nextVersion(0, expected: -1) == 1)
        #expect(try core.nextVersion(7, expected: 7) == 8)
        #expect(try core.nextVersion(Int32.max, expected: Int32.max) == Int32.min)
        #expect(try core.nextVersion(-2, expected: -1) == 0)
        #expect(throws: ErrorCode.badVersion) { try core.nextVersion(7, expected: 6) }
        #expect(throws: ErrorCode.badVersion) { try core.nextVersion(0, expected: 1) }
    }

    @Test func checkOpInsideAndOutsideMulti() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/k")                                  // 2
        h.setData(c, "/k", bytes("1"))                     // 3 -> version 1
        #expect(h.send(c, .multi([.check(path: "/k", version: 1)])) == ok(.multi([.check]), zxid: 4))
        #expect(h.send(c, .multi([.check(path: "/k", version: 0)])) == ok(.multi([.error(.badVersion)]), zxid: 5))
        #expect(h.send(c, .multi([.check(path: "/nope", version: -1)])) == ok(.multi([.error(.noNode)]), zxid: 6))
        // A check does not change the version.
        #expect(h.stat(c, "/k")?.version == 1)
    }
}

@Suite struct ErrorTests {
    @Test func createAndDeleteErrorsInApacheOrder() {
        var h = Harness()
        let c = h.session()
        #expect(h.create(c, "/a/b", op: .create) == fail(.noNode, zxid: 2))
        #expect(h.create(c, "/a", op: .create) == ok(.path("/a"), zxid: 3))
        #expect(h.create(c, "/a", op: .create) == fail(.nodeExists, zxid: 4))
        #expect(h.create(c, "/e", mode: .ephemeral).err == .ok)                                              // 5
        #expect(h.create(c, "/e/x", op: .create) == fail(.noChildrenForEphemerals, zxid: 6))
        #expect(h.create(c, "/e/x", mode: .persistentSequential, op: .create) == fail(.noChildrenForEphemerals, zxid: 7))
        // "auth" without any authenticated id, malformed digest/ip ids and unknown schemes.
        #expect(h.create(c, "/a/x", acl: Ids.creatorAllACL, op: .create) == fail(.invalidACL, zxid: 8))
        #expect(h.create(c, "/a/x", acl: [ACL(perms: 31, id: Id(scheme: "digest", id: "nocolon"))], op: .create) == fail(.invalidACL, zxid: 9))
        #expect(h.create(c, "/a/x", acl: [ACL(perms: 31, id: Id(scheme: "foo", id: "bar"))], op: .create) == fail(.invalidACL, zxid: 10))
        #expect(h.create(c, "/a/x", acl: [ACL(perms: 31, id: Id(scheme: "ip", id: "1.2.3"))], op: .create) == fail(.invalidACL, zxid: 11))
        // The ACL is checked before the parent is looked up.
        #expect(h.create(c, "/nope/x", acl: [ACL(perms: 31, id: Id(scheme: "foo", id: "bar"))], op: .create) == fail(.invalidACL, zxid: 12))
        #expect(h.create(c, "/a/y").err == .ok)                                                              // 13
        #expect(h.delete(c, "/") == fail(.badArguments, zxid: 14))
        #expect(h.delete(c, "/nope") == fail(.noNode, zxid: 15))
        #expect(h.delete(c, "/nope/x") == fail(.noNode, zxid: 16))
        // Failed reads consume no zxid; the reply carries the last applied one.
        #expect(h.send(c, .getData(path: "/nope", watch: false)) == fail(.noNode, zxid: 16))
        #expect(h.send(c, .exists(path: "/nope", watch: false)) == fail(.noNode, zxid: 16))
        #expect(h.send(c, .getChildren(op: .getChildren, path: "/nope", watch: false)) == fail(.noNode, zxid: 16))
        #expect(h.send(c, .getChildren(op: .getChildren2, path: "/nope", watch: false)) == fail(.noNode, zxid: 16))
        #expect(h.send(c, .getACL(path: "/nope")) == fail(.noNode, zxid: 16))
        #expect(h.send(c, .getAllChildrenNumber(path: "/nope")) == fail(.noNode, zxid: 16))
        #expect(h.send(c, .setACL(path: "/nope", acl: Ids.openACLUnsafe, version: -1)) == fail(.noNode, zxid: 17))
        #expect(h.create(c, "/z").err == .ok)                                                                // 18
        #expect(h.stat(c, "/a") == S("cz=3 mz=3 pz=13 v=0 cv=1 av=0 eo=0 dl=0 nc=1"))
        #expect(h.stat(c, "/") == S("cz=0 mz=0 pz=18 v=0 cv=2 av=0 eo=0 dl=0 nc=4", ctime: 0))
        // Every failed write was logged as an error txn with its own zxid.
        #expect(h.logged.map(\.header.type) == [.createSession, .error, .create, .error, .create2, .error, .error, .error,
                                               .error, .error, .error, .error, .create2, .error, .error, .error, .error, .create2])
        #expect(h.logged[1].body == .error(.noNode))
    }

    /// PathUtils.validatePath: a bad path is BadArguments for writes (after the parent lookup for
    /// create, as Apache orders it); exists rejects only NUL.
    @Test func invalidPaths() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/a")                                                                  // 2
        #expect(h.create(c, "a", op: .create) == fail(.badArguments, zxid: 3))
        #expect(h.create(c, "/a/", op: .create) == fail(.badArguments, zxid: 4))
        #expect(h.create(c, "/nope/", op: .create) == fail(.noNode, zxid: 5))
        #expect(h.create(c, "/a//b", op: .create) == fail(.noNode, zxid: 6))
        #expect(h.create(c, "/a/.", op: .create) == fail(.badArguments, zxid: 7))
        #expect(h.create(c, "/a/..", op: .create) == fail(.badArguments, zxid: 8))
        #expect(h.create(c, "/a/b\u{0}c", op: .create) == fail(.badArguments, zxid: 9))
        #expect(h.create(c, "/a/b\u{1}c", op: .create) == fail(.badArguments, zxid: 10))
        #expect(h.create(c, "/a/...", op: .create) == ok(.path("/a/..."), zxid: 11))
        #expect(h.delete(c, "a") == fail(.badArguments, zxid: 12))
        #expect(h.delete(c, "/a/b\u{0}") == fail(.badArguments, zxid: 13))
        #expect(h.setData(c, "/a/", []) == fail(.badArguments, zxid: 14))
        #expect(h.send(c, .setACL(path: "//", acl: Ids.openACLUnsafe, version: -1)) == fail(.badArguments, zxid: 15))
        #expect(h.send(c, .exists(path: "/a\u{0}", watch: false)) == fail(.badArguments, zxid: 15))
        #expect(h.send(c, .exists(path: "a", watch: false)) == fail(.noNode, zxid: 15))
        #expect(h.send(c, .getData(path: "/a/", watch: false)) == fail(.noNode, zxid: 15))
    }

    /// Observed on Apache 3.8 standalone (reconfigEnabled=false): RECONFIGDISABLED. With reconfig
    /// enabled, standalone Apache answers Unimplemented.
    @Test func reconfigIsDisabledByDefault() {
        var h = Harness()
        let c = h.session()
        let reconfig = Request.reconfig(joiningServers: nil, leavingServers: nil, newMembers: "server.1=127.0.0.1:2888:3888", curConfigId: -1)
        #expect(h.send(c, reconfig) == fail(.reconfigDisabled, zxid: 2))
        #expect(h.send(c, .sync(path: "/")) == ok(.path("/"), zxid: 2))
        var enabled = Harness { $0.reconfigEnabled = true }
        let e = enabled.session()
        #expect(enabled.send(e, reconfig) == fail(.unimplemented, zxid: 2))
    }

    @Test func requestBeforeConnectClosesTheConnection() {
        var h = Harness()
        let conn = h.open()
        h.submit(conn, .exists(path: "/", watch: false))
        #expect(h.drain(conn) == [.closed])
    }
}
