import ZooKeeperProtocol

/// A failed ZooKeeper operation as zkCli sees it: Apache's `KeeperException` (a code and the
/// client path of the request, when there is one).
public struct ShellKeeperError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var path: String?
    public init(_ code: ErrorCode, path: String? = nil) { self.code = code; self.path = path }

    /// Apache's `KeeperException.getMessage()`: "KeeperErrorCode = NoNode for /a".
    public var keeperMessage: String {
        let text = "KeeperErrorCode = " + JavaText.codeMessage(code)
        guard let path, !path.isEmpty else { return text }
        return text + " for " + path
    }
}

/// The client states zkCli shows in its prompt (Apache's `ZooKeeper.States` names).
public enum ShellConnectionState: String, Sendable {
    case connecting = "CONNECTING"
    case connected = "CONNECTED"
    case connectedReadOnly = "CONNECTEDREADONLY"
    case closed = "CLOSED"
    case authFailed = "AUTH_FAILED"

    /// `States.isAlive()`: commands are only sent while this holds.
    public var isAlive: Bool { self != .closed && self != .authFailed }
}

/// A watch or session event delivered to the shell's default watcher.
public struct ShellEvent: Sendable, Equatable {
    public var type: EventType
    public var state: KeeperState
    public var path: String?
    public init(type: EventType, state: KeeperState, path: String?) {
        self.type = type; self.state = state; self.path = path
    }

    /// Apache 3.8's `WatchedEvent.toString()`.
    public var text: String {
        "WatchedEvent state:\(JavaText.stateName(state)) type:\(JavaText.eventName(type)) path:\(path ?? "null")"
    }
}

/// How the shell connects (from the launch options).
public struct ShellConnectOptions: Sendable, Equatable {
    public var sessionTimeoutMilliseconds: Int
    public var canBeReadOnly: Bool
    public init(sessionTimeoutMilliseconds: Int, canBeReadOnly: Bool) {
        self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        self.canBeReadOnly = canBeReadOnly
    }
}

/// Opens a session to `connectString`; returns once the session is established.
public typealias ShellConnector =
    @Sendable (_ connectString: String, _ options: ShellConnectOptions) async throws(ShellKeeperError) -> any ShellClient

/// The ZooKeeper operations zkCli's commands use. Paths are client paths and have already been
/// validated by the shell (Apache's `PathUtils.validatePath`). Every failure is a `ShellKeeperError`
/// whose `path` is the path Apache's client would put in its exception.
public protocol ShellClient: AnyObject, Sendable {
    var state: ShellConnectionState { get }
    /// The default watcher's events (node events of `watch: true` reads and `addWatch`, and session
    /// state changes) from the moment of the call; the stream ends after a terminal state event.
    func events() -> AsyncStream<ShellEvent>
    /// Closes the session (waits for the server's answer); idempotent.
    func close() async

    func create(_ path: String, data: [UInt8]?, acl: [ACL], mode: CreateMode, ttl: Int64)
        async throws(ShellKeeperError) -> String
    func delete(_ path: String, version: Int32) async throws(ShellKeeperError)
    func exists(_ path: String, watch: Bool) async throws(ShellKeeperError) -> Stat?
    func getData(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat)
    func setData(_ path: String, data: [UInt8]?, version: Int32) async throws(ShellKeeperError) -> Stat
    func getChildren(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (children: [String], stat: Stat)
    func getACL(_ path: String) async throws(ShellKeeperError) -> (acl: [ACL], stat: Stat)
    func setACL(_ path: String, acl: [ACL], version: Int32) async throws(ShellKeeperError) -> Stat
    func getAllChildrenNumber(_ path: String) async throws(ShellKeeperError) -> Int32
    /// Throws with no path (Apache's `getEphemerals` does not name it).
    func getEphemerals(_ prefixPath: String) async throws(ShellKeeperError) -> [String]
    func sync(_ path: String) async throws(ShellKeeperError)
    /// One multi of `delete(path, -1)` ops; false when it failed.
    func deleteAll(_ paths: [String]) async -> Bool
    /// Apache's `addAuthInfo`: fire and forget — a rejected credential shows up as an AuthFailed
    /// session event, never as an error of this call.
    func addAuth(scheme: String, auth: [UInt8]?) async
    /// nil when the request failed (Apache then prints only the header line).
    func whoAmI() async -> [ClientInfo]?
    func addWatch(_ path: String, mode: AddWatchMode) async throws(ShellKeeperError)
    func removeWatches(_ path: String, type: WatcherType, local: Bool) async throws(ShellKeeperError)
    /// Throws with path `/zookeeper/config`.
    func getConfig(watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat)
}
