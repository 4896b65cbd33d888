import CorralClient
import ZooKeeperProtocol

/// The paper's "Simple Locks": the lock is the ephemeral znode `path` itself. To acquire, create it;
/// if it exists, watch it and try again when it is deleted.
///
/// Guarantees, while the holder's session lives: at most one holder; a holder whose session ends
/// releases at once (the node is ephemeral). No fairness, and a herd effect: every waiter watches
/// the same node, so one release wakes all of them and all of them race to create it. Prefer
/// `DistributedLock` under contention; this one is cheap when contention is rare.
///
/// ConnectionLoss during the create is resolved by the node's owner: if a retry meets NodeExists
/// and the node's `ephemeralOwner` is this client's session, the lost create was applied and the
/// lock is held. A NodeExists without an earlier ConnectionLoss in the same attempt is never taken
/// as ours, so two instances on one client exclude each other. (One ambiguity remains: if another
/// instance on the same client holds the lock and this instance's create is lost to ConnectionLoss,
/// the retry cannot tell the two apart; use one instance per path and client.)
///
/// Interoperates with: any client using an ephemeral node as a lock flag on the same path. There is
/// no Curator or kazoo recipe with this layout (Curator's `InterProcessSemaphoreMutex` is a lease
/// semaphore with one lease).
public actor SimpleLock {
    public nonisolated let path: String
    nonisolated let client: ZooKeeperClient
    nonisolated let data: [UInt8]
    nonisolated let retry: RetryPolicy

    private enum Phase { case idle, acquiring, held }
    private var phase = Phase.idle

    /// Watch events this instance has been woken by while waiting, over its lifetime.
    public private(set) var watchEventCount = 0

    /// A lock whose znode is `path`, created with `data`. Throws for an invalid path.
    public init(client: ZooKeeperClient, path: String, data: [UInt8] = [],
                retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        self.client = client; self.path = path; self.data = data; self.retry = retry
    }

    public var isHeld: Bool {
        if case .held = phase { return true }
        return false
    }

    /// Waits at most `timeout` (nil: forever) for the lock; false when the time ran out.
    public func acquire(timeout: Duration? = nil) async throws -> Bool {
        guard case .idle = phase else { throw RecipeError.alreadyInUse("lock \(path)") }
        phase = .acquiring
        do {
            let held = try await acquireLoop(until: Deadline(timeout: timeout))
            phase = held ? .held : .idle
            return held
        } catch {
            phase = .idle
            throw error
        }
    }

    private func acquireLoop(until deadline: Deadline) async throws -> Bool {
        while true {
            if try await tryCreate() { return true }
            let (stat, watch) = try await retry.run { try await client.watchExists(path) }
            guard stat != nil else { continue }
            switch await wait(for: watch, until: deadline) {
            case .event: watchEventCount += 1
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return false
            case .cancelled: throw CancellationError()
            }
        }
    }

    /// One attempt to create the lock node; true when this instance holds it afterwards.
    ///
    /// NodeExists means the lock is ours only when an earlier attempt of this call failed with
    /// ConnectionLoss (that create may have been applied) and the node is this session's ephemeral.
    /// Without such a failure the node belongs to someone else — possibly another instance on the
    /// same client, which has the same session id.
    private func tryCreate() async throws -> Bool {
        var createMayHaveApplied = false
        do {
            _ = try await retry.run {
                do {
                    return try await client.create(path, data: data, mode: .ephemeral)
                } catch let error as KeeperError where error.isRetryable {
                    createMayHaveApplied = true
                    throw error
                }
            }
            return true
        } catch let error as KeeperError where error.code == .nodeExists {
            return createMayHaveApplied ? try await ownsNode() : false
        } catch let error as KeeperError where error.code == .noNode {
            try await client.ensurePath(RecipePath.parent(of: path), retry: retry)
            return try await tryCreate()
        }
    }

    /// True when the lock node exists and is this session's ephemeral.
    private func ownsNode() async throws -> Bool {
        let stat = try await retry.run { try await client.exists(path) }
        return stat?.ephemeralOwner == client.sessionId
    }

    /// Releases the lock: deletes the node if it is still this session's.
    public func release() async throws {
        guard case .held = phase else { throw RecipeError.notHeld("lock \(path)") }
        phase = .idle
        if try await ownsNode() { try await client.deleteIfPresent(path, retry: retry) }
    }
}
