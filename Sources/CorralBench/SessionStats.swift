/// What one op type measured: replies, error replies (err != 0 in the reply header) by code,
/// and the latency of every reply from send to reply.
public struct OpStats: Sendable, Equatable {
    public internal(set) var count: UInt64 = 0
    public internal(set) var errors: UInt64 = 0
    /// Error replies per ZooKeeper error code.
    public internal(set) var errorCodes: [Int32: UInt64] = [:]
    public internal(set) var latencyNanos = LatencyHistogram()

    public init() {}

    @inline(__always)
    mutating func record(latencyNanos latency: UInt64, err: Int32) {
        count &+= 1
        latencyNanos.record(latency)
        if err != 0 {
            errors &+= 1
            errorCodes[err, default: 0] &+= 1
        }
    }

    public mutating func merge(_ other: OpStats) {
        count &+= other.count
        errors &+= other.errors
        errorCodes.merge(other.errorCodes, uniquingKeysWith: &+)
        latencyNanos.merge(other.latencyNanos)
    }
}

/// The measurements of one session (or, merged, of a run), per op type.
public struct SessionStats: Sendable, Equatable {
    /// Indexed by `BenchOp.rawValue`; ops outside the mix stay empty (and allocate no histogram).
    public internal(set) var byOp: [OpStats?]
    /// Monotonic nanoseconds of the first measured send and the last measured reply.
    public internal(set) var firstMeasuredSend: UInt64?
    public internal(set) var lastMeasuredReply: UInt64?

    /// Empty stats with a histogram for every op of `mix`.
    public init(mix: OpMix) {
        byOp = BenchOp.allCases.map { mix.weight(of: $0) > 0 ? OpStats() : nil }
    }

    public subscript(op: BenchOp) -> OpStats? { byOp[op.rawValue] }

    @inline(__always)
    mutating func record(_ op: BenchOp, sentAt: UInt64, repliedAt: UInt64, err: Int32) {
        byOp[op.rawValue]?.record(latencyNanos: repliedAt &- sentAt, err: err)
        if sentAt < firstMeasuredSend ?? .max { firstMeasuredSend = sentAt }
        if repliedAt >= lastMeasuredReply ?? 0 { lastMeasuredReply = repliedAt }
    }

    /// Adds `other`'s measurements. Precondition: both were made for the same mix.
    public mutating func merge(_ other: SessionStats) {
        for i in byOp.indices {
            if let theirs = other.byOp[i] { byOp[i, default: OpStats()].merge(theirs) }
        }
        if let t = other.firstMeasuredSend { firstMeasuredSend = Swift.min(firstMeasuredSend ?? t, t) }
        if let t = other.lastMeasuredReply { lastMeasuredReply = Swift.max(lastMeasuredReply ?? t, t) }
    }

    /// All op types together.
    public var total: OpStats {
        byOp.reduce(into: OpStats()) { sum, stats in if let stats { sum.merge(stats) } }
    }
}

extension Array where Element == OpStats? {
    fileprivate subscript(index: Int, default fallback: OpStats) -> OpStats {
        get { self[index] ?? fallback }
        set { self[index] = newValue }
    }
}
