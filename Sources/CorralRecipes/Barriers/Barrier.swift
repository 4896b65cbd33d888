import CorralClient
import ZooKeeperProtocol

/// The paper's barrier in its simplest form: the barrier is closed while the znode `path` exists.
/// Laid out like Apache Curator's `DistributedBarrier` and kazoo's `Barrier` (the same node, no data).
///
/// Guarantees: `wait` returns true only after it observed the node absent; every waiter that was
/// waiting when the node is deleted is released by that one deletion (each holds a watch on it),
/// so all waiters are released "at once" — no waiter needs another waiter to move first.
///
/// Interoperates with: Curator `DistributedBarrier` (`setBarrier`/`removeBarrier`/`waitOnBarrier`)
/// and kazoo `Barrier` (`create`/`remove`/`wait`) on the same path.
public struct Barrier: Sendable {
    public let path: String
    let client: ZooKeeperClient
    let retry: RetryPolicy

    /// A barrier at `path`. Throws for an invalid path.
    public init(client: ZooKeeperClient, path: String, retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        self.client = client; self.path = path; self.retry = retry
    }

    /// Closes the barrier: creates the (persistent) node and missing parents. Idempotent.
    public func close() async throws {
        try await client.ensurePath(path, retry: retry)
    }

    /// Opens the barrier: deletes the node. Returns false if it was not there.
    @discardableResult
    public func open() async throws -> Bool {
        try await client.deleteIfPresent(path, retry: retry)
    }

    /// Waits at most `timeout` (nil: forever) for the barrier to be open; true once it is, false when
    /// the time ran out. Throws `KeeperError(.sessionExpired)` if the session ends while waiting,
    /// `CancellationError` when cancelled.
    public func wait(timeout: Duration? = nil) async throws -> Bool {
        let deadline = Deadline(timeout: timeout)
        while true {
            let (stat, watch) = try await retry.run { try await client.watchExists(path) }
            guard stat != nil else { return true }
            switch await CorralRecipes.wait(for: watch, until: deadline) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return false
            case .cancelled: throw CancellationError()
            }
        }
    }
}
