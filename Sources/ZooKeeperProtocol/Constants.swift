/// Request opcodes (Apache `ZooDefs.OpCode`).
public enum OpCode: Int32, Sendable, CaseIterable {
    case notification = 0
    case create = 1
    case delete = 2
    case exists = 3
    case getData = 4
    case setData = 5
    case getACL = 6
    case setACL = 7
    case getChildren = 8
    case sync = 9
    case ping = 11
    case getChildren2 = 12
    case check = 13
    case multi = 14
    case create2 = 15
    case reconfig = 16
    case checkWatches = 17
    case removeWatches = 18
    case createContainer = 19
    case deleteContainer = 20
    case createTTL = 21
    case multiRead = 22
    case auth = 100
    case setWatches = 101
    case sasl = 102
    case getEphemerals = 103
    case getAllChildrenNumber = 104
    case setWatches2 = 105
    case addWatch = 106
    case whoAmI = 107
    case createSession = -10
    case closeSession = -11
    case error = -1

    /// Opcodes that change state and therefore become txns.
    public var isWrite: Bool {
        switch self {
        case .create, .create2, .createContainer, .createTTL, .delete, .deleteContainer, .setData,
             .setACL, .check, .multi, .reconfig, .createSession, .closeSession:
            return true
        default:
            return false
        }
    }
}

/// Reserved xids (Apache `ClientCnxn`).
public enum Xid {
    public static let notification: Int32 = -1
    public static let ping: Int32 = -2
    public static let auth: Int32 = -4
    public static let setWatches: Int32 = -8
}

/// Apache `KeeperException.Code`.
public enum ErrorCode: Int32, Error, Sendable, CaseIterable {
    case ok = 0
    case systemError = -1
    case runtimeInconsistency = -2
    case dataInconsistency = -3
    case connectionLoss = -4
    case marshallingError = -5
    case unimplemented = -6
    case operationTimeout = -7
    case badArguments = -8
    case unknownSession = -12
    case newConfigNoQuorum = -13
    case reconfigInProgress = -14
    case apiError = -100
    case noNode = -101
    case noAuth = -102
    case badVersion = -103
    case noChildrenForEphemerals = -108
    case nodeExists = -110
    case notEmpty = -111
    case sessionExpired = -112
    case invalidCallback = -113
    case invalidACL = -114
    case authFailed = -115
    case sessionMoved = -118
    case notReadOnly = -119
    case ephemeralOnLocalSession = -120
    case noWatcher = -121
    case requestTimeout = -122
    case reconfigDisabled = -123
    case sessionClosedRequireSaslAuth = -124
    case quotaExceeded = -125
    case throttledOp = -127
}

/// Apache `Watcher.Event.EventType`.
public enum EventType: Int32, Sendable {
    case none = -1
    case nodeCreated = 1
    case nodeDeleted = 2
    case nodeDataChanged = 3
    case nodeChildrenChanged = 4
    case dataWatchRemoved = 5
    case childWatchRemoved = 6
    case persistentWatchRemoved = 7
}

/// Apache `Watcher.Event.KeeperState`.
public enum KeeperState: Int32, Sendable {
    case unknown = -1
    case disconnected = 0
    case noSyncConnected = 1
    case syncConnected = 3
    case authFailed = 4
    case connectedReadOnly = 5
    case saslAuthenticated = 6
    case expired = -112
    case closed = 7
}

/// Apache `Watcher.WatcherType` as used by checkWatches/removeWatches.
public enum WatcherType: Int32, Sendable {
    case children = 1
    case data = 2
    case any = 3
    case persistent = 4
    case persistentRecursive = 5
}

/// Apache `AddWatchMode`.
public enum AddWatchMode: Int32, Sendable {
    case persistent = 0
    case persistentRecursive = 1
}

/// Apache `ZooDefs.Perms`.
public enum Perms {
    public static let read: Int32 = 1 << 0
    public static let write: Int32 = 1 << 1
    public static let create: Int32 = 1 << 2
    public static let delete: Int32 = 1 << 3
    public static let admin: Int32 = 1 << 4
    public static let all: Int32 = 31
}

/// Apache `CreateMode`, keyed by the wire flag value.
public enum CreateMode: Int32, Sendable, CaseIterable {
    case persistent = 0
    case ephemeral = 1
    case persistentSequential = 2
    case ephemeralSequential = 3
    case container = 4
    case persistentWithTTL = 5
    case persistentSequentialWithTTL = 6

    public var isEphemeral: Bool { self == .ephemeral || self == .ephemeralSequential }
    public var isSequential: Bool {
        self == .persistentSequential || self == .ephemeralSequential || self == .persistentSequentialWithTTL
    }
    public var isContainer: Bool { self == .container }
    public var isTTL: Bool { self == .persistentWithTTL || self == .persistentSequentialWithTTL }
}

/// Well-known ACLs and ids (Apache `ZooDefs.Ids`).
public enum Ids {
    public static let anyoneIdUnsafe = Id(scheme: "world", id: "anyone")
    public static let authIdsMarker = Id(scheme: "auth", id: "")
    public static let openACLUnsafe = [ACL(perms: Perms.all, id: anyoneIdUnsafe)]
    public static let readACLUnsafe = [ACL(perms: Perms.read, id: anyoneIdUnsafe)]
    public static let creatorAllACL = [ACL(perms: Perms.all, id: authIdsMarker)]
}
