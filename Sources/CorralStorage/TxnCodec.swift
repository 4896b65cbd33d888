import CorralCore
import NIOCore
import ZooKeeperProtocol

/// Apache's `TxnDigest`, which ZooKeeper 3.6+ appends to a txn record when `zookeeper.digest.enabled`
/// (the default): the digest of the whole tree after the txn, for cross-checking replicas.
/// Apache 3.8 writes it after every txn except error txns and reads records with or without it.
public struct TxnDigest: JuteRecord, Hashable {
    /// Apache's `DigestCalculator.DIGEST_VERSION`.
    public static let currentVersion: Int32 = 2
    public static let encodedSize = 12

    public var version: Int32
    public var treeDigest: Int64

    public init(version: Int32 = TxnDigest.currentVersion, treeDigest: Int64) {
        self.version = version; self.treeDigest = treeDigest
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        version = try r.int("TxnDigest.version"); treeDigest = try r.long("TxnDigest.treeDigest")
    }
    public func encode(into b: inout ByteBuffer) { b.writeJuteInt(version); b.writeJuteLong(treeDigest) }
}

/// A txn as one log record holds it: `TxnHeader`, the record for the header's type, and the optional
/// trailing `TxnDigest`.
public struct LoggedTxn: Sendable, Equatable {
    /// How the body was laid out. Everything Apache 3.6+ writes is `.current`; the others are older
    /// layouts Apache still reads, kept so such records re-encode to the same bytes.
    public enum Layout: Sendable, Equatable {
        case current
        /// A closeSession with no `CloseSessionTxn` at all (Apache before 3.6, or with
        /// `zookeeper.closeSessionTxn.enabled=false`). Decodes as `closeSession(ephemerals: [])`.
        case closeSessionWithoutBody
        /// A create logged as `CreateTxnV0` (no parentCVersion, ZooKeeper before 3.3). Decodes with
        /// parentCVersion -1, Apache's marker for "parent's cversion + 1".
        case createV0
    }

    public var txn: Txn
    public var digest: TxnDigest?
    public var layout: Layout

    public init(_ txn: Txn, digest: TxnDigest? = nil, layout: Layout = .current) {
        self.txn = txn; self.digest = digest; self.layout = layout
    }
}

/// Why a txn could not be encoded or decoded.
public enum TxnCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes end early, or hold a bad length (from the jute reader).
    case malformed(JuteError)
    /// A header (or multi sub-txn) type that has no txn record, or that cannot appear there.
    case unsupportedType(Int32, inMulti: Bool)
    /// Bytes left over after the txn (and digest); Apache's writer never leaves any.
    case trailingBytes(Int)
    /// Encoding: the body is not the record Apache logs for this type (so it could not be read back).
    case bodyMismatch(type: OpCode, body: String)

    public var description: String {
        switch self {
        case .malformed(let e): return "malformed txn: \(e)"
        case .unsupportedType(let t, let inMulti): return "unsupported txn type \(t)\(inMulti ? " inside a multi" : "")"
        case .trailingBytes(let n): return "\(n) unexpected bytes after the txn"
        case .bodyMismatch(let type, let body): return "txn body \(body) cannot be logged with type \(type)"
        }
    }
}

/// Encodes and decodes txns to and from exactly the bytes Apache ZooKeeper logs: `TxnHeader`, then the
/// record for the header type (`Util.marshallTxnEntry` / `SerializeUtils.deserializeTxn`), then
/// optionally a `TxnDigest`. Pure.
///
/// | header type                 | record                                   |
/// |-----------------------------|------------------------------------------|
/// | createSession               | CreateSessionTxn {int timeOut}           |
/// | closeSession                | CloseSessionTxn {vector<ustring>} or none |
/// | create, create2             | CreateTxn (or CreateTxnV0, create only)  |
/// | createContainer             | CreateContainerTxn                       |
/// | createTTL                   | CreateTTLTxn                             |
/// | delete, deleteContainer     | DeleteTxn                                |
/// | setData, reconfig           | SetDataTxn                               |
/// | setACL                      | SetACLTxn                                |
/// | check                       | CheckVersionTxn (Apache 3.8 writes this but cannot read it back) |
/// | error                       | ErrorTxn                                 |
/// | multi                       | MultiTxn {vector<Txn{int type, buffer data}>} |
public enum TxnCodec {
    /// Size of an encoded `TxnHeader`.
    public static let headerSize = 32

    /// The form of `txn` a server should log so that Apache ZooKeeper can replay the file: a
    /// top-level `check` (opcode 13, which only changes nothing) becomes the no-op error txn with
    /// code 0 — Apache 3.8 logs a CheckVersionTxn there and then refuses to start from its own log
    /// ("Unsupported Txn with type=13"). Replaying either form leaves the tree as it was. Every
    /// other txn, and a check inside a multi, is logged as it is.
    public static func apacheReplayable(_ txn: Txn) -> Txn {
        guard txn.header.type == .check, case .check = txn.body else { return txn }
        var header = txn.header
        header.type = .error
        return Txn(header: header, body: .error(.ok))
    }

    // MARK: Encoding

    /// Appends the record bytes of `logged` to `buffer`. Throws (writing nothing) if the body is not
    /// the record Apache logs for the header type, so nothing is ever logged that cannot be read back.
    public static func encode(_ logged: LoggedTxn, into buffer: inout ByteBuffer) throws(TxnCodecError) {
        let txn = logged.txn
        try checkBody(txn.body, for: txn.header.type, inMulti: false)
        switch (logged.layout, txn.body) {
        case (.current, _): break
        case (.closeSessionWithoutBody, .closeSession(let paths)) where paths.isEmpty: break
        case (.createV0, .create(_, _, _, _, -1)) where txn.header.type == .create: break
        default: throw .bodyMismatch(type: txn.header.type, body: "\(logged.layout) layout of \(caseName(txn.body))")
        }
        encodeHeader(txn.header, into: &buffer)
        switch logged.layout {
        case .current:
            encodeBody(txn.body, into: &buffer)
        case .closeSessionWithoutBody:
            break
        case .createV0:
            guard case .create(let path, let data, let acl, let ephemeral, _) = txn.body else { break }
            buffer.writeJuteString(path)
            buffer.writeJuteBytes(data)
            buffer.writeJuteVector(acl)
            buffer.writeJuteBool(ephemeral)
        }
        if let digest = logged.digest { digest.encode(into: &buffer) }
    }

    public static func encode(_ txn: Txn, digest: TxnDigest? = nil, into buffer: inout ByteBuffer) throws(TxnCodecError) {
        try encode(LoggedTxn(txn, digest: digest), into: &buffer)
    }

    public static func encoded(_ logged: LoggedTxn, allocator: ByteBufferAllocator = ByteBufferAllocator())
        throws(TxnCodecError) -> ByteBuffer {
        var b = allocator.buffer(capacity: 128)
        try encode(logged, into: &b)
        return b
    }

    public static func encoded(_ txn: Txn, digest: TxnDigest? = nil) throws(TxnCodecError) -> ByteBuffer {
        try encoded(LoggedTxn(txn, digest: digest))
    }

    public static func encodeHeader(_ h: TxnHeader, into b: inout ByteBuffer) {
        b.writeJuteLong(h.clientId)
        b.writeJuteInt(h.cxid)
        b.writeJuteLong(h.zxid)
        b.writeJuteLong(h.time)
        b.writeJuteInt(h.type.rawValue)
    }

    /// The record for `body` alone: what follows the header, and what a `MultiTxn` sub-txn's `data`
    /// buffer holds.
    public static func encodeBody(_ body: TxnBody, into b: inout ByteBuffer) {
        switch body {
        case .createSession(let timeout):
            b.writeJuteInt(timeout)
        case .closeSession(let paths):
            b.writeJuteStrings(paths)
        case .create(let path, let data, let acl, let ephemeral, let parentCVersion):
            b.writeJuteString(path); b.writeJuteBytes(data); b.writeJuteVector(acl)
            b.writeJuteBool(ephemeral); b.writeJuteInt(parentCVersion)
        case .createContainer(let path, let data, let acl, let parentCVersion):
            b.writeJuteString(path); b.writeJuteBytes(data); b.writeJuteVector(acl)
            b.writeJuteInt(parentCVersion)
        case .createTTL(let path, let data, let acl, let parentCVersion, let ttl):
            b.writeJuteString(path); b.writeJuteBytes(data); b.writeJuteVector(acl)
            b.writeJuteInt(parentCVersion); b.writeJuteLong(ttl)
        case .delete(let path):
            b.writeJuteString(path)
        case .setData(let path, let data, let version):
            b.writeJuteString(path); b.writeJuteBytes(data); b.writeJuteInt(version)
        case .setACL(let path, let acl, let version):
            b.writeJuteString(path); b.writeJuteVector(acl); b.writeJuteInt(version)
        case .check(let path, let version):
            b.writeJuteString(path); b.writeJuteInt(version)
        case .multi(let subs):
            b.writeJuteInt(Int32(subs.count))
            for sub in subs {
                b.writeJuteInt(sub.type.rawValue)
                let lengthIndex = b.writerIndex
                b.writeJuteInt(0)
                let start = b.writerIndex
                encodeBody(sub.body, into: &b)
                b.setInteger(Int32(b.writerIndex - start), at: lengthIndex, endianness: .big)
            }
        case .error(let code):
            b.writeJuteInt(code.rawValue)
        }
    }

    /// Whether `body` is the record Apache logs for `type` (at top level or inside a multi).
    public static func bodyMatches(_ body: TxnBody, type: OpCode, inMulti: Bool = false) -> Bool {
        do {
            try checkBody(body, for: type, inMulti: inMulti)
            return true
        } catch {
            return false
        }
    }

    static func checkBody(_ body: TxnBody, for type: OpCode, inMulti: Bool) throws(TxnCodecError) {
        guard let expected = bodyKind(for: type, inMulti: inMulti) else {
            throw .unsupportedType(type.rawValue, inMulti: inMulti)
        }
        guard caseName(body) == expected else { throw .bodyMismatch(type: type, body: caseName(body)) }
        if case .multi(let subs) = body {
            for sub in subs { try checkBody(sub.body, for: sub.type, inMulti: true) }
        }
    }

    /// The `TxnBody` case each type is logged as; nil for types that are never logged there.
    static func bodyKind(for type: OpCode, inMulti: Bool) -> String? {
        switch type {
        case .createSession: return inMulti ? nil : "createSession"
        case .closeSession: return inMulti ? nil : "closeSession"
        case .multi: return inMulti ? nil : "multi"
        case .create, .create2: return "create"
        case .createContainer: return "createContainer"
        case .createTTL: return "createTTL"
        case .delete, .deleteContainer: return "delete"
        case .setData, .reconfig: return "setData"
        case .setACL: return "setACL"
        case .check: return "check"
        case .error: return "error"
        default: return nil
        }
    }

    static func caseName(_ body: TxnBody) -> String {
        switch body {
        case .createSession: return "createSession"
        case .closeSession: return "closeSession"
        case .create: return "create"
        case .createContainer: return "createContainer"
        case .createTTL: return "createTTL"
        case .delete: return "delete"
        case .setData: return "setData"
        case .setACL: return "setACL"
        case .check: return "check"
        case .multi: return "multi"
        case .error: return "error"
        }
    }

    // MARK: Decoding

    /// Decodes one record's bytes (as `SerializeUtils.deserializeTxn` does, but strict about leftovers).
    /// Lengths are checked against the bytes present, never trusted; bad input throws, never traps.
    public static func decode(_ buffer: ByteBuffer) throws(TxnCodecError) -> LoggedTxn {
        // Every length is bounded by the bytes actually present; the record's own size is the limit.
        let limits = JuteLimits(maxBuffer: max(buffer.readableBytes, 1))
        var r = JuteReader(buffer, limits: limits)
        let header: TxnHeader
        do {
            header = try decodeHeader(&r)
        } catch {
            if case .badValue(let field, let value) = error, field == "TxnHeader.type" {
                throw .unsupportedType(Int32(truncatingIfNeeded: value), inMulti: false)
            }
            throw .malformed(error)
        }
        let start = r
        var layout = LoggedTxn.Layout.current
        var body: TxnBody
        do {
            body = try decodeBody(type: header.type, &r, inMulti: false)
            // A closeSession body that leaves neither nothing nor exactly a digest behind is really an
            // old bodyless closeSession (possibly followed by a digest).
            if case .closeSession = body, r.buffer.readableBytes != 0,
               r.buffer.readableBytes != TxnDigest.encodedSize,
               start.buffer.readableBytes == 0 || start.buffer.readableBytes == TxnDigest.encodedSize {
                r = start; body = .closeSession(ephemerals: []); layout = .closeSessionWithoutBody
            }
        } catch .malformed(let e) {
            switch header.type {
            case .closeSession
                where start.buffer.readableBytes == 0 || start.buffer.readableBytes == TxnDigest.encodedSize:
                r = start; body = .closeSession(ephemerals: []); layout = .closeSessionWithoutBody
            case .create:
                // Perhaps a CreateTxnV0 (no parentCVersion); Apache retries exactly this way.
                r = start
                do {
                    body = try decodeCreateV0(&r)
                    layout = .createV0
                } catch {
                    throw .malformed(e)
                }
            default:
                throw .malformed(e)
            }
        }
        var digest: TxnDigest?
        let left = r.buffer.readableBytes
        if left >= TxnDigest.encodedSize {
            do { digest = try TxnDigest(from: &r) } catch { throw .malformed(error) }
        }
        if r.buffer.readableBytes != 0 { throw .trailingBytes(r.buffer.readableBytes) }
        return LoggedTxn(Txn(header: header, body: body), digest: digest, layout: layout)
    }

    public static func decodeHeader(_ r: inout JuteReader) throws(JuteError) -> TxnHeader {
        let clientId = try r.long("TxnHeader.clientId")
        let cxid = try r.int("TxnHeader.cxid")
        let zxid = try r.long("TxnHeader.zxid")
        let time = try r.long("TxnHeader.time")
        let rawType = try r.int("TxnHeader.type")
        guard let type = OpCode(rawValue: rawType) else { throw .badValue(field: "TxnHeader.type", value: Int64(rawType)) }
        return TxnHeader(clientId: clientId, cxid: cxid, zxid: zxid, time: time, type: type)
    }

    /// Decodes the record Apache logs for `type`. Inside a multi only the op types Apache allows there.
    public static func decodeBody(type: OpCode, _ r: inout JuteReader, inMulti: Bool) throws(TxnCodecError) -> TxnBody {
        guard bodyKind(for: type, inMulti: inMulti) != nil else { throw .unsupportedType(type.rawValue, inMulti: inMulti) }
        if type == .multi { return .multi(try decodeMulti(&r)) }
        do {
            return try decodeRecord(type: type, &r)
        } catch {
            throw .malformed(error)
        }
    }

    static func decodeRecord(type: OpCode, _ r: inout JuteReader) throws(JuteError) -> TxnBody {
        switch type {
        case .createSession:
            return .createSession(timeout: try r.int("CreateSessionTxn.timeOut"))
        case .closeSession:
            return .closeSession(ephemerals: try r.stringVector("CloseSessionTxn.paths2Delete"))
        case .create, .create2:
            let path = try r.string("CreateTxn.path")
            let data = try r.bytes("CreateTxn.data")
            let acl = try r.aclVector("CreateTxn.acl")
            let ephemeral = try r.bool("CreateTxn.ephemeral")
            let parentCVersion = try r.int("CreateTxn.parentCVersion")
            return .create(path: path, data: data, acl: acl, ephemeral: ephemeral, parentCVersion: parentCVersion)
        case .createContainer:
            let path = try r.string("CreateContainerTxn.path")
            let data = try r.bytes("CreateContainerTxn.data")
            let acl = try r.aclVector("CreateContainerTxn.acl")
            let parentCVersion = try r.int("CreateContainerTxn.parentCVersion")
            return .createContainer(path: path, data: data, acl: acl, parentCVersion: parentCVersion)
        case .createTTL:
            let path = try r.string("CreateTTLTxn.path")
            let data = try r.bytes("CreateTTLTxn.data")
            let acl = try r.aclVector("CreateTTLTxn.acl")
            let parentCVersion = try r.int("CreateTTLTxn.parentCVersion")
            let ttl = try r.long("CreateTTLTxn.ttl")
            return .createTTL(path: path, data: data, acl: acl, parentCVersion: parentCVersion, ttl: ttl)
        case .delete, .deleteContainer:
            return .delete(path: try r.string("DeleteTxn.path"))
        case .setData, .reconfig:
            let path = try r.string("SetDataTxn.path")
            let data = try r.bytes("SetDataTxn.data")
            return .setData(path: path, data: data, version: try r.int("SetDataTxn.version"))
        case .setACL:
            let path = try r.string("SetACLTxn.path")
            let acl = try r.aclVector("SetACLTxn.acl")
            return .setACL(path: path, acl: acl, version: try r.int("SetACLTxn.version"))
        case .check:
            let path = try r.string("CheckVersionTxn.path")
            return .check(path: path, version: try r.int("CheckVersionTxn.version"))
        case .error:
            let code = try r.int("ErrorTxn.err")
            guard let error = ErrorCode(rawValue: code) else { throw .badValue(field: "ErrorTxn.err", value: Int64(code)) }
            return .error(error)
        default:
            throw .badValue(field: "TxnHeader.type", value: Int64(type.rawValue))
        }
    }

    static func decodeMulti(_ r: inout JuteReader) throws(TxnCodecError) -> [SubTxn] {
        var subs: [SubTxn] = []
        let count: Int32
        do { count = try r.int("MultiTxn.txns") } catch { throw .malformed(error) }
        // Each Txn{int type, buffer data} takes at least 8 bytes.
        guard count >= 0, Int(count) * 8 <= r.buffer.readableBytes else {
            throw .malformed(.badLength(field: "MultiTxn.txns", length: count))
        }
        subs.reserveCapacity(Int(count))
        for _ in 0..<count {
            let rawType: Int32, length: Int32
            do {
                rawType = try r.int("Txn.type")
                length = try r.int("Txn.data")
            } catch {
                throw .malformed(error)
            }
            guard length >= 0, Int(length) <= r.buffer.readableBytes, let data = r.buffer.readSlice(length: Int(length)) else {
                throw .malformed(.badLength(field: "Txn.data", length: length))
            }
            guard let type = OpCode(rawValue: rawType) else { throw .unsupportedType(rawType, inMulti: true) }
            var sub = JuteReader(data, limits: r.limits)
            let body = try decodeBody(type: type, &sub, inMulti: true)
            if sub.buffer.readableBytes != 0 { throw .trailingBytes(sub.buffer.readableBytes) }
            subs.append(SubTxn(type: type, body: body))
        }
        return subs
    }

    static func decodeCreateV0(_ r: inout JuteReader) throws(JuteError) -> TxnBody {
        let path = try r.string("CreateTxnV0.path")
        let data = try r.bytes("CreateTxnV0.data")
        let acl = try r.aclVector("CreateTxnV0.acl")
        let ephemeral = try r.bool("CreateTxnV0.ephemeral")
        return .create(path: path, data: data, acl: acl, ephemeral: ephemeral, parentCVersion: -1)
    }
}
