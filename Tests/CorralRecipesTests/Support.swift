import CorralClient
import CorralTestSupport
import Foundation
import Testing
import ZooKeeperProtocol

/// One server of each available kind for the whole `RecipeTests` suite, started before its first
/// test and stopped after its last. Tests share them and keep apart by using their own paths.
struct SharedServers: SuiteTrait, TestScoping {
    @TaskLocal static var current: [ServerKind: any TestServer] = [:]

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        var servers: [ServerKind: any TestServer] = [:]
        do {
            for kind in ServerKind.available { servers[kind] = try await startTestServer(kind) }
            try await Self.$current.withValue(servers) { try await function() }
        } catch {
            for server in servers.values { await server.stop() }
            throw error
        }
        for server in servers.values { await server.stop() }
    }

    /// The shared server of `kind`.
    static func server(_ kind: ServerKind) throws -> any TestServer {
        try #require(current[kind], "no shared \(kind) server: is the test inside RecipeTests?")
    }
}

/// All recipe tests against live servers; nested suites in the other files extend it. Serialized:
/// the tests share servers (Corral's default maxClientCnxns is 60 per host, and the watch counts
/// some tests read from `wchp` are per server), and each test is already concurrent inside.
@Suite(.serialized, SharedServers()) struct RecipeTests {}

struct TimeLimitExceeded: Error, CustomStringConvertible {
    let limit: Duration
    var what = "test body did not finish"
    var description: String { "\(what) within \(limit)" }
}

/// Runs `body`, failing with `TimeLimitExceeded` (and cancelling it) if it has not finished after
/// `limit`: a hung recipe fails its test instead of the whole run. Not a timing assertion: the
/// limit is far above what the body needs.
func withTimeLimit<T: Sendable>(_ limit: Duration = .seconds(45),
                                _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeLimitExceeded(limit: limit) }
        return value
    }
}

/// Connects a client with `sessionTimeout`.
func connect(_ server: any TestServer, sessionTimeout: Duration = .seconds(10)) async throws -> ZooKeeperClient {
    var configuration = ClientConfiguration()
    configuration.sessionTimeout = sessionTimeout
    return try await ZooKeeperClient.connect(server.hostPort, configuration: configuration)
}

/// Connects `count` clients, runs `body` with them, and closes them all afterwards.
func withClients<T: Sendable>(_ count: Int, _ server: any TestServer, sessionTimeout: Duration = .seconds(10),
                              _ body: @escaping @Sendable ([ZooKeeperClient]) async throws -> T) async throws -> T {
    var clients: [ZooKeeperClient] = []
    do {
        for _ in 0..<count { clients.append(try await connect(server, sessionTimeout: sessionTimeout)) }
        let result = try await withTimeLimit { [clients] in try await body(clients) }
        for client in clients { await client.close() }
        return result
    } catch {
        for client in clients { await client.close() }
        throw error
    }
}

/// A fresh path for one test: "/<name>-<random>".
func uniquePath(_ name: String) -> String {
    "/\(name)-\(UInt32.random(in: 0...UInt32.max))"
}

/// Counts who is inside a critical section and every time two were inside at once.
actor OverlapDetector {
    private(set) var inside = 0
    private(set) var maxInside = 0
    private(set) var overlaps = 0
    private(set) var entries = 0

    func enter() {
        inside += 1
        entries += 1
        maxInside = max(maxInside, inside)
        if inside > 1 { overlaps += 1 }
    }

    func exit() { inside -= 1 }
}

/// A readers/writers version: a writer must be alone, readers may share.
actor ReadWriteDetector {
    private(set) var readers = 0
    private(set) var writers = 0
    private(set) var violations = 0
    private(set) var maxReaders = 0

    func enterRead() {
        readers += 1
        maxReaders = max(maxReaders, readers)
        if writers > 0 { violations += 1 }
    }

    func exitRead() { readers -= 1 }

    func enterWrite() {
        writers += 1
        if writers > 1 || readers > 0 { violations += 1 }
    }

    func exitWrite() { writers -= 1 }
}

/// An append-only log shared by concurrent tasks.
actor Log<Element: Sendable> {
    private(set) var items: [Element] = []
    func append(_ item: Element) { items.append(item) }
}

/// A flag shared by concurrent tasks.
actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}

/// Polls `condition` every 20 ms until it holds; throws `TimeLimitExceeded` after `limit`.
func eventually(_ limit: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimeLimitExceeded(limit: limit, what: "condition did not hold") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// The data watches the server holds under `prefix`, by path: the number of watching sessions
/// (the `wchp` four-letter word, whose output Corral shapes like Apache's). Nil when the server
/// does not run `wchp` for us (not in its `4lw.commands.whitelist`).
func dataWatchers(on server: any TestServer, under prefix: String) -> [String: Int]? {
    guard let text = fourLetterWord("wchp", port: server.port), !text.contains("not in the whitelist") else {
        return nil
    }
    var watchers: [String: Int] = [:]
    var currentPath: String?
    for line in text.split(separator: "\n") {
        if line.hasPrefix("\t") {
            if let path = currentPath { watchers[path, default: 0] += 1 }
        } else {
            let path = String(line)
            currentPath = path.hasPrefix(prefix + "/") || path == prefix ? path : nil
        }
    }
    return watchers
}

/// The number of children of `path`, 0 when it does not exist.
func childCount(_ client: ZooKeeperClient, _ path: String) async throws -> Int {
    do {
        return try await client.getChildren(path).children.count
    } catch where error.code == .noNode {
        return 0
    }
}

/// Reads an Int stored as decimal text (0 when empty).
func readCounter(_ client: ZooKeeperClient, _ path: String) async throws -> Int {
    let data = try await client.getData(path).data ?? []
    return Int(String(decoding: data, as: UTF8.self)) ?? 0
}

/// The critical section of the mutual-exclusion tests: read-modify-write of a decimal counter
/// without a version check (so overlapping holders would lose updates), with a pause in the middle
/// that gives an overlap the chance to show.
func incrementUnsafely(_ client: ZooKeeperClient, _ path: String, detector: OverlapDetector) async throws {
    await detector.enter()
    let value = try await readCounter(client, path)
    try await Task.sleep(for: .milliseconds(2))
    try await client.setData(path, data: Array(String(value + 1).utf8))
    await detector.exit()
}

/// True for the error a recipe throws once its session is over (expired or closed).
func isSessionEnd(_ error: any Error) -> Bool {
    (error as? KeeperError)?.code == .sessionExpired
}
