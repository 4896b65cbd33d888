import CorralCore
import Foundation
import ZooKeeperProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The version the four-letter words report. It starts with the Apache release whose protocol
/// Corral speaks, so tools that parse `zookeeper.version` from `envi` (kazoo's `server_version()`)
/// or `zk_version` from `mntr` see a 3.x server.
enum CorralVersion {
    static let apacheCompatible = "3.9.3"
    static let corral = "0.1.0"
    static let full = "\(apacheCompatible)-corral-\(corral)"
}

extension ServerDriver {
    /// A snapshot of the live state with the parts `word` prints (`FourLetterWord.needs`). Runs on
    /// the event loop; `id` is the connection that sent the word.
    func statusSnapshot(for word: FourLetterWord, config: ServerConfig, requestedOn id: ConnectionID)
        -> ServerStatusSnapshot {
        let needs = word.needs
        var snapshot = ServerStatusSnapshot(version: CorralVersion.full)
        snapshot.state = .standalone
        snapshot.traceMask = traceMask
        // A server whose log cannot be written says so, as Apache does when it cannot serve.
        snapshot.isServing = core.isLogWritable
        // Apache lists connections in hash order; Corral lists them in the order they opened.
        // Connections already closing (earlier four-letter words, rejected clients) are gone in
        // Apache's listing too.
        let live = connections.filter { !$0.value.closing }.sorted { $0.key < $1.key }
        if needs.contains(.statistics) || needs.contains(.monitor) {
            snapshot.statistics = statistics(liveConnections: live)
        }
        if needs.contains(.connections) {
            snapshot.connections = live.map { connectionInfo($0.key, $0.value) }
        }
        if needs.contains(.watches) {
            snapshot.dataWatches = dataWatchRegistrations(byPath: word == .wchp)
        }
        if needs.contains(.ephemerals) {
            snapshot.ephemerals = core.tree.ephemerals.keys.sorted().map {
                SessionEphemerals(sessionId: $0, paths: core.tree.ephemerals[$0]!.sorted())
            }
        }
        if needs.contains(.sessions) {
            snapshot.sessionTracker = .expiryQueue(sessionExpiryBuckets())
        }
        if needs.contains(.connectionExpiry) {
            snapshot.connectionExpiry = connectionExpiryBuckets(live)
        }
        if needs.contains(.configuration) {
            // The bound plaintext port: the one this word arrived on unless that is the TLS port
            // (the configured port may be 0, "any").
            let secure = config.secureClientAddress?.port
            let local = connections[id]?.channel.localAddress?.port
            let port = local.flatMap { $0 == secure ? nil : $0 } ?? config.clientAddress?.port ?? -1
            snapshot.configuration = ConfInfo(config: config, clientPort: Int32(port), secureClientPort: Int32(secure ?? -1),
                                              workingDirectory: FileManager.default.currentDirectoryPath)
        }
        if needs.contains(.directorySizes) {
            let cwd = FileManager.default.currentDirectoryPath
            snapshot.txnLogDirectorySize = directorySize(ConfInfo.absolute(config.dataLogDir, in: cwd) + "/version-2")
            snapshot.snapshotDirectorySize = directorySize(ConfInfo.absolute(config.dataDir, in: cwd) + "/version-2")
        }
        if needs.contains(.environment) {
            snapshot.environment = ProcessEnvironment.entries()
        }
        // `.digests`: Corral keeps no digest log yet; Apache's is empty too until its first
        // digest interval, so `hash` prints nothing.
        if needs.contains(.monitor) {
            snapshot.monitor = monitorValues()
        }
        return snapshot
    }

    /// Apache `ServerStats` plus the node count and last zxid.
    func statistics(liveConnections live: [(key: ConnectionID, value: ConnectionState)]) -> ServerStatistics {
        var st = ServerStatistics()
        st.latency = stats.latency
        st.packetsReceived = stats.packetsReceived
        st.packetsSent = stats.packetsSent
        st.aliveConnections = live.count
        st.outstandingRequests = live.reduce(0) { $0 + Int64($1.value.outstanding) }
        st.lastProcessedZxid = core.lastAppliedZxid
        // Apache's DataTree stores the root twice (under "" and "/"), and counts it twice.
        st.nodeCount = core.tree.nodeCount + 1
        return st
    }

    /// One connection as `cons`/`stat` print it.
    func connectionInfo(_ id: ConnectionID, _ c: ConnectionState) -> ConnectionInfo {
        let port = c.channel.remoteAddress?.port ?? 0
        var info = ConnectionInfo(remoteAddress: JavaFormat.socketAddress(ip: c.remoteAddress, port: port))
        info.interestOps = c.isFourLetterWord || c.readPaused ? 0 : 1
        info.outstandingRequests = Int64(c.outstanding)
        info.packetsReceived = c.stats.received
        info.packetsSent = c.stats.sent
        info.sessionId = core.sessionId(of: id) ?? 0
        info.lastOperation = c.stats.lastOperation
        info.establishedEpochMilliseconds = c.openedAt
        info.sessionTimeout = c.sessionTimeout
        info.lastCxid = c.stats.lastCxid
        info.lastZxid = c.stats.lastZxid
        info.lastResponseTime = c.stats.lastResponseTime
        info.lastLatency = c.stats.lastLatency
        info.latency = c.stats.latency
        return info
    }

    /// Data watches by session: ordered by session then path, or by path then session (`wchp`).
    func dataWatchRegistrations(byPath: Bool) -> [WatchRegistration] {
        var result: [WatchRegistration] = []
        for (conn, paths) in core.dataWatches.byConnection {
            guard let sessionId = core.sessionId(of: conn) else { continue }
            for (path, modes) in paths where !modes.isEmpty {
                result.append(WatchRegistration(sessionId: sessionId, path: path))
            }
        }
        if byPath {
            result.sort { ($0.path, $0.sessionId) < ($1.path, $1.sessionId) }
        } else {
            result.sort { ($0.sessionId, $0.path) < ($1.sessionId, $1.path) }
        }
        return result
    }

    /// Apache's session `ExpiryQueue`: sessions by expiry time. Sessions already expired (closing,
    /// past their time) have left Apache's queue.
    func sessionExpiryBuckets() -> [ExpiryBucket] {
        var buckets: [Int64: [Int64]] = [:]
        for (sessionId, session) in core.sessions.sessions where !(session.isClosing && session.expiresAt <= wallNow) {
            buckets[session.expiresAt, default: []].append(sessionId)
        }
        return buckets.keys.sorted().map {
            ExpiryBucket(expiresAtEpochMilliseconds: $0, elements: buckets[$0]!.sorted().map(ExpiryBucket.sessionElement))
        }
    }

    /// Apache's connection `ExpiryQueue` (NIO factory): each connection expires its session
    /// timeout (or the sessionless timeout) after its last read, rounded up to the next multiple
    /// of the sessionless timeout, which is the queue's interval.
    func connectionExpiryBuckets(_ live: [(key: ConnectionID, value: ConnectionState)]) -> [ExpiryBucket] {
        let interval = max(1, settings.sessionlessConnectionTimeout)
        var buckets: [Int64: [String]] = [:]
        for (id, c) in live {
            let timeout = c.sessionTimeout > 0 ? Int64(c.sessionTimeout) : settings.sessionlessConnectionTimeout
            let at = ((c.lastActivity + timeout) / interval + 1) * interval
            buckets[at, default: []].append(connectionInfo(id, c).expiryQueueEntry)
        }
        return buckets.keys.sorted().map { ExpiryBucket(expiresAtEpochMilliseconds: $0, elements: buckets[$0]!) }
    }

    /// The `mntr` gauges beyond `ServerStatistics`.
    func monitorValues() -> MonitorValues {
        var m = MonitorValues()
        m.uptimeMilliseconds = monotonicNow - startedAt
        m.watchCount = core.dataWatches.watchCount + core.childWatches.watchCount
        m.ephemeralsCount = core.tree.ephemerals.values.reduce(0) { $0 + $1.count }
        // Apache `DataTree.approximateDataSize`: path length (UTF-16 units) plus data length of
        // every node. Apache's second root entry ("") adds nothing.
        m.approximateDataSize = core.tree.nodes.reduce(Int64(0)) {
            $0 + Int64($1.key.utf16.count) + Int64($1.value.data?.count ?? 0)
        }
        m.globalSessions = core.sessions.sessions.count
        m.localSessions = 0
        m.clientResponseSizes = stats.responseSizes
        (m.openFileDescriptorCount, m.maxFileDescriptorCount) = ProcessEnvironment.fileDescriptors()
        return m
    }

    /// Apache `ZooKeeperServer.getDirSize`: total bytes of the files below `path`, 0 when absent.
    func directorySize(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        guard info.st_mode & S_IFMT == S_IFDIR else { return Int64(info.st_size) }
        return ProcessEnvironment.directoryEntries(path).reduce(0) { $0 + directorySize(path + "/" + $1) }
    }
}

/// What `envi` reports about the process and host, under Apache's (Java) keys.
enum ProcessEnvironment {
    /// Apache's `Environment.list()` entries. Java-only properties are `<NA>`, as Apache prints a
    /// missing property. `os.memory.total` is the resident set, `os.memory.max` the physical
    /// memory and `os.memory.free` the memory available on the host (Java reports its heap).
    static func entries() -> [EnvironmentEntry] {
        var values: [String: String] = ["zookeeper.version": CorralVersion.full]
        values["host.name"] = hostName()
        let system = uname()
        values["os.name"] = system.name == "Darwin" ? "Mac OS X" : system.name
        values["os.arch"] = javaArchitecture(system.machine, osName: system.name)
        values["os.version"] = system.release
        values["java.io.tmpdir"] = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        if let user = currentUser() {
            values["user.name"] = user.name
            values["user.home"] = user.home
        }
        values["user.dir"] = FileManager.default.currentDirectoryPath
        let megabyte: UInt64 = 1024 * 1024
        if let available = availableMemory() { values["os.memory.free"] = "\(available / megabyte)MB" }
        values["os.memory.max"] = "\(ProcessInfo.processInfo.physicalMemory / megabyte)MB"
        if let resident = residentMemory() { values["os.memory.total"] = "\(resident / megabyte)MB" }
        return EnvironmentEntry.apacheShaped(values)
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func uname() -> (name: String, release: String, machine: String) {
        var u = utsname()
        #if canImport(Glibc)
        guard Glibc.uname(&u) == 0 else { return ("<NA>", "<NA>", "<NA>") }
        #else
        guard Darwin.uname(&u) == 0 else { return ("<NA>", "<NA>", "<NA>") }
        #endif
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return (text(u.sysname), text(u.release), text(u.machine))
    }

    /// Java's `os.arch` names.
    static func javaArchitecture(_ machine: String, osName: String) -> String {
        switch machine {
        case "x86_64": return osName == "Linux" ? "amd64" : "x86_64"
        case "arm64": return "aarch64"
        default: return machine
        }
    }

    static func currentUser() -> (name: String, home: String)? {
        guard let entry = getpwuid(geteuid()) else { return nil }
        return (String(cString: entry.pointee.pw_name), String(cString: entry.pointee.pw_dir))
    }

    /// Names in a directory (without "." and ".."); empty when it cannot be read.
    static func directoryEntries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The text of a small file such as /proc/self/statm; nil when it cannot be read.
    static func readSmallFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count - 1, file)
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func residentMemory() -> UInt64? {
        #if os(Linux)
        guard let statm = readSmallFile("/proc/self/statm") else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return nil }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return nil
        #endif
    }

    static func availableMemory() -> UInt64? {
        #if os(Linux)
        let pages = sysconf(Int32(_SC_AVPHYS_PAGES))
        guard pages >= 0 else { return nil }
        return UInt64(pages) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return nil
        #endif
    }

    /// Open descriptors and the descriptor limit (Apache's `UnixOperatingSystemMXBean` gauges),
    /// nil where unknown.
    static func fileDescriptors() -> (open: Int64?, max: Int64?) {
        var open: Int64?
        #if os(Linux)
        open = Int64(directoryEntries("/proc/self/fd").count)
        #endif
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        let max: Int64? = getrlimit(resource, &limit) == 0 ? Int64(clamping: limit.rlim_cur) : nil
        return (open, max)
    }
}
