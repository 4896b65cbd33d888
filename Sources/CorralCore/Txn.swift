import ZooKeeperProtocol

/// Apache's `TxnHeader`: who asked, which request, the zxid it was given and the leader's clock.
public struct TxnHeader: Sendable, Equatable {
    public var clientId: Int64
    public var cxid: Int32
    public var zxid: Int64
    public var time: Int64
    public var type: OpCode

    public init(clientId: Int64, cxid: Int32, zxid: Int64, time: Int64, type: OpCode) {
        self.clientId = clientId; self.cxid = cxid; self.zxid = zxid; self.time = time; self.type = type
    }
}

/// A state change, exactly as Apache logs it. Applying a txn is deterministic and idempotent with
/// respect to the tree (replaying a log over a fuzzy snapshot converges), so a log can record and
/// replay it.
public enum TxnBody: Sendable, Equatable {
    case createSession(timeout: Int32)
    /// `ephemerals` are the paths deleted with the session (Apache's `CloseSessionTxn`).
    case closeSession(ephemerals: [String])
    case create(path: String, data: [UInt8]?, acl: [ACL], ephemeral: Bool, parentCVersion: Int32)
    case createContainer(path: String, data: [UInt8]?, acl: [ACL], parentCVersion: Int32)
    case createTTL(path: String, data: [UInt8]?, acl: [ACL], parentCVersion: Int32, ttl: Int64)
    /// delete and deleteContainer both carry a `DeleteTxn`; the header type tells them apart.
    case delete(path: String)
    case setData(path: String, data: [UInt8]?, version: Int32)
    case setACL(path: String, acl: [ACL], version: Int32)
    case check(path: String, version: Int32)
    case multi([SubTxn])
    case error(ErrorCode)
}

/// One txn inside a `MultiTxn`: its opcode (create, create2, delete, setData, check, error ...) and body.
public struct SubTxn: Sendable, Equatable {
    public var type: OpCode
    public var body: TxnBody
    public init(type: OpCode, body: TxnBody) { self.type = type; self.body = body }
}

public struct Txn: Sendable, Equatable {
    public var header: TxnHeader
    public var body: TxnBody
    public init(header: TxnHeader, body: TxnBody) { self.header = header; self.body = body }
}
