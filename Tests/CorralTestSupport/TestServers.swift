import CorralServer
import Dispatch
import Foundation
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Which server a test runs against. Client-side tests run against both: the wire protocol is the
/// contract, so Corral and Apache ZooKeeper 3.8 must give the same answers.
public enum ServerKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case corral, apache
    public var description: String { rawValue }

    /// The kinds available on this machine: Apache needs Debian's `zookeeper` package and a JVM.
    public static var available: [ServerKind] { ApacheServer.isInstalled ? [.corral, .apache] : [.corral] }
}

/// A server started for a test, listening on 127.0.0.1 on a free port. `stop()` must be called;
/// `withTestServer` does it.
public protocol TestServer: Sendable {
    var kind: ServerKind { get }
    var port: Int { get }
    /// The data directory (removed by `stop()` unless it was given by the caller).
    var dataDir: String { get }
    /// Stops the server (Corral: closes every connection; Apache: SIGKILL). Idempotent.
    func stop() async
}

extension TestServer {
    public var hostPort: String { "127.0.0.1:\(port)" }
}

/// Starts a server of `kind`. With `dataDir` the server keeps its data there (and the caller owns
/// the directory); without it a fresh temporary directory is used and removed on stop.
public func startTestServer(_ kind: ServerKind, dataDir: String? = nil, port: Int? = nil,
                            config: [String: String] = [:]) async throws -> any TestServer {
    switch kind {
    case .corral: return try await CorralServerProcess.start(dataDir: dataDir, port: port)
    case .apache: return try await ApacheServer.start(dataDir: dataDir, port: port, extraConfig: config)
    }
}

/// Runs `body` with a fresh server of `kind` and stops the server afterwards, whatever happens.
public func withTestServer<T: Sendable>(_ kind: ServerKind, _ body: (any TestServer) async throws -> T) async throws -> T {
    let server = try await startTestServer(kind)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A fresh empty directory under the system temp dir.
public func makeTemporaryDirectory(_ prefix: String = "corral-test") throws -> String {
    var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw TestServerError.cannotCreateDirectory(errno) }
    return String(cString: made)
}

/// A loopback port nobody listens on right now.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestServerError.noFreePort }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s -> Bool in
            bind(fd, s, len) == 0 && getsockname(fd, s, &len) == 0
        }
    }
    guard bound else { throw TestServerError.noFreePort }
    return Int(UInt16(bigEndian: addr.sin_port))
}

public enum TestServerError: Error, CustomStringConvertible {
    case cannotCreateDirectory(Int32)
    case noFreePort
    case didNotStart(String)
    public var description: String {
        switch self {
        case .cannotCreateDirectory(let e): return "mkdtemp failed: errno \(e)"
        case .noFreePort: return "no free loopback port"
        case .didNotStart(let why): return "server did not start: \(why)"
        }
    }
}

/// Corral's standalone server, in this process, with its data on disk (so a second server started
/// on the same directory takes over its sessions, like a restarted process).
public final class CorralServerProcess: TestServer, @unchecked Sendable {
    public let kind = ServerKind.corral
    public let port: Int
    public let dataDir: String
    private let ownsDataDir: Bool
    private let server: StandaloneServer
    private let lock = NSLock()
    private var stopped = false

    init(port: Int, dataDir: String, ownsDataDir: Bool, server: StandaloneServer) {
        self.port = port; self.dataDir = dataDir; self.ownsDataDir = ownsDataDir; self.server = server
    }

    public static func start(dataDir: String?, port: Int?) async throws -> CorralServerProcess {
        let dir = try dataDir ?? makeTemporaryDirectory("corral-server")
        var options = ServerOptions()
        options.host = "127.0.0.1"
        options.port = port ?? 0
        options.core.extendedTypesEnabled = true  // as the Apache test config
        options.fourLetterWordWhitelist = .all    // 4lw.commands.whitelist=*, as the Apache test config
        var storage = StorageOptions(dataDir: dir)
        storage.log.forceSync = false
        options.storage = storage
        var logger = Logger(label: "corral-test-server")
        logger.logLevel = .warning
        let server = try await StandaloneServer.start(options, logger: logger)
        guard let bound = server.localAddress?.port else { throw TestServerError.didNotStart("no local address") }
        return CorralServerProcess(port: bound, dataDir: dir, ownsDataDir: dataDir == nil, server: server)
    }

    public func stop() async {
        let first = lock.withLock { () -> Bool in defer { stopped = true }; return !stopped }
        guard first else { return }
        try? await server.shutdown()  // a failed shutdown leaves nothing the test could act on
        if ownsDataDir { try? FileManager.default.removeItem(atPath: dataDir) }
    }
}

/// Apache ZooKeeper 3.8 (Debian's `zookeeper` package) as a child process, standalone.
public final class ApacheServer: TestServer, @unchecked Sendable {
    public let kind = ServerKind.apache
    public let port: Int
    public let dataDir: String
    private let ownsDataDir: Bool
    private let process: Process
    private let workDir: String
    private let lock = NSLock()
    private var stopped = false

    static let jar = "/usr/share/java/zookeeper.jar"
    public static var isInstalled: Bool { FileManager.default.fileExists(atPath: jar) }

    init(port: Int, dataDir: String, ownsDataDir: Bool, process: Process, workDir: String) {
        self.port = port; self.dataDir = dataDir; self.ownsDataDir = ownsDataDir
        self.process = process; self.workDir = workDir
    }

    public static func start(dataDir: String?, port: Int?, extraConfig: [String: String] = [:]) async throws -> ApacheServer {
        let work = try makeTemporaryDirectory("apache-zk")
        let dir = dataDir ?? work + "/data"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let port = try port ?? freeLoopbackPort()
        var cfg = """
            tickTime=2000
            initLimit=10
            syncLimit=5
            dataDir=\(dir)
            clientPort=\(port)
            clientPortAddress=127.0.0.1
            maxClientCnxns=0
            4lw.commands.whitelist=*
            extendedTypesEnabled=true
            admin.enableServer=false
            forceSync=no
            DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=

            """
        for (key, value) in extraConfig.sorted(by: { $0.key < $1.key }) { cfg += "\(key)=\(value)\n" }
        try cfg.write(toFile: work + "/zoo.cfg", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/java")
        process.arguments = ["-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                             "-Dzookeeper.jmx.log4j.disable=true",
                             "-cp", "\(jar):/usr/share/java/slf4j-nop.jar",
                             "org.apache.zookeeper.server.quorum.QuorumPeerMain", work + "/zoo.cfg"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let server = ApacheServer(port: port, dataDir: dir, ownsDataDir: dataDir == nil, process: process, workDir: work)
        for _ in 0..<300 {
            if await offThePool({ fourLetterWord("srvr", port: port) })?.contains("Mode: standalone") == true {
                return server
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await server.stop()
        throw TestServerError.didNotStart("Apache ZooKeeper on port \(port) did not answer srvr within 15 s")
    }

    public func stop() async {
        let first = lock.withLock { () -> Bool in defer { stopped = true }; return !stopped }
        guard first else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        await waitForExit(process)
        if ownsDataDir { try? FileManager.default.removeItem(atPath: dataDir) }
        try? FileManager.default.removeItem(atPath: workDir)
    }
}

/// Runs a blocking call (a socket read, a process wait) on a Dispatch thread, so it does not hold
/// one of the few threads of Swift's cooperative pool that every other test needs (2 on a 2-core
/// machine: two blocked tests would stall the whole run).
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}

/// `process.waitUntilExit()` without blocking the cooperative pool.
public func waitForExit(_ process: Process) async {
    let box = UncheckedSendable(process)
    await offThePool { box.value.waitUntilExit() }
}

/// Carries a non-Sendable reference into a `@Sendable` closure whose caller waits for it.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// Sends a four-letter word to 127.0.0.1:`port` and returns the whole answer (nil when nothing
/// listens there).
public func fourLetterWord(_ word: String, port: Int) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { return nil }
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(word.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { return nil }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        out += chunk[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}
