/// A server configuration read from Apache ZooKeeper's `zoo.cfg` (plus `myid` and an optional
/// dynamic configuration file), with Apache 3.8's defaults and validation
/// (`QuorumPeerConfig.parseProperties`).
///
/// Keys Apache reads itself are typed fields. Any other key `K` is, as in Apache, the setting
/// Apache reads from the system property `zookeeper.K`; the ones Corral honours are typed fields
/// too, and every key without a field is kept in `otherProperties`. Unknown and Java-only keys
/// produce `warnings`, never errors. Malformed values of keys Apache validates are errors naming
/// the key and value.
public struct ServerConfig: Sendable, Equatable {
    // MARK: QuorumPeerConfig keys

    /// Milliseconds per tick. Apache's default when the key is absent is 3000.
    public var tickTime: Int32 = 3000
    public var initLimit: Int32 = 0
    public var syncLimit: Int32 = 0
    public var connectToLearnerMasterLimit: Int32 = 0
    /// Snapshot directory (Apache writes `version-2` below it). Required.
    public var dataDir: String = ""
    /// Transaction log directory; defaults to `dataDir`.
    public var dataLogDir: String = ""
    /// The plaintext client listen address: `clientPortAddress:clientPort` (wildcard host when
    /// no address is given), replaced by this server's `server.N=...;client` address when the
    /// quorum lines give one. Nil when no client port is configured.
    public var clientAddress: HostPort?
    /// The TLS client listen address (`secureClientPortAddress:secureClientPort`), if any.
    public var secureClientAddress: HostPort?
    public var observerMasterPort: Int?
    /// Listen backlog; -1 means the system default.
    public var clientPortListenBacklog: Int32 = -1
    /// Maximum concurrent connections per client IP (0 = unlimited).
    public var maxClientCnxns: Int32 = 60
    /// Defaults to 2 x tickTime.
    public var minSessionTimeout: Int32 = 6000
    /// Defaults to 20 x tickTime.
    public var maxSessionTimeout: Int32 = 60000
    public var localSessionsEnabled = false
    public var localSessionsUpgradingEnabled = false
    /// Always 3 (fast leader election); Apache rejects anything else.
    public var electionAlg: Int32 = 3
    public var quorumListenOnAllIPs = false
    /// This server's role; the `server.N` lines win over `peerType` when they disagree.
    public var peerType: PeerType = .participant
    public var syncEnabled = true
    /// The `dynamicConfigFile` path, as written (relative paths are relative to the working
    /// directory, as in Apache).
    public var dynamicConfigFile: String?
    /// At least 3 (Apache raises smaller values to 3).
    public var snapRetainCount: Int32 = 3
    /// Hours between purges; 0 disables autopurge.
    public var purgeInterval: Int32 = 0
    public var standaloneEnabled = true
    public var reconfigEnabled = false
    public var sslQuorum = false
    public var portUnification = false
    public var multiAddressEnabled = false
    /// The ensemble, sorted by id (from `zoo.cfg` or the dynamic configuration file).
    public var servers: [QuorumServerSpec] = []
    /// The quorum configuration version (`version` key, or the dynamic file's name suffix), hex.
    public var quorumVersion: Int64 = 0
    /// This server's id from `dataDir/myid`, nil when there is no such file.
    public var serverId: Int64?

    // MARK: System-property keys Corral honours

    /// `4lw.commands.whitelist`; Apache's default enables only `srvr`.
    public var fourLetterWordWhitelist = FourLetterWordWhitelist.apacheDefault
    /// `admin.*`.
    public var admin = AdminServerSettings()
    /// `extendedTypesEnabled` (TTL nodes): true only for "true" (any case), like Java
    /// `Boolean.getBoolean`.
    public var extendedTypesEnabled = false
    /// `forceSync`: false only for exactly "no", as in Apache.
    public var forceSync = true
    /// `jute.maxbuffer`, the largest frame accepted. Apache itself ignores this key in zoo.cfg
    /// (it reads only the JVM property `jute.maxbuffer`); Corral honours it.
    public var juteMaxBuffer: Int32 = 0xfffff
    /// `DigestAuthenticationProvider.superDigest` ("super:<base64 sha1>").
    public var superDigest: String?
    /// `DigestAuthenticationProvider.enabled`.
    public var digestAuthenticationEnabled = true
    /// `globalOutstandingLimit`.
    public var globalOutstandingLimit: Int32 = 1000
    /// `snapCount`: transactions between snapshots (at least 2).
    public var snapCount: Int32 = 100_000
    /// `preAllocSize` (given in KiB), in bytes.
    public var preAllocSizeBytes: Int64 = 65536 * 1024
    /// `digest.enabled`.
    public var digestEnabled = true
    /// `skipACL`: true only for exactly "yes", as in Apache.
    public var skipACL = false
    /// `maxCnxns`: total connection limit, 0 = unlimited.
    public var maxCnxns: Int32 = 0

    // MARK: Everything else

    /// Every key (trimmed) without a typed field, with its value.
    public var otherProperties: [String: String] = [:]
    /// What Corral ignored or adjusted, in file order; never fatal.
    public var warnings: [ConfigWarning] = []

    public init() {}

    /// Whether this is a quorum (ensemble) server rather than a standalone one: more than one
    /// participant, or `standaloneEnabled=false` (Apache `isDistributed`).
    public var isDistributed: Bool {
        !standaloneEnabled || servers.filter { $0.type == .participant }.count > 1
    }

    /// The configuration `corral server` uses without a config file: standalone on
    /// 127.0.0.1:2181, tickTime 2000 (sessions 4000...40000 ms), data in `dataDir`.
    public static func embeddedDefault(dataDir: String = "./corral-data") -> ServerConfig {
        var config = ServerConfig()
        config.tickTime = 2000
        config.minSessionTimeout = 4000
        config.maxSessionTimeout = 40000
        config.dataDir = dataDir
        config.dataLogDir = dataDir
        config.clientAddress = HostPort(host: "127.0.0.1", port: 2181)
        return config
    }
}

/// The admin HTTP server settings (`admin.*`), with Apache's defaults.
public struct AdminServerSettings: Sendable, Equatable {
    /// `admin.enableServer`: disabled only by exactly "false", as in Apache.
    public var enabled = true
    public var serverAddress = "0.0.0.0"
    public var serverPort = 8080
    public var commandURL = "/commands"
    public var idleTimeoutMilliseconds: Int32 = 30000

    public init() {}
}
