extension ConfigParser {
    /// Reads the ensemble from the dynamic configuration file when `dynamicConfigFile` is set,
    /// otherwise from `zoo.cfg` itself (Apache's backward-compatible mode).
    mutating func readQuorum(static properties: JavaProperties,
                             readFile: (String) throws(ConfigError) -> String?) throws(ConfigError) {
        guard let file = config.dynamicConfigFile else {
            try readMembership(properties)
            return
        }
        guard let text = try readFile(file) else { throw .unreadable(path: file, reason: "file is missing") }
        let dynamic = try JavaProperties(parsing: text)
        guard dynamic["version"] == nil else {
            throw .inconsistent("\(file): dynamic file shouldn't have version inside")
        }
        for (rawKey, _) in dynamic.entries {
            let key = javaTrim(rawKey)
            guard key.hasPrefix("server.") || key.hasPrefix("group") || key.hasPrefix("weight") else {
                throw .inconsistent("\(file): Unrecognised parameter: \(key)")
            }
        }
        try readMembership(dynamic)
        config.quorumVersion = ConfigParser.versionFromFilename(file) ?? 0
    }

    /// `QuorumMaj(Properties)` plus the participant/observer checks of `parseDynamicConfig`.
    private mutating func readMembership(_ properties: JavaProperties) throws(ConfigError) {
        var byId: [Int64: QuorumServerSpec] = [:]
        for (rawKey, rawValue) in properties.entries {
            let (key, value) = (javaTrim(rawKey), javaTrim(rawValue))
            if key.hasPrefix("group") || key.hasPrefix("weight") {
                throw .unsupported(key: key, reason: "hierarchical quorums (group/weight) are not supported")
            }
            if key == "version" {
                guard let version = JavaNumber.parseLong(value, radix: 16) else {
                    throw .invalidNumber(key: key, value: value)
                }
                config.quorumVersion = version
            }
            guard key.hasPrefix("server.") else { continue }
            guard let id = JavaNumber.parseLong(String(key.dropFirst("server.".count))) else {
                throw .invalidNumber(key: key, value: value)
            }
            guard byId[id] == nil else { throw .inconsistent("\(key): server id \(id) is defined twice") }
            byId[id] = try QuorumServerSpec(id: id, parsing: value, key: key,
                                            multiAddressEnabled: config.multiAddressEnabled)
        }
        config.servers = byId.values.sorted { $0.id < $1.id }
        try checkMembership()
    }

    private mutating func checkMembership() throws(ConfigError) {
        let participants = config.servers.filter { $0.type == .participant }.count
        let observers = config.servers.count - participants
        if participants == 0 {
            guard config.standaloneEnabled else {
                throw .inconsistent("standaloneEnabled = false then number of participants should be >0")
            }
            guard observers == 0 else { throw .inconsistent("Observers w/o participants is an invalid configuration") }
        } else if participants == 1 && config.standaloneEnabled {
            warn(.advice, "server.", "Invalid configuration, only one server specified (ignoring)")
            guard observers == 0 else { throw .inconsistent("Observers w/o quorum is an invalid configuration") }
        } else if participants <= 2 {
            warn(.advice, "server.", "No server failure will be tolerated. You need at least 3 servers.")
        } else if participants % 2 == 0 {
            warn(.advice, "server.", "Non-optimal configuration, consider an odd number of servers.")
        }
    }

    /// Apache `setupMyId`: the first line of `dataDir/myid`, a Java long, no trimming.
    mutating func readMyid(_ contents: String?) throws(ConfigError) {
        guard let contents else { return }
        guard !contents.isEmpty else { throw .invalidMyid("null") }
        let firstLine = String(contents.prefix { $0 != "\n" && $0 != "\r" && $0 != "\r\n" })
        guard let id = JavaNumber.parseLong(firstLine) else { throw .invalidMyid(firstLine) }
        config.serverId = id
    }

    /// Apache `setupClientPort`, `setupPeerType` and `checkValidity`.
    mutating func finishQuorum() throws(ConfigError) {
        try mergeClientAddress()
        let role: PeerType = config.servers.contains { $0.id == config.serverId && $0.type == .observer }
            ? .observer : .participant
        if role != config.peerType {
            warn(.advice, "peerType", "Peer type from servers list (\(role.rawValue)) doesn't match peerType "
                 + "(\(config.peerType.rawValue)). Defaulting to servers list.")
            config.peerType = role
        }
        if config.isDistributed {
            guard config.initLimit != 0 else { throw .missingKey("initLimit") }
            guard config.syncLimit != 0 else { throw .missingKey("syncLimit") }
            guard config.serverId != nil else { throw .missingMyid(dataDir: config.dataDir) }
        }
        if config.clientAddress == nil && config.secureClientAddress == nil {
            warn(.advice, "clientPort", "clientPort is not set: no client listener")
        }
    }

    private mutating func mergeClientAddress() throws(ConfigError) {
        guard let id = config.serverId, let me = config.servers.first(where: { $0.id == id }),
              let fromServerLine = me.clientAddress
        else { return }
        if let configured = config.clientAddress {
            let differs = configured.isWildcard ? configured.port != fromServerLine.port : configured != fromServerLine
            if differs {
                throw .inconsistent("client address for this server (id = \(id)) in static config file is "
                    + "\(configured) is different from client address found in dynamic file: \(fromServerLine)")
            }
        }
        config.clientAddress = fromServerLine
    }

    /// Apache `getVersionFromFilename`: the hex number after the last `.`, normalised, or nil.
    static func versionFromFilename(_ file: String) -> Int64? {
        guard let dot = file.lastIndex(of: ".") else { return nil }
        return JavaNumber.parseLong(String(file[file.index(after: dot)...]), radix: 16)
    }
}
