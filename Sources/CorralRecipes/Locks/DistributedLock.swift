import CorralClient
import ZooKeeperProtocol

/// A fair inter-process lock without herd effect: the paper's "Locks without Herd Effect", laid
/// out like Apache Curator's `InterProcessMutex` so both share one lock.
///
/// Layout: each contender creates an ephemeral sequential child `<path>/_c_<uuid>-lock-<10 digits>`
/// (Curator's protected name; data: `participantData`, where Curator puts the client's IP address).
/// Contenders are ordered by the sequence suffix; the lowest holds the lock; every other contender
/// watches only the contender right before it, so a release wakes exactly one waiter.
///
/// Guarantees, while the holder's session lives: at most one holder at a time among all clients
/// following the layout; waiters are served in the order their nodes were created (FIFO); a holder
/// whose session ends (close, expiry, crash) releases the lock at once because its node is
/// ephemeral. A holder that is disconnected cannot know whether its session still lives: use
/// `ZooKeeperClient.stateChanges()` and treat `.disconnected` as "may have lost the lock" (Curator's
/// SUSPENDED) and `.expired` as "has lost it" (LOST).
///
/// Interoperates with: Curator `InterProcessMutex` on the same path (same names, same ordering);
/// kazoo `Lock` on the same path (this lock also recognises kazoo's `<hex>__lock__<seq>` nodes, while
/// kazoo needs `extra_lock_patterns=["-lock-"]` to see Curator's and ours).
///
/// Not re-entrant (unlike Curator's): one instance serves one acquirer at a time; a second
/// `acquire` on the same instance throws `RecipeError.alreadyInUse`.
public actor DistributedLock {
    public nonisolated let path: String
    nonisolated let contender: SequentialContender
    nonisolated let lockName: String

    private enum Phase { case idle, acquiring, held(node: String) }
    private var phase = Phase.idle

    /// Watch events this instance has been woken by while waiting, over its lifetime (a measure of
    /// herd effect: without it, each release wakes one waiter).
    public private(set) var watchEventCount = 0

    /// The node this instance is waiting for (the contender ahead of it) while it waits with a
    /// watch set on that node; nil otherwise.
    public private(set) var awaitedNode: String?

    /// Curator `InterProcessMutex`'s lock name.
    static let mutexName = "lock-"
    /// kazoo `Lock`'s node name (`Lock._NODE_NAME`), recognised as a contender too.
    static let kazooLockName = "__lock__"

    /// A mutex on `path`. Throws `RecipeError.invalidArgument` for an invalid path.
    public init(client: ZooKeeperClient, path: String, participantData: [UInt8] = [],
                retry: RetryPolicy = .standard) throws(RecipeError) {
        try self.init(client: client, path: path, baseName: Self.mutexName,
                      policy: .exclusive(markers: [Self.mutexName, Self.kazooLockName]),
                      participantData: participantData, retry: retry)
    }

    init(client: ZooKeeperClient, path: String, baseName: String, policy: ContenderPolicy,
         participantData: [UInt8], retry: RetryPolicy) throws(RecipeError) {
        try RecipePath.validate(path)
        self.path = path
        self.lockName = "lock \(path)"
        self.contender = SequentialContender(client: client, parent: path, baseName: baseName, policy: policy,
                                             data: participantData, retry: retry)
    }

    /// Whether this instance holds the lock (as far as it knows: see the type's notes on disconnects).
    public var isHeld: Bool {
        if case .held = phase { return true }
        return false
    }

    /// The full path of this instance's node while it holds the lock.
    public var heldNodePath: String? {
        if case .held(let node) = phase { return RecipePath.child(path, node) }
        return nil
    }

    /// Waits until the lock is held. Throws `KeeperError` (e.g. `.sessionExpired`),
    /// `RecipeError.ownNodeMissing` if this contender's node vanished, or `CancellationError`; in
    /// every failure case the contender's node has been removed (or went with its session).
    public func acquire() async throws {
        _ = try await acquire(timeout: nil)
    }

    /// Waits at most `timeout` (nil: forever) for the lock. Returns false, with this contender's node
    /// removed again, when the time runs out.
    public func acquire(timeout: Duration?) async throws -> Bool {
        guard case .idle = phase else { throw RecipeError.alreadyInUse(lockName) }
        phase = .acquiring
        let node: String
        do {
            node = try await contender.enter()
        } catch {
            phase = .idle
            throw error
        }
        do {
            let outcome = try await contender.awaitTurn(of: node, until: Deadline(timeout: timeout)) { sibling in
                await self.setAwaitedNode(sibling)
            }
            awaitedNode = nil
            watchEventCount += outcome.watchEvents
            guard outcome.admitted else {
                await contender.abandon(node)
                phase = .idle
                return false
            }
            phase = .held(node: node)
            return true
        } catch {
            awaitedNode = nil
            await contender.abandon(node)
            phase = .idle
            throw error
        }
    }

    private func setAwaitedNode(_ sibling: String) {
        if case .acquiring = phase { awaitedNode = RecipePath.child(path, sibling) }
    }

    /// Releases the lock by deleting this contender's node. Throws `RecipeError.notHeld` when not held.
    public func release() async throws {
        guard case .held(let node) = phase else { throw RecipeError.notHeld(lockName) }
        try await contender.leave(node)
        phase = .idle
    }

    /// Releases the lock while the caller is already failing with another error: from a task of its
    /// own (so a cancelled caller still deletes the node), and without reporting a failure of its
    /// own — the caller's error is the one that matters, and the ephemeral goes with the session.
    func releaseAfterFailure() async {
        guard case .held(let node) = phase else { return }
        phase = .idle
        await contender.abandon(node)
    }

    /// Runs `body` holding the lock, releasing it afterwards whether `body` throws or not.
    public func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        let result: T
        do {
            result = try await body()
        } catch {
            await releaseAfterFailure()
            throw error
        }
        try await release()
        return result
    }

    /// The full paths of all contenders' nodes, holder first (Curator's `getParticipantNodes`).
    public nonisolated func participantNodes() async throws -> [String] {
        try await contender.contenders().map { RecipePath.child(path, $0) }
    }
}
