import CorralClient
import NIOCore
import ZooKeeperProtocol

/// The options of `corral bench` as given on the command line (nil: not given). The command
/// copies its parsed arguments here; `BenchConfiguration(options:)` checks them and fills in
/// defaults, so every rule is testable without the argument parser.
public struct BenchOptions: Sendable, Equatable {
    public var server: String?
    public var sessions: Int?
    public var depth: Int?
    public var mix: String?
    public var payload: Int?
    public var nodes: Int?
    public var duration: Double?
    public var ops: Int?
    public var warmup: Double?
    public var threads: Int?
    public var timeoutMs: Int?
    public var path: String?
    public var seed: UInt64?
    public var ephemeral = false
    public var noSetup = false
    public var noCleanup = false

    public init() {}
}

/// Why the options were refused; the description is the message the user sees.
public enum BenchConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case connectString(ConnectStringError)
    case mix(MixError)
    /// A numeric option outside its range: option name, value, allowed range.
    case outOfRange(option: String, value: String, allowed: String)
    /// `--duration` and `--ops` together.
    case durationAndOps
    case invalidPath(String)

    public var description: String {
        switch self {
        case .connectString(let e): return "bad connect string: \(e)"
        case .mix(let e): return "bad --mix: \(e)"
        case .outOfRange(let option, let value, let allowed): return "--\(option) \(value) is out of range (allowed: \(allowed))"
        case .durationAndOps: return "give --duration or --ops, not both"
        case .invalidPath(let p): return "--path \(p) must be a valid znode path other than / and outside /zookeeper"
        }
    }
}

/// A checked benchmark configuration. Every field is within the limits documented on it.
public struct BenchConfiguration: Sendable, Equatable {
    /// How long the measured part runs.
    public enum Length: Sendable, Equatable {
        /// Measure for this many seconds (after the warm-up).
        case duration(seconds: Double)
        /// Measure until this many requests (over all sessions) were sent and answered.
        case ops(Int)
    }

    public static let defaultServer = "127.0.0.1:2181"
    public static let defaultMix = "getData=80,setData=20"

    public var connectString: ConnectString
    /// Sessions (connections), 1...10_000, spread round-robin over the connect string's servers.
    public var sessions = 16
    /// Requests in flight per session, 1...100_000.
    public var depth = 16
    public var mix: OpMix
    /// Bytes of data written by setData, create and setup, 0...1_000_000.
    public var payloadBytes = 100
    /// Data nodes created in setup and read/written by the node ops, 1...10_000_000.
    public var nodes = 100
    public var length = Length.duration(seconds: 10)
    /// Seconds of load before measuring starts, 0...3600.
    public var warmupSeconds = 2.0
    /// NIO event loop threads, 1...1024 (default: one per core).
    public var threads = System.coreCount
    /// Session timeout asked for in the handshake, in ms, 1...600_000; also the longest wait for
    /// a connection, a handshake or any reply.
    public var sessionTimeoutMs = 30_000
    /// The base znode (a client path; the connect string's chroot is prepended on the wire).
    public var basePath = "/corral-bench"
    public var seed: UInt64 = 1
    /// Created nodes are ephemeral sequential (else persistent sequential).
    public var ephemeral = false
    /// Create the base node and data nodes before the run (fails if the base node exists).
    public var setup = true
    /// Delete the base node and everything under it after the run.
    public var cleanup = true

    public init(connectString: ConnectString, mix: OpMix) {
        self.connectString = connectString
        self.mix = mix
    }

    /// Checks `options` and fills in the defaults above.
    public init(options o: BenchOptions) throws(BenchConfigurationError) {
        do {
            connectString = try ConnectString(o.server ?? Self.defaultServer)
        } catch {
            throw .connectString(error)
        }
        do {
            mix = try OpMix(parsing: o.mix ?? Self.defaultMix)
        } catch {
            throw .mix(error)
        }
        sessions = try Self.checked("sessions", o.sessions, default: sessions, 1...10_000)
        depth = try Self.checked("depth", o.depth, default: depth, 1...100_000)
        payloadBytes = try Self.checked("payload", o.payload, default: payloadBytes, 0...1_000_000)
        nodes = try Self.checked("nodes", o.nodes, default: nodes, 1...10_000_000)
        threads = try Self.checked("threads", o.threads, default: Swift.min(threads, 1024), 1...1024)
        sessionTimeoutMs = try Self.checked("timeout", o.timeoutMs, default: sessionTimeoutMs, 1...600_000)
        warmupSeconds = try Self.checked("warmup", o.warmup, default: warmupSeconds, 0...3600)
        switch (o.duration, o.ops) {
        case (.some, .some): throw .durationAndOps
        case (let seconds?, nil):
            length = .duration(seconds: try Self.checked("duration", seconds, default: 10, 0.001...86_400))
        case (nil, let count?):
            length = .ops(try Self.checked("ops", count, default: 1, 1...1_000_000_000_000))
        case (nil, nil): break
        }
        if let path = o.path { basePath = path }
        guard ZNodePath.isValid(basePath), basePath != "/", basePath != "/zookeeper",
              !basePath.hasPrefix("/zookeeper/")
        else { throw .invalidPath(basePath) }
        seed = o.seed ?? seed
        ephemeral = o.ephemeral
        setup = !o.noSetup
        cleanup = !o.noCleanup
    }

    private static func checked<T: Comparable & Sendable>(
        _ option: String, _ value: T?, default fallback: T, _ allowed: ClosedRange<T>
    ) throws(BenchConfigurationError) -> T {
        let v = value ?? fallback
        guard allowed.contains(v) else {
            throw .outOfRange(option: option, value: "\(v)", allowed: "\(allowed.lowerBound)...\(allowed.upperBound)")
        }
        return v
    }

    /// The server-side path of the base node (chroot prepended).
    var serverBasePath: String { connectString.serverPath(basePath) }

    /// Measured requests for session `index` in `--ops` mode: the total split as evenly as
    /// possible, the first sessions taking one more.
    func opsQuota(session index: Int) -> Int? {
        guard case .ops(let total) = length else { return nil }
        return total / sessions + (index < total % sessions ? 1 : 0)
    }
}
