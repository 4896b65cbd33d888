import Crypto

/// The server side of SASL DIGEST-MD5 (RFC 2831) as Apache ZooKeeper runs it: the JDK's
/// `com.sun.security.sasl.digest.DigestMD5Server`, created by `ZooKeeperSaslServer` with
/// protocol `zookeeper`, server name `zk-sasl-md5` and no properties, answering its callbacks
/// through `SaslServerCallbackHandler` from the JAAS `user_<name>` passwords.
///
/// One instance per connection. Exchange (each token is a GetSASLRequest/SetSASLResponse
/// `buffer`):
///  1. client's first token (empty for DIGEST-MD5; anything is ignored) -> `.challenge`:
///     `realm="zk-sasl-md5",nonce="<nonce>",charset=utf-8,algorithm=md5-sess` (no `qop`
///     directive: the JDK leaves it out when no QOP property is set, meaning "auth" only);
///  2. client's digest-response -> `.success(finalToken: "rspauth=<hex>", authorizationId:)`,
///     or `.failure` (the JDK's SaslException: Apache answers AuthFailed and closes), or
///     `.abort` (a non-SASL exception in Java, e.g. a non-numeric `maxbuf`: Apache closes the
///     connection without answering).
///  Any further token is `.failure` ("Server at illegal state"), also after a failure.
///
/// Pure and deterministic: the caller supplies the nonce (`makeNonce()` gives a JDK-style one).
public struct SASLDigestMD5Server: Sendable {
    public enum Result: Sendable, Equatable {
        /// Send this token (SetSASLResponse) with err 0; the exchange continues.
        case challenge([UInt8])
        /// Send `finalToken` with err 0; the client authenticated as `authorizationId`.
        case success(finalToken: [UInt8], authorizationId: String)
        /// Java's SaslException: reply err AuthFailed (-115) with a null token, then close.
        case failure(reason: String)
        /// Java throws a runtime exception instead: close the connection without a reply.
        case abort(reason: String)
    }

    public static let defaultProtocol = "zookeeper"
    public static let defaultServerName = "zk-sasl-md5"
    /// DigestMD5Base.MAX_RESPONSE_LENGTH: longer client tokens fail (this length is allowed).
    public static let maxResponseLength = 4096

    private enum State: Sendable { case initial, awaitingResponse, finished }

    private let users: [String: String]
    public let realm: String
    public let nonce: String
    /// `protocol/serverName`, the digest-uri the client must name (compared ignoring case).
    public let digestURI: String
    /// `zookeeper.kerberos.removeHostFromPrincipal` / `removeRealmFromPrincipal` (both "false"
    /// by default): they only matter for user names that look like `name/host@REALM`.
    public var removeHostFromPrincipal = false
    public var removeRealmFromPrincipal = false
    private var state = State.initial
    /// True once the client authenticated (Java's `isComplete`).
    public private(set) var isComplete = false
    /// The authorization id after `.success` (Java's `getAuthorizationID`).
    public private(set) var authorizationId: String?

    /// - Parameters:
    ///   - users: DIGEST-MD5 users and passwords (`JAASConfig.digestMD5Users`).
    ///   - realm: the one realm offered and accepted; Apache's is its server name, `zk-sasl-md5`.
    ///   - nonce: the server nonce (sent quoted; the JDK uses 40 base64 characters).
    ///   - protocol: with `serverName`, forms the expected digest-uri `zookeeper/zk-sasl-md5`.
    public init(
        users: [String: String], realm: String = SASLDigestMD5Server.defaultServerName, nonce: String,
        protocol: String = SASLDigestMD5Server.defaultProtocol,
        serverName: String = SASLDigestMD5Server.defaultServerName
    ) {
        self.users = users
        self.realm = realm
        self.nonce = nonce
        self.digestURI = "\(`protocol`)/\(serverName)"
    }

    /// A JDK-style nonce: 30 random bytes, base64 (40 characters, no padding needed).
    public static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return makeNonce(using: &generator)
    }

    public static func makeNonce<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".unicodeScalars)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(30)
        for _ in 0..<30 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let a = bytes[i], b = bytes[i + 1], c = bytes[i + 2]
            out.append(alphabet[Int(a >> 2)])
            out.append(alphabet[Int((a & 0x03) << 4 | b >> 4)])
            out.append(alphabet[Int((b & 0x0F) << 2 | c >> 6)])
            out.append(alphabet[Int(c & 0x3F)])
            i += 3
        }
        return String(out)
    }

    /// Feeds one client token (the GetSASLRequest buffer; treat a null buffer as the caller's
    /// problem: Apache hits a NullPointerException and drops the connection).
    public mutating func step(_ clientToken: [UInt8]) -> Result {
        if clientToken.count > Self.maxResponseLength {
            return .failure(
                reason: "DIGEST-MD5: Invalid digest response length. Got:  \(clientToken.count) Expected < \(Self.maxResponseLength)")
        }
        switch state {
        case .initial:
            // DIGEST-MD5 has no initial response; the JDK ignores one if sent.
            state = .awaitingResponse
            return .challenge(challenge())
        case .awaitingResponse:
            state = .finished
            switch validate(clientToken) {
            case .success(let finalToken, let id):
                isComplete = true
                authorizationId = id
                return .success(finalToken: finalToken, authorizationId: id)
            case let other:
                return other
            }
        case .finished:
            return .failure(reason: "DIGEST-MD5: Server at illegal state")
        }
    }

    // MARK: Challenge

    private func challenge() -> [UInt8] {
        var out: [UInt8] = []
        out += Array("realm=\"".utf8)
        Self.appendQuoted(&out, Array(realm.utf8))
        out += Array("\",nonce=\"".utf8)
        Self.appendQuoted(&out, Array(nonce.utf8))
        out += Array("\",charset=utf-8,algorithm=md5-sess".utf8)
        return out
    }

    /// DigestMD5Base.writeQuotedStringValue: backslash before `"`, `\`, DEL and controls other
    /// than CR, LF and HT (bytes from 0x80 are signed in Java and never escaped).
    private static func appendQuoted(_ out: inout [UInt8], _ bytes: [UInt8]) {
        for b in bytes {
            if b == 0x22 || b == 0x5C || b == 0x7F || (b <= 31 && b != 13 && b != 9 && b != 10) {
                out.append(0x5C)
            }
            out.append(b)
        }
    }

    // MARK: Digest-response

    private enum Directive: Int, CaseIterable {
        case username, realm, nonce, cnonce, nonceCount, qop, digestURI, response, maxbuf, charset,
            cipher, authzid, authParam

        var key: String {
            switch self {
            case .username: "username"
            case .realm: "realm"
            case .nonce: "nonce"
            case .cnonce: "cnonce"
            case .nonceCount: "nonce-count"  // sic: the JDK never looks at RFC 2831's "nc"
            case .qop: "qop"
            case .digestURI: "digest-uri"
            case .response: "response"
            case .maxbuf: "maxbuf"
            case .charset: "charset"
            case .cipher: "cipher"
            case .authzid: "authzid"
            case .authParam: "auth-param"
            }
        }
    }

    private func validate(_ token: [UInt8]) -> Result {
        let values: [Directive: [UInt8]]
        switch Self.parseDirectives(token) {
        case .success(let v): values = v
        case .failure(let e): return .failure(reason: e.message)
        }
        func text(_ d: Directive) -> String? { values[d].map { String(decoding: $0, as: UTF8.self) } }

        if let charset = text(.charset), charset != "utf-8" {
            return .failure(
                reason: "DIGEST-MD5: digest response format violation. Incompatible charset value: \(charset)")
        }
        if let maxbuf = text(.maxbuf), Self.javaParseInt(maxbuf, radix: 10) == nil {
            return .abort(reason: "java.lang.NumberFormatException: For input string: \"\(maxbuf)\"")
        }
        guard let username = text(.username) else {
            return .failure(reason: "DIGEST-MD5: digest response format violation. Missing username.")
        }
        let negotiatedRealm = text(.realm) ?? ""
        guard negotiatedRealm == realm else {
            return .failure(
                reason: "DIGEST-MD5: digest response format violation. Nonexistent realm: \(negotiatedRealm)")
        }
        guard let clientNonce = values[.nonce] else {
            return .failure(reason: "DIGEST-MD5: digest response format violation. Missing nonce.")
        }
        let nonceBytes = Array(nonce.utf8)
        guard clientNonce == nonceBytes else {
            return .failure(reason: "DIGEST-MD5: digest response format violation. Mismatched nonce.")
        }
        guard let cnonce = values[.cnonce] else {
            return .failure(reason: "DIGEST-MD5: digest response format violation. Missing cnonce.")
        }
        if let nc = text(.nonceCount) {
            guard let count = Self.javaParseInt(nc, radix: 16) else {
                return .abort(reason: "java.lang.NumberFormatException: For input string: \"\(nc)\"")
            }
            if count != 1 {
                return .failure(
                    reason: "DIGEST-MD5: digest response format violation. Nonce count does not match: \(nc)")
            }
        }
        let qop = text(.qop) ?? "auth"
        switch qop {
        case "auth": break
        case "auth-int", "auth-conf":
            return .failure(reason: "DIGEST-MD5: server does not support  qop: \(qop)")
        default:
            return .failure(reason: "DIGEST-MD5: digest response format violation. Invalid QOP: \(qop)")
        }
        let uriFromClient = text(.digestURI)
        guard let uri = uriFromClient, Self.javaEqualsIgnoreCase(digestURI, uri) else {
            return .failure(
                reason: "DIGEST-MD5: digest response format violation. Mismatched URI: \(uriFromClient ?? "null"); expecting: \(digestURI)")
        }
        guard let responseFromClient = values[.response] else {
            return .failure(reason: "DIGEST-MD5: digest response format  violation. Missing response.")
        }
        let authzidBytes = values[.authzid]
        let authzidFromClient = text(.authzid) ?? username

        // SaslServerCallbackHandler: only a known user gets a password.
        guard let password = users[username] else {
            return .failure(
                reason: "DIGEST-MD5: cannot acquire password for \(username) in realm : \(negotiatedRealm)")
        }
        let expected = Self.responseValue(
            method: "AUTHENTICATE", digestURI: uri, qop: qop, username: username, realm: negotiatedRealm,
            password: password, nonce: nonceBytes, cnonce: cnonce, nonceCount: 1, authzid: authzidBytes)
        guard expected == responseFromClient else {
            return .failure(reason: "DIGEST-MD5: digest response format violation. Mismatched response.")
        }
        guard
            let id = Self.authorizedID(
                authenticationID: username, authorizationID: authzidFromClient,
                removeHost: removeHostFromPrincipal, removeRealm: removeRealmFromPrincipal)
        else {
            return .abort(reason: "java.lang.IllegalArgumentException: Malformed Kerberos name: \(username)")
        }
        let rspauth = Self.responseValue(
            method: "", digestURI: uri, qop: qop, username: username, realm: negotiatedRealm,
            password: password, nonce: nonceBytes, cnonce: cnonce, nonceCount: 1, authzid: authzidBytes)
        return .success(finalToken: Array("rspauth=".utf8) + rspauth, authorizationId: id)
    }

    // MARK: RFC 2831 computation

    /// RFC 2831 2.1.2.1 response-value (lowercase hex, as ASCII bytes), as the JDK computes it:
    /// `method` is "AUTHENTICATE" for the client's response and "" for rspauth; user name, realm
    /// and password are hashed as ISO-8859-1 when every character fits, else as UTF-8; only qop
    /// "auth" is supported here (no security-layer marker in A2).
    public static func responseValue(
        method: String, digestURI: String, qop: String, username: String, realm: String, password: String,
        nonce: [UInt8], cnonce: [UInt8], nonceCount: Int, authzid: [UInt8]?
    ) -> [UInt8] {
        let hexA2 = hex(Insecure.MD5.hash(data: Array("\(method):\(digestURI)".utf8)))
        var userRealmPassword = latin1OrUTF8(username)
        userRealmPassword.append(UInt8(ascii: ":"))
        userRealmPassword += latin1OrUTF8(realm)
        userRealmPassword.append(UInt8(ascii: ":"))
        userRealmPassword += latin1OrUTF8(password)
        var a1 = Array(Insecure.MD5.hash(data: userRealmPassword))
        a1.append(UInt8(ascii: ":"))
        a1 += nonce
        a1.append(UInt8(ascii: ":"))
        a1 += cnonce
        if let authzid {
            a1.append(UInt8(ascii: ":"))
            a1 += authzid
        }
        let hexA1 = hex(Insecure.MD5.hash(data: a1))
        var kd = hexA1
        kd.append(UInt8(ascii: ":"))
        kd += nonce
        kd.append(UInt8(ascii: ":"))
        kd += Array(nonceCountHex(nonceCount).utf8)
        kd.append(UInt8(ascii: ":"))
        kd += cnonce
        kd.append(UInt8(ascii: ":"))
        kd += Array(qop.utf8)
        kd.append(UInt8(ascii: ":"))
        kd += hexA2
        return hex(Insecure.MD5.hash(data: kd))
    }

    private static func nonceCountHex(_ count: Int) -> String {
        let digits = String(UInt32(truncatingIfNeeded: count), radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    private static func hex<D: Sequence>(_ digest: D) -> [UInt8] where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }

    /// DigestMD5Base.stringToByte_8859_1 with UTF-8 enabled.
    static func latin1OrUTF8(_ s: String) -> [UInt8] {
        if s.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) {
            return s.unicodeScalars.map { UInt8($0.value) }
        }
        return Array(s.utf8)
    }

    // MARK: Authorization id

    /// SaslServerCallbackHandler.handleAuthorizeCallback with Apache's defaults (auth_to_local
    /// "DEFAULT", no Kerberos default realm): the user name canonicalised through KerberosName.
    /// A plain name (no `@`) is itself; `name[/host]@` (empty realm) keeps its form; for
    /// `name[/host]@REALM` no rule applies, so the id stays the client's authzid (or the user
    /// name). Nil where KerberosName throws (more than one `@`, or `/`s it cannot parse).
    static func authorizedID(
        authenticationID: String, authorizationID: String, removeHost: Bool = false, removeRealm: Bool = false
    ) -> String? {
        guard let name = KerberosPrincipal(authenticationID) else { return nil }
        guard let realm = name.realm else {
            return name.service  // already simple: getShortName returns it, nothing appended
        }
        // DEFAULT rule: applies when the realm is the default realm, which is "" here.
        guard realm.isEmpty else { return authorizationID }
        var id = name.service
        if !removeHost, let host = name.host { id += "/" + host }
        if !removeRealm { id += "@" + realm }
        return id
    }

    /// KerberosName's parse: `([^/@]*)(/([^/@]*))?@([^/@]*)`, or a name without `@` as is.
    private struct KerberosPrincipal {
        var service: String
        var host: String?
        var realm: String?

        init?(_ name: String) {
            let at = name.split(separator: "@", omittingEmptySubsequences: false)
            if at.count == 1 {
                service = name
                host = nil
                realm = nil
                return
            }
            guard at.count == 2, !at[1].contains("/") else { return nil }
            let parts = at[0].split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            service = String(parts[0])
            host = parts.count == 2 ? String(parts[1]) : nil
            realm = String(at[1])
        }
    }

    // MARK: Java helpers

    /// Integer.parseInt(s, radix) for ASCII digits: optional sign, at least one digit, in range.
    static func javaParseInt(_ s: String, radix: Int) -> Int32? {
        var scalars = Substring(s)
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        guard !scalars.isEmpty, scalars.allSatisfy({ $0.isASCII }) else { return nil }
        guard let magnitude = Int64(scalars, radix: radix), magnitude >= 0 else { return nil }
        let value = negative ? -magnitude : magnitude
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { return nil }
        return Int32(value)
    }

    /// String.equalsIgnoreCase over UTF-16 units: equal, or equal after simple upper-casing, or
    /// after upper- then lower-casing.
    static func javaEqualsIgnoreCase(_ a: String, _ b: String) -> Bool {
        let ua = Array(a.utf16), ub = Array(b.utf16)
        guard ua.count == ub.count else { return false }
        for (x, y) in zip(ua, ub) where x != y {
            guard let sx = Unicode.Scalar(UInt32(x)), let sy = Unicode.Scalar(UInt32(y)) else { return false }
            let upx = simpleUpper(sx), upy = simpleUpper(sy)
            if upx == upy { continue }
            if simpleLower(upx) == simpleLower(upy) { continue }
            return false
        }
        return true
    }

    private static func simpleUpper(_ s: Unicode.Scalar) -> Unicode.Scalar {
        let mapped = s.properties.uppercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped.first! : s
    }

    private static func simpleLower(_ s: Unicode.Scalar) -> Unicode.Scalar {
        let mapped = s.properties.lowercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped.first! : s
    }

    // MARK: Directive parsing

    struct ParseError: Error {
        var message: String
    }

    /// DigestMD5Base.parseDirectives for a digest-response: `key=value` or `key="quoted"`
    /// separated by commas and linear white space; keys compared ignoring case; unknown keys are
    /// skipped; a known key twice is an error.
    private static func parseDirectives(_ buf: [UInt8]) -> Swift.Result<[Directive: [UInt8]], ParseError> {
        func isLWS(_ b: UInt8) -> Bool { b == 13 || b == 10 || b == 32 || b == 9 }
        func skipLWS(_ start: Int) -> Int {
            var i = start
            while i < buf.count && isLWS(buf[i]) { i += 1 }
            return i
        }
        func keyText(_ key: [UInt8]) -> String { String(decoding: key, as: UTF8.self) }
        func valueText(_ value: [UInt8]) -> String { String(decoding: value, as: UTF8.self) }

        var table: [Directive: [UInt8]] = [:]
        func extract(_ key: [UInt8], _ value: [UInt8]) -> ParseError? {
            let lowered = key.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
            guard let d = Directive.allCases.first(where: { Array($0.key.utf8) == lowered }) else { return nil }
            if table[d] != nil {
                return ParseError(
                    message: "DIGEST-MD5: peer sent more than one \(keyText(key)) directive: \(valueText(value))")
            }
            table[d] = value
            return nil
        }

        var key: [UInt8] = []
        var value: [UInt8] = []
        var gettingKey = true
        var gettingQuotedValue = false
        var expectSeparator = false
        var i = skipLWS(0)
        while i < buf.count {
            let b = buf[i]
            if gettingKey {
                if b == UInt8(ascii: ",") {
                    if !key.isEmpty {
                        return .failure(ParseError(message: "Directive key contains a ',':\(keyText(key))"))
                    }
                    i = skipLWS(i + 1)
                } else if b == UInt8(ascii: "=") {
                    if key.isEmpty { return .failure(ParseError(message: "Empty directive key")) }
                    gettingKey = false
                    i = skipLWS(i + 1)
                    guard i < buf.count else {
                        return .failure(ParseError(message: "Valueless directive found: \(keyText(key))"))
                    }
                    if buf[i] == UInt8(ascii: "\"") {
                        gettingQuotedValue = true
                        i += 1
                    }
                } else if isLWS(b) {
                    i = skipLWS(i + 1)
                    guard i < buf.count, buf[i] == UInt8(ascii: "=") else {
                        return .failure(ParseError(message: "'=' expected after key: \(keyText(key))"))
                    }
                } else {
                    key.append(b)
                    i += 1
                }
            } else if gettingQuotedValue {
                if b == UInt8(ascii: "\\") {
                    i += 1
                    guard i < buf.count else {
                        return .failure(
                            ParseError(
                                message:
                                    "Unmatched quote found for directive: \(keyText(key)) with value: \(valueText(value))"))
                    }
                    value.append(buf[i])
                    i += 1
                } else if b == UInt8(ascii: "\"") {
                    i += 1
                    gettingQuotedValue = false
                    expectSeparator = true
                } else {
                    value.append(b)
                    i += 1
                }
            } else if isLWS(b) || b == UInt8(ascii: ",") {
                if let e = extract(key, value) { return .failure(e) }
                key = []
                value = []
                gettingKey = true
                gettingQuotedValue = false
                expectSeparator = false
                i = skipLWS(i + 1)
            } else if expectSeparator {
                return .failure(
                    ParseError(
                        message: "Expecting comma or linear whitespace after quoted string: \"\(valueText(value))\""))
            } else {
                value.append(b)
                i += 1
            }
        }
        if gettingQuotedValue {
            return .failure(
                ParseError(
                    message: "Unmatched quote found for directive: \(keyText(key)) with value: \(valueText(value))"))
        }
        if !key.isEmpty, let e = extract(key, value) { return .failure(e) }
        return .success(table)
    }
}
