import NIOCore
import ZooKeeperProtocol

/// When a session measures and when it stops, in monotonic nanoseconds (`NIODeadline.uptimeNanoseconds`).
struct RunSchedule: Sendable, Equatable {
    /// Requests sent at or after this instant are measured.
    var measureStart: UInt64
    /// Duration mode: no request is sent at or after this instant, and replies after it are not
    /// measured. Nil in ops mode.
    var measureEnd: UInt64?
    /// Ops mode: how many measured requests this session sends. Nil in duration mode.
    var quota: Int?
}

/// Why a session gave up. Any of these ends the whole run with an error.
public enum SessionFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered the handshake with a timeout <= 0 (Apache: session expired/refused).
    case sessionRefused
    /// A frame too short for what it must hold, or an undecodable handshake.
    case malformedFrame(String)
    /// A reply whose xid is not the oldest outstanding request's (ZooKeeper answers in order).
    case unexpectedXid(expected: Int32?, got: Int32)
    /// A create reply whose path is not `<prefix><up to 15 bytes>`.
    case unexpectedCreatePath
    /// Requests outstanding and no reply for this many ms.
    case noReply(milliseconds: Int)
    case connectionClosed
    /// A frame longer than the limit (16 MiB) or with a negative length.
    case network(String)

    public var description: String {
        switch self {
        case .sessionRefused: return "the server refused the session (negotiated timeout <= 0)"
        case .malformedFrame(let what): return "malformed frame from the server: \(what)"
        case .unexpectedXid(let expected, let got):
            return "reply with xid \(got), expected \(expected.map(String.init) ?? "none") (replies must come in request order)"
        case .unexpectedCreatePath: return "create reply path does not start with the requested prefix"
        case .noReply(let ms): return "no reply for \(ms) ms with requests outstanding"
        case .connectionClosed: return "the server closed the connection"
        case .network(let e): return "network error: \(e)"
        }
    }
}

/// The protocol logic of one benchmark session, free of I/O and clocks (time comes in as
/// arguments): the handshake, keeping `depth` requests in flight with the op sequence, matching
/// replies (read by header only) to requests in order, measuring, and closing the session.
///
/// Phases: awaitingHandshake -> ready (handshake done) -> running (after `start`) -> draining
/// (no new requests; waits for outstanding replies) -> closing (closeSession sent) -> finished.
struct SessionCore: Sendable {
    enum Phase: Equatable { case awaitingHandshake, ready, running, draining, closing, finished }

    struct InFlight: Sendable {
        var xid: Int32
        var op: BenchOp
        var tracksName: Bool
        var sentAt: UInt64
    }

    /// Reply header: xid (4), zxid (8), err (4).
    static let replyHeaderSize = 16
    /// Created names kept as `String` stay inline (no allocation) up to 15 UTF-8 bytes.
    static let maxCreatedSuffix = 15

    private(set) var phase = Phase.awaitingHandshake
    private(set) var stats: SessionStats
    /// The session id the server gave (0 before the handshake).
    private(set) var sessionId: Int64 = 0

    private let frames: RequestFrames
    private var sequence: OpSequence
    private let depth: Int
    private let replyTimeoutNanos: UInt64
    private var schedule = RunSchedule(measureStart: .max)
    private var inFlight: CircularBuffer<InFlight>
    /// Names (after the prefix) of created nodes not yet deleted, oldest first.
    private var createdNames = CircularBuffer<String>()
    private var trackedCreatesInFlight = 0
    /// A drawn op waiting to be sent (a delete waiting for a create's reply).
    private var held: OpDraw?
    private var nextXid: Int32 = 1
    private var closeXid: Int32 = 0
    private var measuredSent = 0
    /// When the oldest outstanding request last saw progress (a reply, or its own send).
    private var lastProgress: UInt64 = 0

    init(frames: RequestFrames, sequence: OpSequence, mix: OpMix, depth: Int, replyTimeoutMs: Int) {
        precondition(depth >= 1, "depth must be at least 1")
        self.frames = frames
        self.sequence = sequence
        self.depth = depth
        replyTimeoutNanos = UInt64(replyTimeoutMs) * 1_000_000
        stats = SessionStats(mix: mix)
        inFlight = CircularBuffer(initialCapacity: depth + 1)
    }

    /// Moves to `running` with `schedule`. Precondition: phase is `ready`.
    mutating func start(_ schedule: RunSchedule, now: UInt64) {
        precondition(phase == .ready, "start before the handshake")
        self.schedule = schedule
        phase = .running
        lastProgress = now
    }

    /// Handles one whole frame (without its length prefix) that arrived at `now`.
    mutating func receive(_ frame: ByteBuffer, now: UInt64) throws(SessionFailure) {
        switch phase {
        case .awaitingHandshake: try receiveHandshake(frame)
        case .ready, .running, .draining, .closing: try receiveReply(frame, now: now)
        case .finished: break
        }
    }

    private mutating func receiveHandshake(_ frame: ByteBuffer) throws(SessionFailure) {
        let response: ConnectResponse
        do {
            response = try ConnectResponse.decode(frame)
        } catch {
            throw .malformedFrame("handshake: \(error)")
        }
        guard response.timeOut > 0 else { throw .sessionRefused }
        sessionId = response.sessionId
        phase = .ready
    }

    private mutating func receiveReply(_ frame: ByteBuffer, now: UInt64) throws(SessionFailure) {
        let at = frame.readerIndex
        guard frame.readableBytes >= Self.replyHeaderSize,
              let xid = frame.getInteger(at: at, endianness: .big, as: Int32.self),
              let err = frame.getInteger(at: at + 12, endianness: .big, as: Int32.self)
        else { throw .malformedFrame("reply shorter than its header") }
        if xid == Xid.notification || xid == Xid.ping { return }
        if phase == .closing {
            guard xid == closeXid else { throw .unexpectedXid(expected: closeXid, got: xid) }
            phase = .finished
            return
        }
        guard let request = inFlight.first, request.xid == xid else {
            throw .unexpectedXid(expected: inFlight.first?.xid, got: xid)
        }
        inFlight.removeFirst()
        lastProgress = now
        if request.sentAt >= schedule.measureStart && now <= schedule.measureEnd ?? .max {
            stats.record(request.op, sentAt: request.sentAt, repliedAt: now, err: err)
        }
        if request.tracksName {
            trackedCreatesInFlight -= 1
            if err == 0 { createdNames.append(try Self.createdSuffix(frame, prefix: frames.createPrefix)) }
        }
    }

    /// The part after `prefix` of the path in a successful create reply.
    static func createdSuffix(_ frame: ByteBuffer, prefix: [UInt8]) throws(SessionFailure) -> String {
        let at = frame.readerIndex + replyHeaderSize
        guard let length = frame.getInteger(at: at, endianness: .big, as: Int32.self),
              length >= 0, Int(length) <= frame.readableBytes - replyHeaderSize - 4
        else { throw .malformedFrame("create reply without a path") }
        let suffixLength = Int(length) - prefix.count
        guard suffixLength >= 0, suffixLength <= maxCreatedSuffix,
              frame.getBytes(at: at + 4, length: prefix.count) == prefix,
              let suffix = frame.getString(at: at + 4 + prefix.count, length: suffixLength)
        else { throw .unexpectedCreatePath }
        return suffix
    }

    /// Sends what can be sent at `now` into `out`: new requests up to `depth` in flight while
    /// running, then closeSession once drained.
    mutating func fill(into out: inout ByteBuffer, now: UInt64) {
        if phase == .running && shouldStop(now: now) { phase = .draining }
        while phase == .running && inFlight.count < depth {
            guard let draw = nextSendable() else { break }
            send(draw, now: now, into: &out)
            if shouldStop(now: now) { phase = .draining }
        }
        if phase == .draining && inFlight.isEmpty {
            closeXid = takeXid()
            out.writeInteger(Int32(8), endianness: .big)
            out.writeInteger(closeXid, endianness: .big)
            out.writeInteger(OpCode.closeSession.rawValue, endianness: .big)
            phase = .closing
        }
    }

    /// Throws when requests are outstanding and nothing moved for the reply timeout.
    func checkProgress(now: UInt64) throws(SessionFailure) {
        let waiting = !inFlight.isEmpty || phase == .closing
        if waiting && now > lastProgress && now - lastProgress > replyTimeoutNanos {
            throw .noReply(milliseconds: Int(replyTimeoutNanos / 1_000_000))
        }
    }

    private func shouldStop(now: UInt64) -> Bool {
        if let end = schedule.measureEnd { return now >= end }
        if let quota = schedule.quota { return measuredSent >= quota }
        return false
    }

    /// The next op that can go out now, or nil when the next op is a delete that must wait for a
    /// create's reply. A delete that can never get a name (its creates failed) is dropped.
    private mutating func nextSendable() -> OpDraw? {
        let draw = held ?? sequence.next()
        held = nil
        guard draw.op == .delete, createdNames.isEmpty else { return draw }
        if trackedCreatesInFlight > 0 {
            held = draw
            return nil
        }
        return nextSendable()
    }

    private mutating func send(_ draw: OpDraw, now: UInt64, into out: inout ByteBuffer) {
        let xid = takeXid()
        if draw.op == .delete {
            frames.writeDelete(suffix: createdNames.removeFirst(), xid: xid, into: &out)
        } else {
            frames.write(draw.op, node: draw.node, xid: xid, into: &out)
        }
        if inFlight.isEmpty { lastProgress = now }
        inFlight.append(InFlight(xid: xid, op: draw.op, tracksName: draw.tracksName, sentAt: now))
        if draw.tracksName { trackedCreatesInFlight += 1 }
        if now >= schedule.measureStart { measuredSent += 1 }
    }

    private mutating func takeXid() -> Int32 {
        defer { nextXid = nextXid == .max ? 1 : nextXid + 1 }
        return nextXid
    }
}

/// The longest reply frame a bench session accepts (a getChildren of a big node fits).
let benchMaxFrame = 16 << 20
