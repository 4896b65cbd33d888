import Testing
import ZooKeeperProtocol
@testable import CorralCore

/// The clock value every harness starts at (milliseconds); ctime/mtime of nodes created without
/// advancing the clock.
let T0: Int64 = 1_000_000

/// What one connection received from the core, in order.
enum Out: Equatable, CustomStringConvertible {
    case connected(ConnectResponse)
    case reply(xid: Int32, zxid: Int64, err: ErrorCode, Response)
    case event(EventType, String, zxid: Int64)
    case closed

    var description: String {
        switch self {
        case .connected(let r): return "connected(\(r.sessionId), timeout \(r.timeOut))"
        case .reply(let xid, let zxid, let err, let r): return "reply(xid \(xid), zxid \(zxid), \(err), \(r))"
        case .event(let t, let p, let z): return "event(\(t) \(p) @\(z))"
        case .closed: return "closed"
        }
    }

    var isEvent: Bool { if case .event = self { return true } else { return false } }
}

/// The result of one request: the ReplyHeader's zxid and error, and the body.
struct Reply: Equatable, CustomStringConvertible {
    var err: ErrorCode
    var zxid: Int64
    var response: Response
    var description: String { "\(err) @\(zxid) \(response)" }

    var stat: Stat? {
        switch response {
        case .stat(let s), .pathStat(_, let s), .data(_, let s), .children2(_, let s), .acl(_, let s): return s
        default: return nil
        }
    }
}

struct Client {
    let conn: ConnectionID
    let sessionId: Int64
    let passwd: [UInt8]
    let timeout: Int32
}

/// Drives a `ServerCore` through inputs like a shell would: connections, connect handshakes,
/// requests with per-connection xids, and (unless `autoDurable` is off) an immediate
/// `.durable(upTo:)` for every txn the core asks to log. Everything the core sends is recorded per
/// connection, in effect order.
struct Harness {
    var core: ServerCore
    var now: Int64 = T0
    var autoDurable = true
    /// Every txn the core asked to log, in order.
    var logged: [Txn] = []
    /// The zxid of the last txn fed back as durable.
    var durableZxid: Int64 = 0
    /// Outputs per connection since the last `drain`.
    var mailbox: [ConnectionID: [Out]] = [:]
    /// Every output of every connection, in global effect order.
    var history: [(ConnectionID, Out)] = []
    var nextConn: ConnectionID = 1
    var nextXid: [ConnectionID: Int32] = [:]

    init(_ configure: (inout CoreConfig) -> Void = { _ in }) {
        var config = CoreConfig(tickTime: 2000)
        configure(&config)
        core = ServerCore(config: config, startTime: T0)
    }

    mutating func feed(_ input: CoreInput) {
        var effects: [CoreEffect] = []
        core.step(input, now: now, into: &effects)
        var lastLogged: Int64?
        for effect in effects {
            switch effect {
            case .connectResponse(let c, let r): record(c, .connected(r))
            case .reply(let c, let h, let r):
                record(c, .reply(xid: h.xid, zxid: h.zxid, err: ErrorCode(rawValue: h.err)!, r))
            case .watchEvent(let c, let e, let zxid):
                record(c, .event(EventType(rawValue: e.type)!, e.path, zxid: zxid))
                #expect(e.state == KeeperState.syncConnected.rawValue)
            case .close(let c, _): record(c, .closed)
            case .log(let txn):
                #expect(txn.header.zxid == (logged.last?.header.zxid ?? 0) + 1, "txns are logged in zxid order without gaps")
                logged.append(txn)
                lastLogged = txn.header.zxid
            }
        }
        if autoDurable, let z = lastLogged { makeDurable(upTo: z) }
    }

    /// Reports every logged txn up to `zxid` (default: all) as durable.
    mutating func makeDurable(upTo zxid: Int64? = nil) {
        let z = zxid ?? (logged.last?.header.zxid ?? 0)
        durableZxid = z
        feed(.durable(upTo: z))
    }

    mutating func record(_ conn: ConnectionID, _ out: Out) {
        mailbox[conn, default: []].append(out)
        history.append((conn, out))
    }

    /// Everything `conn` received since the last drain.
    mutating func drain(_ conn: ConnectionID) -> [Out] {
        defer { mailbox[conn] = [] }
        return mailbox[conn] ?? []
    }

    /// The watch events `conn` received since the last drain (the mailbox is emptied).
    mutating func events(_ conn: ConnectionID) -> [Out] { drain(conn).filter(\.isEvent) }
    mutating func events(_ c: Client) -> [Out] { events(c.conn) }

    mutating func open(address: String = "127.0.0.1") -> ConnectionID {
        let c = nextConn
        nextConn += 1
        feed(.connectionOpened(c, remoteAddress: address))
        return c
    }

    /// Sends a ConnectRequest; returns what the connection received in response.
    mutating func connect(_ conn: ConnectionID, timeout: Int32 = 30_000, sessionId: Int64 = 0,
                          passwd: [UInt8] = [UInt8](repeating: 0, count: 16), lastZxidSeen: Int64 = 0) -> [Out] {
        _ = drain(conn)
        feed(.connect(conn, ConnectRequest(lastZxidSeen: lastZxidSeen, timeOut: timeout, sessionId: sessionId, passwd: passwd)))
        return drain(conn)
    }

    /// Opens a connection and establishes a new session on it.
    mutating func session(timeout: Int32 = 30_000, address: String = "127.0.0.1") -> Client {
        let conn = open(address: address)
        let outs = connect(conn, timeout: timeout)
        guard case .connected(let r)? = outs.first else {
            Issue.record("no connect response: \(outs)")
            return Client(conn: conn, sessionId: 0, passwd: [], timeout: 0)
        }
        return Client(conn: conn, sessionId: r.sessionId, passwd: r.passwd, timeout: r.timeOut)
    }

    /// Sends a request and returns the xid it used; replies are collected in the mailbox.
    @discardableResult
    mutating func submit(_ conn: ConnectionID, _ request: Request, xid: Int32? = nil) -> Int32 {
        let x = xid ?? (nextXid[conn] ?? 1)
        if xid == nil { nextXid[conn] = x + 1 }
        feed(.request(conn, xid: x, request))
        return x
    }

    /// Sends a request and returns its reply, taking it out of the mailbox (events and other
    /// outputs stay there).
    @discardableResult
    mutating func send(_ c: Client, _ request: Request) -> Reply { send(c.conn, request) }

    @discardableResult
    mutating func send(_ conn: ConnectionID, _ request: Request) -> Reply {
        // Clients send ping, auth and setWatches with their reserved xids.
        let special: Int32?
        switch request {
        case .ping: special = Xid.ping
        case .setWatches: special = Xid.setWatches
        case .auth: special = Xid.auth
        default: special = nil
        }
        let x = submit(conn, request, xid: special)
        guard let i = mailbox[conn]?.lastIndex(where: { if case .reply(x, _, _, _) = $0 { return true } else { return false } }),
              case .reply(_, let zxid, let err, let r) = mailbox[conn]![i] else {
            Issue.record("no reply to xid \(x): \(mailbox[conn] ?? [])")
            return Reply(err: .systemError, zxid: -999, response: .empty)
        }
        mailbox[conn]!.remove(at: i)
        return Reply(err: err, zxid: zxid, response: r)
    }

    /// The last reply with `xid` in the connection's mailbox, if any.
    func reply(_ conn: ConnectionID, xid: Int32) -> Reply? {
        for out in (mailbox[conn] ?? []).reversed() {
            if case .reply(let x, let zxid, let err, let r) = out, x == xid { return Reply(err: err, zxid: zxid, response: r) }
        }
        return nil
    }

    // MARK: - Request shorthands

    @discardableResult
    mutating func create(_ c: Client, _ path: String, _ data: [UInt8]? = [], mode: CreateMode = .persistent,
                         acl: [ACL] = Ids.openACLUnsafe, op: OpCode = .create2, ttl: Int64 = 0) -> Reply {
        send(c, .create(op: op, CreateRequest(path: path, data: data, acl: acl, flags: mode.rawValue, ttl: ttl)))
    }

    /// exists(path) without a watch: the Stat, or nil on NoNode.
    mutating func stat(_ c: Client, _ path: String) -> Stat? {
        let r = send(c, .exists(path: path, watch: false))
        return r.err == .ok ? r.stat : nil
    }

    @discardableResult
    mutating func setData(_ c: Client, _ path: String, _ data: [UInt8]?, version: Int32 = -1) -> Reply {
        send(c, .setData(path: path, data: data, version: version))
    }

    @discardableResult
    mutating func delete(_ c: Client, _ path: String, version: Int32 = -1) -> Reply {
        send(c, .delete(path: path, version: version))
    }

    mutating func children(_ c: Client, _ path: String, watch: Bool = false) -> [String]? {
        let r = send(c, .getChildren(op: .getChildren, path: path, watch: watch))
        if case .children(let names) = r.response { return names }
        return nil
    }

    mutating func auth(_ c: Client, _ userPassword: String) -> Reply {
        send(c, .auth(AuthPacket(scheme: "digest", auth: Array(userPassword.utf8))))
    }

    mutating func advance(to time: Int64) { now = time }

    mutating func tick(at time: Int64) {
        now = time
        feed(.tick)
    }
}

/// A Stat from the compact form the Apache observations were recorded in:
/// "cz=2 mz=3 pz=2 v=1 cv=0 av=0 eo=0 dl=5 nc=0"; eo=SID stands for `owner`.
func S(_ text: String, owner: Int64 = 0, ctime: Int64 = T0, mtime: Int64? = nil) -> Stat {
    var s = Stat()
    s.ctime = ctime
    s.mtime = mtime ?? ctime
    for field in text.split(separator: " ") {
        let kv = field.split(separator: "=", maxSplits: 1)
        let key = kv[0], value = String(kv[1])
        switch key {
        case "cz": s.czxid = Int64(value)!
        case "mz": s.mzxid = Int64(value)!
        case "pz": s.pzxid = Int64(value)!
        case "v": s.version = Int32(value)!
        case "cv": s.cversion = Int32(value)!
        case "av": s.aversion = Int32(value)!
        case "eo": s.ephemeralOwner = value == "SID" ? owner : Int64(value)!
        case "dl": s.dataLength = Int32(value)!
        case "nc": s.numChildren = Int32(value)!
        default: Issue.record("unknown stat field \(key)")
        }
    }
    return s
}

func ok(_ response: Response, zxid: Int64) -> Reply { Reply(err: .ok, zxid: zxid, response: response) }
func fail(_ err: ErrorCode, zxid: Int64) -> Reply { Reply(err: err, zxid: zxid, response: .empty) }
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

let digestU1 = "u1:fpT/y03U+EjItKZOSLGvjnJlyng="
let digestU2 = "u2:o9NxcCGDPOlcV7JVhmKHOf5ctVE="
let superDigest = "super:lK75jTNcA+U9vtVEw5vB51mj/w4="
