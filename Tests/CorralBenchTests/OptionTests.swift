import CorralClient
import Testing

@testable import CorralBench

@Suite struct MixParsingTests {
    @Test func parsesWeightsCaseInsensitivelyAndPrintsThemInOpOrder() throws {
        let mix = try OpMix(parsing: " setdata=20 , getData=80,multi=0")
        #expect(mix.weight(of: .getData) == 80)
        #expect(mix.weight(of: .setData) == 20)
        #expect(mix.weight(of: .multi) == 0)
        #expect(mix.ops == [.getData, .setData])
        #expect(mix.totalWeight == 100)
        #expect(mix.description == "getData=80,setData=20")
    }

    @Test func everyOpNameParses() throws {
        let text = BenchOp.allCases.map { "\($0.name)=1" }.joined(separator: ",")
        let mix = try OpMix(parsing: text)
        #expect(mix.ops == BenchOp.allCases)
        #expect(mix.description == text)
    }

    @Test(arguments: [
        ("getData", MixError.malformedEntry("getData")),
        ("getData=1=2", .malformedEntry("getData=1=2")),
        ("=5", .malformedEntry("=5")),
        ("getData=80,", .malformedEntry("")),
        ("read=5", .unknownOp("read")),
        ("getData=-1", .badWeight("-1")),
        ("getData=x", .badWeight("x")),
        ("getData=1000001", .badWeight("1000001")),
        ("getData=1,GETDATA=2", .duplicateOp("getData")),
        ("getData=0", .noWeight),
        ("delete=5,getData=5", .deleteWithoutCreate),
    ])
    func refusesBadMixes(text: String, expected: MixError) {
        #expect(throws: expected) { try OpMix(parsing: text) }
    }

    @Test func errorsNameTheKnownOps() {
        #expect(MixError.unknownOp("read").description
            == "unknown op 'read' in the mix (known: getData, exists, getChildren, setData, create, delete, multi)")
    }
}

@Suite struct ConfigurationTests {
    @Test func defaults() throws {
        let c = try BenchConfiguration(options: BenchOptions())
        #expect(c.connectString.servers == [ServerAddress(host: "127.0.0.1", port: 2181)])
        #expect(c.sessions == 16)
        #expect(c.depth == 16)
        #expect(c.mix.description == "getData=80,setData=20")
        #expect(c.payloadBytes == 100)
        #expect(c.nodes == 100)
        #expect(c.length == .duration(seconds: 10))
        #expect(c.warmupSeconds == 2)
        #expect(c.sessionTimeoutMs == 30_000)
        #expect(c.basePath == "/corral-bench")
        #expect(c.setup && c.cleanup && !c.ephemeral)
        #expect(c.threads >= 1)
    }

    @Test func takesEveryOption() throws {
        var o = BenchOptions()
        o.server = "a:1,b:2/root"
        o.sessions = 3; o.depth = 4; o.mix = "create=1,delete=1"; o.payload = 0; o.nodes = 7; o.ops = 99
        o.warmup = 0; o.threads = 2; o.timeoutMs = 500; o.path = "/x/y"; o.seed = 9
        o.ephemeral = true; o.noSetup = true; o.noCleanup = true
        let c = try BenchConfiguration(options: o)
        #expect(c.connectString.servers.map(\.description) == ["a:1", "b:2"])
        #expect(c.serverBasePath == "/root/x/y")
        #expect((c.sessions, c.depth, c.payloadBytes, c.nodes, c.threads, c.sessionTimeoutMs) == (3, 4, 0, 7, 2, 500))
        #expect(c.length == .ops(99))
        #expect(c.seed == 9)
        #expect(c.ephemeral && !c.setup && !c.cleanup)
    }

    @Test func splitsTheOpCountOverSessions() throws {
        var o = BenchOptions()
        o.sessions = 4
        o.ops = 10
        let c = try BenchConfiguration(options: o)
        #expect((0..<4).map { c.opsQuota(session: $0) } == [3, 3, 2, 2])
        #expect(try BenchConfiguration(options: BenchOptions()).opsQuota(session: 0) == nil)
    }

    @Test func refusesOutOfRangeValues() {
        func refused(_ edit: (inout BenchOptions) -> Void) -> BenchConfigurationError? {
            var o = BenchOptions()
            edit(&o)
            do {
                _ = try BenchConfiguration(options: o)
                return nil
            } catch {
                return error
            }
        }
        #expect(refused { $0.sessions = 0 } == .outOfRange(option: "sessions", value: "0", allowed: "1...10000"))
        #expect(refused { $0.depth = 100_001 } == .outOfRange(option: "depth", value: "100001", allowed: "1...100000"))
        #expect(refused { $0.payload = -1 } == .outOfRange(option: "payload", value: "-1", allowed: "0...1000000"))
        #expect(refused { $0.nodes = 0 } == .outOfRange(option: "nodes", value: "0", allowed: "1...10000000"))
        #expect(refused { $0.threads = 0 } == .outOfRange(option: "threads", value: "0", allowed: "1...1024"))
        #expect(refused { $0.timeoutMs = 0 } == .outOfRange(option: "timeout", value: "0", allowed: "1...600000"))
        #expect(refused { $0.warmup = -1 } == .outOfRange(option: "warmup", value: "-1.0", allowed: "0.0...3600.0"))
        #expect(refused { $0.duration = 0 } == .outOfRange(option: "duration", value: "0.0", allowed: "0.001...86400.0"))
        #expect(refused { $0.ops = 0 } == .outOfRange(option: "ops", value: "0", allowed: "1...1000000000000"))
        #expect(refused { $0.duration = 1; $0.ops = 1 } == .durationAndOps)
        #expect(refused { $0.path = "/" } == .invalidPath("/"))
        #expect(refused { $0.path = "/zookeeper/x" } == .invalidPath("/zookeeper/x"))
        #expect(refused { $0.path = "relative" } == .invalidPath("relative"))
        #expect(refused { $0.path = "/a/" } == .invalidPath("/a/"))
        #expect(refused { $0.server = "h:99999" } == .connectString(.invalidPort("99999")))
        #expect(refused { $0.mix = "nope=1" } == .mix(.unknownOp("nope")))
    }

    @Test func errorMessagesNameTheOption() {
        #expect(BenchConfigurationError.outOfRange(option: "depth", value: "0", allowed: "1...100000").description
            == "--depth 0 is out of range (allowed: 1...100000)")
        #expect(BenchConfigurationError.durationAndOps.description == "give --duration or --ops, not both")
    }
}
