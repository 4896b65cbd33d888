extension ServerConfig {
    /// Parses `zoo.cfg` text with Apache 3.8's semantics.
    ///
    /// `readFile(path)` returns the contents of the regular file at `path`, or nil when there is
    /// none; it is asked for `<dataDir>/myid` and for the `dynamicConfigFile`. A missing myid is
    /// fine for a standalone server; a missing dynamic file is an error.
    public init(parsing text: String,
                readFile: (_ path: String) throws(ConfigError) -> String? = { _ in nil })
        throws(ConfigError) {
        let properties = try JavaProperties(parsing: text)
        var parser = ConfigParser()
        for (key, value) in properties.entries {
            try parser.apply(key: javaTrim(key), value: javaTrim(value),
                             hasDynamicFile: properties["dynamicConfigFile"] != nil)
        }
        try parser.finishStatic()
        try parser.readQuorum(static: properties, readFile: readFile)
        try parser.readMyid(readFile(ConfigParser.path(parser.config.dataDir, "myid")))
        try parser.finishQuorum()
        self = parser.config
    }
}

/// The mutable state of one parse (Apache `QuorumPeerConfig` fields).
struct ConfigParser {
    var config = ServerConfig()
    private var clientPort: Int32 = 0
    private var clientPortAddress: String?
    private var secureClientPort: Int32 = 0
    private var secureClientPortAddress: String?
    private var minSessionTimeout: Int32 = -1
    private var maxSessionTimeout: Int32 = -1
    private var sawDataDir = false
    private var sawDataLogDir = false
    private var quorumSasl = (enabled: false, serverRequired: false, learnerRequired: false)

    /// Applies one key, as the branches of `QuorumPeerConfig.parseProperties` do.
    mutating func apply(key: String, value: String, hasDynamicFile: Bool) throws(ConfigError) {
        if try applyQuorumPeerKey(key, value) { return }
        if isQuorumMembershipKey(key) {
            if hasDynamicFile && key != "version" {
                throw .inconsistent("parameter: \(key) must be in a separate dynamic config file")
            }
            return
        }
        if try applyJavaOnlyPeerKey(key, value) { return }
        try applySystemProperty(key, value)
    }

    private func isQuorumMembershipKey(_ key: String) -> Bool {
        key.hasPrefix("server.") || key.hasPrefix("group") || key.hasPrefix("weight") || key == "version"
    }

    /// Keys `QuorumPeerConfig` reads into fields Corral uses. Returns false for other keys.
    private mutating func applyQuorumPeerKey(_ key: String, _ value: String) throws(ConfigError) -> Bool {
        switch key {
        case "dataDir": (config.dataDir, sawDataDir) = (value, true)
        case "dataLogDir": (config.dataLogDir, sawDataLogDir) = (value, true)
        case "clientPort": clientPort = try int(key, value)
        case "clientPortAddress": clientPortAddress = value
        case "secureClientPort": secureClientPort = try int(key, value)
        case "secureClientPortAddress": secureClientPortAddress = value
        case "observerMasterPort": config.observerMasterPort = Int(try int(key, value))
        case "clientPortListenBacklog": config.clientPortListenBacklog = try int(key, value)
        case "tickTime": config.tickTime = try int(key, value)
        case "maxClientCnxns": config.maxClientCnxns = try int(key, value)
        case "minSessionTimeout": minSessionTimeout = try int(key, value)
        case "maxSessionTimeout": maxSessionTimeout = try int(key, value)
        case "initLimit": config.initLimit = try int(key, value)
        case "syncLimit": config.syncLimit = try int(key, value)
        case "connectToLearnerMasterLimit": config.connectToLearnerMasterLimit = try int(key, value)
        case "electionAlg":
            config.electionAlg = try int(key, value)
            guard config.electionAlg == 3 else {
                throw .invalidValue(key: key, value: value, reason: "Invalid electionAlg value. Only 3 is supported.")
            }
        case "peerType": config.peerType = try peerType(key, value)
        case "dynamicConfigFile": config.dynamicConfigFile = value
        case "autopurge.snapRetainCount": config.snapRetainCount = try int(key, value)
        case "autopurge.purgeInterval": config.purgeInterval = try int(key, value)
        default: return try applyQuorumPeerFlag(key, value)
        }
        return true
    }

    private mutating func applyQuorumPeerFlag(_ key: String, _ value: String) throws(ConfigError) -> Bool {
        switch key {
        case "localSessionsEnabled": config.localSessionsEnabled = try bool(key, value)
        case "localSessionsUpgradingEnabled": config.localSessionsUpgradingEnabled = try bool(key, value)
        case "quorumListenOnAllIPs": config.quorumListenOnAllIPs = try bool(key, value)
        case "syncEnabled": config.syncEnabled = try bool(key, value)
        case "standaloneEnabled": config.standaloneEnabled = try bool(key, value)
        case "reconfigEnabled": config.reconfigEnabled = try bool(key, value)
        case "sslQuorum": config.sslQuorum = try bool(key, value)
        case "portUnification": config.portUnification = try bool(key, value)
        case "multiAddress.enabled": config.multiAddressEnabled = try bool(key, value)
        default: return false
        }
        return true
    }

    /// `QuorumPeerConfig` keys that are validated like Apache but mean nothing to Corral.
    private mutating func applyJavaOnlyPeerKey(_ key: String, _ value: String) throws(ConfigError) -> Bool {
        switch key {
        case "quorum.auth.enableSasl": quorumSasl.enabled = try bool(key, value)
        case "quorum.auth.serverRequireSasl": quorumSasl.serverRequired = try bool(key, value)
        case "quorum.auth.learnerRequireSasl": quorumSasl.learnerRequired = try bool(key, value)
        case "quorum.auth.learner.saslLoginContext", "quorum.auth.server.saslLoginContext",
             "quorum.auth.kerberos.servicePrincipal": break
        case "quorum.cnxn.threads.size": _ = try int(key, value)
        case "jvm.pause.info-threshold.ms", "jvm.pause.warn-threshold.ms", "jvm.pause.sleep.time.ms":
            _ = try long(key, value)
        case "jvm.pause.monitor": _ = try bool(key, value)
        case "metricsProvider.className":
            if value == "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider" {
                config.otherProperties[key] = value
                return true
            }
        case "sslQuorumReloadCertFiles", "multiAddress.reachabilityCheckEnabled": _ = try bool(key, value)
        case "multiAddress.reachabilityCheckTimeoutMs": _ = try int(key, value)
        case "oraclePath": break
        default:
            guard key.hasPrefix("metricsProvider.") else { return false }
        }
        config.otherProperties[key] = value
        config.warnings.append(ConfigKeyCatalog.warning(forIgnoredKey: key))
        return true
    }

    /// Keys Apache turns into the system property `zookeeper.<key>`.
    private mutating func applySystemProperty(_ key: String, _ value: String) throws(ConfigError) {
        switch key {
        case "4lw.commands.whitelist":
            config.fourLetterWordWhitelist = FourLetterWordWhitelist(parsing: value)
            for name in config.fourLetterWordWhitelist.unknownNames {
                config.warnings.append(ConfigWarning(
                    kind: .advice, key: key, message: "\(key): '\(name)' is not a four-letter word; ignored"))
            }
        case "admin.enableServer":
            config.admin.enabled = value != "false"
            flagIfNot(["true", "false"], key, value, meaning: config.admin.enabled ? "enabled" : "disabled")
        case "admin.serverAddress": config.admin.serverAddress = value
        case "admin.serverPort": config.admin.serverPort = Int(try port(key, value, default: 8080))
        case "admin.commandURL": config.admin.commandURL = value
        case "admin.idleTimeout": config.admin.idleTimeoutMilliseconds = decoded(key, value, default: 30000)
        default: try applyServerProperty(key, value)
        }
    }

    private mutating func applyServerProperty(_ key: String, _ value: String) throws(ConfigError) {
        switch key {
        case "extendedTypesEnabled":
            config.extendedTypesEnabled = value.lowercased() == "true"
            flagIfNot(["true", "false"], key, value.lowercased(), meaning: "false")
        case "forceSync":
            config.forceSync = value != "no"
            flagIfNot(["yes", "no"], key, value, meaning: config.forceSync ? "yes" : "no")
        case "skipACL":
            config.skipACL = value == "yes"
            flagIfNot(["yes", "no"], key, value, meaning: "no")
        case "digest.enabled", "DigestAuthenticationProvider.enabled":
            let enabled = value.lowercased() == "true"
            flagIfNot(["true", "false"], key, value.lowercased(), meaning: "false")
            if key == "digest.enabled" { config.digestEnabled = enabled } else {
                config.digestAuthenticationEnabled = enabled
            }
        case "jute.maxbuffer":
            config.juteMaxBuffer = decoded(key, value, default: 0xfffff)
            guard config.juteMaxBuffer > 0 else {
                throw .invalidValue(key: key, value: value, reason: "must be a positive number of bytes")
            }
        case "DigestAuthenticationProvider.superDigest": config.superDigest = value
        case "DigestAuthenticationProvider.digestAlg":
            guard ["SHA1", "SHA-1"].contains(value.uppercased()) else {
                throw .unsupported(key: key, reason: "only SHA1 digests are supported, not \(value)")
            }
        case "globalOutstandingLimit": config.globalOutstandingLimit = decoded(key, value, default: 1000)
        case "maxCnxns": config.maxCnxns = decoded(key, value, default: 0)
        case "snapCount": config.snapCount = snapCount(key, value)
        case "preAllocSize": config.preAllocSizeBytes = preAllocSize(key, value)
        default:
            config.otherProperties[key] = value
            config.warnings.append(ConfigKeyCatalog.warning(forIgnoredKey: key))
        }
    }

    // MARK: - After all keys

    /// The checks `parseProperties` makes after its loop.
    mutating func finishStatic() throws(ConfigError) {
        try checkQuorumSasl()
        if config.snapRetainCount < 3 {
            warn(.adjusted, "autopurge.snapRetainCount",
                 "Invalid autopurge.snapRetainCount: \(config.snapRetainCount). Defaulting to 3")
            config.snapRetainCount = 3
        }
        guard sawDataDir else { throw .missingKey("dataDir") }
        if !sawDataLogDir { config.dataLogDir = config.dataDir }
        adviseIfRelative("dataDir", config.dataDir)
        if sawDataLogDir { adviseIfRelative("dataLogDir", config.dataLogDir) }
        config.clientAddress = try listenAddress(port: clientPort, address: clientPortAddress,
                                                 portKey: "clientPort", addressKey: "clientPortAddress")
        config.secureClientAddress = try listenAddress(
            port: secureClientPort, address: secureClientPortAddress, portKey: "secureClientPort",
            addressKey: "secureClientPortAddress")
        if let port = config.observerMasterPort, port <= 0 { config.observerMasterPort = nil }
        guard config.tickTime != 0 else { throw .missingKey("tickTime") }
        guard config.tickTime > 0 else {
            throw .invalidValue(key: "tickTime", value: String(config.tickTime), reason: "must be positive")
        }
        config.minSessionTimeout = minSessionTimeout == -1 ? config.tickTime &* 2 : minSessionTimeout
        config.maxSessionTimeout = maxSessionTimeout == -1 ? config.tickTime &* 20 : maxSessionTimeout
        guard config.minSessionTimeout <= config.maxSessionTimeout else {
            throw .inconsistent("minSessionTimeout must not be larger than maxSessionTimeout")
        }
    }

    private func checkQuorumSasl() throws(ConfigError) {
        if !quorumSasl.enabled && quorumSasl.serverRequired {
            throw .inconsistent("quorum.auth.enableSasl is disabled, so cannot enable quorum.auth.serverRequireSasl")
        }
        if !quorumSasl.enabled && quorumSasl.learnerRequired {
            throw .inconsistent("quorum.auth.enableSasl is disabled, so cannot enable quorum.auth.learnerRequireSasl")
        }
        if !quorumSasl.learnerRequired && quorumSasl.serverRequired {
            throw .inconsistent("quorum.auth.learnerRequireSasl is disabled, so cannot enable "
                                + "quorum.auth.serverRequireSasl")
        }
    }

    private func listenAddress(port: Int32, address: String?, portKey: String, addressKey: String)
        throws(ConfigError) -> HostPort? {
        guard port != 0 else {
            if address != nil { throw .inconsistent("\(addressKey) is set but \(portKey) is not set") }
            return nil
        }
        guard (0...65535).contains(port) else {
            throw .invalidValue(key: portKey, value: String(port), reason: "port out of range:\(port)")
        }
        return HostPort(host: address ?? "0.0.0.0", port: Int(port))
    }

    private mutating func adviseIfRelative(_ key: String, _ path: String) {
        guard !path.hasPrefix("/") && !path.hasPrefix("./") else { return }
        warn(.advice, key, "\(path) is relative. Prepend ./ to indicate that you're sure!")
    }

    // MARK: - Values

    private func int(_ key: String, _ value: String) throws(ConfigError) -> Int32 {
        guard let number = JavaNumber.parseInt(value) else { throw .invalidNumber(key: key, value: value) }
        return number
    }

    private func long(_ key: String, _ value: String) throws(ConfigError) -> Int64 {
        guard let number = JavaNumber.parseLong(value) else { throw .invalidNumber(key: key, value: value) }
        return number
    }

    private func bool(_ key: String, _ value: String) throws(ConfigError) -> Bool {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidBoolean(key: key, value: value)
        }
    }

    private func peerType(_ key: String, _ value: String) throws(ConfigError) -> PeerType {
        switch value.lowercased() {
        case "observer": return .observer
        case "participant": return .participant
        default: throw .invalidValue(key: key, value: value, reason: "Unrecognised peertype: \(value)")
        }
    }

    /// `Integer.getInteger` semantics: a malformed value silently means the default in Apache;
    /// here it also produces a warning.
    private mutating func decoded(_ key: String, _ value: String, default fallback: Int32) -> Int32 {
        if let number = JavaNumber.decodeInt(value) { return number }
        warn(.invalidValueIgnored, key, "\(key)=\(value) is not a number; using the default \(fallback), as Apache does")
        return fallback
    }

    private mutating func port(_ key: String, _ value: String, default fallback: Int32) throws(ConfigError) -> Int32 {
        let port = decoded(key, value, default: fallback)
        guard (0...65535).contains(port) else {
            throw .invalidValue(key: key, value: value, reason: "port out of range:\(port)")
        }
        return port
    }

    private mutating func snapCount(_ key: String, _ value: String) -> Int32 {
        let count = decoded(key, value, default: 100_000)
        guard count < 2 else { return count }
        warn(.adjusted, key, "SnapCount should be 2 or more. Now, snapCount is reset to 2")
        return 2
    }

    private mutating func preAllocSize(_ key: String, _ value: String) -> Int64 {
        guard let kib = JavaNumber.parseLong(value) else {
            warn(.invalidValueIgnored, key, "\(value) is not a valid value for preAllocSize; using 65536 KiB")
            return 65536 * 1024
        }
        return kib &* 1024
    }

    private mutating func flagIfNot(_ accepted: Set<String>, _ key: String, _ value: String, meaning: String) {
        guard !accepted.contains(value) else { return }
        warn(.invalidValueIgnored, key, "\(key)=\(value) is read as \(meaning), as Apache does")
    }

    mutating func warn(_ kind: ConfigWarning.Kind, _ key: String, _ message: String) {
        config.warnings.append(ConfigWarning(kind: kind, key: key, message: message))
    }

    static func path(_ directory: String, _ file: String) -> String {
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}
