import NIOCore
import ZooKeeperProtocol

/// A successful reply: the decoded body and the zxid of the reply header.
public struct Reply: Sendable {
    public var response: Response
    public var zxid: Int64
}

/// What the shell must do after an input. Effects are executed in order.
enum ClientEffect<Token> {
    /// Open a connection to the next host (the shell picks it) and call `connectionOpened` or
    /// `connectionFailed`.
    case openConnection
    /// Close the current connection (the shell then calls `connectionLost`).
    case closeConnection
    case complete(Token, Result<Reply, KeeperError>)
    /// Deliver an event to these watchers (0 is the default watcher).
    case deliver(WatchedEvent, to: [WatcherID])
    case state(ConnectionState)
}

/// The client side of a ZooKeeper session, as a pure state machine (Apache's `ClientCnxn` without
/// threads or sockets): it frames requests into `outbound`, matches replies in FIFO order, keeps the
/// watch table, re-establishes the session after a connection loss and decides when to ping and
/// when a connection is dead. Time arrives as milliseconds from a monotonic clock.
///
/// Guarantees: requests are sent in submission order and each gets exactly one completion; a
/// request sent on a connection that is lost fails with `.connectionLoss` and is never re-sent;
/// requests not yet sent when a connection drops are sent after the reconnect; every watch is
/// re-registered (SetWatches with the last zxid seen) before them; a watch event is delivered
/// (as an effect) before the completion of any reply that arrived after it; the terminal states
/// are entered once and fail everything pending.
struct ClientCore<Token> {
    struct Settings {
        /// Requested session timeout (ms).
        var sessionTimeout: Int32
        var canBeReadOnly: Bool
        /// Requests sent and not yet answered, at most.
        var maxInFlight: Int
        var hostCount: Int
        var limits: JuteLimits
        /// The chroot: client paths <-> server paths.
        var paths: ConnectString
    }

    enum Phase: Equatable {
        /// No connection; the next attempt is due at `retryAt`.
        case waiting(retryAt: Int64)
        /// A connection attempt is under way (TCP or handshake) since `since`.
        case connecting(since: Int64, handshakeSent: Bool)
        case connected
        /// `close()` was asked; closeSession is queued or in flight.
        case closing
        case terminal(ConnectionState)
    }

    struct Pending {
        var xid: Int32
        var op: OpCode
        var token: Token?
        var registration: WatchRegistration?
    }

    struct Queued {
        var request: Request
        var token: Token
        var registration: WatchRegistration?
    }

    let settings: Settings
    private(set) var phase: Phase = .waiting(retryAt: 0)
    private(set) var publicState: ConnectionState = .connecting
    private(set) var sessionId: Int64 = 0
    private(set) var password = [UInt8](repeating: 0, count: 16)
    private(set) var negotiatedTimeout: Int32 = 0
    private(set) var lastZxid: Int64 = 0
    private(set) var watches = WatchRegistry()
    private var nextXid: Int32 = 1
    private var sent: CircularBuffer<Pending> = CircularBuffer()
    private var unsent: CircularBuffer<Queued> = []
    /// Credentials re-sent after every reconnect, with the token of a caller still waiting.
    private var authInfo: [(packet: AuthPacket, token: Token?)] = []
    /// Completions for the auth replies (xid -4) in flight, in order (nil: a re-sent credential).
    private var authReplies = CircularBuffer<Token?>()
    /// Why the last connection was dropped for a bad frame from the server, if one was.
    private(set) var lastProtocolError: String?
    /// When closeSession was written; `close` ends the session locally 2 s later without an answer.
    private var closeSentAt: Int64?
    private var lastSend: Int64 = 0
    private var lastReceive: Int64 = 0
    private var failedAttempts = 0

    /// Bytes to write to the current connection (the shell takes them after each input).
    var outbound: ByteBuffer
    /// Effects of the inputs so far (the shell drains them after each input).
    var effects: [ClientEffect<Token>] = []

    init(settings: Settings, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        precondition(settings.hostCount > 0 && settings.maxInFlight > 0)
        self.settings = settings
        self.outbound = allocator.buffer(capacity: 4096)
    }

    var inFlight: Int { sent.count }
    var queued: Int { unsent.count }

    private var timeout: Int64 { Int64(negotiatedTimeout > 0 ? negotiatedTimeout : settings.sessionTimeout) }
    /// Apache: readTimeout = 2/3 of the timeout; a ping after idle sending for half of it.
    private var readTimeout: Int64 { timeout * 2 / 3 }
    private var connectTimeout: Int64 { max(1, timeout / Int64(settings.hostCount)) }
    /// Apache's expirationTimeout: 4/3 of the timeout without hearing from any server.
    private var expirationTimeout: Int64 { timeout * 4 / 3 }

    // MARK: inputs

    /// Resumes an existing session instead of creating one (before `start`).
    mutating func resume(sessionId: Int64, password: [UInt8]) {
        self.sessionId = sessionId
        self.password = password
    }

    /// Starts the first connection attempt.
    mutating func start(now: Int64) {
        phase = .waiting(retryAt: now)
        lastReceive = now
        tick(now: now)
    }

    /// Queues a request; it is sent at once when connected and below the in-flight cap.
    mutating func submit(_ request: Request, registration: WatchRegistration?, token: Token, now: Int64) {
        switch phase {
        case .terminal(let state):
            effects.append(.complete(token, .failure(Self.terminalError(state))))
        case .closing:
            effects.append(.complete(token, .failure(KeeperError(.sessionExpired))))
        case .waiting, .connecting, .connected:
            unsent.append(Queued(request: request, token: token, registration: registration))
            sendQueued(now: now)
        }
    }

    /// Adds credentials (sent now if connected, and after every reconnect). `token` completes with
    /// the server's answer to the first sending.
    mutating func addAuth(_ packet: AuthPacket, token: Token, now: Int64) {
        switch phase {
        case .terminal(let state): effects.append(.complete(token, .failure(Self.terminalError(state))))
        case .closing: effects.append(.complete(token, .failure(KeeperError(.sessionExpired))))
        case .connected:
            // In order with the requests asked before it (some may wait for room in flight).
            authInfo.append((packet, nil))
            unsent.append(Queued(request: .auth(packet), token: token, registration: nil))
            sendQueued(now: now)
        case .waiting, .connecting:
            authInfo.append((packet, token))
        }
    }

    /// Sends closeSession after what is queued; the session ends when it is answered (or the
    /// connection drops). `token` completes then.
    mutating func close(token: Token, now: Int64) {
        switch phase {
        case .terminal:
            effects.append(.complete(token, .success(Reply(response: .empty, zxid: lastZxid))))
        case .closing:
            effects.append(.complete(token, .success(Reply(response: .empty, zxid: lastZxid))))
        case .connected:
            unsent.append(Queued(request: .closeSession, token: token, registration: nil))
            sendQueued(now: now)
            phase = .closing
        case .waiting, .connecting:
            // No session to close on a server we can reach: end locally.
            effects.append(.complete(token, .success(Reply(response: .empty, zxid: lastZxid))))
            enterTerminal(.closed)
            effects.append(.closeConnection)
        }
    }

    /// close() did not get its answer in time: end the session locally.
    mutating func forceClose() {
        guard !publicState.isTerminal else { return }
        enterTerminal(.closed)
        effects.append(.closeConnection)
    }

    /// The shell opened a TCP connection: send the handshake and re-establish the session.
    mutating func connectionOpened(now: Int64) {
        guard case .connecting(let since, false) = phase else { return }
        phase = .connecting(since: since, handshakeSent: true)
        outbound.clear()
        let connect = ConnectRequest(lastZxidSeen: lastZxid, timeOut: settings.sessionTimeout,
                                     sessionId: sessionId, passwd: password, readOnly: settings.canBeReadOnly)
        let lengthIndex = outbound.writerIndex
        outbound.writeInteger(Int32(0))
        connect.encode(into: &outbound)
        outbound.setInteger(Int32(outbound.writerIndex - lengthIndex - 4), at: lengthIndex)
        lastSend = now
    }

    /// The connection attempt failed or the connection was lost.
    mutating func connectionLost(now: Int64) {
        outbound.clear()
        switch phase {
        case .terminal:
            return
        case .closing:
            failSent(KeeperError(.connectionLoss))
            enterTerminal(.closed)
        case .connecting:
            failSent(KeeperError(.connectionLoss))
            failedAttempts += 1
            phase = .waiting(retryAt: now + retryDelay())
        case .connected:
            failSent(KeeperError(.connectionLoss))
            failedAttempts = 0
            phase = .waiting(retryAt: now)
            setState(.disconnected)
            effects.append(.deliver(WatchedEvent(type: .none, state: .disconnected, path: nil),
                                    to: [0] + watches.allWatchers()))
        case .waiting:
            return
        }
    }

    /// Apache sleeps up to a second between cycles through the host list; deterministic here:
    /// no delay within a cycle, one second after each full cycle.
    private func retryDelay() -> Int64 {
        failedAttempts % settings.hostCount == 0 ? 1000 : 0
    }

    /// Timers: start due connection attempts, abandon slow ones, ping when idle, drop a connection
    /// the server has been silent on for too long.
    mutating func tick(now: Int64) {
        if sessionId != 0, !publicState.isTerminal, phase != .connected, phase != .closing,
           now - lastReceive >= expirationTimeout {
            // Apache 3.9's client: no server has answered for 4/3 of the session timeout, so every
            // server has expired the session (a server behind the client's zxid refuses it without
            // an answer, so waiting longer would wait forever).
            enterTerminal(.expired)
            effects.append(.closeConnection)
            return
        }
        switch phase {
        case .waiting(let retryAt) where now >= retryAt:
            phase = .connecting(since: now, handshakeSent: false)
            effects.append(.openConnection)
        case .connecting(let since, _) where now - since >= connectTimeout:
            effects.append(.closeConnection)
        case .closing where closeSentAt.map { now - $0 >= 2000 } ?? false:
            forceClose()
        case .connected, .closing:
            if now - lastReceive >= readTimeout {
                effects.append(.closeConnection)
            } else if now - lastSend >= readTimeout / 2 {
                writeFrame(xid: Xid.ping, op: .ping, now: now) { _ in }
            }
        default:
            break
        }
    }

    /// One whole frame from the server (without its length prefix).
    mutating func frameReceived(_ frame: ByteBuffer, now: Int64) {
        lastReceive = now
        if case .connecting(_, true) = phase {
            handshakeReply(frame, now: now)
            return
        }
        var reader = JuteReader(frame, limits: settings.limits)
        let header: ReplyHeader
        do {
            header = try ReplyHeader(from: &reader)
        } catch {
            protocolError("reply header: \(error)")
            return
        }
        switch header.xid {
        case Xid.ping, Xid.setWatches:
            return
        case Xid.notification:
            notification(&reader)
        case Xid.auth:
            authReply(header)
        default:
            reply(header, &reader)
            sendQueued(now: now)
        }
    }

    // MARK: replies

    private mutating func handshakeReply(_ frame: ByteBuffer, now: Int64) {
        var reader = JuteReader(frame, limits: settings.limits)
        let response: ConnectResponse
        do {
            response = try ConnectResponse(from: &reader)
        } catch {
            protocolError("connect response: \(error)")
            return
        }
        guard response.timeOut > 0 else {
            enterTerminal(.expired)
            effects.append(.closeConnection)
            return
        }
        sessionId = response.sessionId
        password = response.passwd
        negotiatedTimeout = response.timeOut
        phase = .connected
        failedAttempts = 0
        let state: ConnectionState = response.readOnly ? .connectedReadOnly : .connected
        setState(state)
        effects.append(.deliver(WatchedEvent(type: .none, state: response.readOnly ? .connectedReadOnly : .syncConnected,
                                             path: nil), to: [0] + watches.allWatchers()))
        primeConnection(now: now)
    }

    /// After the handshake, as Apache: credentials, then watches, then the queued requests.
    private mutating func primeConnection(now: Int64) {
        for index in authInfo.indices {
            let packet = authInfo[index].packet
            authReplies.append(authInfo[index].token)
            authInfo[index].token = nil
            writeFrame(xid: Xid.auth, op: .auth, now: now) { packet.encode(into: &$0) }
        }
        let paths = settings.paths
        for record in watches.setWatchesRecords(relativeZxid: lastZxid, serverPath: { paths.serverPath($0) }) {
            writeFrame(xid: Xid.setWatches, op: record.isVersion2 ? .setWatches2 : .setWatches, now: now) {
                record.encode(into: &$0)
            }
        }
        sendQueued(now: now)
    }

    private mutating func notification(_ reader: inout JuteReader) {
        let raw: WatcherEvent
        do {
            raw = try WatcherEvent(from: &reader)
        } catch {
            protocolError("notification: \(error)")
            return
        }
        guard let type = EventType(rawValue: raw.type) else {
            protocolError("notification: unknown event type \(raw.type)")
            return
        }
        guard let path = settings.paths.clientPath(raw.path) else { return }  // outside the chroot: not ours
        let state = KeeperState(rawValue: raw.state) ?? .syncConnected
        let watchers = watches.trigger(type, path: path)
        guard !watchers.isEmpty else { return }
        effects.append(.deliver(WatchedEvent(type: type, state: state, path: path), to: watchers))
    }

    private mutating func authReply(_ header: ReplyHeader) {
        let token = authReplies.popFirst() ?? nil
        if header.err == ErrorCode.authFailed.rawValue {
            if let token { effects.append(.complete(token, .failure(KeeperError(.authFailed)))) }
            effects.append(.deliver(WatchedEvent(type: .none, state: .authFailed, path: nil), to: [0] + watches.allWatchers()))
            enterTerminal(.authFailed)
            effects.append(.closeConnection)
            return
        }
        if let token {
            let result: Result<Reply, KeeperError> = header.err == 0
                ? .success(Reply(response: .empty, zxid: header.zxid))
                : .failure(KeeperError(ErrorCode(rawValue: header.err) ?? .systemError))
            effects.append(.complete(token, result))
        }
    }

    private mutating func reply(_ header: ReplyHeader, _ reader: inout JuteReader) {
        guard let pending = sent.first, pending.xid == header.xid else {
            // Apache: "Xid out of order" -> connection loss
            protocolError("Xid out of order. Got Xid \(header.xid) expected Xid \(sent.first.map { String($0.xid) } ?? "none")")
            return
        }
        sent.removeFirst()
        if header.zxid > 0 { lastZxid = header.zxid }
        let code = ErrorCode(rawValue: header.err) ?? .systemError
        if let registration = pending.registration {
            if code == .ok || (code == .noNode && registration.kind == .exist) {
                var registration = registration
                if pending.op == .exists && code == .ok { registration.kind = .data }
                watches.add(registration)
            }
        }
        let result: Result<Reply, KeeperError>
        if code == .ok || (pending.op == .multi && !reader.isAtEnd) {
            do {
                result = .success(Reply(response: try Response(op: pending.op, from: &reader), zxid: header.zxid))
            } catch {
                if let token = pending.token { effects.append(.complete(token, .failure(KeeperError(.marshallingError)))) }
                protocolError("reply to \(pending.op): \(error)")
                return
            }
        } else {
            result = .failure(KeeperError(code))
        }
        if pending.op == .closeSession {
            enterTerminal(.closed)
            effects.append(.closeConnection)
        }
        if let token = pending.token { effects.append(.complete(token, result)) }
    }

    // MARK: sending

    private mutating func sendQueued(now: Int64) {
        guard phase == .connected || phase == .closing else { return }
        while sent.count < settings.maxInFlight, let next = unsent.popFirst() {
            if case .auth(let packet) = next.request {
                authReplies.append(next.token)
                writeFrame(xid: Xid.auth, op: .auth, now: now) { packet.encode(into: &$0) }
                continue
            }
            if case .closeSession = next.request { closeSentAt = now }
            let xid = nextXid
            nextXid = nextXid == Int32.max ? 1 : nextXid + 1
            let op = next.request.opCode
            sent.append(Pending(xid: xid, op: op, token: next.token, registration: next.registration))
            let request = next.request
            writeFrame(xid: xid, op: op, now: now) { request.encode(into: &$0) }
        }
    }

    /// Appends one length-prefixed frame (RequestHeader + body) to `outbound`.
    private mutating func writeFrame(xid: Int32, op: OpCode, now: Int64, body: (inout ByteBuffer) -> Void) {
        let lengthIndex = outbound.writerIndex
        outbound.writeInteger(Int32(0))
        outbound.writeInteger(xid)
        outbound.writeInteger(op.rawValue)
        body(&outbound)
        outbound.setInteger(Int32(outbound.writerIndex - lengthIndex - 4), at: lengthIndex)
        lastSend = now
    }

    // MARK: failure

    /// The server sent something this client cannot use: drop the connection (the session goes on
    /// on the next one) and keep the reason for `lastProtocolError`.
    private mutating func protocolError(_ reason: String) {
        lastProtocolError = reason
        effects.append(.closeConnection)
    }

    private mutating func failSent(_ error: KeeperError) {
        while let pending = sent.popFirst() {
            if let token = pending.token { effects.append(.complete(token, .failure(error))) }
        }
        while let token = authReplies.popFirst() {
            if let token { effects.append(.complete(token, .failure(error))) }
        }
    }

    private mutating func enterTerminal(_ state: ConnectionState) {
        guard !publicState.isTerminal else { return }
        phase = .terminal(state)
        setState(state)  // first: a caller woken by the failures below sees the terminal state
        let error = Self.terminalError(state)
        failSent(error)
        while let queued = unsent.popFirst() { effects.append(.complete(queued.token, .failure(error))) }
        for index in authInfo.indices {
            if let token = authInfo[index].token { effects.append(.complete(token, .failure(error))) }
            authInfo[index].token = nil
        }
        let eventState: KeeperState = state == .expired ? .expired : state == .authFailed ? .authFailed : .closed
        if state != .authFailed {
            effects.append(.deliver(WatchedEvent(type: .none, state: eventState, path: nil), to: [0] + watches.allWatchers()))
        }
        watches.removeAll()
    }

    private mutating func setState(_ state: ConnectionState) {
        guard publicState != state else { return }
        publicState = state
        effects.append(.state(state))
    }

    /// Apache's `conLossPacket`: SESSIONEXPIRED once closed or expired, AUTHFAILED after an auth failure.
    static func terminalError(_ state: ConnectionState) -> KeeperError {
        state == .authFailed ? KeeperError(.authFailed) : KeeperError(.sessionExpired)
    }

    // MARK: watch bookkeeping asked by the shell

    mutating func removeLocalWatches(path: String, type: WatcherType) -> [(WatcherID, EventType)] {
        watches.remove(path: path, type: type)
    }

    mutating func forget(watcher: WatcherID) { watches.remove(watcher: watcher) }

    func hasWatches(path: String, type: WatcherType) -> Bool { watches.contains(path: path, type: type) }
}
