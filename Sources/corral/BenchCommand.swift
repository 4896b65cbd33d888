import ArgumentParser
import CorralBench

import Foundation

/// `corral bench`: a load generator for any ZooKeeper-protocol server. Everything but argument
/// parsing and printing lives in CorralBench.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load generator for ZooKeeper-protocol servers.",
        discussion: """
            Opens --sessions real ZooKeeper sessions spread round-robin over the connect string's \
            servers and --threads event loops; each keeps --depth requests in flight, choosing ops \
            from --mix with a per-session sequence seeded by --seed. Setup creates --path and \
            --nodes data nodes holding --payload bytes; getData/exists/getChildren/setData/multi \
            (check+setData) use those, create makes sequential children c-<session>-N (ephemeral \
            with --ephemeral), delete removes the oldest node the session created. Cleanup deletes \
            what the run made. Against a server that keeps no state (the no-op responder) pass \
            --no-setup (cleanup then finds nothing to delete).

            Prints per op type: replies, error replies (err != 0), ops/s over the measured time \
            (warm-up excluded) and p50/p99/p999/max latency from send to reply (ms; histogram \
            precision better than 0.8%), then the total and the CPU this process used. \
            With --json one object instead (keys sorted): server, sessions, depth, threads, mix, \
            payload_bytes, nodes, seed, warmup_s, duration_s or ops_requested, elapsed_s, \
            total and by_op.<op> {count, errors, error_codes, ops_per_s, p50_ms, p99_ms, p999_ms, \
            max_ms, mean_ms}, client_cpu {user_s, system_s, pct_of_one_core}.

            Ops: \(BenchOp.allCases.map(\.name).joined(separator: ", ")).
            """)

    @Argument(help: "Connect string host:port[,host:port...][/chroot] (default 127.0.0.1:2181).")
    var connectString: String?

    @Option(name: .long, help: "Connect string (same as the positional argument).")
    var server: String?

    @Option(name: .long, help: "Sessions (connections), 1...10000. (default: 16)")
    var sessions: Int?

    @Option(name: .long, help: "Requests in flight per session, 1...100000. (default: 16)")
    var depth: Int?

    @Option(name: .long, help: "Op weights, e.g. getData=80,setData=20 (the default).")
    var mix: String?

    @Option(name: .long, help: "Bytes written by setData/create/setup, 0...1000000. (default: 100)")
    var payload: Int?

    @Option(name: .long, help: "Data nodes created in setup, 1...10000000. (default: 100)")
    var nodes: Int?

    @Option(name: .long, help: "Measured seconds. (default: 10)")
    var duration: Double?

    @Option(name: .long, help: "Measure this many requests over all sessions instead of a duration.")
    var ops: Int?

    @Option(name: .long, help: "Seconds of load before measuring. (default: 2)")
    var warmup: Double?

    @Option(name: .long, help: "Event loop threads. (default: one per core)")
    var threads: Int?

    @Option(name: .long, help: "Session timeout in ms; also the longest wait for a connection or a reply. (default: 30000)")
    var timeout: Int?

    @Option(name: .long, help: "Base znode of the benchmark's tree. (default: /corral-bench)")
    var path: String?

    @Option(name: .long, help: "Seed of the op sequences. (default: 1)")
    var seed: UInt64?

    @Flag(name: .long, help: "Create ephemeral sequential nodes (else persistent sequential).")
    var ephemeral = false

    @Flag(name: .long, help: "Do not create the base and data nodes (they must exist, or the server keeps no state).")
    var noSetup = false

    @Flag(name: .long, help: "Leave the benchmark's nodes in place.")
    var noCleanup = false

    @Flag(name: .long, help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        if connectString != nil && server != nil { throw ValidationError("give the connect string once, positionally or with --server") }
        _ = try makeConfiguration()
    }

    func makeConfiguration() throws -> BenchConfiguration {
        var o = BenchOptions()
        o.server = server ?? connectString
        o.sessions = sessions; o.depth = depth; o.mix = mix; o.payload = payload; o.nodes = nodes
        o.duration = duration; o.ops = ops; o.warmup = warmup; o.threads = threads; o.timeoutMs = timeout
        o.path = path; o.seed = seed; o.ephemeral = ephemeral; o.noSetup = noSetup; o.noCleanup = noCleanup
        do {
            return try BenchConfiguration(options: o)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        let report = try await BenchRunner.run(configuration) { line in
            FileHandle.standardError.write(Data("corral bench: \(line)\n".utf8))
        }
        print(json ? try report.json() : report.text)
    }
}
