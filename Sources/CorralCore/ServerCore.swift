import ZooKeeperProtocol

/// Per-connection state the core needs: the session bound to it and its authenticated ids.
struct Connection {
    var remoteAddress: String
    var sessionId: Int64?
    var authInfo: [Id]
    /// Whether the client's ConnectRequest carried the readOnly byte (the response mirrors it).
    var sentReadOnly = true
    /// The session timeout negotiated on this connection (Apache's `cnxn.getSessionTimeout()`).
    var timeout: Int32?
}

/// Who is waiting for a txn's result.
enum TxnOrigin {
    case client(ConnectionID, xid: Int32, op: OpCode)
    case connect(ConnectionID, timeout: Int32, sentReadOnly: Bool)
    case server
}

/// A request of one session waiting for that session's earlier writes (per-session FIFO).
enum QueuedRequest {
    case write(zxid: Int64)
    case read(ConnectionID, xid: Int32, Request)
    case failed(ConnectionID, xid: Int32, ErrorCode)
}

/// The deterministic single-server state machine: request preparation (request -> txn or error),
/// application of durable txns to the tree, reads, sessions and watches.
///
/// Guarantees: every state change is a `Txn` with a zxid, handed out by `.log` effects in zxid order
/// and applied only after `.durable(upTo:)`; each session's requests are answered in the order they
/// arrived; a watch event is emitted before any reply that reflects its change.
public struct ServerCore: Sendable {
    public let config: CoreConfig
    public internal(set) var tree: DataTree
    public internal(set) var sessions: SessionTracker
    public internal(set) var dataWatches = WatchTable()
    public internal(set) var childWatches = WatchTable()
    /// The zxid of the last applied txn.
    public internal(set) var lastAppliedZxid: Int64 = 0
    /// The zxid given to the last prepared txn.
    public internal(set) var lastPreparedZxid: Int64 = 0
    var connections: [ConnectionID: Connection] = [:]
    var pending = PendingChanges()
    var inFlight: [(txn: Txn, origin: TxnOrigin)] = []
    var inFlightHead = 0
    var sessionQueues: [Int64: [QueuedRequest]] = [:]
    var now: Int64 = 0
    var nextContainerCheck: Int64 = 0
    /// False while the shell reports that the log cannot be written (`.logWritable`).
    public internal(set) var isLogWritable = true

    public init(config: CoreConfig, startTime: Int64) {
        self.config = config
        self.tree = DataTree(extendedTypesEnabled: config.extendedTypesEnabled)
        self.sessions = SessionTracker(tickTime: Int64(config.tickTime), serverId: config.serverId, startTime: startTime)
        self.now = startTime
        self.nextContainerCheck = startTime + config.containerCheckInterval
    }

    /// Feeds one input; appends the resulting effects to `effects` (which the caller may reuse).
    public mutating func step(_ input: CoreInput, now: Int64, into effects: inout [CoreEffect]) {
        self.now = now
        switch input {
        case .connectionOpened(let conn, let address):
            connections[conn] = Connection(remoteAddress: address, sessionId: nil,
                                           authInfo: [Id(scheme: "ip", id: address)])
        case .connect(let conn, let request):
            handleConnect(conn, request, &effects)
        case .request(let conn, let xid, let request):
            handleRequest(conn, xid: xid, request, &effects)
        case .malformedRequest(let conn, let xid, let op):
            handleMalformed(conn, xid: xid, op: op, &effects)
        case .connectionClosed(let conn):
            connectionClosed(conn)
        case .authenticated(let conn, let id):
            if connections[conn] != nil { addAuth(conn, id) }
        case .tick:
            tick(&effects)
        case .durable(let zxid):
            applyDurable(upTo: zxid, &effects)
        case .logWritable(let writable):
            isLogWritable = writable
        }
    }

    public var connectionCount: Int { connections.count }
    public var outstandingTxns: Int { inFlight.count - inFlightHead }
    public func sessionId(of conn: ConnectionID) -> Int64? { connections[conn]?.sessionId }
    public func authInfo(of conn: ConnectionID) -> [Id] { connections[conn]?.authInfo ?? [] }

    // MARK: - Connections and sessions

    mutating func handleConnect(_ conn: ConnectionID, _ request: ConnectRequest, _ effects: inout [CoreEffect]) {
        guard connections[conn] != nil else { return }
        connections[conn]!.sentReadOnly = request.hasReadOnly
        if request.lastZxidSeen > lastAppliedZxid {
            effects.append(.close(conn, reason: "client has seen zxid 0x\(hex(request.lastZxidSeen)), our last zxid is 0x\(hex(lastAppliedZxid))"))
            return
        }
        let timeout = min(max(request.timeOut, config.minSessionTimeout), config.maxSessionTimeout)
        connections[conn]!.timeout = timeout
        if request.sessionId == 0 {
            guard isLogWritable else {
                effects.append(.close(conn, reason: "the txn log cannot be written; no new sessions"))
                return
            }
            guard sessions.sessions.count < config.maxSessions else {
                effects.append(.close(conn, reason: "too many sessions"))
                return
            }
            let id = sessions.allocateId()
            sessions.add(id: id, timeout: timeout, now: now)
            bind(conn, to: id, &effects)
            let header = TxnHeader(clientId: id, cxid: 0, zxid: nextZxid(), time: now, type: .createSession)
            submit(Txn(header: header, body: .createSession(timeout: timeout)),
                   origin: .connect(conn, timeout: timeout, sentReadOnly: request.hasReadOnly), &effects)
            return
        }
        let id = request.sessionId
        // Apache (processConnectRequest) closes the session's current connection before it checks
        // the password, so even a refused reconnect disconnects the owner.
        detachConnection(of: id, except: conn, reason: "reconnecting on another connection", &effects)
        let valid = sessions.sessions[id].map { !$0.isClosing } ?? false
            && request.passwd == SessionTracker.password(for: id)
        guard valid else {
            effects.append(.connectResponse(conn, ConnectResponse(timeOut: 0, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16),
                                                                  hasReadOnly: request.hasReadOnly)))
            effects.append(.close(conn, reason: "invalid session 0x\(hex(id)), probably expired"))
            return
        }
        sessions.touch(id, now: now, timeout: timeout)
        bind(conn, to: id, &effects)
        effects.append(.connectResponse(conn, ConnectResponse(timeOut: timeout, sessionId: id,
                                                              passwd: SessionTracker.password(for: id),
                                                              hasReadOnly: request.hasReadOnly)))
    }

    /// Makes `conn` the session's connection; an older connection of the same session is closed.
    mutating func bind(_ conn: ConnectionID, to id: Int64, _ effects: inout [CoreEffect]) {
        detachConnection(of: id, except: conn, reason: "moved to another connection", &effects)
        connections[conn]?.sessionId = id
        sessions.setConnection(id, conn)
    }

    /// Closes the session's current connection (other than `conn`), dropping its watches.
    mutating func detachConnection(of id: Int64, except conn: ConnectionID, reason: String, _ effects: inout [CoreEffect]) {
        guard let old = sessions.sessions[id]?.connection, old != conn, connections[old] != nil else { return }
        connections[old]!.sessionId = nil
        dropWatches(old)
        sessions.setConnection(id, nil)
        effects.append(.close(old, reason: "session 0x\(hex(id)) \(reason)"))
    }

    mutating func connectionClosed(_ conn: ConnectionID) {
        guard let c = connections.removeValue(forKey: conn) else { return }
        dropWatches(conn)
        if let id = c.sessionId, sessions.sessions[id]?.connection == conn {
            sessions.setConnection(id, nil)
        }
    }

    mutating func dropWatches(_ conn: ConnectionID) {
        dataWatches.removeConnection(conn)
        childWatches.removeConnection(conn)
    }

    mutating func tick(_ effects: inout [CoreEffect]) {
        for id in sessions.expire(now: now) {
            prepareCloseSession(id, cxid: 0, origin: .server, &effects)
        }
        if now >= nextContainerCheck {
            nextContainerCheck = now + config.containerCheckInterval
            for path in containerCandidates().prefix(config.containerMaxPerMinute) {
                prepareServerDelete(path, &effects)
            }
        }
    }

    // MARK: - Requests

    mutating func handleRequest(_ conn: ConnectionID, xid: Int32, _ request: Request, _ effects: inout [CoreEffect]) {
        guard let c = connections[conn] else { return }
        guard let sid = c.sessionId, let session = sessions.sessions[sid] else {
            effects.append(.close(conn, reason: "request before session was established"))
            return
        }
        if session.isClosing {
            effects.append(.reply(conn, ReplyHeader(xid: xid, zxid: lastAppliedZxid, err: ErrorCode.sessionExpired.rawValue), .empty))
            return
        }
        sessions.touch(sid, now: now, timeout: c.timeout)
        if !isLogWritable && request.opCode.isWrite {
            refuse(conn, sid: sid, xid: xid, .throttledOp, &effects)
            return
        }
        switch request {
        case .auth(let packet):
            handleAuth(conn, xid: xid, packet, &effects)
        case .ping:
            // Liveness, not data: answered at once even behind a write still waiting for the log
            // (clients match ping replies by their reserved xid, outside their request queue), so
            // a slow or full disk does not make clients drop their connections.
            answerRead(conn, xid: xid, request, &effects)
        case .closeSession:
            prepareCloseSession(sid, cxid: xid, origin: .client(conn, xid: xid, op: .closeSession), &effects)
            sessionQueues[sid, default: []].append(.write(zxid: lastPreparedZxid))
        case .create, .delete, .deleteContainer, .setData, .setACL, .check, .multi, .reconfig:
            prepareWrite(conn, sid: sid, xid: xid, request, &effects)
            sessionQueues[sid, default: []].append(.write(zxid: lastPreparedZxid))
        default:
            if sessionQueues[sid] != nil {
                sessionQueues[sid]!.append(.read(conn, xid: xid, request))
            } else {
                answerRead(conn, xid: xid, request, &effects)
            }
        }
    }

    /// Answers a request with `code` without preparing it, after the session's earlier requests.
    mutating func refuse(_ conn: ConnectionID, sid: Int64, xid: Int32, _ code: ErrorCode, _ effects: inout [CoreEffect]) {
        if sessionQueues[sid] != nil {
            sessionQueues[sid]!.append(.failed(conn, xid: xid, code))
        } else {
            effects.append(.reply(conn, ReplyHeader(xid: xid, zxid: lastAppliedZxid, err: code.rawValue), .empty))
        }
    }

    mutating func handleMalformed(_ conn: ConnectionID, xid: Int32, op: OpCode, _ effects: inout [CoreEffect]) {
        guard let sid = connections[conn]?.sessionId, sessions.sessions[sid]?.isClosing == false else {
            effects.append(.close(conn, reason: "malformed request outside a live session"))
            return
        }
        sessions.touch(sid, now: now, timeout: connections[conn]?.timeout)
        if op.isWrite {
            let header = TxnHeader(clientId: sid, cxid: xid, zxid: nextZxid(), time: now, type: .error)
            submit(Txn(header: header, body: .error(.marshallingError)), origin: .client(conn, xid: xid, op: op), &effects)
            sessionQueues[sid, default: []].append(.write(zxid: lastPreparedZxid))
        } else {
            refuse(conn, sid: sid, xid: xid, .marshallingError, &effects)
        }
    }

    mutating func handleAuth(_ conn: ConnectionID, xid: Int32, _ packet: AuthPacket, _ effects: inout [CoreEffect]) {
        switch packet.scheme {
        case "digest":
            let digest = Auth.digest(String(decoding: packet.auth, as: UTF8.self))
            if digest == config.superDigest { addAuth(conn, Auth.superId) }
            addAuth(conn, Id(scheme: "digest", id: digest))
        case "ip":
            addAuth(conn, Id(scheme: "ip", id: connections[conn]!.remoteAddress))
        default:
            effects.append(.reply(conn, ReplyHeader(xid: xid, zxid: 0, err: ErrorCode.authFailed.rawValue), .empty))
            effects.append(.close(conn, reason: "authentication failed for scheme \(packet.scheme)"))
            return
        }
        effects.append(.reply(conn, ReplyHeader(xid: xid, zxid: 0, err: 0), .empty))
    }

    mutating func addAuth(_ conn: ConnectionID, _ id: Id) {
        if !connections[conn]!.authInfo.contains(id) { connections[conn]!.authInfo.append(id) }
    }

    mutating func nextZxid() -> Int64 {
        lastPreparedZxid += 1
        return lastPreparedZxid
    }

    /// Records the txn as in flight and asks the shell to log it.
    mutating func submit(_ txn: Txn, origin: TxnOrigin, _ effects: inout [CoreEffect]) {
        assert(txn.header.zxid == lastPreparedZxid, "txns are submitted in zxid order")
        inFlight.append((txn, origin))
        effects.append(.log(txn))
    }

    // MARK: - Applying durable txns

    mutating func applyDurable(upTo zxid: Int64, _ effects: inout [CoreEffect]) {
        while inFlightHead < inFlight.count, inFlight[inFlightHead].txn.header.zxid <= zxid {
            let (txn, origin) = inFlight[inFlightHead]
            inFlightHead += 1
            let result = apply(txn, &effects)
            pending.retire(upTo: txn.header.zxid)
            finish(txn, origin: origin, result: result, &effects)
        }
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        } else if inFlightHead > 1024 {
            inFlight.removeFirst(inFlightHead)
            inFlightHead = 0
        }
    }

    /// Sends the result of an applied txn to whoever asked, then releases that session's queued reads.
    mutating func finish(_ txn: Txn, origin: TxnOrigin, result: ApplyResult, _ effects: inout [CoreEffect]) {
        switch origin {
        case .server:
            if case .closeSession = txn.body, let conn = result.closedConnection {
                effects.append(.close(conn, reason: "session 0x\(hex(txn.header.clientId)) expired"))
            }
        case .connect(let conn, let timeout, let sentReadOnly):
            guard connections[conn]?.sessionId == txn.header.clientId else { return }
            effects.append(.connectResponse(conn, ConnectResponse(timeOut: timeout, sessionId: txn.header.clientId,
                                                                  passwd: SessionTracker.password(for: txn.header.clientId),
                                                                  hasReadOnly: sentReadOnly)))
        case .client(let conn, let xid, let op):
            let sid = txn.header.clientId
            if connections[conn]?.sessionId == sid {
                let header = ReplyHeader(xid: xid, zxid: lastAppliedZxid, err: result.error.rawValue)
                effects.append(.reply(conn, header, result.error == .ok ? result.response(for: op) : .empty))
                if op == .closeSession {
                    effects.append(.close(conn, reason: "client closed session 0x\(hex(sid))"))
                }
            }
            releaseQueue(of: sid, after: txn.header.zxid, &effects)
        }
    }

    mutating func releaseQueue(of sid: Int64, after zxid: Int64, _ effects: inout [CoreEffect]) {
        guard var queue = sessionQueues.removeValue(forKey: sid) else { return }
        var i = 0
        if case .write(let z)? = queue.first, z == zxid { i = 1 }
        while i < queue.count {
            switch queue[i] {
            case .write:
                break
            case .read(let conn, let xid, let request):
                if connections[conn]?.sessionId == sid { answerRead(conn, xid: xid, request, &effects) }
                i += 1
                continue
            case .failed(let conn, let xid, let code):
                if connections[conn]?.sessionId == sid {
                    effects.append(.reply(conn, ReplyHeader(xid: xid, zxid: lastAppliedZxid, err: code.rawValue), .empty))
                }
                i += 1
                continue
            }
            break
        }
        queue.removeFirst(i)
        if !queue.isEmpty { sessionQueues[sid] = queue }
    }
}

func hex(_ v: Int64) -> String { String(UInt64(bitPattern: v), radix: 16) }
