import CorralClient
import ZooKeeperProtocol

/// A configuration read consistently: every entry as the writer published it together.
public struct ConfigurationSnapshot: Sendable, Equatable {
    /// The entries by name.
    public var entries: [String: [UInt8]]
    /// Identifies the publication: the zxid that created the ready znode. Later publications have
    /// larger generations.
    public var generation: Int64
}

/// Configuration management with the paper's ready-znode pattern: a configuration of several znodes
/// that readers only use when the `ready` znode exists. The writer deletes `ready`, changes the
/// entries, then creates `ready` again; a reader that sees `ready` and then reads the entries sees
/// all of one publication, never a mix, thanks to ZooKeeper's ordering: a client's reads never go
/// back in time and all writes are totally ordered.
///
/// Layout: `<path>/ready` (persistent, empty) and one persistent znode per entry,
/// `<path>/entries/<name>`, holding the entry's bytes.
///
/// Reader protocol (`read`): `exists(ready)` with a watch; if absent, wait for it. Read every entry.
/// Then `exists(ready)` again: if it is the same incarnation (same czxid), no publication began in
/// between — the writer deletes `ready` before its first change — so the entries form one snapshot.
/// Otherwise read again. (The paper gets the same from the ready watch firing before any later read
/// returns; comparing incarnations is that check made explicit.)
///
/// Preconditions: one writer at a time (for instance the holder of a `LeaderElection` term); if a
/// writer dies between deleting and re-creating `ready`, readers wait until a writer publishes.
///
/// Interoperates with: no Curator or kazoo recipe; any client that follows the same protocol.
public struct ConfigurationStore: Sendable {
    public let path: String
    let client: ZooKeeperClient
    let retry: RetryPolicy

    static let readyName = "ready"
    static let entriesName = "entries"

    /// A configuration under `path`. Throws for an invalid path.
    public init(client: ZooKeeperClient, path: String, retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        self.client = client; self.path = path; self.retry = retry
    }

    var readyPath: String { RecipePath.child(path, Self.readyName) }
    var entriesPath: String { RecipePath.child(path, Self.entriesName) }

    /// Publishes `entries` as the new configuration: deletes `ready`, writes every entry, deletes
    /// entries not in `entries`, creates `ready`. Each step is idempotent and retried on ConnectionLoss.
    /// Entry names must be valid znode names.
    public func publish(_ entries: [String: [UInt8]]) async throws {
        for name in entries.keys {
            guard !name.contains("/") else { throw RecipeError.invalidArgument("entry name \"\(name)\" contains \"/\"") }
            try RecipePath.validate(RecipePath.child(entriesPath, name))
        }
        try await client.deleteIfPresent(readyPath, retry: retry)
        try await client.ensurePath(entriesPath, retry: retry)
        for (name, data) in entries.sorted(by: { $0.key < $1.key }) {
            try await write(data, to: RecipePath.child(entriesPath, name))
        }
        for stale in try await client.children(of: entriesPath, retry: retry) where entries[stale] == nil {
            try await client.deleteIfPresent(RecipePath.child(entriesPath, stale), retry: retry)
        }
        try await client.createPersistentIfAbsent(readyPath, retry: retry)
    }

    private func write(_ data: [UInt8], to entryPath: String) async throws {
        if try await !client.createPersistentIfAbsent(entryPath, data: data, retry: retry) {
            _ = try await retry.run { try await client.setData(entryPath, data: data, version: -1) }
        }
    }

    /// Waits at most `timeout` (nil: forever) for a published configuration and returns it whole;
    /// nil when the time ran out. Throws `KeeperError(.sessionExpired)` if the session ends.
    public func read(timeout: Duration? = nil) async throws -> ConfigurationSnapshot? {
        try await readSnapshot(until: Deadline(timeout: timeout), watchingNext: false)?.snapshot
    }

    /// A whole snapshot; with `watchingNext`, also a watch on its `ready` incarnation, which fires
    /// when the next publication begins (nil without).
    private func readSnapshot(until deadline: Deadline,
                              watchingNext: Bool) async throws -> (snapshot: ConfigurationSnapshot, next: OneShotWatch?)? {
        while true {
            guard let before = try await waitForReady(until: deadline) else { return nil }
            guard let entries = try await readEntries() else { continue }
            let after: Stat?, next: OneShotWatch?
            if watchingNext {
                (after, next) = try await retry.run { try await client.watchExists(readyPath) }
            } else {
                (after, next) = (try await retry.run { try await client.exists(readyPath) }, nil)
            }
            if let after, after.czxid == before.czxid {
                return (ConfigurationSnapshot(entries: entries, generation: after.czxid), next)
            }
        }
    }

    /// The stat of `ready` once it exists; nil when the deadline passed first.
    private func waitForReady(until deadline: Deadline) async throws -> Stat? {
        if let ready = try await retry.run({ try await client.exists(readyPath) }) { return ready }
        while true {
            let (ready, watch) = try await retry.run { try await client.watchExists(readyPath) }
            if let ready { return ready }
            switch await wait(for: watch, until: deadline) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return nil
            case .cancelled: throw CancellationError()
            }
        }
    }

    /// Every entry, or nil when one vanished mid-read (a publication is under way).
    private func readEntries() async throws -> [String: [UInt8]]? {
        var entries: [String: [UInt8]] = [:]
        do {
            for name in try await client.children(of: entriesPath, retry: retry) {
                entries[name] = try await retry.run { try await client.getData(RecipePath.child(entriesPath, name)).data } ?? []
            }
        } catch let error as KeeperError where error.code == .noNode {
            return nil
        }
        return entries
    }

    /// The current configuration (waiting for the first), then each new publication, until the
    /// session ends (then it throws) or the consumer stops iterating. Publications that follow one
    /// another faster than a read may be skipped; every snapshot yielded is whole.
    public func updates() -> AsyncThrowingStream<ConfigurationSnapshot, any Error> {
        let store = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await store.feed(continuation)
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func feed(_ continuation: AsyncThrowingStream<ConfigurationSnapshot, any Error>.Continuation) async throws {
        var lastGeneration: Int64?
        while !Task.isCancelled {
            guard let (snapshot, next) = try await readSnapshot(until: .never, watchingNext: true),
                  let next else { break }
            if snapshot.generation != lastGeneration { continuation.yield(snapshot) }
            lastGeneration = snapshot.generation
            switch await wait(for: next, until: .never) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed, .cancelled: break
            }
        }
        continuation.finish()
    }
}
