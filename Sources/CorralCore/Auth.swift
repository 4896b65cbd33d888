import Crypto
import ZooKeeperProtocol

/// Apache's server authentication providers: `digest` and `ip`, plus the `super` id granted by
/// `DigestAuthenticationProvider.superDigest`.
public enum Auth {
    public static let superId = Id(scheme: "super", id: "")

    /// "user:base64(sha1(user:password))" (Apache's `DigestAuthenticationProvider.generateDigest`).
    public static func digest(_ userPassword: String) -> String {
        let user = userPassword.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let hash = Insecure.SHA1.hash(data: Array(userPassword.utf8))
        return user + ":" + base64(Array(hash))
    }

    /// Whether an ACL id of `scheme` is well formed (Apache's provider `isValid`).
    public static func isValidACLId(scheme: String, id: String) -> Bool {
        switch scheme {
        case "world": return id == "anyone"
        case "digest":
            // Java's id.split(":").length == 2: trailing empty strings are dropped ("u:" is invalid, "u:x:" valid).
            var parts = id.split(separator: ":", omittingEmptySubsequences: false)
            while parts.last?.isEmpty == true { parts.removeLast() }
            return parts.count == 2
        case "ip": return IPv4Pattern(id) != nil || isIPv6Literal(id)
        // Apache's SASLAuthenticationProvider: a Kerberos-style name with at most one "@".
        case "sasl": return id.filter { $0 == "@" }.count <= 1
        default: return false
        }
    }

    /// Whether an authenticated id matches an ACL id of the same scheme.
    public static func matches(scheme: String, authId: String, aclId: String) -> Bool {
        switch scheme {
        case "digest", "super", "sasl": return authId == aclId
        case "ip":
            if let pattern = IPv4Pattern(aclId), let address = IPv4Pattern.parse(authId) {
                return pattern.matches(address)
            }
            return authId == aclId
        default: return false
        }
    }

    /// Apache's `ZooKeeperServer.checkACL`: an empty ACL or a super id allows everything.
    public static func allows(_ acl: [ACL], perm: Int32, ids: [Id]) -> Bool {
        if acl.isEmpty { return true }
        if ids.contains(where: { $0.scheme == "super" }) { return true }
        for entry in acl where entry.perms & perm != 0 {
            if entry.id.scheme == "world" && entry.id.id == "anyone" { return true }
            for id in ids where id.scheme == entry.id.scheme
                && matches(scheme: id.scheme, authId: id.id, aclId: entry.id.id) {
                return true
            }
        }
        return false
    }

    static func isIPv6Literal(_ s: String) -> Bool {
        let address = s.split(separator: "/", maxSplits: 1).first ?? ""
        return address.contains(":") && address.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// "a.b.c.d" or "a.b.c.d/bits" as Apache's `IPAuthenticationProvider` reads it.
struct IPv4Pattern {
    let address: UInt32
    let maskBits: Int

    init?(_ s: String) {
        let parts = s.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPv4Pattern.parse(String(parts[0])) else { return nil }
        var bits = 32
        if parts.count == 2 {
            guard let b = Int(parts[1]), (0...32).contains(b) else { return nil }
            bits = b
        }
        self.address = address
        self.maskBits = bits
    }

    static func parse(_ s: String) -> UInt32? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt32 = 0
        for o in octets {
            guard let n = UInt32(o), n <= 255 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    func matches(_ other: UInt32) -> Bool {
        let mask: UInt32 = maskBits == 0 ? 0 : ~UInt32(0) << UInt32(32 - maskBits)
        return address & mask == other & mask
    }
}
