import Testing
import ZooKeeperProtocol
@testable import CorralCore

/// Create modes and the Stat of every node, compared with Apache ZooKeeper 3.8 driven through the
/// same sequence of requests from a fresh server (createSession is zxid 1; every failed write
/// consumes a zxid too).
@Suite struct CreateTests {
    @Test func freshTreeHasRootAndZookeeperNodes() {
        var h = Harness()
        let c = h.session()
        #expect(h.logged.count == 1)
        #expect(h.logged[0].header.type == .createSession)
        #expect(h.logged[0].header.zxid == 1)

        // Observed on Apache: stat /, /zookeeper, /zookeeper/quota, /zookeeper/config.
        #expect(h.stat(c, "/") == S("cz=0 mz=0 pz=0 v=0 cv=-1 av=0 eo=0 dl=0 nc=1", ctime: 0))
        #expect(h.stat(c, "/zookeeper") == S("cz=0 mz=0 pz=0 v=0 cv=-2 av=0 eo=0 dl=0 nc=2", ctime: 0))
        #expect(h.stat(c, "/zookeeper/quota") == S("cz=0 mz=0 pz=0 v=0 cv=0 av=0 eo=0 dl=0 nc=0", ctime: 0))
        #expect(h.stat(c, "/zookeeper/config") == S("cz=0 mz=0 pz=0 v=0 cv=0 av=-1 eo=0 dl=0 nc=0", ctime: 0))

        #expect(h.send(c, .getACL(path: "/")).response == .acl(Ids.openACLUnsafe, S("cz=0 mz=0 pz=0 v=0 cv=-1 av=0 eo=0 dl=0 nc=1", ctime: 0)))
        #expect(h.send(c, .getACL(path: "/zookeeper/quota")).response
                == .acl(Ids.openACLUnsafe, S("cz=0 mz=0 pz=0 v=0 cv=0 av=0 eo=0 dl=0 nc=0", ctime: 0)))
        #expect(h.send(c, .getACL(path: "/zookeeper/config")).response
                == .acl(Ids.readACLUnsafe, S("cz=0 mz=0 pz=0 v=0 cv=0 av=-1 eo=0 dl=0 nc=0", ctime: 0)))
        #expect(h.children(c, "/") == ["zookeeper"])
        #expect(h.children(c, "/zookeeper") == ["config", "quota"])
        #expect(h.send(c, .getData(path: "/", watch: false)).response
                == .data([], S("cz=0 mz=0 pz=0 v=0 cv=-1 av=0 eo=0 dl=0 nc=1", ctime: 0)))
        #expect(h.send(c, .getAllChildrenNumber(path: "/")) == ok(.number(3), zxid: 1))
        #expect(h.send(c, .getAllChildrenNumber(path: "/zookeeper")) == ok(.number(2), zxid: 1))

        #expect(h.create(c, "/x", bytes("d")) == ok(.pathStat("/x", S("cz=2 mz=2 pz=2 v=0 cv=0 av=0 eo=0 dl=1 nc=0")), zxid: 2))
        #expect(h.stat(c, "/") == S("cz=0 mz=0 pz=2 v=0 cv=0 av=0 eo=0 dl=0 nc=2", ctime: 0))

        // The special nodes cannot be deleted; /zookeeper/config is read-only for world.
        #expect(h.delete(c, "/zookeeper") == fail(.badArguments, zxid: 3))
        #expect(h.delete(c, "/zookeeper/quota") == fail(.badArguments, zxid: 4))
        #expect(h.delete(c, "/zookeeper/config") == fail(.badArguments, zxid: 5))
        #expect(h.setData(c, "/zookeeper/config", bytes("x")) == fail(.noAuth, zxid: 6))
        #expect(h.create(c, "/zookeeper/config/a", bytes("x"), op: .create) == fail(.noAuth, zxid: 7))
        #expect(h.create(c, "/zookeeper/foo", bytes("x")).err == .ok)
        #expect(h.stat(c, "/zookeeper") == S("cz=0 mz=0 pz=8 v=0 cv=-1 av=0 eo=0 dl=0 nc=3", ctime: 0))
    }

    @Test func everyCreateModeWithExtendedTypes() {
        var h = Harness { $0.extendedTypesEnabled = true }
        let c = h.session()
        let sid = c.sessionId
        #expect(h.create(c, "/p", bytes("pd"), op: .create) == ok(.path("/p"), zxid: 2))
        #expect(h.create(c, "/p/e", bytes("ed"), mode: .ephemeral)
                == ok(.pathStat("/p/e", S("cz=3 mz=3 pz=3 v=0 cv=0 av=0 eo=SID dl=2 nc=0", owner: sid)), zxid: 3))
        #expect(h.create(c, "/p/s-", [], mode: .persistentSequential)
                == ok(.pathStat("/p/s-0000000001", S("cz=4 mz=4 pz=4 v=0 cv=0 av=0 eo=0 dl=0 nc=0")), zxid: 4))
        #expect(h.create(c, "/p/es-", nil, mode: .ephemeralSequential)
                == ok(.pathStat("/p/es-0000000002", S("cz=5 mz=5 pz=5 v=0 cv=0 av=0 eo=SID dl=0 nc=0", owner: sid)), zxid: 5))
        #expect(h.create(c, "/p/c", bytes("c"), mode: .container, op: .createContainer)
                == ok(.pathStat("/p/c", S("cz=6 mz=6 pz=6 v=0 cv=0 av=0 eo=0 dl=1 nc=0")), zxid: 6))
        #expect(h.create(c, "/p/t", bytes("t"), mode: .persistentWithTTL, op: .createTTL, ttl: 5000)
                == ok(.pathStat("/p/t", S("cz=7 mz=7 pz=7 v=0 cv=0 av=0 eo=0 dl=1 nc=0")), zxid: 7))
        #expect(h.create(c, "/p/ts-", bytes("t"), mode: .persistentSequentialWithTTL, op: .createTTL, ttl: 5000)
                == ok(.pathStat("/p/ts-0000000005", S("cz=8 mz=8 pz=8 v=0 cv=0 av=0 eo=0 dl=1 nc=0")), zxid: 8))
        #expect(h.stat(c, "/p") == S("cz=2 mz=2 pz=8 v=0 cv=6 av=0 eo=0 dl=2 nc=6"))
        #expect(h.children(c, "/p") == ["c", "e", "es-0000000002", "s-0000000001", "t", "ts-0000000005"])
        // Containers and TTL nodes report ephemeralOwner 0 but store their special owners.
        #expect(h.stat(c, "/p/c") == S("cz=6 mz=6 pz=6 v=0 cv=0 av=0 eo=0 dl=1 nc=0"))
        #expect(h.stat(c, "/p/t") == S("cz=7 mz=7 pz=7 v=0 cv=0 av=0 eo=0 dl=1 nc=0"))
        #expect(h.core.tree.node("/p/c")?.stat.ephemeralOwner == Int64.min)
        #expect(h.core.tree.node("/p/t")?.stat.ephemeralOwner == Int64(bitPattern: 0xff00_0000_0000_0000) | 5000)
        #expect(h.core.tree.containers == ["/p/c"])
        #expect(h.core.tree.ttls == ["/p/t", "/p/ts-0000000005"])

        #expect(h.create(c, "/p/e/x", [], op: .create) == fail(.noChildrenForEphemerals, zxid: 9))
        #expect(h.create(c, "/p/c/k")
                == ok(.pathStat("/p/c/k", S("cz=10 mz=10 pz=10 v=0 cv=0 av=0 eo=0 dl=0 nc=0")), zxid: 10))
        #expect(h.create(c, "/p/t/k")
                == ok(.pathStat("/p/t/k", S("cz=11 mz=11 pz=11 v=0 cv=0 av=0 eo=0 dl=0 nc=0")), zxid: 11))
        #expect(h.send(c, .getEphemerals(prefixPath: "/")) == ok(.strings(["/p/e", "/p/es-0000000002"]), zxid: 11))
        // A plain string prefix, as Apache's startsWith.
        #expect(h.send(c, .getEphemerals(prefixPath: "/p/e")).response == .strings(["/p/e", "/p/es-0000000002"]))
        #expect(h.send(c, .getAllChildrenNumber(path: "/p")).response == .number(8))
        #expect(h.send(c, .getAllChildrenNumber(path: "/")).response == .number(12))
    }

    /// DESIGN §5: the visible cversion is 2 x creates - numChildren; the sequence suffix is the
    /// stored create count.
    @Test func sequentialSuffixIsTheStoredCreateCount() {
        var h = Harness()
        let c = h.session()
        #expect(h.create(c, "/q").err == .ok)                          // 2
        #expect(h.create(c, "/q/a").err == .ok)                        // 3
        #expect(h.delete(c, "/q/a") == ok(.empty, zxid: 4))
        #expect(h.create(c, "/q/s-", mode: .persistentSequential)
                == ok(.pathStat("/q/s-0000000001", S("cz=5 mz=5 pz=5 v=0 cv=0 av=0 eo=0 dl=0 nc=0")), zxid: 5))
        #expect(h.stat(c, "/q") == S("cz=2 mz=2 pz=5 v=0 cv=3 av=0 eo=0 dl=0 nc=1"))
        #expect(h.create(c, "/q/s-", mode: .persistentSequential, op: .create) == ok(.path("/q/s-0000000002"), zxid: 6))
        #expect(h.create(c, "/q/s-0000000002", op: .create) == fail(.nodeExists, zxid: 7))
        // A failed create does not count.
        #expect(h.create(c, "/q/s-", mode: .persistentSequential, op: .create) == ok(.path("/q/s-0000000003"), zxid: 8))
        #expect(h.stat(c, "/q") == S("cz=2 mz=2 pz=8 v=0 cv=5 av=0 eo=0 dl=0 nc=3"))
        // An empty name prefix: "/q/" plus the suffix is a valid path.
        #expect(h.create(c, "/q/", mode: .persistentSequential, op: .create) == ok(.path("/q/0000000004"), zxid: 9))
    }

    @Test func sequentialSuffixOfNegativeCounterIsJavaFormatted() {
        let core = ServerCore(config: CoreConfig(), startTime: T0)
        #expect(core.sequenceSuffix(0) == "0000000000")
        #expect(core.sequenceSuffix(42) == "0000000042")
        #expect(core.sequenceSuffix(Int32.max) == "2147483647")
        // String.format("%010d", -5) and Integer.MIN_VALUE
        #expect(core.sequenceSuffix(-5) == "-000000005")
        #expect(core.sequenceSuffix(Int32.min) == "-2147483648")
    }

    @Test func ttlIsUnimplementedWithoutExtendedTypes() {
        var h = Harness()
        let c = h.session()
        #expect(h.create(c, "/t", bytes("t"), mode: .persistentWithTTL, op: .createTTL, ttl: 5000) == fail(.unimplemented, zxid: 2))
        #expect(h.create(c, "/t", bytes("t"), mode: .persistentSequentialWithTTL, op: .createTTL, ttl: 5000) == fail(.unimplemented, zxid: 3))
        #expect(h.create(c, "/c", bytes("c"), mode: .container, op: .createContainer)
                == ok(.pathStat("/c", S("cz=4 mz=4 pz=4 v=0 cv=0 av=0 eo=0 dl=1 nc=0")), zxid: 4))
        #expect(h.stat(c, "/t") == nil)
        #expect(h.core.tree.ttls.isEmpty)
    }

    /// Apache's `EphemeralType.validateTTL`: a TTL mode needs 0 < ttl <= 2^40-1; other modes must
    /// not carry a ttl >= 0.
    @Test func ttlValidation() {
        var h = Harness { $0.extendedTypesEnabled = true }
        let c = h.session()
        #expect(h.create(c, "/t", mode: .persistentWithTTL, op: .createTTL, ttl: 0) == fail(.badArguments, zxid: 2))
        #expect(h.create(c, "/t", mode: .persistentWithTTL, op: .createTTL, ttl: -3) == fail(.badArguments, zxid: 3))
        #expect(h.create(c, "/t", mode: .persistentWithTTL, op: .createTTL, ttl: 1 << 40) == fail(.badArguments, zxid: 4))
        // A TTL mode through create2 has no ttl (-1).
        #expect(h.create(c, "/t", mode: .persistentWithTTL, op: .create2) == fail(.badArguments, zxid: 5))
        // createTTL with a non-TTL mode and a ttl.
        #expect(h.create(c, "/t", mode: .persistent, op: .createTTL, ttl: 5) == fail(.badArguments, zxid: 6))
        // createTTL with a non-TTL mode and ttl -1: Apache would fail applying it; refused here.
        #expect(h.create(c, "/t", mode: .persistent, op: .createTTL, ttl: -1) == fail(.badArguments, zxid: 7))
        #expect(h.create(c, "/t", mode: .persistentWithTTL, op: .createTTL, ttl: (1 << 40) - 1).err == .ok)
        #expect(h.stat(c, "/t") == S("cz=8 mz=8 pz=8 v=0 cv=0 av=0 eo=0 dl=0 nc=0"))
        // An unknown create flag.
        #expect(h.send(c, .create(op: .create, CreateRequest(path: "/u", data: [], acl: Ids.openACLUnsafe, flags: 7)))
                == fail(.badArguments, zxid: 9))
    }

    @Test func containerIsDeletedByTheCheckAfterItsLastChildGoes() {
        var h = Harness()
        let c = h.session()
        let w = h.session()
        #expect(h.create(c, "/c", mode: .container, op: .createContainer).err == .ok)     // 3
        #expect(h.create(c, "/empty", mode: .container, op: .createContainer).err == .ok) // 4
        #expect(h.create(c, "/c/k").err == .ok)                                           // 5
        #expect(h.delete(c, "/c/k").err == .ok)                                           // 6
        #expect(h.send(w, .exists(path: "/c", watch: true)).err == .ok)
        #expect(h.children(w, "/", watch: true) != nil)
        // Keep the sessions alive past the check.
        h.advance(to: T0 + 50_000)
        h.send(c, .ping)
        h.send(w, .ping)
        _ = h.drain(c.conn); _ = h.drain(w.conn)
        h.tick(at: T0 + 59_999)
        #expect(h.logged.count == 6)
        h.tick(at: T0 + 60_000)
        #expect(h.logged.count == 7)
        #expect(h.logged.last?.header == TxnHeader(clientId: 0, cxid: 0, zxid: 7, time: T0 + 60_000, type: .deleteContainer))
        #expect(h.logged.last?.body == .delete(path: "/c"))
        #expect(h.stat(c, "/c") == nil)
        // A container that never had a child stays (maxNeverUsedInterval 0).
        #expect(h.stat(c, "/empty") != nil)
        #expect(h.events(w) == [.event(.nodeDeleted, "/c", zxid: 7), .event(.nodeChildrenChanged, "/", zxid: 7)])
    }

    @Test func ttlNodeExpiresOnTheCheckOnceIdleLongerThanItsTTL() {
        var h = Harness { $0.extendedTypesEnabled = true }
        let c = h.session()
        #expect(h.create(c, "/t", mode: .persistentWithTTL, op: .createTTL, ttl: 70_000).err == .ok)   // 2
        #expect(h.create(c, "/t2", mode: .persistentWithTTL, op: .createTTL, ttl: 10_000).err == .ok)  // 3
        #expect(h.create(c, "/t2/k").err == .ok)                                                         // 4
        h.advance(to: T0 + 50_000)
        h.send(c, .ping)
        h.tick(at: T0 + 60_000)
        // /t is younger than its ttl; /t2 has a child.
        #expect(h.logged.count == 4)
        h.advance(to: T0 + 100_000)
        h.send(c, .ping)
        h.tick(at: T0 + 120_000)
        #expect(h.logged.count == 5)
        #expect(h.logged.last?.header.type == .deleteContainer)
        #expect(h.logged.last?.body == .delete(path: "/t"))
        #expect(h.stat(c, "/t") == nil)
        #expect(h.stat(c, "/t2") != nil)
    }

    @Test func ephemeralsBelongToTheSessionAndGoWithIt() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        #expect(h.create(a, "/g", op: .create).err == .ok)                       // 3
        #expect(h.create(a, "/g/e1", mode: .ephemeral, op: .create).err == .ok)  // 4
        #expect(h.create(a, "/g/e2", mode: .ephemeral, op: .create).err == .ok)  // 5
        #expect(h.create(a, "/h", mode: .ephemeral, op: .create).err == .ok)     // 6
        #expect(h.send(a, .getEphemerals(prefixPath: "")).response == .strings(["/g/e1", "/g/e2", "/h"]))
        #expect(h.send(a, .getEphemerals(prefixPath: " / ")).response == .strings(["/g/e1", "/g/e2", "/h"]))
        #expect(h.send(a, .getEphemerals(prefixPath: "/g")).response == .strings(["/g/e1", "/g/e2"]))
        #expect(h.send(a, .getEphemerals(prefixPath: "/nope")) == ok(.strings([]), zxid: 6))
        #expect(h.send(b, .getEphemerals(prefixPath: "/")) == ok(.strings([]), zxid: 6))
        #expect(h.send(a, .getAllChildrenNumber(path: "/g")).response == .number(2))
        #expect(h.send(a, .getAllChildrenNumber(path: "/")).response == .number(7))
        #expect(h.send(a, .getAllChildrenNumber(path: "/nope")) == fail(.noNode, zxid: 6))
        #expect(h.send(a, .closeSession) == ok(.empty, zxid: 7))
        #expect(h.logged.last?.body == .closeSession(ephemerals: ["/g/e1", "/g/e2", "/h"]))
        #expect(h.children(b, "/g") == [])
        #expect(h.stat(b, "/g") == S("cz=3 mz=3 pz=7 v=0 cv=4 av=0 eo=0 dl=0 nc=0"))
        #expect(h.send(b, .getAllChildrenNumber(path: "/")).response == .number(4))
    }
}
