import ZooKeeperProtocol

/// Everything the four-letter words print, captured at one moment. Pure data: the shell fills
/// in the parts the requested word needs (`FourLetterWord.needs`) and leaves the rest at their
/// defaults; `FourLetterWordFormatter` turns it into Apache-shaped text.
public struct ServerStatusSnapshot: Sendable, Equatable {
    /// Printed by `srvr`/`stat` ("Zookeeper version: ..."), `mntr` (zk_version) and `envi`.
    public var version: String
    /// False while the server is not running (no quorum, starting, shutting down): Apache then
    /// answers most words with "This ZooKeeper instance is not currently serving requests".
    public var isServing: Bool = true
    public var state: ServerState = .standalone
    public var statistics = ServerStatistics()
    /// The leader's proposal size statistics (`stat`/`srvr` print them only on the leader).
    public var proposalSizes = BufferSizeStatistics()
    /// Client connections, in the order to print them (Apache: hash order).
    public var connections: [ConnectionInfo] = []
    /// Data watches (not child watches: Apache's wchs/wchc/wchp show only data watches), in
    /// registration order; `wchc` and `wchp` group them by first appearance.
    public var dataWatches: [WatchRegistration] = []
    /// Ephemeral nodes per session, for `dump`.
    public var ephemerals: [SessionEphemerals] = []
    /// The session tracker's state, for `dump`.
    public var sessionTracker: SessionTrackerDump = .expiryQueue([])
    /// The connection expiry queue (NIO factory), for `dump`: elements are
    /// `ConnectionInfo.expiryQueueEntry` strings.
    public var connectionExpiry: [ExpiryBucket] = []
    /// Values for `conf`.
    public var configuration = ConfInfo()
    /// Entries for `envi`, in order.
    public var environment: [EnvironmentEntry] = []
    /// Total bytes of files under the transaction log directory (`dataLogDir/version-2`).
    public var txnLogDirectorySize: Int64 = 0
    /// Total bytes of files under the snapshot directory (`dataDir/version-2`).
    public var snapshotDirectorySize: Int64 = 0
    /// The digest log for `hash`: (zxid, digest) pairs, in order.
    public var digests: [ZxidDigest] = []
    /// The text trace mask `gtmk` prints (Apache's default is 306).
    public var traceMask: Int64 = 306
    /// The gauges and metrics only `mntr` prints.
    public var monitor = MonitorValues()

    /// What Apache 3.8.0 as packaged by Debian reports; callers normally pass their own.
    public static let apacheVersionExample = "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC"

    public init(version: String) {
        self.version = version
    }
}

/// The server's role as Apache's `ZooKeeperServer.getState()` names it.
public enum ServerState: String, Sendable, Equatable {
    case standalone, leader, follower, observer
    case readOnly = "read-only"
}

/// Apache `ServerStats`: what `srvr`/`stat` print and `mntr` repeats.
public struct ServerStatistics: Sendable, Equatable {
    public var latency = LatencyStatistics()
    public var packetsReceived: Int64 = 0
    public var packetsSent: Int64 = 0
    public var aliveConnections: Int = 0
    public var outstandingRequests: Int64 = 0
    public var lastProcessedZxid: Int64 = 0
    public var nodeCount: Int = 0

    public init() {}
}

/// Apache `AvgMinMaxCounter` for request latency in milliseconds: min and max are 0 while
/// empty; the average is `JavaFormat.roundedAverage(total:count:)`.
public struct LatencyStatistics: Sendable, Equatable {
    public private(set) var count: Int64 = 0
    public private(set) var total: Int64 = 0
    private var minimum = Int64.max
    private var maximum = Int64.min

    public init() {}

    /// Builds statistics from already-aggregated values.
    public init(count: Int64, total: Int64, min: Int64, max: Int64) {
        self.count = count
        self.total = total
        self.minimum = count == 0 ? .max : min
        self.maximum = count == 0 ? .min : max
    }

    /// Records one latency; negative latencies are ignored, as Apache does.
    public mutating func record(_ milliseconds: Int64) {
        guard milliseconds >= 0 else { return }
        count += 1
        total &+= milliseconds
        minimum = Swift.min(minimum, milliseconds)
        maximum = Swift.max(maximum, milliseconds)
    }

    /// Forgets every recorded latency (`srst`).
    public mutating func reset() { self = LatencyStatistics() }

    public var min: Int64 { minimum == .max ? 0 : minimum }
    public var max: Int64 { maximum == .min ? 0 : maximum }
    public var average: Double { JavaFormat.roundedAverage(total: total, count: count) }
}

/// Apache `BufferStats`: last/min/max sizes, each -1 until the first value.
public struct BufferSizeStatistics: Sendable, Equatable {
    public var last: Int32 = -1
    public var min: Int32 = -1
    public var max: Int32 = -1

    public init() {}

    public init(last: Int32, min: Int32, max: Int32) {
        (self.last, self.min, self.max) = (last, min, max)
    }

    /// Records one size.
    public mutating func record(_ size: Int32) {
        last = size
        if min == -1 || size < min { min = size }
        if max == -1 || size > max { max = size }
    }

    /// Apache's `String.format("%d/%d/%d", last, min, max)`.
    public var text: String { "\(last)/\(min)/\(max)" }
}

/// One client connection as Apache's `ServerCnxn.dumpConnectionInfo` prints it.
public struct ConnectionInfo: Sendable, Equatable {
    /// Java `InetSocketAddress.toString()` of the peer, e.g. `/127.0.0.1:35372`; build it with
    /// `JavaFormat.socketAddress(ip:port:)`.
    public var remoteAddress: String
    /// NIO interest ops (OP_READ = 1, OP_WRITE = 4), printed in hex.
    public var interestOps: Int32 = 1
    public var outstandingRequests: Int64 = 0
    public var packetsReceived: Int64 = 0
    public var packetsSent: Int64 = 0
    /// 0 until the session is established; then the long form is printed.
    public var sessionId: Int64 = 0
    /// Apache's abbreviation of the last operation ("NA" after a reset); see
    /// `lastOperationName(for:)`.
    public var lastOperation: String = "NA"
    /// When the connection was established, milliseconds since the Unix epoch.
    public var establishedEpochMilliseconds: Int64 = 0
    public var sessionTimeout: Int32 = 0
    /// The last cxid, -1 when none (then `lcxid` is omitted).
    public var lastCxid: Int64 = -1
    /// The last zxid, -1 after a reset.
    public var lastZxid: Int64 = -1
    /// Apache's monotonic elapsed-time clock (ms) at the last response, 0 if none.
    public var lastResponseTime: Int64 = 0
    public var lastLatency: Int64 = 0
    /// Per-connection latency in whole milliseconds (Apache prints integer averages here).
    public var latency = LatencyStatistics()

    public init(remoteAddress: String) {
        self.remoteAddress = remoteAddress
    }

    /// The text of this connection in Apache's connection expiry queue (`dump`).
    public var expiryQueueEntry: String {
        "ip: \(remoteAddress) sessionId: 0x\(JavaFormat.hex(sessionId))"
    }

    /// Apache's `lop` abbreviation for a request opcode (FinalRequestProcessor), "NA" for
    /// opcodes Apache does not name.
    public static func lastOperationName(for opcode: OpCode) -> String {
        switch opcode {
        case .ping: return "PING"
        case .createSession: return "SESS"
        case .multi: return "MULT"
        case .multiRead: return "MLTR"
        case .create, .create2, .createTTL, .createContainer: return "CREA"
        case .delete, .deleteContainer: return "DELE"
        case .setData: return "SETD"
        case .reconfig: return "RECO"
        case .setACL: return "SETA"
        case .closeSession: return "CLOS"
        case .sync: return "SYNC"
        case .check: return "CHEC"
        case .exists: return "EXIS"
        case .getData: return "GETD"
        case .setWatches: return "SETW"
        case .setWatches2: return "STW2"
        case .addWatch: return "ADDW"
        case .getACL: return "GETA"
        case .getChildren, .getChildren2: return "GETC"
        case .getAllChildrenNumber: return "GETACN"
        case .checkWatches: return "CHKW"
        case .removeWatches: return "REMW"
        case .whoAmI: return "HOMI"
        case .getEphemerals: return "GETE"
        case .notification, .auth, .sasl, .error: return "NA"
        }
    }
}

/// A data watch: the session (connection) watching and the path watched.
public struct WatchRegistration: Sendable, Equatable {
    public var sessionId: Int64
    public var path: String

    public init(sessionId: Int64, path: String) {
        self.sessionId = sessionId
        self.path = path
    }
}

/// The ephemeral nodes one session owns.
public struct SessionEphemerals: Sendable, Equatable {
    public var sessionId: Int64
    public var paths: [String]

    public init(sessionId: Int64, paths: [String]) {
        self.sessionId = sessionId
        self.paths = paths
    }
}

/// One bucket of Apache's `ExpiryQueue`: the elements expiring at one time.
public struct ExpiryBucket: Sendable, Equatable {
    /// Wall-clock expiry time, milliseconds since the Unix epoch.
    public var expiresAtEpochMilliseconds: Int64
    /// Each element's text: `0x<session id hex>` for sessions, `ConnectionInfo.expiryQueueEntry`
    /// for connections. A bucket may be empty (Apache prints "0 expire at ...").
    public var elements: [String]

    public init(expiresAtEpochMilliseconds: Int64, elements: [String]) {
        self.expiresAtEpochMilliseconds = expiresAtEpochMilliseconds
        self.elements = elements
    }

    /// The element text Apache prints for a session (`SessionImpl.toString`).
    public static func sessionElement(_ sessionId: Int64) -> String { "0x" + JavaFormat.hex(sessionId) }
}

/// A global session known to a learner, with its timeout.
public struct SessionTimeout: Sendable, Equatable {
    public var sessionId: Int64
    public var timeoutMilliseconds: Int32

    public init(sessionId: Int64, timeoutMilliseconds: Int32) {
        self.sessionId = sessionId
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// The session tracker part of `dump`, by tracker kind.
public enum SessionTrackerDump: Sendable, Equatable {
    /// Standalone and leader without local sessions (`SessionTrackerImpl`).
    case expiryQueue([ExpiryBucket])
    /// Leader with local sessions enabled: local then global expiry queues.
    case leaderWithLocalSessions(local: [ExpiryBucket], global: [ExpiryBucket])
    /// Follower/observer: optional local expiry queue, then global sessions with timeouts.
    case learner(local: [ExpiryBucket]?, global: [SessionTimeout])
}

/// One `key=value` line of `envi`.
public struct EnvironmentEntry: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// Apache's `Environment.list()` keys, in order.
    public static let apacheKeys = [
        "zookeeper.version", "host.name", "java.version", "java.vendor", "java.home", "java.class.path",
        "java.library.path", "java.io.tmpdir", "java.compiler", "os.name", "os.arch", "os.version",
        "user.name", "user.home", "user.dir", "os.memory.free", "os.memory.max", "os.memory.total",
    ]

    /// Entries for every Apache key in Apache's order, taking values from `values` and printing
    /// `<NA>` (as Apache does for a missing property) for the rest.
    public static func apacheShaped(_ values: [String: String]) -> [EnvironmentEntry] {
        apacheKeys.map { EnvironmentEntry(key: $0, value: values[$0] ?? "<NA>") }
    }
}

/// One entry of the digest log (`hash`).
public struct ZxidDigest: Sendable, Equatable {
    public var zxid: Int64
    public var digest: Int64

    public init(zxid: Int64, digest: Int64) {
        self.zxid = zxid
        self.digest = digest
    }
}

/// What `conf` prints (Apache `ZooKeeperServer.dumpConf` and the quorum additions).
public struct ConfInfo: Sendable, Equatable {
    /// The bound client port, -1 when there is no plaintext listener.
    public var clientPort: Int32 = -1
    /// The bound secure client port, -1 when there is none.
    public var secureClientPort: Int32 = -1
    /// The absolute data directory; `conf` prints it with `/version-2` appended, as Apache does.
    public var dataDir: String = ""
    /// The absolute transaction log directory; printed with `/version-2` appended.
    public var dataLogDir: String = ""
    public var tickTime: Int32 = 2000
    public var maxClientCnxns: Int32 = 60
    public var minSessionTimeout: Int32 = 4000
    public var maxSessionTimeout: Int32 = 40000
    public var clientPortListenBacklog: Int32 = -1
    /// The server id (myid); 0 in standalone mode without a myid file.
    public var serverId: Int64 = 0
    /// Present on quorum servers (leader, follower, observer, read-only).
    public var quorum: QuorumConfInfo?

    public init() {}

    /// Values from a parsed configuration. `clientPort`/`secureClientPort` are the bound ports
    /// (-1 for none); relative directories are resolved against `workingDirectory`.
    public init(config: ServerConfig, clientPort: Int32, secureClientPort: Int32 = -1,
                workingDirectory: String) {
        self.clientPort = clientPort
        self.secureClientPort = secureClientPort
        self.dataDir = ConfInfo.absolute(config.dataDir, in: workingDirectory)
        self.dataLogDir = ConfInfo.absolute(config.dataLogDir, in: workingDirectory)
        self.tickTime = config.tickTime
        self.maxClientCnxns = config.maxClientCnxns
        self.minSessionTimeout = config.minSessionTimeout
        self.maxSessionTimeout = config.maxSessionTimeout
        self.clientPortListenBacklog = config.clientPortListenBacklog
        self.serverId = config.serverId ?? 0
        if config.isDistributed, let me = config.servers.first(where: { $0.id == config.serverId }) {
            self.quorum = QuorumConfInfo(
                initLimit: config.initLimit, syncLimit: config.syncLimit, electionAlg: config.electionAlg,
                electionPorts: me.electionAddresses.map(\.port), quorumPorts: me.quorumAddresses.map(\.port),
                peerType: config.peerType, membership: config.servers, membershipVersion: config.quorumVersion)
        }
    }

    /// Java `File.getAbsolutePath()`: `path` if absolute, else `directory/path` (not normalised).
    static func absolute(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}

/// The quorum part of `conf`.
public struct QuorumConfInfo: Sendable, Equatable {
    public var initLimit: Int32
    public var syncLimit: Int32
    public var electionAlg: Int32
    public var electionPorts: [Int]
    public var quorumPorts: [Int]
    public var peerType: PeerType
    /// The members printed after "membership: "; nil on a read-only server (Apache's
    /// `ReadOnlyZooKeeperServer.dumpConf` omits the membership).
    public var membership: [QuorumServerSpec]?
    public var membershipVersion: Int64

    public init(initLimit: Int32, syncLimit: Int32, electionAlg: Int32 = 3, electionPorts: [Int],
                quorumPorts: [Int], peerType: PeerType, membership: [QuorumServerSpec]?,
                membershipVersion: Int64) {
        self.initLimit = initLimit
        self.syncLimit = syncLimit
        self.electionAlg = electionAlg
        self.electionPorts = electionPorts
        self.quorumPorts = quorumPorts
        self.peerType = peerType
        self.membership = membership
        self.membershipVersion = membershipVersion
    }
}
