import ZooKeeperProtocol

/// Settings of the pure core; the shell derives them from zoo.cfg.
public struct CoreConfig: Sendable {
    public var tickTime: Int32 = 2000
    public var minSessionTimeout: Int32 = 4000
    public var maxSessionTimeout: Int32 = 40000
    public var serverId: Int64 = 0
    public var extendedTypesEnabled = false
    /// `DigestAuthenticationProvider.superDigest`: "super:<base64 sha1>".
    public var superDigest: String?
    /// `znode.container.checkIntervalMs` (Apache default 60 s).
    public var containerCheckInterval: Int64 = 60_000
    /// `znode.container.maxPerMinute`.
    public var containerMaxPerMinute = 10_000
    /// `znode.container.maxNeverUsedIntervalMs` (0: never-used containers stay).
    public var containerMaxNeverUsedInterval: Int64 = 0
    /// Upper bound on live sessions; connects beyond it are refused.
    public var maxSessions = 1_000_000
    /// zoo.cfg `reconfigEnabled` (Apache default false: reconfig answers ReconfigDisabled).
    public var reconfigEnabled = false

    public init() {}

    /// Apache's defaults: min 2 ticks, max 20 ticks, unless set.
    public init(tickTime: Int32, minSessionTimeout: Int32? = nil, maxSessionTimeout: Int32? = nil) {
        self.tickTime = tickTime
        self.minSessionTimeout = minSessionTimeout ?? tickTime * 2
        self.maxSessionTimeout = maxSessionTimeout ?? tickTime * 20
    }
}

/// What the shell tells the core. Time travels beside each input (`step(_:now:into:)`), as wall
/// clock milliseconds; the core never reads a clock.
public enum CoreInput: Sendable {
    /// A TCP connection was accepted; `remoteAddress` is the peer's IP (used by the `ip` scheme).
    case connectionOpened(ConnectionID, remoteAddress: String)
    case connect(ConnectionID, ConnectRequest)
    case request(ConnectionID, xid: Int32, Request)
    /// A request whose header parsed but whose body did not: answered with MarshallingError in the
    /// session's order (a write still consumes a zxid, as in Apache).
    case malformedRequest(ConnectionID, xid: Int32, op: OpCode)
    case connectionClosed(ConnectionID)
    /// The shell authenticated the connection (SASL) as `id`.
    case authenticated(ConnectionID, Id)
    /// Periodic: expires sessions and runs the container/TTL check.
    case tick
    /// Every txn up to and including `zxid` that the core asked to log is durable.
    case durable(upTo: Int64)
    /// The log stopped (false) or resumed (true) taking writes (a full or failing disk). While it
    /// is stopped, write requests are answered with THROTTLEDOP ("not executed, retry with back
    /// off") in their session's order, new sessions are refused, and reads are served as usual.
    /// Txns already handed out stay in flight until they are durable.
    case logWritable(Bool)
}

/// What the core asks the shell to do, in order. Effects for one connection must be carried out
/// in the order given (a watch event before the reply that shows its change).
public enum CoreEffect: Sendable {
    case connectResponse(ConnectionID, ConnectResponse)
    case reply(ConnectionID, ReplyHeader, Response)
    /// A notification: send with ReplyHeader(xid: -1, zxid: zxid, err: 0).
    case watchEvent(ConnectionID, WatcherEvent, zxid: Int64)
    /// Close the connection after everything queued for it was written.
    case close(ConnectionID, reason: String)
    /// Make the txn durable, then report `.durable(upTo:)`. Txns come in zxid order.
    case log(Txn)
}
