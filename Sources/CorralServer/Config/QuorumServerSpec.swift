/// A host (name or IP literal, without IPv6 brackets) and a port.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Whether the host is a wildcard address (bind to every interface).
    public var isWildcard: Bool { host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0" }

    /// `host:port`, with IPv6 hosts in brackets (Apache `delimitedHostString`).
    public var description: String { HostPort.delimited(host) + ":" + String(port) }

    static func delimited(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}

/// A server's role in the ensemble (Apache `LearnerType`).
public enum PeerType: String, Sendable, Equatable {
    case participant, observer
}

/// One `server.N=host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]`
/// line (Apache `QuorumPeer.QuorumServer`).
public struct QuorumServerSpec: Sendable, Hashable {
    public var id: Int64
    /// The quorum (peer) addresses; more than one only with `multiAddress.enabled=true`.
    public var quorumAddresses: [HostPort]
    /// The leader-election addresses, one per quorum address.
    public var electionAddresses: [HostPort]
    public var type: PeerType
    /// The client address given after `;` (a bare port means host 0.0.0.0), if any.
    public var clientAddress: HostPort?

    public init(id: Int64, quorumAddresses: [HostPort], electionAddresses: [HostPort],
                type: PeerType = .participant, clientAddress: HostPort? = nil) {
        self.id = id
        self.quorumAddresses = quorumAddresses
        self.electionAddresses = electionAddresses
        self.type = type
        self.clientAddress = clientAddress
    }

    /// Parses the value of `server.<id>` as Apache 3.8 does. `key` is used in errors.
    public init(id: Int64, parsing value: String, key: String, multiAddressEnabled: Bool)
        throws(ConfigError) {
        func bad(_ reason: String) -> ConfigError { .invalidValue(key: key, value: value, reason: reason) }
        let wrongFormat = "does not have the form server_config or server_config;client_config where "
            + "server_config is the pipe separated list of host:port:port or host:port:port:type and "
            + "client_config is port or host:port"
        let serverAndClient = value.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard serverAndClient.count <= 2 else { throw bad(wrongFormat) }
        let addresses = QuorumServerSpec.javaSplit(serverAndClient[0], on: "|")
        guard multiAddressEnabled || addresses.count <= 1 else {
            throw bad("Multiple address feature is disabled, but multiple addresses were specified for sid \(id)")
        }
        var quorum: [HostPort] = []
        var election: [HostPort] = []
        var type: PeerType?
        for address in addresses {
            let parts = try QuorumServerSpec.hostAndPort(address, key: key, value: value)
            guard (3...4).contains(parts.count) else { throw bad(wrongFormat) }
            let quorumPort = try QuorumServerSpec.port(parts[1], host: parts[0], key: key, value: value)
            let electionPort = try QuorumServerSpec.port(parts[2], host: parts[0], key: key, value: value)
            guard quorumPort != electionPort else {
                throw bad("Client and election port must be different! Please update the configuration "
                          + "file on server.\(id)")
            }
            if parts.count == 4 {
                let parsed = try QuorumServerSpec.peerType(parts[3], key: key, value: value)
                guard type == nil || type == parsed else {
                    throw bad("Multiple addresses should have similar roles")
                }
                type = parsed
            }
            quorum.append(HostPort(host: parts[0], port: quorumPort))
            election.append(HostPort(host: parts[0], port: electionPort))
        }
        var client: HostPort?
        if serverAndClient.count == 2 {
            let parts = try QuorumServerSpec.hostAndPort(serverAndClient[1], key: key, value: value)
            guard parts.count <= 2 else { throw bad(wrongFormat) }
            let host = parts.count == 2 ? parts[0] : "0.0.0.0"
            client = HostPort(host: host, port: try QuorumServerSpec.port(parts[parts.count - 1], host: host,
                                                                         key: key, value: value))
        }
        self.init(id: id, quorumAddresses: quorum, electionAddresses: election, type: type ?? .participant,
                  clientAddress: client)
    }

    /// Apache's `QuorumServer.toString()` as `conf` prints it after `server.N=`. The client
    /// address is printed only when the server line gave one.
    public var apacheDescription: String {
        let quorum = quorumAddresses.sorted { $0.host < $1.host }
        let election = electionAddresses.sorted { $0.host < $1.host }
        var out = zip(quorum, election).map { q, e in
            "\(HostPort.delimited(q.host)):\(q.port):\(e.port)"
        }.joined(separator: "|")
        out += type == .observer ? ":observer" : ":participant"
        if let client = clientAddress { out += ";" + client.description }
        return out
    }

    /// Java `ConfigUtils.getHostAndPort`: `[v6]:a:b` or `host:a:b`, split on colons.
    static func hostAndPort(_ text: String, key: String, value: String) throws(ConfigError) -> [String] {
        guard text.hasPrefix("[") else { return javaSplit(text, on: ":") }
        guard let close = text.firstIndex(of: "]") else {
            throw .invalidValue(key: key, value: value, reason: "\(text) starts with '[' but has no matching ']:'")
        }
        let host = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...]
        guard rest.count > 1 else {
            throw .invalidValue(key: key, value: value, reason: "\(text) doesn't have a port after colon")
        }
        return [host] + javaSplit(String(rest.dropFirst()), on: ":")
    }

    /// Java `String.split(regex)` for a one-character separator: trailing empty strings removed.
    static func javaSplit(_ text: String, on separator: Character) -> [String] {
        var parts = text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        while parts.count > 1 && parts.last == "" { parts.removeLast() }
        return parts
    }

    private static func port(_ text: String, host: String, key: String, value: String) throws(ConfigError) -> Int {
        guard let port = JavaNumber.parseInt(text) else {
            throw .invalidValue(key: key, value: value, reason: "Address unresolved: \(host):\(text)")
        }
        guard (0...65535).contains(port) else {
            throw .invalidValue(key: key, value: value, reason: "port out of range:\(port)")
        }
        return Int(port)
    }

    private static func peerType(_ text: String, key: String, value: String) throws(ConfigError) -> PeerType {
        switch javaTrim(text).lowercased() {
        case "observer": return .observer
        case "participant": return .participant
        default: throw .invalidValue(key: key, value: value, reason: "Unrecognised peertype: \(text)")
        }
    }
}

/// Java's number parsing. `parseInt`/`parseLong` are `Integer.parseInt`/`Long.parseLong`: an
/// optional sign, then at least one digit of the radix, nothing else, within range.
/// `decodeInt`/`decodeLong` are `Integer.decode`/`Long.decode` (used by `Integer.getInteger`):
/// additionally `0x`/`0X`/`#` for hex and a leading `0` for octal.
enum JavaNumber {
    static func decodeInt(_ text: String) -> Int32? {
        decodeLong(text).flatMap { Int32(exactly: $0) }
    }

    static func decodeLong(_ text: String) -> Int64? {
        var body = Substring(text)
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        var radix = 10
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            (radix, body) = (16, body.dropFirst(2))
        } else if body.hasPrefix("#") {
            (radix, body) = (16, body.dropFirst())
        } else if body.hasPrefix("0") && body.count > 1 {
            (radix, body) = (8, body.dropFirst())
        }
        if body.hasPrefix("-") || body.hasPrefix("+") { return nil }
        return parseLong(sign + body, radix: radix)
    }

    static func parseInt(_ text: String, radix: Int = 10) -> Int32? {
        parseLong(text, radix: radix).flatMap { Int32(exactly: $0) }
    }

    static func parseLong(_ text: String, radix: Int = 10) -> Int64? {
        var digits = Substring(text)
        var negative = false
        if let first = digits.first, first == "+" || first == "-" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return nil
        }
        guard let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return Int64(exactly: magnitude)
    }
}
