import ZooKeeperProtocol

/// The client's view of its session.
public enum ConnectionState: Sendable, Equatable, CustomStringConvertible {
    /// No session yet: the first handshake is under way.
    case connecting
    /// Connected with a live session (Apache's SyncConnected).
    case connected
    /// Connected to a read-only server (only with `canBeReadOnly`).
    case connectedReadOnly
    /// The connection was lost; the client is reconnecting with the same session. Requests that were
    /// in flight failed with `.connectionLoss`; new ones wait and are sent after the reconnect.
    case disconnected
    /// Terminal: the server declared the session expired. Surfaced once; every later call throws
    /// `.sessionExpired`.
    case expired
    /// Terminal: the server refused the credentials of `addAuth`.
    case authFailed
    /// Terminal: `close()` was called.
    case closed

    public var isTerminal: Bool { self == .expired || self == .authFailed || self == .closed }

    public var description: String {
        switch self {
        case .connecting: return "CONNECTING"
        case .connected: return "CONNECTED"
        case .connectedReadOnly: return "CONNECTEDREADONLY"
        case .disconnected: return "DISCONNECTED"
        case .expired: return "EXPIRED"
        case .authFailed: return "AUTH_FAILED"
        case .closed: return "CLOSED"
        }
    }
}

/// A watch notification or a session-state event (type `.none`, path nil), as Apache's `WatchedEvent`.
public struct WatchedEvent: Sendable, Equatable, CustomStringConvertible {
    public var type: EventType
    public var state: KeeperState
    /// The client-side path (chroot removed); nil for session-state events.
    public var path: String?

    public init(type: EventType, state: KeeperState, path: String?) {
        self.type = type; self.state = state; self.path = path
    }

    /// Apache 3.8's `WatchedEvent.toString()`.
    public var description: String {
        "WatchedEvent state:\(state.apacheName) type:\(type.apacheName) path:\(path ?? "null")"
    }
}

extension EventType {
    /// The Java enum constant's name.
    public var apacheName: String {
        switch self {
        case .none: return "None"
        case .nodeCreated: return "NodeCreated"
        case .nodeDeleted: return "NodeDeleted"
        case .nodeDataChanged: return "NodeDataChanged"
        case .nodeChildrenChanged: return "NodeChildrenChanged"
        case .dataWatchRemoved: return "DataWatchRemoved"
        case .childWatchRemoved: return "ChildWatchRemoved"
        case .persistentWatchRemoved: return "PersistentWatchRemoved"
        }
    }
}

extension KeeperState {
    /// The Java enum constant's name.
    public var apacheName: String {
        switch self {
        case .unknown: return "Unknown"
        case .disconnected: return "Disconnected"
        case .noSyncConnected: return "NoSyncConnected"
        case .syncConnected: return "SyncConnected"
        case .authFailed: return "AuthFailed"
        case .connectedReadOnly: return "ConnectedReadOnly"
        case .saslAuthenticated: return "SaslAuthenticated"
        case .expired: return "Expired"
        case .closed: return "Closed"
        }
    }
}
