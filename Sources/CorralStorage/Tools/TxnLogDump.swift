import CorralCore
import NIOCore
import ZooKeeperProtocol

/// The text Apache ZooKeeper 3.8's `TxnLogToolkit <log>` prints in its dump mode, as pure
/// functions of what `TxnLogReader` reads:
///
///     ZooKeeper Transactional Log File with dbid 0 txnlog format version 2
///     11/28/26, 1:25:35 AM UTC session 0x1000042e6960000 cxid 0x0 zxid 0x1 createSession 10000
///     ...
///     EOF reached after 32 txns.
///
/// A record prints as "<time> session 0x<client> cxid 0x<cxid> zxid 0x<zxid> <type> <txn>", with
/// the txn as the toolkit renders it: creates and setData as "path,data,..." with the data decoded
/// as UTF-8, a multi as "type:bytes;..." with each sub-txn's raw record bytes decoded as UTF-8,
/// everything else in jute's `toString` form (which ends in a newline the line then keeps).
/// Strings (paths, ACL ids) are printed as Corral decoded them; only data bytes go through Java's
/// own UTF-8 decoder, so malformed UTF-8 in a path may print differently from Java. Where Apache
/// 3.8 fails, this prints: a top-level check txn (which its reader rejects) as "check '/path,version".
/// Damage is the reader's business: it stops at the first bad record (Apache prints "CRC ERROR"
/// lines and goes on, or treats a zero length as the end even with a non-zero checksum).
public enum TxnLogDump {
    /// The first line: `FileHeader`'s dbid and version.
    public static func headerLine(_ header: TxnLogFileHeader) -> String {
        "ZooKeeper Transactional Log File with dbid \(header.dbid) txnlog format version \(header.version)\n"
    }

    /// The last line once the log ended cleanly (end of file or the zero-filled tail).
    public static func endLine(txnCount: Int) -> String { "EOF reached after \(txnCount) txns.\n" }

    /// Everything printed for one record, newline included.
    public static func recordText(_ record: TxnLogRecord, timeZone: ToolTimeZone) -> String {
        let h = record.txn.header
        let text = JavaDateText.shortDateLongTime(h.time, in: timeZone)
            + " session 0x\(JavaText.hex(h.clientId)) cxid 0x\(JavaText.hex(Int64(h.cxid)))"
            + " zxid 0x\(JavaText.hex(h.zxid)) \(opName(h.type.rawValue)) \(txnText(record))"
        return text.hasSuffix("\n") ? text : text + "\n"
    }

    /// The txn part of a record line (`TxnLogToolkit.getFormattedTxnStr`).
    public static func txnText(_ record: TxnLogRecord) -> String {
        let logged = record.logged
        switch logged.txn.body {
        case .create(let path, let data, let acl, let ephemeral, let parentCVersion):
            return "\(path),\(dataText(data)),\(aclListText(acl)),\(ephemeral),\(parentCVersion)"
        case .setData(let path, let data, let version):
            return "\(path),\(dataText(data)),\(version)"
        case .createContainer(let path, let data, let acl, let parentCVersion):
            return "\(path),\(dataText(data)),\(aclListText(acl)),\(parentCVersion)"
        case .createTTL(let path, let data, let acl, let parentCVersion, let ttl):
            return "\(path),\(dataText(data)),\(aclListText(acl)),\(parentCVersion),\(ttl)"
        case .multi:
            return multiText(record.txnBytes)
        case .closeSession where logged.layout == .closeSessionWithoutBody:
            return ""  // no CloseSessionTxn: Apache's txn is null
        default:
            return recordToString(logged.txn.body)
        }
    }

    /// `Request.op2String` of Apache 3.8 (which has no name for addWatch).
    public static func opName(_ type: Int32) -> String {
        guard let op = OpCode(rawValue: type), op != .addWatch else { return "unknown \(type)" }
        return op == .createTTL ? "createTtl" : "\(op)"
    }

    /// `checkNullToEmpty`: the bytes decoded as Java decodes UTF-8; null and empty print nothing.
    static func dataText(_ data: [UInt8]?) -> String {
        guard let data, !data.isEmpty else { return "" }
        return JavaText.decodeUTF8(data)
    }

    /// Java's `List.toString` of ACL records: "[" + each ACL's jute toString + "]", ", "-separated.
    static func aclListText(_ acl: [ACL]) -> String {
        "[" + acl.map { "\($0.perms),s{\(JavaText.juteEscape($0.id.scheme)),\(JavaText.juteEscape($0.id.id))}\n" }
            .joined(separator: ", ") + "]"
    }

    /// jute's `toString` of an ACL vector field: "v{s{perms,s{'scheme,'id}},...}".
    static func aclVectorText(_ acl: [ACL]) -> String {
        "v{" + acl.map { "s{\($0.perms),s{\(JavaText.juteEscape($0.id.scheme)),\(JavaText.juteEscape($0.id.id))}}" }
            .joined(separator: ",") + "}"
    }

    /// The jute `toString` of the records the toolkit prints that way (each ends in "\n").
    static func recordToString(_ body: TxnBody) -> String {
        switch body {
        case .createSession(let timeout): return "\(timeout)\n"
        case .closeSession(let paths): return "v{" + paths.map(JavaText.juteEscape).joined(separator: ",") + "}\n"
        case .delete(let path): return JavaText.juteEscape(path) + "\n"
        case .setACL(let path, let acl, let version): return "\(JavaText.juteEscape(path)),\(aclVectorText(acl)),\(version)\n"
        case .check(let path, let version): return "\(JavaText.juteEscape(path)),\(version)\n"
        case .error(let code): return "\(code.rawValue)\n"
        case .create, .createContainer, .createTTL, .setData, .multi: return ""  // printed by txnText
        }
    }

    /// "type:data;type:data..." over the raw sub-txns of a `MultiTxn` (after the 32-byte header):
    /// each sub-txn's record bytes decoded as UTF-8, as the toolkit does.
    static func multiText(_ txnBytes: ByteBuffer) -> String {
        var b = txnBytes
        b.moveReaderIndex(forwardBy: min(TxnCodec.headerSize, b.readableBytes))
        guard let count: Int32 = b.readInteger(endianness: .big) else { return "" }
        var parts: [String] = []
        for _ in 0..<max(count, 0) {
            guard let type: Int32 = b.readInteger(endianness: .big),
                  let length: Int32 = b.readInteger(endianness: .big) else { break }
            let bytes = length > 0 ? b.readBytes(length: Int(length)) : []
            guard let bytes else { break }
            parts.append("\(opName(type)):\(dataText(bytes))")
        }
        return parts.joined(separator: ";")
    }
}
