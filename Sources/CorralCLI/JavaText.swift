import CorralClient
import ZooKeeperProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text exactly as Apache 3.8's Java client and zkCli produce it.
public enum JavaText {
    /// `KeeperException.getCodeMessage`.
    public static func codeMessage(_ code: ErrorCode) -> String { KeeperError.codeName(code) }

    /// `CliWrapperException.getMessage(KeeperException)`: zkCli's wording of a failed operation.
    public static func cliMessage(_ error: ShellKeeperError) -> String {
        let path = error.path ?? "null"
        switch error.code {
        case .noNode: return "Node does not exist: \(path)"
        case .noChildrenForEphemerals: return "Ephemerals cannot have children: \(path)"
        case .nodeExists: return "Node already exists: \(path)"
        case .notEmpty: return "Node not empty: \(path)"
        case .notReadOnly: return "Not a read-only call: \(path)"
        case .invalidACL: return "Acl is not valid : \(path)"
        case .noAuth: return "Insufficient permission : \(path)"
        case .badArguments: return "Arguments are not valid : \(path)"
        case .badVersion: return "version No is not valid : \(path)"
        case .reconfigInProgress:
            return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)"
        case .newConfigNoQuorum:
            return "No quorum of new config is connected and up-to-date with the leader of last commmitted config"
                + " - try invoking reconfiguration after new servers are connected and synced"
        case .quotaExceeded: return "Quota has exceeded : \(path)"
        default: return error.keeperMessage
        }
    }

    /// `Watcher.Event.KeeperState` constant names.
    public static func stateName(_ state: KeeperState) -> String { state.apacheName }

    /// `Watcher.Event.EventType` constant names.
    public static func eventName(_ type: EventType) -> String { type.apacheName }

    /// `Long.toHexString`: two's complement for negative values.
    public static func hex(_ value: Int64) -> String { String(UInt64(bitPattern: value), radix: 16) }

    /// `new Date(ms).toString()` in the process's time zone: "Thu Jan 01 00:00:00 UTC 1970".
    public static func date(_ epochMilliseconds: Int64) -> String {
        var seconds = time_t(epochMilliseconds >= 0 ? epochMilliseconds / 1000 : (epochMilliseconds - 999) / 1000)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return "\(epochMilliseconds)" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a %b %d %H:%M:%S %Z %Y", &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `StatPrinter.print`: eleven lines, each ending in a newline.
    public static func stat(_ s: Stat) -> String {
        "cZxid = 0x\(hex(s.czxid))\n" + "ctime = \(date(s.ctime))\n"
            + "mZxid = 0x\(hex(s.mzxid))\n" + "mtime = \(date(s.mtime))\n"
            + "pZxid = 0x\(hex(s.pzxid))\n" + "cversion = \(s.cversion)\n"
            + "dataVersion = \(s.version)\n" + "aclVersion = \(s.aversion)\n"
            + "ephemeralOwner = 0x\(hex(s.ephemeralOwner))\n" + "dataLength = \(s.dataLength)\n"
            + "numChildren = \(s.numChildren)\n"
    }

    /// `ZKUtil.getPermString`: the letters of `perms` in the order c, d, r, w, a.
    public static func permString(_ perms: Int32) -> String {
        var p = ""
        if perms & Perms.create != 0 { p += "c" }
        if perms & Perms.delete != 0 { p += "d" }
        if perms & Perms.read != 0 { p += "r" }
        if perms & Perms.write != 0 { p += "w" }
        if perms & Perms.admin != 0 { p += "a" }
        return p
    }

    /// getAcl's lines for one entry: jute's `Id.toString()` ("'world,'anyone" and a newline), then
    /// ": " and the permissions.
    public static func aclEntry(_ acl: ACL) -> String {
        "'\(juteEscape(acl.id.scheme)),'\(juteEscape(acl.id.id))\n: \(permString(acl.perms))\n"
    }

    /// `ToStringOutputArchive.escapeString` without the leading quote.
    static func juteEscape(_ s: String) -> String { JuteText.escape(s) }

    /// `AbstractCollection.toString()`: "[a, b]".
    public static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// Java's `String.compareTo` order (UTF-16 code units), which zkCli sorts children by.
    public static func javaSorted(_ items: [String]) -> [String] {
        items.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
    }

    /// `new String(bytes, UTF_8)`; null data prints as "null".
    public static func data(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "null" }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Apache's `PathUtils.validatePath`, which the Java client applies before sending a request.
public enum JavaPath {
    /// nil when `path` is valid, else the `IllegalArgumentException` message zkCli prints.
    public static func validate(_ path: String, sequential: Bool = false) -> String? {
        let checked = sequential ? path + "1" : path
        let chars = Array(checked.utf16)
        if chars.isEmpty { return "Path length must be > 0" }
        if chars[0] != 0x2F { return "Path must start with / character" }
        if chars.count == 1 { return nil }
        if chars[chars.count - 1] == 0x2F { return "Path must not end with / character" }
        guard let reason = invalidReason(chars) else { return nil }
        return "Invalid path string \"\(checked)\" caused by \(reason)"
    }

    private static func invalidReason(_ chars: [UInt16]) -> String? {
        var last: UInt16 = 0x2F
        for i in 1..<chars.count {
            let c = chars[i]
            defer { last = c }
            let endsName = i + 1 == chars.count || chars[i + 1] == 0x2F
            if c == 0 { return "null character not allowed @\(i)" }
            if c == 0x2F && last == 0x2F { return "empty node name specified @\(i)" }
            if c == 0x2E && last == 0x2E {
                if chars[i - 2] == 0x2F && endsName { return "relative paths not allowed @\(i)" }
            } else if c == 0x2E {
                if chars[i - 1] == 0x2F && endsName { return "relative paths not allowed @\(i)" }
            } else if (c > 0 && c <= 0x1F) || (c >= 0x7F && c <= 0x9F) || (c >= 0xD800 && c <= 0xF8FF)
                        || c >= 0xFFF0 {
                return "invalid character @\(i)"
            }
        }
        return nil
    }
}

/// Apache's `cli.AclParser`: "scheme:id:perms[,...]". Malformed entries are skipped with a warning
/// line, unknown permission letters warned about and ignored — the warnings are zkCli's stderr lines.
public enum AclText {
    public static func parse(_ text: String) -> (acl: [ACL], warnings: [String]) {
        var acl: [ACL] = []
        var warnings: [String] = []
        for entry in javaSplit(text, on: ",") {
            guard let first = entry.firstIndex(of: ":"), let last = entry.lastIndex(of: ":"), first != last else {
                warnings.append("\(entry) does not have the form scheme:id:perm")
                continue
            }
            let id = Id(scheme: String(entry[..<first]), id: String(entry[entry.index(after: first)..<last]))
            let (perms, unknown) = permissions(entry[entry.index(after: last)...])
            warnings += unknown.map { "Unknown perm type: \($0)" }
            acl.append(ACL(perms: perms, id: id))
        }
        return (acl, warnings)
    }

    private static func permissions(_ text: Substring) -> (Int32, [Character]) {
        var perms: Int32 = 0
        var unknown: [Character] = []
        for c in text {
            switch c {
            case "r": perms |= Perms.read
            case "w": perms |= Perms.write
            case "c": perms |= Perms.create
            case "d": perms |= Perms.delete
            case "a": perms |= Perms.admin
            default: unknown.append(c)
            }
        }
        return (perms, unknown)
    }

    /// `String.split(",")`: trailing empty strings removed (an empty input gives one empty string).
    static func javaSplit(_ text: String, on separator: Character) -> [String] {
        var parts = text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        if text.isEmpty { return [""] }
        while parts.count > 1, parts.last == "" { parts.removeLast() }
        if parts == [""] { return [] }
        return parts
    }
}
