import CorralCore
import CorralStorage
import Logging
import NIOCore
import ZooKeeperProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock milliseconds, the only clock the core ever sees.
func wallClockMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Monotonic milliseconds (Java's `System.nanoTime() / 1_000_000` on Linux), for latencies and
/// Apache's `lresp`/uptime values.
func monotonicMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Shell settings the driver needs besides the core's.
public struct DriverSettings: Sendable {
    /// Requests a connection may have unanswered before the server stops reading from it.
    public var maxOutstandingPerConnection = 1000
    /// Apache's maxClientCnxns: concurrent connections per client IP (0 = unlimited).
    public var maxClientConnectionsPerHost = 60
    /// Milliseconds a connection may stay open without a ConnectRequest.
    public var sessionlessConnectionTimeout: Int64 = 10_000
    /// DIGEST-MD5 users of the JAAS `Server` section; nil when SASL is not configured.
    public var saslUsers: [String: String]?
    public init() {}
}

/// The one shell around `ServerCore`: feeds it inputs, carries out its effects in order, and owns
/// the connections. Confined to a single event loop; every method must be called on it.
final class ServerDriver: @unchecked Sendable {
    struct ConnectionState {
        let channel: Channel
        let remoteAddress: String
        var out: ByteBuffer?
        var outstanding = 0
        var readPaused = false
        /// The channel's outbound buffer is above its high-water mark: the client is not reading
        /// its replies, so the server stops reading its requests (outbound backpressure).
        var unwritable = false
        var closing = false
        var handshakeDone = false
        let openedAt: Int64
        /// Wall-clock time of the last packet read (Apache touches the connection expiry queue).
        var lastActivity: Int64
        /// The negotiated session timeout, 0 until a session is established.
        var sessionTimeout: Int32 = 0
        /// Whether this connection sent a four-letter word (Apache cancels its selection key, so
        /// it reports interest ops 0).
        var isFourLetterWord = false
        /// The SASL negotiation in progress or done on this connection.
        var sasl: SASLDigestMD5Server?
        var stats = ConnectionStats()
    }

    let logger: Logger
    let settings: DriverSettings
    let fourLetterWords: FourLetterWordResponder
    var core: ServerCore
    var connections: [ConnectionID: ConnectionState] = [:]
    var connectionsPerHost: [String: Int] = [:]
    var nextConnectionID: ConnectionID = 1
    var effects: [CoreEffect] = []
    var dirty: [ConnectionID] = []
    var lastLoggedZxid: Int64 = 0
    var stats = ServerStats()
    /// The clocks read at the start of the current input: wall (the core's time) and monotonic.
    var wallNow: Int64
    var monotonicNow: Int64
    /// Monotonic time the driver started (`mntr` uptime).
    let startedAt: Int64
    /// `gtmk`/`stmk`: Apache's text trace mask (default 306).
    var traceMask: Int64 = 306
    /// The txn log and snapshots; nil keeps everything in memory (a txn is durable once logged).
    var persistence: Persistence?

    init(core: ServerCore, settings: DriverSettings, fourLetterWords: FourLetterWordResponder, logger: Logger) {
        self.core = core
        self.settings = settings
        self.fourLetterWords = fourLetterWords
        self.logger = logger
        self.wallNow = wallClockMillis()
        self.monotonicNow = monotonicMillis()
        self.startedAt = monotonicNow
        effects.reserveCapacity(64)
    }

    /// Reads both clocks once per input.
    func readClocks() {
        wallNow = wallClockMillis()
        monotonicNow = monotonicMillis()
    }

    // MARK: - Inputs from connections

    func open(channel: Channel) -> ConnectionID {
        let id = nextConnectionID
        nextConnectionID += 1
        let address = channel.remoteAddress?.ipAddress ?? "0.0.0.0"
        readClocks()
        connections[id] = ConnectionState(channel: channel, remoteAddress: address, openedAt: wallNow,
                                          lastActivity: wallNow)
        let count = connectionsPerHost[address, default: 0] + 1
        connectionsPerHost[address] = count
        if settings.maxClientConnectionsPerHost > 0 && count > settings.maxClientConnectionsPerHost {
            logger.warning("Too many connections from \(address) - max is \(settings.maxClientConnectionsPerHost)")
            close(id)
            return id
        }
        run(.connectionOpened(id, remoteAddress: address))
        return id
    }

    func closed(_ id: ConnectionID) {
        guard let c = connections.removeValue(forKey: id) else { return }
        connectionsPerHost[c.remoteAddress, default: 1] -= 1
        if connectionsPerHost[c.remoteAddress] == 0 { connectionsPerHost[c.remoteAddress] = nil }
        step(.connectionClosed(id))
        flush()
    }

    func connect(_ id: ConnectionID, _ request: ConnectRequest) {
        guard connections[id] != nil else { return }
        readClocks()
        stats.packetsReceived += 1
        connections[id]!.connected(newSession: request.sessionId == 0, wall: wallNow, monotonic: monotonicNow)
        run(.connect(id, request))
    }

    func request(_ id: ConnectionID, xid: Int32, _ request: Request) {
        guard connections[id] != nil, !connections[id]!.closing else { return }
        readClocks()
        stats.packetsReceived += 1
        if connections[id]!.received(xid: xid, op: request.opCode, wall: wallNow, monotonic: monotonicNow,
                                     maxOutstanding: settings.maxOutstandingPerConnection) {
            connections[id]!.channel.setAutoRead(false)
        }
        if case .sasl(let token) = request {
            sasl(id, xid: xid, token: token)
            return
        }
        run(.request(id, xid: xid, request))
    }

    /// Apache answers an unknown request type with UNIMPLEMENTED and then closes the connection.
    func unknownOpcode(_ id: ConnectionID, xid: Int32, type: Int32) {
        logger.warning("Received packet of unknown type \(type) on connection \(id)")
        write(id) { buffer in
            ReplyHeader(xid: xid, zxid: -1, err: ErrorCode.unimplemented.rawValue).encode(into: &buffer)
        }
        close(id)
    }

    func malformed(_ id: ConnectionID, xid: Int32, op: OpCode, reason: JuteError) {
        guard connections[id] != nil else { return }
        logger.info("Malformed \(op) request on connection \(id): \(reason)")
        readClocks()
        stats.packetsReceived += 1
        if connections[id]!.received(xid: xid, op: op, wall: wallNow, monotonic: monotonicNow,
                                     maxOutstanding: settings.maxOutstandingPerConnection) {
            connections[id]!.channel.setAutoRead(false)
        }
        run(.malformedRequest(id, xid: xid, op: op))
    }

    /// Pauses reading while replies pile up unsent; resumes once they drained (and the
    /// outstanding-request limit allows it).
    func writabilityChanged(_ id: ConnectionID, writable: Bool) {
        guard connections[id] != nil else { return }
        connections[id]!.unwritable = !writable
        if !writable && !connections[id]!.readPaused {
            connections[id]!.readPaused = true
            connections[id]!.channel.setAutoRead(false)
        } else if writable && connections[id]!.readPaused
                    && connections[id]!.outstanding <= settings.maxOutstandingPerConnection / 2 {
            connections[id]!.readPaused = false
            resumeReading(id)
        }
    }

    /// True while the connection must not be fed more requests.
    func isReadingPaused(_ id: ConnectionID) -> Bool {
        connections[id]?.readPaused ?? false
    }

    /// Bytes of replies a connection may accumulate before they are handed to the channel, whose
    /// high-water mark then pauses reading.
    static let outputBacklogLimit = 1 << 20

    /// Hands a large pending output to the channel at once instead of at the end of the read, so
    /// the channel's writability (and with it reading) reflects it.
    func flushIfBacklogged(_ id: ConnectionID) {
        guard let out = connections[id]?.out, out.readableBytes >= Self.outputBacklogLimit else { return }
        connections[id]!.out = nil
        connections[id]!.channel.writeAndFlush(out, promise: nil)
    }

    /// Re-enables reading and lets the handler dispatch the frames it held meanwhile — on the
    /// next loop turn, never inside the effect loop that is running now.
    func resumeReading(_ id: ConnectionID) {
        let channel = connections[id]!.channel
        channel.setAutoRead(true)
        channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(ResumeReading()) }
    }

    func reject(_ id: ConnectionID, reason: String) {
        guard connections[id] != nil, !connections[id]!.closing else { return }
        logger.info("Closing connection \(id): \(reason)")
        close(id)
    }

    /// Apache counts the command as a received packet before it runs and its output as a sent
    /// packet after, and lists the command's own connection (interest ops 0) in `stat`/`cons`.
    func fourLetterWord(_ request: FourLetterWordRequest, on id: ConnectionID) {
        guard connections[id] != nil else { return }
        readClocks()
        connections[id]!.isFourLetterWord = true
        connections[id]!.lastActivity = wallNow
        connections[id]!.stats.received += 1
        stats.packetsReceived += 1
        let reply = fourLetterWords.respond(to: request, on: id, driver: self)
        if case .text(let text) = reply, connections[id] != nil {
            // Apache writes the output through an 8 KB Java BufferedWriter and counts each chunk
            // it sends as a packet (none for empty output).
            stats.packetsSent += Int64((text.utf16.count + 8191) / 8192)
            if connections[id]!.out == nil {
                connections[id]!.out = connections[id]!.channel.allocator.buffer(capacity: text.utf8.count)
            }
            connections[id]!.out!.writeString(text)
        }
        close(id)
    }

    /// Carries out a four-letter word's side effect.
    func apply(_ effect: FourLetterWordEffect) {
        switch effect {
        case .resetConnectionStatistics:
            for id in connections.keys { connections[id]!.stats.reset() }
        case .resetServerStatistics:
            stats.reset()
        case .setTraceMask(let mask):
            traceMask = mask
        }
    }

    func tick() {
        step(.tick)
        closeIdleHandshakes(now: wallNow)
        flush()
    }

    /// Apache drops connections that send no ConnectRequest within `sessionlessCnxnTimeout` (10 s).
    func closeIdleHandshakes(now: Int64) {
        for (id, c) in connections where !c.handshakeDone && !c.closing
            && now - c.openedAt >= settings.sessionlessConnectionTimeout {
            reject(id, reason: "no session established within \(settings.sessionlessConnectionTimeout) ms")
        }
    }

    // MARK: - Persistence

    /// Connects the persistence layer's callbacks to this driver (on the loop, before serving).
    func attach(_ persistence: Persistence) {
        self.persistence = persistence
        persistence.log.onCommit = { [unowned self] outcome in self.committed(outcome) }
    }

    /// A group commit finished: the txns up to its zxid are durable and may be applied and
    /// answered; after a log roll a snapshot starts (unless one is still running, as Apache's
    /// "Too busy to snap, skipping").
    func committed(_ outcome: CommitOutcome) {
        if let error = outcome.error, core.isLogWritable {
            logger.error("Cannot write the txn log: \(error). Until it works again, writes are refused with THROTTLEDOP, new sessions are refused, reads are served; pending writes are retried every second.")
            run(.logWritable(false))
        } else if outcome.error == nil, !core.isLogWritable {
            logger.info("The txn log is writable again; writes resume")
            run(.logWritable(true))
        }
        if let zxid = outcome.durableZxid {
            readClocks()
            run(.durable(upTo: zxid))
        }
        if outcome.rolled { startSnapshot() }
        flush()
    }

    func startSnapshot() {
        guard let persistence else { return }
        if !persistence.snapshots.start(core, tree: { [unowned self] in self.core.tree }) {
            logger.warning("Too busy to snap, skipping")
        }
    }

    // MARK: - Running the core

    func step(_ input: CoreInput) {
        readClocks()
        run(input)
    }

    /// Runs the core on `input` at the clocks already read for it.
    func run(_ input: CoreInput) {
        core.step(input, now: wallNow, into: &effects)
        var i = 0
        while true {
            while i < effects.count {
                execute(effects[i])
                i += 1
            }
            // In-memory persistence: a logged txn is durable at once.
            guard persistence == nil, lastLoggedZxid > core.lastAppliedZxid else { break }
            core.step(.durable(upTo: lastLoggedZxid), now: wallNow, into: &effects)
        }
        effects.removeAll(keepingCapacity: true)
    }

    func execute(_ effect: CoreEffect) {
        switch effect {
        case .connectResponse(let id, let response):
            write(id) { response.encode(into: &$0) }
            if connections[id] != nil, response.sessionId != 0,
               let latency = connections[id]!.sessionEstablished(response, zxid: core.lastAppliedZxid,
                                                                  monotonic: monotonicNow) {
                stats.latency.record(latency)
            }
        case .reply(let id, let header, let response):
            let size = write(id) { buffer in
                header.encode(into: &buffer)
                response.encode(into: &buffer)
            }
            replied(id, header, size: size)
        case .watchEvent(let id, let event, let zxid):
            write(id) { buffer in
                ReplyHeader(xid: Xid.notification, zxid: zxid, err: 0).encode(into: &buffer)
                event.encode(into: &buffer)
            }
        case .close(let id, let reason):
            logger.debug("Closing connection \(id): \(reason)")
            close(id)
        case .log(let txn):
            lastLoggedZxid = txn.header.zxid
            persistence?.log.append(txn)
        }
    }

    /// Accounts for a reply (Apache's FinalRequestProcessor `updateStats` and response size);
    /// `size` is the frame length written, nil when nothing was written.
    func replied(_ id: ConnectionID, _ header: ReplyHeader, size: Int?) {
        guard connections[id] != nil else { return }
        let answered = connections[id]!.answered(header, monotonic: monotonicNow,
                                                 resumeAt: settings.maxOutstandingPerConnection / 2)
        if answered.resume {
            resumeReading(id)
        }
        guard let op = answered.op else { return }
        stats.latency.record(answered.latency)
        // Apache records the response size of every reply except pings (and session creation,
        // which is no reply).
        if op != .ping, let size { stats.responseSizes.record(Int32(truncatingIfNeeded: size)) }
    }

    /// Appends one length-prefixed frame to the connection's pending output; returns the frame's
    /// length (without the prefix), nil when the connection is closing.
    @discardableResult
    func write(_ id: ConnectionID, _ body: (inout ByteBuffer) -> Void) -> Int? {
        guard connections[id] != nil, !connections[id]!.closing else { return nil }
        if connections[id]!.out == nil {
            connections[id]!.out = connections[id]!.channel.allocator.buffer(capacity: 256)
            dirty.append(id)
        }
        let start = connections[id]!.out!.writerIndex
        connections[id]!.out!.writeInteger(Int32(0))
        body(&connections[id]!.out!)
        let length = connections[id]!.out!.writerIndex - start - 4
        connections[id]!.out!.setInteger(Int32(length), at: start)
        // Apache counts every frame it sends: replies, notifications, the connect response.
        connections[id]!.stats.sent += 1
        stats.packetsSent += 1
        return length
    }

    /// Writes every connection's pending output with one flush each, and starts the next group
    /// commit if the log is idle (so a burst of requests read together shares one fsync).
    func flush() {
        persistence?.log.commitIfIdle()
        for id in dirty {
            guard let out = connections[id]?.out else { continue }
            connections[id]!.out = nil
            connections[id]!.channel.writeAndFlush(out, promise: nil)
        }
        dirty.removeAll(keepingCapacity: true)
    }

    /// Closes after the connection's pending output is written: stops reading, sends what is
    /// pending, half-closes (FIN) so the client reads the last reply before it sees the end (a
    /// full close with unread input would send a reset that can destroy that reply), and closes
    /// fully a second later.
    func close(_ id: ConnectionID) {
        guard let c = connections[id], !c.closing else { return }
        connections[id]!.closing = true
        connections[id]!.out = nil
        let channel = c.channel
        channel.setAutoRead(false)
        let written = c.out.map { channel.writeAndFlush($0) } ?? channel.eventLoop.makeSucceededVoidFuture()
        written.whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }
}

/// Counters the four-letter words report (Apache `ServerStats`); `srst` resets them.
struct ServerStats {
    var packetsReceived: Int64 = 0
    var packetsSent: Int64 = 0
    var latency = LatencyStatistics()
    var responseSizes = BufferSizeStatistics()

    mutating func reset() { self = ServerStats() }
}

/// A connection's counters (Apache `ServerCnxn` statistics); `crst` resets them. A new
/// connection starts from Java's field defaults, as in Apache: `lop=null`, `lcxid=0x0`,
/// `lzxid=0x0` and a minimum latency of 0 that never rises; `crst` starts from "NA", -1 and an
/// empty minimum.
struct ConnectionStats {
    var received: Int64 = 0
    var sent: Int64 = 0
    var lastZxid: Int64 = 0
    /// The last non-negative xid answered.
    var lastCxid: Int64 = 0
    /// Apache's name of the last answered operation (`ConnectionInfo.lastOperationName(for:)`).
    var lastOperation = "null"
    /// Monotonic time of the last response, 0 when none.
    var lastResponseTime: Int64 = 0
    var lastLatency: Int64 = 0
    var latencyCount: Int64 = 0
    var latencyTotal: Int64 = 0
    var minLatency: Int64 = 0
    var maxLatency: Int64 = 0
    /// Requests awaiting their reply, with their receive times. Not statistics: survives `crst`.
    var pending = PendingRequests()

    var latency: LatencyStatistics {
        LatencyStatistics(count: latencyCount, total: latencyTotal,
                          min: minLatency == .max ? 0 : minLatency, max: maxLatency)
    }

    /// Apache `ServerCnxn.updateStatsForResponse`.
    mutating func recordResponse(cxid: Int32, zxid: Int64, op: OpCode, at time: Int64, latency elapsed: Int64) {
        if cxid >= 0 { lastCxid = Int64(cxid) }
        lastZxid = zxid
        lastOperation = ConnectionInfo.lastOperationName(for: op)
        lastResponseTime = time
        lastLatency = elapsed
        if elapsed < minLatency { minLatency = elapsed }
        if elapsed > maxLatency { maxLatency = elapsed }
        latencyCount += 1
        latencyTotal += elapsed
    }

    /// Apache `ServerCnxn.resetStats`.
    mutating func reset() {
        let pending = self.pending
        self = ConnectionStats()
        self.pending = pending
        (lastZxid, lastCxid, lastOperation, minLatency) = (-1, -1, "NA", .max)
    }
}

/// The receive times of a connection's unanswered requests, oldest first. Replies come back in
/// request order except auth, which Apache answers at once; a reply is matched by xid, normally
/// at the head. Grows to the connection's outstanding-request high-water mark and then stops
/// allocating; beyond `limit` the oldest entries are forgotten (their replies go unmeasured).
struct PendingRequests {
    struct Item {
        var xid: Int32
        var op: OpCode
        var time: Int64
    }

    private var entries: [Item] = []
    private var head = 0
    static let limit = 4096

    var count: Int { entries.count - head }

    mutating func push(_ entry: Item) {
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
        if entries.count - head >= Self.limit { head += 1 }
        entries.append(entry)
    }

    /// Removes and returns the oldest entry with `xid` (and `op`, when given), nil when there is
    /// none.
    mutating func pop(xid: Int32, op: OpCode? = nil) -> Item? {
        guard head < entries.count else { return nil }
        if entries[head].xid == xid && (op == nil || entries[head].op == op) {
            head += 1
            return entries[head - 1]
        }
        guard let i = entries[head...].firstIndex(where: { $0.xid == xid && (op == nil || $0.op == op) })
        else { return nil }
        return entries.remove(at: i)
    }
}

extension ServerDriver.ConnectionState {
    /// A ConnectRequest arrived. A new session is answered through Apache's request pipeline
    /// (op "SESS", cxid 0), so it is timed like a request; a reconnect is not.
    mutating func connected(newSession: Bool, wall: Int64, monotonic: Int64) {
        handshakeDone = true
        lastActivity = wall
        stats.received += 1
        if newSession { stats.pending.push(.init(xid: 0, op: .createSession, time: monotonic)) }
    }

    /// A request arrived; true when reading must now pause (too many outstanding requests).
    mutating func received(xid: Int32, op: OpCode, wall: Int64, monotonic: Int64, maxOutstanding: Int) -> Bool {
        lastActivity = wall
        stats.received += 1
        stats.pending.push(.init(xid: xid, op: op, time: monotonic))
        outstanding += 1
        guard outstanding >= maxOutstanding && !readPaused else { return false }
        readPaused = true
        return true
    }

    /// The session is established: records its timeout and, for a new session, the "SESS"
    /// response. Returns the latency to add to the server's statistics, if any.
    mutating func sessionEstablished(_ response: ConnectResponse, zxid: Int64, monotonic: Int64) -> Int64? {
        sessionTimeout = response.timeOut
        guard let entry = stats.pending.pop(xid: 0, op: .createSession) else { return nil }
        let latency = monotonic - entry.time
        stats.recordResponse(cxid: 0, zxid: zxid, op: .createSession, at: monotonic, latency: latency)
        return latency
    }

    /// A reply went out. `op` is nil when the reply is not timed (auth, or no matching request);
    /// `resume` is true when reading may resume.
    mutating func answered(_ header: ReplyHeader, monotonic: Int64, resumeAt: Int)
        -> (op: OpCode?, latency: Int64, resume: Bool) {
        outstanding -= 1
        var resume = false
        if readPaused && outstanding <= resumeAt && !unwritable {
            readPaused = false
            resume = true
        }
        guard let entry = stats.pending.pop(xid: header.xid), entry.op != .auth else { return (nil, 0, resume) }
        let latency = monotonic - entry.time
        stats.recordResponse(cxid: header.xid, zxid: header.zxid, op: entry.op, at: monotonic, latency: latency)
        return (entry.op, latency, resume)
    }
}

extension Channel {
    func setAutoRead(_ on: Bool) {
        if let sync = syncOptions {
            do {
                try sync.setOption(ChannelOptions.autoRead, value: on)
            } catch {
                // Only fails on a closed channel, which reads nothing anyway.
                return
            }
        }
    }
}
