import CorralCore
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

/// Shell settings the driver needs besides the core's.
public struct DriverSettings: Sendable {
    /// Requests a connection may have unanswered before the server stops reading from it.
    public var maxOutstandingPerConnection = 1000
    /// Apache's maxClientCnxns: concurrent connections per client IP (0 = unlimited).
    public var maxClientConnectionsPerHost = 60
    /// Milliseconds a connection may stay open without a ConnectRequest.
    public var sessionlessConnectionTimeout: Int64 = 10_000
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
        var closing = false
        var handshakeDone = false
        let openedAt: Int64
        var stats = ConnectionStats()
    }

    let loop: EventLoop
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

    init(loop: EventLoop, core: ServerCore, settings: DriverSettings, fourLetterWords: FourLetterWordResponder, logger: Logger) {
        self.loop = loop
        self.core = core
        self.settings = settings
        self.fourLetterWords = fourLetterWords
        self.logger = logger
        effects.reserveCapacity(64)
    }

    // MARK: - Inputs from connections

    func open(channel: Channel) -> ConnectionID {
        let id = nextConnectionID
        nextConnectionID += 1
        let address = channel.remoteAddress?.ipAddress ?? "0.0.0.0"
        connections[id] = ConnectionState(channel: channel, remoteAddress: address, openedAt: wallClockMillis())
        let count = connectionsPerHost[address, default: 0] + 1
        connectionsPerHost[address] = count
        if settings.maxClientConnectionsPerHost > 0 && count > settings.maxClientConnectionsPerHost {
            logger.warning("Too many connections from \(address) - max is \(settings.maxClientConnectionsPerHost)")
            close(id)
            return id
        }
        step(.connectionOpened(id, remoteAddress: address))
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
        connections[id]!.handshakeDone = true
        stats.packetsReceived += 1
        step(.connect(id, request))
    }

    func request(_ id: ConnectionID, xid: Int32, _ request: Request) {
        guard connections[id] != nil else { return }
        stats.packetsReceived += 1
        connections[id]!.stats.received += 1
        connections[id]!.outstanding += 1
        if connections[id]!.outstanding >= settings.maxOutstandingPerConnection && !connections[id]!.readPaused {
            connections[id]!.readPaused = true
            connections[id]!.channel.setAutoRead(false)
        }
        step(.request(id, xid: xid, request))
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
        stats.packetsReceived += 1
        connections[id]!.outstanding += 1
        step(.malformedRequest(id, xid: xid, op: op))
    }

    func reject(_ id: ConnectionID, reason: String) {
        guard connections[id] != nil, !connections[id]!.closing else { return }
        logger.info("Closing connection \(id): \(reason)")
        close(id)
    }

    func fourLetterWord(_ word: String, on id: ConnectionID) {
        guard connections[id] != nil else { return }
        let text = fourLetterWords.respond(word, driver: self)
        if connections[id]!.out == nil {
            connections[id]!.out = connections[id]!.channel.allocator.buffer(capacity: text.utf8.count)
        }
        connections[id]!.out!.writeString(text)
        close(id)
    }

    func tick() {
        step(.tick)
        closeIdleHandshakes(now: wallClockMillis())
        flush()
    }

    /// Apache drops connections that send no ConnectRequest within `sessionlessCnxnTimeout` (10 s).
    func closeIdleHandshakes(now: Int64) {
        for (id, c) in connections where !c.handshakeDone && !c.closing
            && now - c.openedAt >= settings.sessionlessConnectionTimeout {
            reject(id, reason: "no session established within \(settings.sessionlessConnectionTimeout) ms")
        }
    }

    // MARK: - Running the core

    func step(_ input: CoreInput) {
        core.step(input, now: wallClockMillis(), into: &effects)
        var i = 0
        while true {
            while i < effects.count {
                execute(effects[i])
                i += 1
            }
            // In-memory persistence: a logged txn is durable at once.
            guard lastLoggedZxid > core.lastAppliedZxid else { break }
            core.step(.durable(upTo: lastLoggedZxid), now: wallClockMillis(), into: &effects)
        }
        effects.removeAll(keepingCapacity: true)
    }

    func execute(_ effect: CoreEffect) {
        switch effect {
        case .connectResponse(let id, let response):
            write(id) { response.encode(into: &$0) }
        case .reply(let id, let header, let response):
            replied(id, header)
            write(id) { buffer in
                header.encode(into: &buffer)
                response.encode(into: &buffer)
            }
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
        }
    }

    func replied(_ id: ConnectionID, _ header: ReplyHeader) {
        guard connections[id] != nil else { return }
        stats.packetsSent += 1
        connections[id]!.stats.sent += 1
        connections[id]!.stats.lastZxid = header.zxid
        connections[id]!.outstanding -= 1
        if connections[id]!.readPaused && connections[id]!.outstanding <= settings.maxOutstandingPerConnection / 2 {
            connections[id]!.readPaused = false
            connections[id]!.channel.setAutoRead(true)
        }
    }

    /// Appends one length-prefixed frame to the connection's pending output.
    func write(_ id: ConnectionID, _ body: (inout ByteBuffer) -> Void) {
        guard connections[id] != nil, !connections[id]!.closing else { return }
        if connections[id]!.out == nil {
            connections[id]!.out = connections[id]!.channel.allocator.buffer(capacity: 256)
            dirty.append(id)
        }
        let start = connections[id]!.out!.writerIndex
        connections[id]!.out!.writeInteger(Int32(0))
        body(&connections[id]!.out!)
        let length = connections[id]!.out!.writerIndex - start - 4
        connections[id]!.out!.setInteger(Int32(length), at: start)
    }

    /// Writes every connection's pending output with one flush each.
    func flush() {
        for id in dirty {
            guard let out = connections[id]?.out else { continue }
            connections[id]!.out = nil
            connections[id]!.channel.writeAndFlush(NIOAny(out), promise: nil)
        }
        dirty.removeAll(keepingCapacity: true)
    }

    /// Closes after the connection's pending output is written.
    func close(_ id: ConnectionID) {
        guard let c = connections[id], !c.closing else { return }
        connections[id]!.closing = true
        let channel = c.channel
        if let out = c.out {
            connections[id]!.out = nil
            channel.writeAndFlush(NIOAny(out)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            channel.close(promise: nil)
        }
    }
}

/// Counters the four-letter words report.
struct ServerStats {
    var packetsReceived: Int64 = 0
    var packetsSent: Int64 = 0
}

struct ConnectionStats {
    var received: Int64 = 0
    var sent: Int64 = 0
    var lastZxid: Int64 = -1
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
