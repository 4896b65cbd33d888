import CorralClient
import ZooKeeperProtocol

/// `ShellClient` over CorralClient's `ZooKeeperClient`. Errors carry the path Apache's client names
/// in its exceptions (the request's client path; none for getEphemerals; `/zookeeper/config` for
/// config).
public final class CorralShellClient: ShellClient {
    let client: ZooKeeperClient

    public init(_ client: ZooKeeperClient) { self.client = client }

    /// The connector `corral cli` uses: `ZooKeeperClient.connect` with the shell's timeout and
    /// read-only flag.
    public static let connector: ShellConnector = { connectString, options throws(ShellKeeperError) in
        var configuration = ClientConfiguration()
        configuration.sessionTimeout = .milliseconds(options.sessionTimeoutMilliseconds)
        configuration.canBeReadOnly = options.canBeReadOnly
        do throws(KeeperError) {
            return CorralShellClient(try await ZooKeeperClient.connect(connectString, configuration: configuration))
        } catch {
            throw ShellKeeperError(error.code)
        }
    }

    public var state: ShellConnectionState {
        switch client.state {
        case .connecting, .disconnected: return .connecting
        case .connected: return .connected
        case .connectedReadOnly: return .connectedReadOnly
        case .expired, .closed: return .closed
        case .authFailed: return .authFailed
        }
    }

    public func events() -> AsyncStream<ShellEvent> {
        let source = client.events()
        return AsyncStream { continuation in
            let task = Task {
                for await e in source { continuation.yield(ShellEvent(type: e.type, state: e.state, path: e.path)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func close() async { await client.close() }

    /// Runs `body`, giving a failure Apache's path.
    private func call<T>(_ path: String?, _ body: () async throws(KeeperError) -> T) async throws(ShellKeeperError) -> T {
        do {
            return try await body()
        } catch {
            throw ShellKeeperError(error.code, path: path)
        }
    }

    public func create(_ path: String, data: [UInt8]?, acl: [ACL], mode: CreateMode, ttl: Int64)
        async throws(ShellKeeperError) -> String {
        try await call(path) { () async throws(KeeperError) in
            try await client.create(path, data: data, acl: acl, mode: mode, ttl: ttl).path
        }
    }

    public func delete(_ path: String, version: Int32) async throws(ShellKeeperError) {
        try await call(path) { () async throws(KeeperError) in try await client.delete(path, version: version) }
    }

    public func exists(_ path: String, watch: Bool) async throws(ShellKeeperError) -> Stat? {
        try await call(path) { () async throws(KeeperError) in try await client.exists(path, watch: watch) }
    }

    public func getData(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat) {
        try await call(path) { () async throws(KeeperError) in try await client.getData(path, watch: watch) }
    }

    public func setData(_ path: String, data: [UInt8]?, version: Int32) async throws(ShellKeeperError) -> Stat {
        try await call(path) { () async throws(KeeperError) in
            try await client.setData(path, data: data, version: version)
        }
    }

    public func getChildren(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (children: [String], stat: Stat) {
        try await call(path) { () async throws(KeeperError) in try await client.getChildren(path, watch: watch) }
    }

    public func getACL(_ path: String) async throws(ShellKeeperError) -> (acl: [ACL], stat: Stat) {
        try await call(path) { () async throws(KeeperError) in try await client.getACL(path) }
    }

    public func setACL(_ path: String, acl: [ACL], version: Int32) async throws(ShellKeeperError) -> Stat {
        try await call(path) { () async throws(KeeperError) in try await client.setACL(path, acl: acl, version: version) }
    }

    public func getAllChildrenNumber(_ path: String) async throws(ShellKeeperError) -> Int32 {
        try await call(path) { () async throws(KeeperError) in try await client.getAllChildrenNumber(path) }
    }

    public func getEphemerals(_ prefixPath: String) async throws(ShellKeeperError) -> [String] {
        try await call(nil) { () async throws(KeeperError) in try await client.getEphemerals(prefixPath) }
    }

    public func sync(_ path: String) async throws(ShellKeeperError) {
        _ = try await call(path) { () async throws(KeeperError) in try await client.sync(path) }
    }

    public func deleteAll(_ paths: [String]) async -> Bool {
        do {
            try await client.multi(paths.map { Op.delete($0, version: -1) })
            return true
        } catch {
            return false
        }
    }

    public func addAuth(scheme: String, auth: [UInt8]?) async {
        do {
            try await client.addAuth(scheme: scheme, auth: auth ?? [])
        } catch {
            // Apache's addAuthInfo does not report: a rejection arrives as the AuthFailed event.
        }
    }

    public func whoAmI() async -> [ClientInfo]? {
        do {
            return try await client.whoAmI()
        } catch {
            return nil     // Apache's whoAmI() ignores the reply's error and prints no ids
        }
    }

    public func addWatch(_ path: String, mode: AddWatchMode) async throws(ShellKeeperError) {
        try await call(path) { () async throws(KeeperError) in try await client.addWatch(path, mode: mode) }
    }

    public func removeWatches(_ path: String, type: WatcherType, local: Bool) async throws(ShellKeeperError) {
        try await call(path) { () async throws(KeeperError) in
            try await client.removeWatches(path, type: type, local: local)
        }
    }

    public func getConfig(watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat) {
        try await call("/zookeeper/config") { () async throws(KeeperError) in try await client.getConfig(watch: watch) }
    }
}
