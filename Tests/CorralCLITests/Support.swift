@testable import CorralCLI
import Foundation
import ZooKeeperProtocol

/// Collects what the shell prints, stdout and stderr interleaved as one stream (as the conformance
/// runner sees them through one pipe), plus stdout alone.
final class RecordingOutput: ShellOutput, @unchecked Sendable {
    private let lock = NSLock()
    private var combinedText = ""
    private var stdoutText = ""

    func out(_ text: String) { lock.withLock { combinedText += text; stdoutText += text } }
    func err(_ text: String) { lock.withLock { combinedText += text } }
    var combined: String { lock.withLock { combinedText } }
    var stdout: String { lock.withLock { stdoutText } }
}

/// Sets the process time zone to UTC (every test wants Java's dates in UTC).
func useUTC() {
    setenv("TZ", "UTC", 1)
    tzset()
}

/// An in-memory stand-in for a ZooKeeper session: enough of the data model for the shell's
/// commands (no ACL checks; zxids count writes from 1).
final class FakeShellClient: ShellClient, @unchecked Sendable {
    struct Node { var data: [UInt8]?; var stat: Stat; var acl: [ACL]; var ephemeral: Bool }
    private let lock = NSLock()
    private var nodes: [String: Node] = ["/": Node(data: [], stat: Stat(), acl: Ids.openACLUnsafe, ephemeral: false)]
    private var zxid: Int64 = 0
    private var closed = false
    private let stream: AsyncStream<ShellEvent>
    private let continuation: AsyncStream<ShellEvent>.Continuation
    var sessionId: Int64 = 0x1000

    init() { (stream, continuation) = AsyncStream.makeStream() }

    private func locked<T>(_ body: () throws(ShellKeeperError) -> T) throws(ShellKeeperError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var state: ShellConnectionState { lock.withLock { closed ? .closed : .connected } }
    func events() -> AsyncStream<ShellEvent> { stream }
    func close() async {
        lock.withLock { closed = true }
        continuation.yield(ShellEvent(type: .none, state: .closed, path: nil))
        continuation.finish()
    }
    func emit(_ event: ShellEvent) { continuation.yield(event) }

    private func parent(_ path: String) -> String {
        let p = path[..<path.lastIndex(of: "/")!]
        return p.isEmpty ? "/" : String(p)
    }
    private func children(_ path: String) -> [String] {
        nodes.keys.filter { $0 != "/" && parent($0) == path }.map { String($0.split(separator: "/").last!) }.sorted()
    }

    func create(_ path: String, data: [UInt8]?, acl: [ACL], mode: CreateMode, ttl: Int64)
        async throws(ShellKeeperError) -> String {
        try locked { () throws(ShellKeeperError) -> String in
            let parentPath = parent(path)
            guard var p = nodes[parentPath] else { throw ShellKeeperError(.noNode, path: path) }
            if p.ephemeral { throw ShellKeeperError(.noChildrenForEphemerals, path: path) }
            var name = path
            if mode.isSequential { name += String(format: "%010d", p.stat.cversion) }
            guard nodes[name] == nil else { throw ShellKeeperError(.nodeExists, path: path) }
            zxid += 1
            var stat = Stat()
            (stat.czxid, stat.mzxid, stat.pzxid) = (zxid, zxid, zxid)
            stat.dataLength = Int32(data?.count ?? 0)
            stat.ephemeralOwner = mode.isEphemeral ? sessionId : 0
            nodes[name] = Node(data: data, stat: stat, acl: acl, ephemeral: mode.isEphemeral)
            p.stat.cversion += 1; p.stat.numChildren += 1; p.stat.pzxid = zxid
            nodes[parentPath] = p
            return name
        }
    }
    func delete(_ path: String, version: Int32) async throws(ShellKeeperError) {
        try locked { () throws(ShellKeeperError) in try deleteLocked(path, version) }
    }
    private func deleteLocked(_ path: String, _ version: Int32) throws(ShellKeeperError) {
        guard path != "/" && path != "/zookeeper" else { throw ShellKeeperError(.badArguments, path: path) }
        guard let n = nodes[path] else { throw ShellKeeperError(.noNode, path: path) }
        guard version == -1 || version == n.stat.version else { throw ShellKeeperError(.badVersion, path: path) }
        guard children(path).isEmpty else { throw ShellKeeperError(.notEmpty, path: path) }
        zxid += 1
        nodes[path] = nil
        nodes[parent(path)]!.stat.numChildren -= 1
        nodes[parent(path)]!.stat.pzxid = zxid
    }
    func exists(_ path: String, watch: Bool) async throws(ShellKeeperError) -> Stat? { lock.withLock { nodes[path]?.stat } }
    func getData(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat) {
        guard let n = lock.withLock({ nodes[path] }) else { throw ShellKeeperError(.noNode, path: path) }
        return (n.data, n.stat)
    }
    func setData(_ path: String, data: [UInt8]?, version: Int32) async throws(ShellKeeperError) -> Stat {
        try locked { () throws(ShellKeeperError) -> Stat in
            guard var n = nodes[path] else { throw ShellKeeperError(.noNode, path: path) }
            guard version == -1 || version == n.stat.version else { throw ShellKeeperError(.badVersion, path: path) }
            zxid += 1
            n.data = data; n.stat.version += 1; n.stat.mzxid = zxid; n.stat.dataLength = Int32(data?.count ?? 0)
            nodes[path] = n
            return n.stat
        }
    }
    func getChildren(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (children: [String], stat: Stat) {
        try locked { () throws(ShellKeeperError) -> ([String], Stat) in
            guard let n = nodes[path] else { throw ShellKeeperError(.noNode, path: path) }
            return (children(path).reversed(), n.stat)      // unsorted on purpose: the shell sorts
        }
    }
    func getACL(_ path: String) async throws(ShellKeeperError) -> (acl: [ACL], stat: Stat) {
        guard let n = lock.withLock({ nodes[path] }) else { throw ShellKeeperError(.noNode, path: path) }
        return (n.acl, n.stat)
    }
    func setACL(_ path: String, acl: [ACL], version: Int32) async throws(ShellKeeperError) -> Stat {
        try locked { () throws(ShellKeeperError) -> Stat in
            guard var n = nodes[path] else { throw ShellKeeperError(.noNode, path: path) }
            guard n.acl.contains(where: { $0.perms & Perms.admin != 0 }) else { throw ShellKeeperError(.noAuth, path: path) }
            n.acl = acl; n.stat.aversion += 1
            nodes[path] = n
            return n.stat
        }
    }
    func getAllChildrenNumber(_ path: String) async throws(ShellKeeperError) -> Int32 {
        lock.withLock { Int32(nodes.keys.filter { $0.hasPrefix(path == "/" ? "/" : path + "/") && $0 != "/" }.count) }
    }
    func getEphemerals(_ prefixPath: String) async throws(ShellKeeperError) -> [String] {
        lock.withLock { nodes.filter { $0.value.ephemeral && $0.key.hasPrefix(prefixPath) }.keys.sorted() }
    }
    func sync(_ path: String) async throws(ShellKeeperError) {}
    func deleteAll(_ paths: [String]) async -> Bool {
        lock.withLock {
            do throws(ShellKeeperError) {
                for p in paths { try deleteLocked(p, -1) }
                return true
            } catch { return false }
        }
    }
    func addAuth(scheme: String, auth: [UInt8]?) async {}
    func whoAmI() async -> [ClientInfo]? { [ClientInfo(authScheme: "ip", user: "127.0.0.1")] }
    func addWatch(_ path: String, mode: AddWatchMode) async throws(ShellKeeperError) {}
    func removeWatches(_ path: String, type: WatcherType, local: Bool) async throws(ShellKeeperError) {
        throw ShellKeeperError(.noWatcher, path: path)
    }
    func getConfig(watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat) {
        (Array("server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=100000000".utf8), Stat())
    }
}

/// A shell over `client` (connected at once), with its output recorded.
func makeShell(_ client: FakeShellClient = FakeShellClient()) async -> (Shell, RecordingOutput) {
    let output = RecordingOutput()
    let shell = Shell(host: "127.0.0.1:2181", options: ShellConnectOptions(sessionTimeoutMilliseconds: 30000, canBeReadOnly: false),
                      io: output, connector: { _, _ in client })
    await shell.connect(to: "127.0.0.1:2181")
    _ = await shell.waitForConnection()
    return (shell, output)
}

/// The output without the connection event the shell prints first.
func withoutConnectEvent(_ text: String) -> String {
    let connected = "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n"
    return text.hasPrefix(connected) ? String(text.dropFirst(connected.count)) : text
}
