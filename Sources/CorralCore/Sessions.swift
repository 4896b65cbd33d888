/// Java's `java.util.Random` LCG, so session passwords equal Apache's for the same session id
/// (a mixed ensemble validates each other's passwords).
struct JavaRandom {
    private var seed: UInt64
    private static let multiplier: UInt64 = 0x5DEECE66D
    private static let mask: UInt64 = (1 << 48) - 1

    init(seed: Int64) { self.seed = (UInt64(bitPattern: seed) ^ Self.multiplier) & Self.mask }

    mutating func next32() -> Int32 {
        seed = (seed &* Self.multiplier &+ 0xB) & Self.mask
        return Int32(truncatingIfNeeded: Int64(bitPattern: seed << 16) >> 32)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            var rnd = next32()
            for _ in 0..<min(count - out.count, 4) {
                out.append(UInt8(truncatingIfNeeded: rnd))
                rnd >>= 8
            }
        }
        return out
    }
}

/// A client session (time is the shell's millisecond clock, passed in with every input).
public struct Session: Sendable {
    public let id: Int64
    public let timeout: Int32
    /// The bucket (a multiple of the tick) in which the session expires unless touched.
    public var expiresAt: Int64
    /// Set once a closeSession txn was prepared; the session answers nothing after that.
    public var isClosing = false
    /// The connection that owns the session now, if any.
    public var connection: ConnectionID?
}

/// Apache's `SessionTrackerImpl` with its `ExpiryQueue`: expiry times are rounded up to the next
/// tick so that one tick expires a whole bucket.
public struct SessionTracker: Sendable {
    public private(set) var sessions: [Int64: Session] = [:]
    private var buckets: [Int64: Set<Int64>] = [:]
    public let tickTime: Int64
    private var nextSessionId: Int64
    static let superSecret: Int64 = 0xB3415C00

    /// `firstSessionId` follows Apache: `(startTimeMillis << 24) >>> 8 | serverId << 56`.
    public init(tickTime: Int64, serverId: Int64, startTime: Int64) {
        self.tickTime = max(1, tickTime)
        var sid = Int64(bitPattern: UInt64(bitPattern: startTime << 24) >> 8) | (serverId << 56)
        if sid == EphemeralOwner.container { sid += 1 }
        self.nextSessionId = sid
    }

    public static func password(for sessionId: Int64) -> [UInt8] {
        var random = JavaRandom(seed: sessionId ^ superSecret)
        return random.bytes(16)
    }

    public mutating func allocateId() -> Int64 {
        defer { nextSessionId += 1 }
        return nextSessionId
    }

    func bucket(for now: Int64, timeout: Int32) -> Int64 {
        (now + Int64(timeout)) / tickTime * tickTime + tickTime
    }

    public mutating func add(id: Int64, timeout: Int32, now: Int64) {
        if let old = sessions[id] { buckets[old.expiresAt]?.remove(id) }
        let at = bucket(for: now, timeout: timeout)
        sessions[id] = Session(id: id, timeout: timeout, expiresAt: at)
        buckets[at, default: []].insert(id)
    }

    public mutating func remove(_ id: Int64) {
        guard let s = sessions.removeValue(forKey: id) else { return }
        buckets[s.expiresAt]?.remove(id)
        if buckets[s.expiresAt]?.isEmpty == true { buckets[s.expiresAt] = nil }
    }

    /// Pushes the session's expiry out; false if the session is unknown or closing. Apache touches
    /// with the timeout negotiated by the session's current connection (`timeout`), which after a
    /// reconnect may differ from the one the session was created with.
    @discardableResult
    public mutating func touch(_ id: Int64, now: Int64, timeout: Int32? = nil) -> Bool {
        guard let s = sessions[id], !s.isClosing else { return false }
        let at = bucket(for: now, timeout: timeout ?? s.timeout)
        if at != s.expiresAt {
            buckets[s.expiresAt]?.remove(id)
            if buckets[s.expiresAt]?.isEmpty == true { buckets[s.expiresAt] = nil }
            buckets[at, default: []].insert(id)
            sessions[id]!.expiresAt = at
        }
        return true
    }

    public mutating func setClosing(_ id: Int64) { sessions[id]?.isClosing = true }
    public mutating func setConnection(_ id: Int64, _ conn: ConnectionID?) { sessions[id]?.connection = conn }

    /// Sessions whose bucket is at or before `now`, oldest bucket first, ids sorted; they are
    /// marked closing.
    public mutating func expire(now: Int64) -> [Int64] {
        let due = buckets.keys.filter { $0 <= now }.sorted()
        var out: [Int64] = []
        for at in due {
            guard let ids = buckets.removeValue(forKey: at) else { continue }
            for id in ids.sorted() where sessions[id]?.isClosing == false {
                sessions[id]!.isClosing = true
                out.append(id)
            }
        }
        return out
    }
}
