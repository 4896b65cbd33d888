import NIOCore

/// A create of any flavour (opcodes create, create2, createContainer, createTTL).
public struct CreateRequest: Sendable, Equatable {
    public var path: String
    public var data: [UInt8]?
    public var acl: [ACL]
    public var flags: Int32
    /// Only meaningful for createTTL; 0 otherwise.
    public var ttl: Int64

    public init(path: String, data: [UInt8]?, acl: [ACL], flags: Int32, ttl: Int64 = 0) {
        self.path = path; self.data = data; self.acl = acl; self.flags = flags; self.ttl = ttl
    }
    init(from r: inout JuteReader, withTTL: Bool) throws(JuteError) {
        path = try r.string("CreateRequest.path"); data = try r.bytes("CreateRequest.data")
        acl = try r.aclVector("CreateRequest.acl"); flags = try r.int("CreateRequest.flags")
        ttl = withTTL ? try r.long("CreateTTLRequest.ttl") : 0
    }
    func encode(into b: inout ByteBuffer, withTTL: Bool) {
        b.writeJuteString(path); b.writeJuteBytes(data); b.writeJuteVector(acl); b.writeJuteInt(flags)
        if withTTL { b.writeJuteLong(ttl) }
    }
}

/// One operation inside a multi or multiRead request.
public enum MultiOp: Sendable, Equatable {
    /// `op` is create, create2, createContainer or createTTL.
    case create(op: OpCode, CreateRequest)
    case delete(path: String, version: Int32)
    case setData(path: String, data: [UInt8]?, version: Int32)
    case check(path: String, version: Int32)
    case getChildren(path: String)
    case getData(path: String)

    public var opCode: OpCode {
        switch self {
        case .create(let op, _): return op
        case .delete: return .delete
        case .setData: return .setData
        case .check: return .check
        case .getChildren: return .getChildren
        case .getData: return .getData
        }
    }

    public var path: String {
        switch self {
        case .create(_, let c): return c.path
        case .delete(let p, _), .setData(let p, _, _), .check(let p, _), .getChildren(let p), .getData(let p):
            return p
        }
    }
}

/// A decoded client request body. The opcode chooses the case; the xid travels beside it.
public enum Request: Sendable, Equatable {
    case create(op: OpCode, CreateRequest)
    case delete(path: String, version: Int32)
    case deleteContainer(path: String)
    case exists(path: String, watch: Bool)
    case getData(path: String, watch: Bool)
    case setData(path: String, data: [UInt8]?, version: Int32)
    case getACL(path: String)
    case setACL(path: String, acl: [ACL], version: Int32)
    /// `op` is getChildren or getChildren2 (the latter also returns the Stat).
    case getChildren(op: OpCode, path: String, watch: Bool)
    case sync(path: String)
    case ping
    case check(path: String, version: Int32)
    case multi([MultiOp])
    case multiRead([MultiOp])
    case reconfig(joiningServers: String?, leavingServers: String?, newMembers: String?, curConfigId: Int64)
    case checkWatches(path: String, type: Int32)
    case removeWatches(path: String, type: Int32)
    case auth(AuthPacket)
    /// setWatches (101) or setWatches2 (105), see `SetWatches.isVersion2`.
    case setWatches(SetWatches)
    case getEphemerals(prefixPath: String)
    case getAllChildrenNumber(path: String)
    case addWatch(path: String, mode: Int32)
    case whoAmI
    case closeSession
    case sasl([UInt8]?)

    public var opCode: OpCode {
        switch self {
        case .create(let op, _): return op
        case .delete: return .delete
        case .deleteContainer: return .deleteContainer
        case .exists: return .exists
        case .getData: return .getData
        case .setData: return .setData
        case .getACL: return .getACL
        case .setACL: return .setACL
        case .getChildren(let op, _, _): return op
        case .sync: return .sync
        case .ping: return .ping
        case .check: return .check
        case .multi: return .multi
        case .multiRead: return .multiRead
        case .reconfig: return .reconfig
        case .checkWatches: return .checkWatches
        case .removeWatches: return .removeWatches
        case .auth: return .auth
        case .setWatches(let s): return s.isVersion2 ? .setWatches2 : .setWatches
        case .getEphemerals: return .getEphemerals
        case .getAllChildrenNumber: return .getAllChildrenNumber
        case .addWatch: return .addWatch
        case .whoAmI: return .whoAmI
        case .closeSession: return .closeSession
        case .sasl: return .sasl
        }
    }

    /// Decodes the body that follows a `RequestHeader` of type `op`.
    /// Throws `.badValue` for an opcode that is not a client request.
    public init(op: OpCode, from r: inout JuteReader) throws(JuteError) {
        switch op {
        case .create, .create2, .createContainer:
            self = .create(op: op, try CreateRequest(from: &r, withTTL: false))
        case .createTTL:
            self = .create(op: op, try CreateRequest(from: &r, withTTL: true))
        case .delete:
            self = .delete(path: try r.string("DeleteRequest.path"), version: try r.int("DeleteRequest.version"))
        case .deleteContainer:
            self = .deleteContainer(path: try r.string("DeleteContainerRequest.path"))
        case .exists:
            self = .exists(path: try r.string("ExistsRequest.path"), watch: try r.bool("ExistsRequest.watch"))
        case .getData:
            self = .getData(path: try r.string("GetDataRequest.path"), watch: try r.bool("GetDataRequest.watch"))
        case .setData:
            self = .setData(path: try r.string("SetDataRequest.path"), data: try r.bytes("SetDataRequest.data"),
                            version: try r.int("SetDataRequest.version"))
        case .getACL:
            self = .getACL(path: try r.string("GetACLRequest.path"))
        case .setACL:
            self = .setACL(path: try r.string("SetACLRequest.path"), acl: try r.aclVector("SetACLRequest.acl"),
                           version: try r.int("SetACLRequest.version"))
        case .getChildren, .getChildren2:
            self = .getChildren(op: op, path: try r.string("GetChildrenRequest.path"),
                                watch: try r.bool("GetChildrenRequest.watch"))
        case .sync:
            self = .sync(path: try r.string("SyncRequest.path"))
        case .ping:
            self = .ping
        case .check:
            self = .check(path: try r.string("CheckVersionRequest.path"), version: try r.int("CheckVersionRequest.version"))
        case .multi:
            self = .multi(try Self.multiOps(&r, reads: false))
        case .multiRead:
            self = .multiRead(try Self.multiOps(&r, reads: true))
        case .reconfig:
            self = .reconfig(joiningServers: try r.optionalString("ReconfigRequest.joiningServers"),
                             leavingServers: try r.optionalString("ReconfigRequest.leavingServers"),
                             newMembers: try r.optionalString("ReconfigRequest.newMembers"),
                             curConfigId: try r.long("ReconfigRequest.curConfigId"))
        case .checkWatches:
            self = .checkWatches(path: try r.string("CheckWatchesRequest.path"), type: try r.int("CheckWatchesRequest.type"))
        case .removeWatches:
            self = .removeWatches(path: try r.string("RemoveWatchesRequest.path"), type: try r.int("RemoveWatchesRequest.type"))
        case .auth:
            self = .auth(try AuthPacket(from: &r))
        case .setWatches:
            self = .setWatches(try SetWatches(from: &r, version2: false))
        case .setWatches2:
            self = .setWatches(try SetWatches(from: &r, version2: true))
        case .getEphemerals:
            self = .getEphemerals(prefixPath: try r.string("GetEphemeralsRequest.prefixPath"))
        case .getAllChildrenNumber:
            self = .getAllChildrenNumber(path: try r.string("GetAllChildrenNumberRequest.path"))
        case .addWatch:
            self = .addWatch(path: try r.string("AddWatchRequest.path"), mode: try r.int("AddWatchRequest.mode"))
        case .whoAmI:
            self = .whoAmI
        case .closeSession:
            self = .closeSession
        case .sasl:
            self = .sasl(try r.bytes("GetSASLRequest.token"))
        case .notification, .createSession, .error:
            throw .badValue(field: "RequestHeader.type", value: Int64(op.rawValue))
        }
    }

    /// The ops of a multi (`reads == false`: create/delete/setData/check) or a multiRead
    /// (`reads == true`: getChildren/getData). Mixing kinds is rejected, as Apache does.
    static func multiOps(_ r: inout JuteReader, reads: Bool) throws(JuteError) -> [MultiOp] {
        var ops: [MultiOp] = []
        while true {
            let type = try r.int("MultiHeader.type")
            let done = try r.bool("MultiHeader.done")
            _ = try r.int("MultiHeader.err")
            if done { return ops }
            guard ops.count < r.limits.maxBuffer / 8 else {
                throw .badLength(field: "MultiOperationRecord", length: Int32(clamping: ops.count))
            }
            let op = try multiOp(type: type, &r)
            let isRead: Bool
            switch op { case .getChildren, .getData: isRead = true; default: isRead = false }
            guard isRead == reads else { throw .badValue(field: "MultiHeader.type", value: Int64(type)) }
            ops.append(op)
        }
    }

    static func multiOp(type: Int32, _ r: inout JuteReader) throws(JuteError) -> MultiOp {
        switch OpCode(rawValue: type) {
        case .create, .create2, .createContainer:
            return .create(op: OpCode(rawValue: type)!, try CreateRequest(from: &r, withTTL: false))
        case .createTTL:
            return .create(op: .createTTL, try CreateRequest(from: &r, withTTL: true))
        case .delete:
            return .delete(path: try r.string("DeleteRequest.path"), version: try r.int("DeleteRequest.version"))
        case .setData:
            return .setData(path: try r.string("SetDataRequest.path"), data: try r.bytes("SetDataRequest.data"),
                            version: try r.int("SetDataRequest.version"))
        case .check:
            return .check(path: try r.string("CheckVersionRequest.path"), version: try r.int("CheckVersionRequest.version"))
        case .getChildren:
            let path = try r.string("GetChildrenRequest.path")
            _ = try r.bool("GetChildrenRequest.watch")
            return .getChildren(path: path)
        case .getData:
            let path = try r.string("GetDataRequest.path")
            _ = try r.bool("GetDataRequest.watch")
            return .getData(path: path)
        default:
            throw .badValue(field: "MultiHeader.type", value: Int64(type))
        }
    }

    /// Encodes the body (without the `RequestHeader`), as Apache's client would send it.
    public func encode(into b: inout ByteBuffer) {
        switch self {
        case .create(let op, let c): c.encode(into: &b, withTTL: op == .createTTL)
        case .delete(let p, let v), .check(let p, let v): b.writeJuteString(p); b.writeJuteInt(v)
        case .deleteContainer(let p), .getACL(let p), .sync(let p), .getEphemerals(let p), .getAllChildrenNumber(let p):
            b.writeJuteString(p)
        case .exists(let p, let w), .getData(let p, let w), .getChildren(_, let p, let w):
            b.writeJuteString(p); b.writeJuteBool(w)
        case .setData(let p, let d, let v): b.writeJuteString(p); b.writeJuteBytes(d); b.writeJuteInt(v)
        case .setACL(let p, let acl, let v): b.writeJuteString(p); b.writeJuteVector(acl); b.writeJuteInt(v)
        case .ping, .whoAmI, .closeSession: break
        case .multi(let ops), .multiRead(let ops): Self.encodeMulti(ops, into: &b)
        case .reconfig(let j, let l, let n, let c):
            b.writeJuteString(j); b.writeJuteString(l); b.writeJuteString(n); b.writeJuteLong(c)
        case .checkWatches(let p, let t), .removeWatches(let p, let t), .addWatch(let p, let t):
            b.writeJuteString(p); b.writeJuteInt(t)
        case .auth(let a): a.encode(into: &b)
        case .setWatches(let s): s.encode(into: &b)
        case .sasl(let t): b.writeJuteBytes(t)
        }
    }

    static func encodeMulti(_ ops: [MultiOp], into b: inout ByteBuffer) {
        for op in ops {
            b.writeJuteInt(op.opCode.rawValue); b.writeJuteBool(false); b.writeJuteInt(-1)
            switch op {
            case .create(let code, let c): c.encode(into: &b, withTTL: code == .createTTL)
            case .delete(let p, let v), .check(let p, let v): b.writeJuteString(p); b.writeJuteInt(v)
            case .setData(let p, let d, let v): b.writeJuteString(p); b.writeJuteBytes(d); b.writeJuteInt(v)
            case .getChildren(let p), .getData(let p): b.writeJuteString(p); b.writeJuteBool(false)
            }
        }
        b.writeJuteInt(-1); b.writeJuteBool(true); b.writeJuteInt(-1)
    }
}
