import CorralClient
import CorralTestSupport
import Foundation
import Testing
import ZooKeeperProtocol

@testable import CorralBench

/// Short runs against an in-process Corral server.
@Suite struct LiveRunTests {
    static let mix = "getData=30,exists=10,getChildren=10,setData=20,create=15,delete=10,multi=5"

    func options(_ server: any TestServer) -> BenchOptions {
        var o = BenchOptions()
        o.server = server.hostPort
        o.sessions = 2
        o.depth = 8
        o.ops = 2000
        o.warmup = 0
        o.threads = 2
        o.nodes = 20
        o.payload = 10
        o.mix = Self.mix
        o.timeoutMs = 30_000
        return o
    }

    func admin(_ server: any TestServer) async throws -> AdminSession {
        try await AdminSession.connect(to: ServerAddress(host: "127.0.0.1", port: server.port), timeoutMs: 30_000)  // no pings: survive a stalled test run
    }

    func children(_ admin: AdminSession, _ path: String) async throws -> [String]? {
        let reply = try await admin.call(.getChildren(op: .getChildren, path: path, watch: false))
        if reply.err == ErrorCode.noNode.rawValue { return nil }
        guard case .children(let names) = try reply.decode(as: .getChildren) else { return nil }
        return names.sorted()
    }

    /// The op counts the sessions' sequences give for `configuration` (no warm-up, no errors).
    func expectedCounts(_ configuration: BenchConfiguration) -> [String: UInt64] {
        var counts: [String: UInt64] = [:]
        for session in 0..<configuration.sessions {
            var sequence = OpSequence(mix: configuration.mix, nodeCount: configuration.nodes, seed: configuration.seed,
                                      sessionIndex: session)
            for _ in 0..<(configuration.opsQuota(session: session) ?? 0) { counts[sequence.next().op.name, default: 0] += 1 }
        }
        return counts
    }

    @Test func mixedRunSendsExactlyTheSequencesOpsAndLeavesTheTreeAsBefore() async throws {
        try await withTestServer(.corral) { server in
            let admin = try await admin(server)
            let before = try await children(admin, "/")
            let configuration = try BenchConfiguration(options: options(server))
            let report = try await BenchRunner.run(configuration)
            let expected = expectedCounts(configuration)
            #expect(expected.count == 7)
            #expect(report.byOp.mapValues(\.count) == expected)
            #expect(report.total.count == 2000)
            #expect(report.total.errors == 0)
            #expect(report.byOp.values.allSatisfy { $0.errors == 0 && $0.errorCodes.isEmpty })
            #expect(report.elapsedSeconds > 0)
            #expect(try await children(admin, "/") == before)
            #expect(try await children(admin, "/corral-bench") == nil)
            try await admin.close()
        }
    }

    @Test func withoutCleanupTheCreatedNodesThatWereNotDeletedRemain() async throws {
        try await withTestServer(.corral) { server in
            var o = options(server)
            o.noCleanup = true
            o.mix = "create=3,delete=2,getData=1"
            o.ops = 600
            let configuration = try BenchConfiguration(options: o)
            let report = try await BenchRunner.run(configuration)
            #expect(report.total.errors == 0)
            let creates = report.byOp["create"]?.count ?? 0
            let deletes = report.byOp["delete"]?.count ?? 0
            #expect(creates > deletes && deletes > 0)
            let admin = try await admin(server)
            let names = try await children(admin, "/corral-bench") ?? []
            #expect(names.filter { $0.hasPrefix("n-") }.count == 20)
            #expect(UInt64(names.filter { $0.hasPrefix("c-") }.count) == creates - deletes)
            try await admin.close()
        }
    }

    @Test func ephemeralNodesGoWithTheirSessions() async throws {
        try await withTestServer(.corral) { server in
            var o = options(server)
            o.noCleanup = true
            o.ephemeral = true
            o.mix = "create=1"
            o.ops = 100
            let report = try await BenchRunner.run(try BenchConfiguration(options: o))
            #expect(report.byOp["create"]?.count == 100)
            #expect(report.total.errors == 0)
            let admin = try await admin(server)
            #expect(try await children(admin, "/corral-bench")?.filter { $0.hasPrefix("c-") } == [])
            try await admin.close()
        }
    }

    @Test func setupRefusesAnExistingBaseAndLeavesItAlone() async throws {
        try await withTestServer(.corral) { server in
            let admin = try await admin(server)
            let made = try await admin.call(.create(op: .create, CreateRequest(
                path: "/corral-bench", data: Array("mine".utf8), acl: Ids.openACLUnsafe, flags: 0)))
            #expect(made.err == 0)
            await #expect(throws: BenchError.baseExists("/corral-bench")) {
                _ = try await BenchRunner.run(try BenchConfiguration(options: options(server)))
            }
            let data = try await admin.call(.getData(path: "/corral-bench", watch: false))
            #expect(try data.decode(as: .getData) == .data(Array("mine".utf8), try statOf(data)))
            try await admin.close()
        }
    }

    func statOf(_ reply: AdminReply) throws -> Stat {
        guard case .data(_, let stat) = try reply.decode(as: .getData) else { throw BenchError.cleanupFailed("no stat") }
        return stat
    }

    @Test func aRefusedConnectionIsReported() async throws {
        var o = BenchOptions()
        o.server = "127.0.0.1:\(try freeLoopbackPort())"
        o.timeoutMs = 2000
        await #expect(throws: (any Error).self) { _ = try await BenchRunner.run(try BenchConfiguration(options: o)) }
    }
}

@Suite struct ReportTests {
    @Test func jsonHasTheDocumentedShape() throws {
        var o = BenchOptions()
        o.mix = "getData=1,create=1"
        o.ops = 3
        o.sessions = 1
        o.threads = 1
        let configuration = try BenchConfiguration(options: o)
        var stats = SessionStats(mix: configuration.mix)
        stats.record(.getData, sentAt: 0, repliedAt: 1_500_000, err: 0)
        stats.record(.create, sentAt: 0, repliedAt: 2_000_000, err: -110)
        stats.record(.create, sentAt: 1_000_000, repliedAt: 3_000_000, err: 0)
        let report = BenchReport(configuration: configuration, stats: stats, elapsedSeconds: 2,
                                 cpu: ProcessCPU(userSeconds: 0.5, systemSeconds: 0.25))
        let json = try report.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["server", "sessions", "depth", "threads", "mix", "payload_bytes", "nodes", "seed",
                                     "warmup_s", "ops_requested", "elapsed_s", "total", "by_op", "client_cpu"])
        #expect(object["mix"] as? String == "getData=1,create=1")
        #expect(object["ops_requested"] as? Int == 3)
        let total = try #require(object["total"] as? [String: Any])
        #expect(Set(total.keys) == ["count", "errors", "error_codes", "ops_per_s", "p50_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms"])
        #expect(total["count"] as? Int == 3)
        #expect(total["ops_per_s"] as? Double == 1.5)
        let byOp = try #require(object["by_op"] as? [String: [String: Any]])
        #expect(Set(byOp.keys) == ["getData", "create"])
        #expect(byOp["create"]?["errors"] as? Int == 1)
        #expect(byOp["create"]?["error_codes"] as? [String: Int] == ["-110": 1])
        #expect(byOp["getData"]?["p50_ms"] as? Double == 1.5)  // the bucket's top, clamped to the exact max
        #expect(byOp["create"]?["p50_ms"] as? Double == 2.0)  // both 2 ms: the bucket top clamped to max
        #expect(byOp["create"]?["max_ms"] as? Double == 2.0)
        #expect(byOp["create"]?["mean_ms"] as? Double == 2.0)
        let cpu = try #require(object["client_cpu"] as? [String: Double])
        #expect(cpu == ["user_s": 0.5, "system_s": 0.25, "pct_of_one_core": 37.5])
        // The JSON decodes back to the same report.
        #expect(try JSONDecoder().decode(BenchReport.self, from: Data(json.utf8)) == report)
    }

    @Test func textHasARowPerOpAndATotal() throws {
        var o = BenchOptions()
        o.mix = "getData=1,setData=1"
        o.duration = 2
        let configuration = try BenchConfiguration(options: o)
        var stats = SessionStats(mix: configuration.mix)
        stats.record(.setData, sentAt: 0, repliedAt: 250, err: 0)
        let lines = BenchReport(configuration: configuration, stats: stats, elapsedSeconds: 2,
                                cpu: ProcessCPU(userSeconds: 0, systemSeconds: 0)).text.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[1].split(separator: " ") == ["op", "count", "errors", "ops/s", "p50", "ms", "p99", "ms", "p999", "ms", "max", "ms"])
        #expect(lines[2].split(separator: " ") == ["getData", "0", "0", "0.0", "0.000", "0.000", "0.000", "0.000"])
        #expect(lines[3].split(separator: " ") == ["setData", "1", "0", "0.5", "0.000", "0.000", "0.000", "0.000"])
        #expect(lines[4].split(separator: " ").first == "total")
    }
}
