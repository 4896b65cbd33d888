import ZooKeeperProtocol

/// One server of a connect string (unresolved, as Java's `InetSocketAddress.createUnresolved`).
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) { self.host = host; self.port = port }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Why a connect string was refused.
public enum ConnectStringError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The chroot suffix is not a valid znode path (Apache: `IllegalArgumentException` from
    /// `PathUtils.validatePath`).
    case invalidChroot(String)
    /// A port that is not a number in 0...65535 (Apache: `NumberFormatException` /
    /// `IllegalArgumentException` from `InetSocketAddress`).
    case invalidPort(String)
    /// An IPv6 literal without its closing bracket, with an empty host, or with something other
    /// than ":port" after it (Apache: `IllegalArgumentException` from `NetUtils`).
    case invalidHost(String)
    /// No server at all.
    case noServers

    public var description: String {
        switch self {
        case .invalidChroot(let c): return "Invalid path string \"\(c)\""
        case .invalidPort(let p): return "port out of range or not a number: \(p)"
        case .invalidHost(let h): return "invalid host string: \(h)"
        case .noServers: return "A HostProvider may not be empty!"
        }
    }
}

/// Apache's `ConnectStringParser`: `host1:port1,host2:port2,[::1]:port3/chroot/path`. Hosts are
/// trimmed and empty entries skipped; a missing port (or a trailing ':') means 2181; a chroot of "/"
/// means none; any other chroot must be a valid znode path.
public struct ConnectString: Sendable, Equatable {
    public static let defaultPort = 2181

    public var servers: [ServerAddress]
    /// The chroot every path is relative to, nil for none.
    public var chroot: String?

    public init(_ text: String) throws(ConnectStringError) {
        var hosts = Substring(text)
        chroot = nil
        if let slash = text.firstIndex(of: "/") {
            let path = String(text[slash...])
            if path != "/" {
                guard ZNodePath.isValid(path) else { throw .invalidChroot(path) }
                chroot = path
            }
            hosts = text[..<slash]
        }
        servers = []
        for entry in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            let host = entry.trimmingJavaWhitespace()
            if host.isEmpty { continue }
            servers.append(try Self.parseServer(host))
        }
        guard !servers.isEmpty else { throw .noServers }
    }

    static func parseServer(_ entry: Substring) throws(ConnectStringError) -> ServerAddress {
        if entry.hasPrefix("[") {
            // Apache's NetUtils.getIPV6HostAndPort: "[host]" or "[host]:port", host not empty.
            guard let close = entry.lastIndex(of: "]") else { throw .invalidHost(String(entry)) }
            let host = String(entry[entry.index(after: entry.startIndex)..<close])
            guard !host.isEmpty else { throw .invalidHost(String(entry)) }
            let rest = entry[entry.index(after: close)...]
            if rest.isEmpty { return ServerAddress(host: host, port: defaultPort) }
            guard rest.hasPrefix(":"), rest.count > 1 else { throw .invalidHost(String(entry)) }
            return ServerAddress(host: host, port: try port(rest.dropFirst()))
        }
        guard let colon = entry.lastIndex(of: ":") else { return ServerAddress(host: String(entry), port: defaultPort) }
        let portText = entry[entry.index(after: colon)...]
        let port = portText.isEmpty ? defaultPort : try port(portText)
        return ServerAddress(host: String(entry[..<colon]), port: port)
    }

    static func port(_ text: Substring) throws(ConnectStringError) -> Int {
        guard let value = Int(text), (0...65535).contains(value) else { throw .invalidPort(String(text)) }
        return value
    }

    /// The server-side path of a client path (Apache's `ZooKeeper.prependChroot`).
    public func serverPath(_ clientPath: String) -> String {
        guard let chroot else { return clientPath }
        return clientPath == "/" ? chroot : chroot + clientPath
    }

    /// The client-side path of a server path (Apache's `ClientCnxn` event and reply handling):
    /// the chroot itself is "/", a path below it loses the prefix; nil for a path outside it.
    public func clientPath(_ serverPath: String) -> String? {
        guard let chroot else { return serverPath }
        if serverPath == chroot { return "/" }
        guard serverPath.hasPrefix(chroot + "/") else { return nil }
        return String(serverPath.dropFirst(chroot.utf8.count))
    }
}

extension Substring {
    /// Java's `String.trim()`: strips characters up to U+0020 at both ends.
    func trimmingJavaWhitespace() -> Substring {
        var s = self
        while let c = s.unicodeScalars.first, c.value <= 0x20 { s = s.dropFirst() }
        while let c = s.unicodeScalars.last, c.value <= 0x20 { s = s.dropLast() }
        return s
    }
}
