import NIOCore

/// The result of one op of a multi or multiRead.
public enum MultiResult: Sendable, Equatable {
    case create(path: String)
    case create2(path: String, stat: Stat)
    case delete
    case setData(Stat)
    case check
    case getChildren([String])
    case getData(data: [UInt8]?, stat: Stat)
    case error(ErrorCode)
}

/// A response body; the `ReplyHeader` (xid, zxid, err) travels beside it. Error replies have no body.
public enum Response: Sendable, Equatable {
    case empty
    /// create, sync.
    case path(String)
    /// create2, createContainer, createTTL.
    case pathStat(String, Stat)
    /// exists, setData, setACL.
    case stat(Stat)
    case data([UInt8]?, Stat)
    case children([String])
    case children2([String], Stat)
    case acl([ACL], Stat)
    case multi([MultiResult])
    case strings([String])
    /// getAllChildrenNumber's total; also addWatch, which Apache answers with an ErrorResponse(0).
    case number(Int32)
    case whoAmI([ClientInfo])
    /// reconfig returns the new config znode's data and stat like getData.
    case sasl([UInt8]?)

    public func encode(into b: inout ByteBuffer) {
        switch self {
        case .empty: break
        case .path(let p): b.writeJuteString(p)
        case .pathStat(let p, let s): b.writeJuteString(p); s.encode(into: &b)
        case .stat(let s): s.encode(into: &b)
        case .data(let d, let s): b.writeJuteBytes(d); s.encode(into: &b)
        case .children(let c), .strings(let c): b.writeJuteStrings(c)
        case .children2(let c, let s): b.writeJuteStrings(c); s.encode(into: &b)
        case .acl(let a, let s): b.writeJuteVector(a); s.encode(into: &b)
        case .multi(let results): Self.encodeMulti(results, into: &b)
        case .number(let n): b.writeJuteInt(n)
        case .whoAmI(let infos): b.writeJuteVector(infos)
        case .sasl(let t): b.writeJuteBytes(t)
        }
    }

    static func encodeMulti(_ results: [MultiResult], into b: inout ByteBuffer) {
        for result in results {
            func header(_ type: OpCode, _ err: Int32 = 0) {
                b.writeJuteInt(type.rawValue); b.writeJuteBool(false); b.writeJuteInt(err)
            }
            switch result {
            case .create(let p): header(.create); b.writeJuteString(p)
            case .create2(let p, let s): header(.create2); b.writeJuteString(p); s.encode(into: &b)
            case .delete: header(.delete)
            case .setData(let s): header(.setData); s.encode(into: &b)
            case .check: header(.check)
            case .getChildren(let c): header(.getChildren); b.writeJuteStrings(c)
            case .getData(let d, let s): header(.getData); b.writeJuteBytes(d); s.encode(into: &b)
            case .error(let e): header(.error, e.rawValue); b.writeJuteInt(e.rawValue)
            }
        }
        b.writeJuteInt(-1); b.writeJuteBool(true); b.writeJuteInt(-1)
    }

    /// Decodes a response body for a request of type `op` (used by clients and tests).
    public init(op: OpCode, from r: inout JuteReader) throws(JuteError) {
        switch op {
        case .create, .sync: self = .path(try r.string("CreateResponse.path"))
        case .create2, .createContainer, .createTTL:
            self = .pathStat(try r.string("Create2Response.path"), try r.record())
        case .exists, .setData, .setACL: self = .stat(try r.record())
        case .getData, .reconfig: self = .data(try r.bytes("GetDataResponse.data"), try r.record())
        case .getChildren: self = .children(try r.stringVector("GetChildrenResponse.children"))
        case .getChildren2: self = .children2(try r.stringVector("GetChildren2Response.children"), try r.record())
        case .getACL: self = .acl(try r.aclVector("GetACLResponse.acl"), try r.record())
        case .multi, .multiRead: self = .multi(try Self.decodeMulti(&r))
        case .getEphemerals: self = .strings(try r.stringVector("GetEphemeralsResponse.ephemerals"))
        case .getAllChildrenNumber: self = .number(try r.int("GetAllChildrenNumberResponse.totalNumber"))
        case .addWatch: self = .number(try r.int("ErrorResponse.err"))
        case .whoAmI:
            self = .whoAmI(try r.vector("WhoAmIResponse.clientInfo", minElementSize: 8) {
                (r: inout JuteReader) throws(JuteError) in try r.record(ClientInfo.self)
            })
        case .sasl: self = .sasl(try r.bytes("SetSASLResponse.token"))
        default: self = .empty
        }
    }

    static func decodeMulti(_ r: inout JuteReader) throws(JuteError) -> [MultiResult] {
        var out: [MultiResult] = []
        while true {
            let type = try r.int("MultiHeader.type")
            let done = try r.bool("MultiHeader.done")
            _ = try r.int("MultiHeader.err")
            if done { return out }
            switch OpCode(rawValue: type) {
            case .create: out.append(.create(path: try r.string("CreateResponse.path")))
            case .create2: out.append(.create2(path: try r.string("Create2Response.path"), stat: try r.record()))
            case .delete: out.append(.delete)
            case .setData: out.append(.setData(try r.record()))
            case .check: out.append(.check)
            case .getChildren: out.append(.getChildren(try r.stringVector("GetChildrenResponse.children")))
            case .getData: out.append(.getData(data: try r.bytes("GetDataResponse.data"), stat: try r.record()))
            case .error:
                let code = try r.int("ErrorResponse.err")
                guard let e = ErrorCode(rawValue: code) else { throw .badValue(field: "ErrorResponse.err", value: Int64(code)) }
                out.append(.error(e))
            default: throw .badValue(field: "MultiHeader.type", value: Int64(type))
            }
        }
    }
}
