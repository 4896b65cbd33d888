import CorralClient
import ZooKeeperProtocol

/// A lease taken from a `DistributedSemaphore`. Return it with `release()`; it is also returned
/// when its client's session ends.
public struct Lease: Sendable, Equatable {
    /// The lease's node.
    public let nodePath: String
    let client: ZooKeeperClient
    let retry: RetryPolicy

    /// Returns the lease (deletes its node). A lease already gone (its session ended) is fine.
    public func release() async throws {
        try await client.deleteIfPresent(nodePath, retry: retry)
    }

    public static func == (lhs: Lease, rhs: Lease) -> Bool { lhs.nodePath == rhs.nodePath }
}

/// A counting semaphore: at most `maxLeases` leases are out at once across all clients. Laid out
/// like Apache Curator's `InterProcessSemaphoreV2` (the algorithm is kazoo's, as Curator credits).
///
/// Layout: `<path>/locks` is a `DistributedLock` (Curator `InterProcessMutex`, `_c_<uuid>-lock-`
/// nodes) serialising acquirers; `<path>/leases` holds one ephemeral sequential
/// `_c_<uuid>-lease-<10 digits>` per lease (data: `leaseData`). An acquirer takes the mutex, creates
/// its lease node, and while more than `maxLeases` lease nodes exist waits on a child watch of
/// `leases`; then it releases the mutex. Only the mutex holder watches `leases`; the other
/// acquirers each watch one mutex node, so returning a lease wakes one client.
///
/// Guarantees, while sessions live: never more than `maxLeases` leases out, if every user passes
/// the same `maxLeases` (nothing stores it; as in Curator, it is a convention). Acquirers are served
/// in mutex order (FIFO). A holder whose session ends returns its lease at once (ephemeral).
///
/// Interoperates with: Curator `InterProcessSemaphoreV2` on the same path with the same max.
/// (kazoo's `Semaphore` uses a different layout: `<path>-__lock__` and UUID lease nodes.)
public struct DistributedSemaphore: Sendable {
    public let path: String
    public let maxLeases: Int
    let client: ZooKeeperClient
    let leaseData: [UInt8]
    let retry: RetryPolicy

    static let locksName = "locks"
    static let leasesName = "leases"
    static let leaseBaseName = "lease-"

    /// A semaphore at `path` with `maxLeases` leases. Throws `RecipeError.invalidArgument` for an
    /// invalid path or `maxLeases` below 1.
    public init(client: ZooKeeperClient, path: String, maxLeases: Int, leaseData: [UInt8] = [],
                retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        guard maxLeases >= 1 else { throw RecipeError.invalidArgument("maxLeases must be at least 1") }
        self.client = client; self.path = path; self.maxLeases = maxLeases
        self.leaseData = leaseData; self.retry = retry
    }

    var leasesPath: String { RecipePath.child(path, Self.leasesName) }

    /// Waits at most `timeout` (nil: forever) for a lease; nil when the time ran out. Throws
    /// `KeeperError(.sessionExpired)` if the session ends, `CancellationError` when cancelled; no
    /// lease is left behind in any of these cases.
    public func acquire(timeout: Duration? = nil) async throws -> Lease? {
        let deadline = Deadline(timeout: timeout)
        let mutex = try DistributedLock(client: client, path: RecipePath.child(path, Self.locksName), retry: retry)
        guard try await mutex.acquire(timeout: deadline.remaining) else { return nil }
        let lease: Lease?
        do {
            lease = try await takeLease(until: deadline)
        } catch {
            await mutex.releaseAfterFailure()
            throw error
        }
        do {
            try await mutex.release()
        } catch {
            // The lease was taken but the caller gets an error, not the lease: hand it back (and
            // try once more to free the mutex) from tasks of their own, then report the error.
            await mutex.releaseAfterFailure()
            if let lease {
                do {
                    try await runDetached { try await lease.release() }
                } catch {
                    // Dropped: the error being thrown matters more, and the ephemeral goes with the session.
                }
            }
            throw error
        }
        return lease
    }

    /// Holding the mutex: creates a lease node and waits until it is within `maxLeases`.
    private func takeLease(until deadline: Deadline) async throws -> Lease? {
        let name = try await createProtectedNode(client: client, parent: leasesPath, base: Self.leaseBaseName,
                                                 data: leaseData, mode: .ephemeralSequential, retry: retry)
        let lease = Lease(nodePath: RecipePath.child(leasesPath, name), client: client, retry: retry)
        do {
            if try await waitUntilWithinLimit(lease: name, until: deadline) { return lease }
            try await lease.release()
            return nil
        } catch {
            do {
                try await runDetached { try await lease.release() }
            } catch {
                // Dropped: the error being thrown matters more, and the ephemeral goes with the session.
            }
            throw error
        }
    }

    /// True once at most `maxLeases` lease nodes exist (ours among them); false at the deadline.
    private func waitUntilWithinLimit(lease name: String, until deadline: Deadline) async throws -> Bool {
        while true {
            let (leases, _, watch) = try await retry.run { try await client.watchChildren(leasesPath) }
            guard leases.contains(name) else {
                throw RecipeError.ownNodeMissing(path: RecipePath.child(leasesPath, name))
            }
            if leases.count <= maxLeases { return true }
            switch await wait(for: watch, until: deadline) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return false
            case .cancelled: throw CancellationError()
            }
        }
    }

    /// The names of the lease nodes now out (Curator's `getParticipantNodes`).
    public func leaseNodes() async throws -> [String] {
        do {
            return try await client.children(of: leasesPath, retry: retry)
        } catch let error as KeeperError where error.code == .noNode {
            return []
        }
    }
}
