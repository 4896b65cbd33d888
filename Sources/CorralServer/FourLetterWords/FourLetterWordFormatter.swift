/// What the server does with a four-letter-word connection.
public enum FourLetterWordReply: Sendable, Equatable {
    /// Write these bytes (UTF-8), then close the connection.
    case text(String)
    /// Close the connection without writing anything (Apache's behaviour for an enabled
    /// `telnet close`: no command runs and the 4 bytes then fail the frame-length check).
    case close
}

/// Side effects a word asks of the server, to be carried out when its reply is sent.
public enum FourLetterWordEffect: Sendable, Equatable {
    /// `crst`: reset every connection's statistics.
    case resetConnectionStatistics
    /// `srst`: reset server statistics (latency, packet counts, response sizes, metrics).
    case resetServerStatistics
    /// `stmk`: set the text trace mask.
    case setTraceMask(Int64)
}

/// Parts of `ServerStatusSnapshot` a word reads; the shell fills only these.
public struct FourLetterWordNeeds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let statistics = FourLetterWordNeeds(rawValue: 1 << 0)
    public static let connections = FourLetterWordNeeds(rawValue: 1 << 1)
    public static let watches = FourLetterWordNeeds(rawValue: 1 << 2)
    public static let ephemerals = FourLetterWordNeeds(rawValue: 1 << 3)
    public static let sessions = FourLetterWordNeeds(rawValue: 1 << 4)
    public static let connectionExpiry = FourLetterWordNeeds(rawValue: 1 << 5)
    public static let configuration = FourLetterWordNeeds(rawValue: 1 << 6)
    public static let environment = FourLetterWordNeeds(rawValue: 1 << 7)
    public static let directorySizes = FourLetterWordNeeds(rawValue: 1 << 8)
    public static let digests = FourLetterWordNeeds(rawValue: 1 << 9)
    public static let monitor = FourLetterWordNeeds(rawValue: 1 << 10)
}

extension FourLetterWord {
    /// The snapshot parts this word prints (`version`, `isServing`, `state` are always read).
    public var needs: FourLetterWordNeeds {
        switch self {
        case .srvr: return [.statistics]
        case .stat: return [.statistics, .connections]
        case .cons: return [.connections]
        case .dump: return [.sessions, .ephemerals, .connectionExpiry]
        case .wchs, .wchc, .wchp: return [.watches]
        case .conf: return [.configuration, .directorySizes]
        case .dirs: return [.directorySizes]
        case .envi: return [.environment]
        case .hash: return [.digests]
        case .mntr: return [.statistics, .monitor]
        case .ruok, .isro, .crst, .srst, .gtmk, .stmk, .telnetClose: return []
        }
    }

    /// The side effect of running this word; `stmk` carries the mask read after its code.
    public func effect(traceMaskArgument: Int64 = 0) -> FourLetterWordEffect? {
        switch self {
        case .crst: return .resetConnectionStatistics
        case .srst: return .resetServerStatistics
        case .stmk: return .setTraceMask(traceMaskArgument)
        default: return nil
        }
    }
}

/// Renders four-letter-word replies exactly as Apache ZooKeeper 3.8 does (same lines, keys,
/// order and separators) from a `ServerStatusSnapshot`. Pure: no I/O, no clocks.
public enum FourLetterWordFormatter {
    /// Apache's reply while the server is not running.
    public static let notServing = "This ZooKeeper instance is not currently serving requests"

    /// The reply to `word`: the whitelist error when it is not allowed, otherwise the command's
    /// output. `traceMaskArgument` is the 8-byte value read after `stmk`. Apply
    /// `word.effect(traceMaskArgument:)` only when the reply is not the whitelist error (and, for
    /// `crst`/`srst`, only while serving).
    public static func reply(to word: FourLetterWord, whitelist: FourLetterWordWhitelist,
                             snapshot: ServerStatusSnapshot, traceMaskArgument: Int64 = 0)
        -> FourLetterWordReply {
        guard whitelist.allows(word) else { return .text(notInWhitelist(word)) }
        if word == .telnetClose { return .close }
        return .text(output(of: word, snapshot: snapshot, traceMaskArgument: traceMaskArgument))
    }

    /// "<cmd> is not executed because it is not in the whitelist.\n"
    public static func notInWhitelist(_ word: FourLetterWord) -> String {
        "\(word.name) is not executed because it is not in the whitelist.\n"
    }

    /// The command's output, ignoring the whitelist. `telnet close` has no output ("").
    public static func output(of word: FourLetterWord, snapshot s: ServerStatusSnapshot,
                              traceMaskArgument: Int64 = 0) -> String {
        switch word {
        case .ruok: return "imok"
        case .gtmk: return String(s.traceMask)
        case .stmk: return String(traceMaskArgument)
        case .envi: return envi(s)
        case .isro: return isro(s)
        case .telnetClose: return ""
        case .hash: return s.isServing ? hash(s) : notServing
        default:
            guard s.isServing else { return notServing + "\n" }
            return servingOutput(of: word, snapshot: s)
        }
    }

    private static func servingOutput(of word: FourLetterWord, snapshot s: ServerStatusSnapshot) -> String {
        switch word {
        case .srvr: return stat(s, listClients: false)
        case .stat: return stat(s, listClients: true)
        case .cons: return cons(s)
        case .crst: return "Connection stats reset.\n"
        case .srst: return "Server stats reset.\n"
        case .conf: return conf(s)
        case .dirs: return dirs(s)
        case .dump: return dump(s)
        case .wchs: return wchs(s) + "\n"
        case .wchc: return wchc(s) + "\n"
        case .wchp: return wchp(s) + "\n"
        case .mntr: return MonitorFormatter.render(s)
        default: return ""
        }
    }

    // MARK: - Commands

    /// `srvr` (listClients false) and `stat` (true): `StatCommand`.
    public static func stat(_ s: ServerStatusSnapshot, listClients: Bool) -> String {
        var out = "Zookeeper version: \(s.version)\n"
        if s.state == .readOnly { out += "READ-ONLY mode; serving only read-only clients\n" }
        if listClients {
            out += "Clients:\n"
            out += s.connections.map { connectionLine($0, brief: true) + "\n" }.joined() + "\n"
        }
        out += serverStatsText(s.statistics, state: s.state)
        out += "Node count: \(s.statistics.nodeCount)\n"
        if s.state == .leader { out += "Proposal sizes last/min/max: \(s.proposalSizes.text)\n" }
        return out
    }

    /// `ServerStats.toString()`.
    static func serverStatsText(_ st: ServerStatistics, state: ServerState) -> String {
        "Latency min/avg/max: \(st.latency.min)/\(JavaFormat.double(st.latency.average))/\(st.latency.max)\n"
            + "Received: \(st.packetsReceived)\nSent: \(st.packetsSent)\n"
            + "Connections: \(st.aliveConnections)\nOutstanding: \(st.outstandingRequests)\n"
            + "Zxid: 0x\(JavaFormat.hex(st.lastProcessedZxid))\nMode: \(state.rawValue)\n"
    }

    /// `cons`: one full-form line per connection, then an empty line.
    public static func cons(_ s: ServerStatusSnapshot) -> String {
        s.connections.map { connectionLine($0, brief: false) + "\n" }.joined() + "\n"
    }

    /// `ServerCnxn.dumpConnectionInfo` (without a line terminator).
    public static func connectionLine(_ c: ConnectionInfo, brief: Bool) -> String {
        let ops = c.interestOps == 0 ? "0" : String(UInt32(bitPattern: c.interestOps), radix: 16)
        var out = " \(c.remoteAddress)[\(ops)](queued=\(c.outstandingRequests),recved=\(c.packetsReceived)"
            + ",sent=\(c.packetsSent)"
        if !brief && c.sessionId != 0 {
            out += ",sid=0x\(JavaFormat.hex(c.sessionId)),lop=\(c.lastOperation)"
                + ",est=\(c.establishedEpochMilliseconds),to=\(c.sessionTimeout)"
            if c.lastCxid >= 0 { out += ",lcxid=0x\(JavaFormat.hex(c.lastCxid))" }
            let average = c.latency.count == 0 ? 0 : c.latency.total / c.latency.count
            out += ",lzxid=0x\(JavaFormat.hex(c.lastZxid)),lresp=\(c.lastResponseTime)"
                + ",llat=\(c.lastLatency),minlat=\(c.latency.min),avglat=\(average),maxlat=\(c.latency.max)"
        }
        return out + ")"
    }

    /// `conf`: `ZooKeeperServer.dumpConf` plus the quorum lines. Apache ends the membership with
    /// "version=<hex>" and no newline.
    public static func conf(_ s: ServerStatusSnapshot) -> String {
        let c = s.configuration
        var out = "clientPort=\(c.clientPort)\nsecureClientPort=\(c.secureClientPort)\n"
            + "dataDir=\(c.dataDir)/version-2\ndataDirSize=\(s.txnLogDirectorySize)\n"
            + "dataLogDir=\(c.dataLogDir)/version-2\ndataLogSize=\(s.snapshotDirectorySize)\n"
            + "tickTime=\(c.tickTime)\nmaxClientCnxns=\(c.maxClientCnxns)\n"
            + "minSessionTimeout=\(c.minSessionTimeout)\nmaxSessionTimeout=\(c.maxSessionTimeout)\n"
            + "clientPortListenBacklog=\(c.clientPortListenBacklog)\nserverId=\(c.serverId)\n"
        guard let q = c.quorum else { return out }
        out += "initLimit=\(q.initLimit)\nsyncLimit=\(q.syncLimit)\nelectionAlg=\(q.electionAlg)\n"
            + "electionPort=\(q.electionPorts.map(String.init).joined(separator: "|"))\n"
            + "quorumPort=\(q.quorumPorts.map(String.init).joined(separator: "|"))\n"
            + "peerType=\(q.peerType == .participant ? 0 : 1)\n"
        guard let members = q.membership else { return out }
        out += "membership: \n"
        out += members.sorted { $0.id < $1.id }.map { "server.\($0.id)=\($0.apacheDescription)\n" }.joined()
        return out + "version=\(JavaFormat.hex(q.membershipVersion))"
    }

    /// `dirs`. Apache's "datadir_size" is the transaction log directory and "logdir_size" the
    /// snapshot directory (its getters are cross-wired); this reproduces that.
    public static func dirs(_ s: ServerStatusSnapshot) -> String {
        "datadir_size: \(s.txnLogDirectorySize)\nlogdir_size: \(s.snapshotDirectorySize)\n"
    }

    /// `dump`: session tracker, ephemerals, connection expiry queue.
    public static func dump(_ s: ServerStatusSnapshot) -> String {
        var out = "SessionTracker dump:\n" + sessionTrackerText(s.sessionTracker)
        out += "ephemeral nodes dump:\nSessions with Ephemerals (\(s.ephemerals.count)):\n"
        for entry in s.ephemerals {
            out += "0x\(JavaFormat.hex(entry.sessionId)):\n"
            out += entry.paths.map { "\t\($0)\n" }.joined()
        }
        return out + "Connections dump:\nConnections " + expiryQueueText(s.connectionExpiry)
    }

    private static func sessionTrackerText(_ dump: SessionTrackerDump) -> String {
        switch dump {
        case .expiryQueue(let buckets):
            return "Session " + expiryQueueText(buckets)
        case .leaderWithLocalSessions(let local, let global):
            return "Local Session " + expiryQueueText(local) + "Global Session " + expiryQueueText(global)
        case .learner(let local, let global):
            var out = local.map { "Local Session " + expiryQueueText($0) } ?? ""
            out += "Global Sessions(\(global.count)):\n"
            for session in global.sorted(by: { $0.sessionId < $1.sessionId }) {
                out += "0x\(JavaFormat.hex(session.sessionId))\t\(session.timeoutMilliseconds)ms\n"
            }
            return out
        }
    }

    /// `ExpiryQueue.dump`: buckets sorted by time, elements as given.
    static func expiryQueueText(_ buckets: [ExpiryBucket]) -> String {
        let total = buckets.reduce(0) { $0 + $1.elements.count }
        var out = "Sets (\(buckets.count))/(\(total)):\n"
        for bucket in buckets.sorted(by: { $0.expiresAtEpochMilliseconds < $1.expiresAtEpochMilliseconds }) {
            out += "\(bucket.elements.count) expire at "
                + JavaFormat.date(epochMilliseconds: bucket.expiresAtEpochMilliseconds) + ":\n"
            out += bucket.elements.map { "\t\($0)\n" }.joined()
        }
        return out
    }

    /// `wchs` body (the command adds the final newline): `WatchManager.toString`.
    static func wchs(_ s: ServerStatusSnapshot) -> String {
        let sessions = Set(s.dataWatches.map(\.sessionId)).count
        let paths = Set(s.dataWatches.map(\.path)).count
        let total = Set(s.dataWatches.map { "\($0.sessionId) \($0.path)" }).count
        return "\(sessions) connections watching \(paths) paths\nTotal watches:\(total)"
    }

    /// `wchc` body: per session, its watched paths.
    static func wchc(_ s: ServerStatusSnapshot) -> String {
        grouped(s.dataWatches, by: \.sessionId, values: \.path).map { session, paths in
            "0x\(JavaFormat.hex(session))\n" + paths.map { "\t\($0)\n" }.joined()
        }.joined()
    }

    /// `wchp` body: per path, the watching sessions.
    static func wchp(_ s: ServerStatusSnapshot) -> String {
        grouped(s.dataWatches, by: \.path, values: \.sessionId).map { path, sessions in
            "\(path)\n" + sessions.map { "\t0x\(JavaFormat.hex($0))\n" }.joined()
        }.joined()
    }

    /// Groups by key in order of first appearance, dropping duplicate values.
    private static func grouped<Key: Hashable, Value: Hashable>(
        _ watches: [WatchRegistration], by key: KeyPath<WatchRegistration, Key>,
        values: KeyPath<WatchRegistration, Value>
    ) -> [(Key, [Value])] {
        var order: [Key] = []
        var groups: [Key: [Value]] = [:]
        var seen: Set<[AnyHashable]> = []
        for watch in watches where seen.insert([watch[keyPath: key], watch[keyPath: values]]).inserted {
            if groups[watch[keyPath: key]] == nil { order.append(watch[keyPath: key]) }
            groups[watch[keyPath: key], default: []].append(watch[keyPath: values])
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    /// `envi`: runs even when the server is not serving.
    public static func envi(_ s: ServerStatusSnapshot) -> String {
        "Environment:\n" + s.environment.map { "\($0.key)=\($0.value)\n" }.joined()
    }

    /// `isro`: "null" when not running, "ro" for a read-only server, else "rw" (no newline).
    public static func isro(_ s: ServerStatusSnapshot) -> String {
        guard s.isServing else { return "null" }
        return s.state == .readOnly ? "ro" : "rw"
    }

    /// `hash`: "<zxid hex>: <digest>\n" per digest-log entry.
    public static func hash(_ s: ServerStatusSnapshot) -> String {
        s.digests.map { "\(JavaFormat.hex($0.zxid)): \($0.digest)\n" }.joined()
    }
}
