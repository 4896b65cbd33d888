import CorralClient
import Foundation
import CorralTestSupport
import Testing
import ZooKeeperProtocol

/// Every operation of the client against a live server, Corral and Apache ZooKeeper 3.8 alike:
/// the same values and the same errors from both.
@Suite(.serialized) struct OperationTests {
    static func connect(_ server: any TestServer, chroot: String = "", timeout: Duration = .seconds(10)) async throws -> ZooKeeperClient {
        var configuration = ClientConfiguration()
        configuration.sessionTimeout = timeout
        return try await ZooKeeperClient.connect(server.hostPort + chroot, configuration: configuration)
    }

    @Test(arguments: ServerKind.available)
    func createReadWriteDelete(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            #expect(zk.state == .connected)
            #expect(zk.sessionId != 0)
            #expect(zk.negotiatedTimeout == 10_000)

            let (path, stat) = try await zk.create("/a", data: Array("hello".utf8))
            #expect(path == "/a")
            #expect(stat.version == 0 && stat.dataLength == 5 && stat.numChildren == 0 && stat.ephemeralOwner == 0)
            #expect(stat.czxid == stat.mzxid && stat.czxid == stat.pzxid)

            let (data, readStat) = try await zk.getData("/a")
            #expect(data == Array("hello".utf8))
            #expect(readStat == stat)

            let written = try await zk.setData("/a", data: Array("bye".utf8), version: 0)
            #expect(written.version == 1 && written.dataLength == 3 && written.mzxid > stat.mzxid)
            await #expect(throws: KeeperError(.badVersion, path: "/a")) { try await zk.setData("/a", data: nil, version: 0) }

            #expect(try await zk.exists("/a")?.version == 1)
            #expect(try await zk.exists("/missing") == nil)
            await #expect(throws: KeeperError(.noNode, path: "/missing")) { try await zk.getData("/missing") }
            await #expect(throws: KeeperError(.nodeExists, path: "/a")) { try await zk.create("/a") }
            await #expect(throws: KeeperError(.noNode, path: "/x/y")) { try await zk.create("/x/y") }

            // Null data stays null; empty data stays empty.
            try await zk.create("/a/null")
            #expect(try await zk.getData("/a/null").data == nil)
            try await zk.create("/a/empty", data: [])
            #expect(try await zk.getData("/a/empty").data == [])

            let seq1 = try await zk.create("/a/s-", mode: .persistentSequential).path
            let seq2 = try await zk.create("/a/s-", mode: .persistentSequential).path
            #expect(seq1 == "/a/s-0000000002" && seq2 == "/a/s-0000000003")
            let eph = try await zk.create("/a/e", mode: .ephemeral)
            #expect(eph.stat.ephemeralOwner == zk.sessionId)
            #expect(try await zk.getEphemerals("/a") == ["/a/e"])

            let (children, parent) = try await zk.getChildren("/a")
            #expect(children.sorted() == ["e", "empty", "null", "s-0000000002", "s-0000000003"])
            #expect(parent.numChildren == 5 && parent.cversion == 5)
            #expect(try await zk.getAllChildrenNumber("/a") == 5)

            await #expect(throws: KeeperError(.notEmpty, path: "/a")) { try await zk.delete("/a") }
            await #expect(throws: KeeperError(.noChildrenForEphemerals, path: "/a/e/x")) { try await zk.create("/a/e/x") }
            await #expect(throws: KeeperError(.badVersion, path: "/a/null")) { try await zk.delete("/a/null", version: 3) }
            try await zk.delete("/a/null", version: 0)
            #expect(try await zk.exists("/a/null") == nil)
            #expect(try await zk.sync("/a") == "/a")

            let invalid = KeeperError(.badArguments, path: "a", message: "Invalid path string \"a\"")
            await #expect(throws: invalid) { try await zk.getData("a") }
            #expect(invalid.description == "Invalid path string \"a\"")
            #expect(KeeperError(.noNode, path: "/a").description == "KeeperErrorCode = NoNode for /a")
            await zk.close()
            #expect(zk.state == .closed)
            await #expect(throws: KeeperError(.sessionExpired, path: "/a")) { try await zk.getData("/a") }
        }
    }

    @Test(arguments: ServerKind.available)
    func containerTTLAndACL(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            defer { Task { await zk.close() } }
            let container = try await zk.create("/c", mode: .container)
            #expect(container.path == "/c" && container.stat.ephemeralOwner == 0)
            let ttl = try await zk.create("/t", mode: .persistentWithTTL, ttl: 60_000)
            #expect(ttl.stat.ephemeralOwner == 0)
            await #expect(throws: KeeperError(.badArguments, path: "/t2")) {
                try await zk.create("/t2", mode: .persistentWithTTL, ttl: 0)
            }

            let (acl, stat) = try await zk.getACL("/c")
            #expect(acl == Ids.openACLUnsafe && stat.aversion == 0)
            let readOnly = [ACL(perms: Perms.read, id: Ids.anyoneIdUnsafe)]
            let changed = try await zk.setACL("/c", acl: readOnly, version: 0)
            #expect(changed.aversion == 1)
            await #expect(throws: KeeperError(.noAuth, path: "/c/x")) { try await zk.create("/c/x") }

            try await zk.addAuth(scheme: "digest", auth: Array("user:pw".utf8))
            let me = try await zk.whoAmI()
            #expect(me.contains(ClientInfo(authScheme: "digest", user: "user")))
            #expect(me.contains(ClientInfo(authScheme: "ip", user: "127.0.0.1")))
            try await zk.create("/private", data: [1], acl: Ids.creatorAllACL)
            let (privateACL, _) = try await zk.getACL("/private")
            #expect(privateACL == [ACL(perms: Perms.all, id: Id(scheme: "digest", id: "user:" + "wH0K3UJDd6lAQuGMNhpbE9G7s9Y="))]
                    || privateACL.first?.id.scheme == "digest")
            let other = try await Self.connect(server)
            await #expect(throws: KeeperError(.noAuth, path: "/private")) { try await other.getData("/private") }
            await other.close()
        }
    }

    @Test(arguments: ServerKind.available)
    func multiAndMultiRead(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            defer { Task { await zk.close() } }
            let results = try await zk.multi([
                .create("/m", data: [1]), .create("/m/s-", mode: .persistentSequential),
                .setData("/m", data: [2], version: 0), .check("/m", version: 1),
            ])
            #expect(results.count == 4)
            // Apache answers a create inside a multi without its Stat.
            guard case .create(let p1) = results[0], case .create(let p2) = results[1],
                  case .setData(let stat) = results[2], case .check = results[3] else {
                Issue.record("unexpected results \(results)"); return
            }
            #expect(p1 == "/m" && p2 == "/m/s-0000000000" && stat.version == 1)

            do throws(KeeperError) {
                try await zk.multi([.create("/n"), .delete("/missing"), .setData("/m", data: nil)])
                Issue.record("multi should fail")
            } catch {
                #expect(error.code == .noNode)
                #expect(error.results == [.error(.ok), .error(.noNode), .error(.runtimeInconsistency)])
            }
            #expect(try await zk.exists("/n") == nil)

            let reads = try await zk.multiRead([.getData("/m"), .getChildren("/m"), .getData("/missing")])
            #expect(reads.count == 3)
            if case .getData(let data, let s) = reads[0] { #expect(data == [2] && s.version == 1) } else { Issue.record("\(reads[0])") }
            #expect(reads[1] == .getChildren(["s-0000000000"]))
            #expect(reads[2] == .error(.noNode))
        }
    }

    @Test(arguments: ServerKind.available)
    func chrootMapsPathsBothWays(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let root = try await Self.connect(server)
            defer { Task { await root.close() } }
            try await root.create("/app")
            let zk = try await Self.connect(server, chroot: "/app")
            defer { Task { await zk.close() } }
            #expect(try await zk.create("/x", data: [7]).path == "/x")
            #expect(try await zk.create("/q-", mode: .ephemeralSequential).path == "/q-0000000001")
            #expect(try await root.getData("/app/x").data == [7])
            #expect(try await zk.getChildren("/").children.sorted() == ["q-0000000001", "x"])
            #expect(try await zk.getEphemerals("/") == ["/q-0000000001"])
            #expect(try await zk.sync("/x") == "/x")
            let (_, _, watch) = try await zk.watchData("/x")
            try await root.setData("/app/x", data: [8])
            #expect(try await watch.event() == WatchedEvent(type: .nodeDataChanged, state: .syncConnected, path: "/x"))
            let results = try await zk.multi([.create("/y")])
            #expect(results == [.create(path: "/y")])
            await #expect(throws: KeeperError(.noNode, path: "/missing")) { try await zk.getData("/missing") }
        }
    }

    /// 10,000 requests pipelined on one connection (a cap of 1,000 in flight): every reply matches
    /// its request in FIFO order — the i-th sequential create gets sequence number i, the i-th
    /// versioned setData expects version i and succeeds.
    @Test(arguments: ServerKind.available)
    func pipelinesTenThousandRequestsInOrder(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            var configuration = ClientConfiguration()
            configuration.maxInFlight = 1000
            configuration.sessionTimeout = .seconds(20)
            let zk = try await ZooKeeperClient.connect(server.hostPort, configuration: configuration)
            defer { Task { await zk.close() } }
            try await zk.create("/p")
            let count = 10_000
            var ops: [Op] = []
            for i in 0..<count {
                ops.append(.create("/p/n-", data: Array(String(i).utf8), mode: .persistentSequential))
                ops.append(.setData("/p", data: Array(String(i).utf8), version: Int32(i)))
            }
            let results = try await zk.pipeline(ops)
            #expect(results.count == 2 * count)
            var mismatches = 0
            for i in 0..<count {
                guard case .create2(let path, _) = results[2 * i], path == String(format: "/p/n-%010d", i),
                      case .setData(let stat) = results[2 * i + 1], stat.version == Int32(i + 1) else {
                    mismatches += 1
                    continue
                }
            }
            #expect(mismatches == 0)
            #expect(try await zk.getAllChildrenNumber("/p") == Int32(count))
            #expect(try await zk.getData("/p").data == Array(String(count - 1).utf8))
            // Failures do not stop later ops.
            let mixed = try await zk.pipeline([.delete("/missing"), .getData("/p/n-0000000007"), .check("/p", version: 0)])
            #expect(mixed[0] == .error(.noNode))
            if case .getData(let data, _) = mixed[1] { #expect(data == Array("7".utf8)) } else { Issue.record("\(mixed[1])") }
            #expect(mixed[2] == .error(.badVersion))
        }
    }
}
