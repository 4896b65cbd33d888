import Foundation

/// The result of a run, as printed (`text`) or as JSON (`json()`).
///
/// JSON (one object, keys sorted):
/// - `server`: the connect string; `sessions`, `depth`, `threads`, `mix` ("getData=80,..."),
///   `payload_bytes`, `nodes`, `seed`, `warmup_s`, and `duration_s` (duration mode) or
///   `ops_requested` (ops mode) as configured;
/// - `elapsed_s`: the measured time (duration mode: the duration; ops mode: first measured send
///   to last measured reply);
/// - `total` and `by_op` (an object keyed by op name): each `{count, errors, error_codes
///   {"-101": n, ...}, ops_per_s, p50_ms, p99_ms, p999_ms, max_ms, mean_ms}`; `count` includes
///   error replies; latency is from send to reply;
/// - `client_cpu`: `{user_s, system_s, pct_of_one_core}`: CPU this process used while measuring.
public struct BenchReport: Codable, Sendable, Equatable {
    public struct OpReport: Codable, Sendable, Equatable {
        public var count: UInt64
        public var errors: UInt64
        public var errorCodes: [String: UInt64]
        public var opsPerSecond: Double
        public var p50Ms: Double
        public var p99Ms: Double
        public var p999Ms: Double
        public var maxMs: Double
        public var meanMs: Double

        enum CodingKeys: String, CodingKey {
            case count, errors
            case errorCodes = "error_codes"
            case opsPerSecond = "ops_per_s"
            case p50Ms = "p50_ms", p99Ms = "p99_ms", p999Ms = "p999_ms", maxMs = "max_ms", meanMs = "mean_ms"
        }

        init(_ stats: OpStats, elapsedSeconds: Double) {
            count = stats.count
            errors = stats.errors
            errorCodes = Dictionary(uniqueKeysWithValues: stats.errorCodes.map { (String($0.key), $0.value) })
            opsPerSecond = elapsedSeconds > 0 ? Double(stats.count) / elapsedSeconds : 0
            let h = stats.latencyNanos
            p50Ms = Self.ms(h.value(atQuantile: 50, of: 100))
            p99Ms = Self.ms(h.value(atQuantile: 99, of: 100))
            p999Ms = Self.ms(h.value(atQuantile: 999, of: 1000))
            maxMs = Self.ms(h.max)
            meanMs = h.mean / 1e6
        }

        static func ms(_ nanos: UInt64) -> Double { Double(nanos) / 1e6 }
    }

    public struct CPU: Codable, Sendable, Equatable {
        public var userSeconds: Double
        public var systemSeconds: Double
        public var percentOfOneCore: Double
        enum CodingKeys: String, CodingKey {
            case userSeconds = "user_s", systemSeconds = "system_s", percentOfOneCore = "pct_of_one_core"
        }
    }

    public var server: String
    public var sessions: Int
    public var depth: Int
    public var threads: Int
    public var mix: String
    public var payloadBytes: Int
    public var nodes: Int
    public var seed: UInt64
    public var warmupSeconds: Double
    public var durationSeconds: Double?
    public var opsRequested: Int?
    public var elapsedSeconds: Double
    public var total: OpReport
    public var byOp: [String: OpReport]
    public var clientCPU: CPU

    enum CodingKeys: String, CodingKey {
        case server, sessions, depth, threads, mix, nodes, seed, total
        case payloadBytes = "payload_bytes"
        case warmupSeconds = "warmup_s"
        case durationSeconds = "duration_s"
        case opsRequested = "ops_requested"
        case elapsedSeconds = "elapsed_s"
        case byOp = "by_op"
        case clientCPU = "client_cpu"
    }

    init(configuration c: BenchConfiguration, stats: SessionStats, elapsedSeconds: Double, cpu: ProcessCPU) {
        server = c.connectString.servers.map(\.description).joined(separator: ",") + (c.connectString.chroot ?? "")
        sessions = c.sessions
        depth = c.depth
        threads = c.threads
        mix = c.mix.description
        payloadBytes = c.payloadBytes
        nodes = c.nodes
        seed = c.seed
        warmupSeconds = c.warmupSeconds
        switch c.length {
        case .duration(let seconds): durationSeconds = seconds; opsRequested = nil
        case .ops(let n): durationSeconds = nil; opsRequested = n
        }
        self.elapsedSeconds = elapsedSeconds
        total = OpReport(stats.total, elapsedSeconds: elapsedSeconds)
        byOp = [:]
        for op in c.mix.ops { byOp[op.name] = OpReport(stats[op] ?? OpStats(), elapsedSeconds: elapsedSeconds) }
        let busy = cpu.userSeconds + cpu.systemSeconds
        clientCPU = CPU(userSeconds: cpu.userSeconds, systemSeconds: cpu.systemSeconds,
                        percentOfOneCore: elapsedSeconds > 0 ? 100 * busy / elapsedSeconds : 0)
    }

    /// The report as one JSON object (keys sorted, no trailing newline).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The report as a table: one row per op type of the mix, then the total.
    public var text: String {
        let length = durationSeconds.map { "\(Self.fixed($0, 2)) s" } ?? "\(opsRequested ?? 0) ops"
        var lines = [
            "corral bench \(server): \(sessions) sessions x depth \(depth) on \(threads) threads, mix \(mix), "
                + "payload \(payloadBytes) B, \(nodes) nodes, \(length) measured after \(Self.fixed(warmupSeconds, 2)) s warm-up",
        ]
        let header = ["op", "count", "errors", "ops/s", "p50 ms", "p99 ms", "p999 ms", "max ms"]
        var rows: [[String]] = []
        let ordered = BenchOp.allCases.compactMap { op in byOp[op.name].map { (op.name, $0) } }
        for (name, r) in ordered + [("total", total)] {
            rows.append([name, String(r.count), String(r.errors), Self.fixed(r.opsPerSecond, 1),
                         Self.fixed(r.p50Ms, 3), Self.fixed(r.p99Ms, 3), Self.fixed(r.p999Ms, 3), Self.fixed(r.maxMs, 3)])
        }
        lines += Self.table(header: header, rows: rows)
        lines.append("measured \(Self.fixed(elapsedSeconds, 3)) s; client CPU \(Self.fixed(clientCPU.userSeconds, 2)) s user + "
                     + "\(Self.fixed(clientCPU.systemSeconds, 2)) s system = \(Self.fixed(clientCPU.percentOfOneCore, 1))% of one core")
        let codes = ordered.filter { !$0.1.errorCodes.isEmpty }.map { name, r in
            "\(name): " + r.errorCodes.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        }
        if !codes.isEmpty { lines.append("error codes: " + codes.joined(separator: "; ")) }
        return lines.joined(separator: "\n")
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    static func table(header: [String], rows: [[String]]) -> [String] {
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return [line(header)] + rows.map(line)
    }
}
