import CorralClient
import ZooKeeperProtocol

/// Why a leadership term ended.
public enum LeadershipLoss: Sendable, Equatable {
    /// The connection dropped (or fell back to a read-only server): the session may still live, so
    /// the node and leadership may still be ours, but this process cannot know; it must stop acting
    /// as leader (Curator's SUSPENDED, treated as an error state like Curator's default policy). Call
    /// `waitForLeadership()` again: once reconnected, it returns a new term if the node is still first.
    case connectionSuspended
    /// The session is over (`.expired`, `.closed` or `.authFailed`): leadership is lost for good and
    /// the node is gone (Curator's LOST).
    case sessionEnded(ConnectionState)
    /// The session lives but the leader's node was deleted by someone else.
    case nodeDeleted
    /// `resign()` was called.
    case resigned
}

/// One uninterrupted period of leadership. `lost()` returns when it ends; a later leadership of the
/// same participant is a new term with a higher `number`.
public struct LeadershipTerm: Sendable {
    /// 1 for this election instance's first term, then 2, 3, ...
    public let number: Int
    /// The leader's latch node.
    public let nodePath: String
    let end: TermEnd

    /// Waits until the term ends and returns why. Not cancellable: it returns only when the term
    /// ends (`resign()` ends it).
    public func lost() async -> LeadershipLoss { await end.reason() }

    /// The reason the term ended, nil while it lasts.
    public var lossReason: LeadershipLoss? { get async { await end.reasonIfEnded } }
}

/// The end of a term: set once, awaited by any number of callers.
actor TermEnd {
    private var ended: LeadershipLoss?
    private var waiters: [CheckedContinuation<LeadershipLoss, Never>] = []

    var reasonIfEnded: LeadershipLoss? { ended }

    /// Records the end (the first reason wins) and wakes every waiter.
    func finish(_ reason: LeadershipLoss) {
        guard ended == nil else { return }
        ended = reason
        for waiter in waiters { waiter.resume(returning: reason) }
        waiters = []
    }

    func reason() async -> LeadershipLoss {
        if let ended { return ended }
        return await withCheckedContinuation { waiters.append($0) }
    }
}

/// A participant of an election, as seen in ZooKeeper.
public struct Participant: Sendable, Equatable {
    public var id: String
    public var isLeader: Bool
    public var nodePath: String
}

/// Leader election: the paper's "Leader Election" on sequential ephemerals, laid out like Apache
/// Curator's `LeaderLatch`.
///
/// Layout: each participant creates `<path>/_c_<uuid>-latch-<10 digits>` (ephemeral sequential,
/// data: the participant id in UTF-8, as Curator's `LeaderLatch` writes it). The lowest sequence
/// leads; every other participant watches only the node right before it (no herd effect), so when
/// the leader's session ends exactly the next participant takes over, in the order they joined.
///
/// Guarantees: while a session lives and stays connected, at most one participant holds a term;
/// terms change hands in join order. Leadership ends (`LeadershipTerm.lost()`) on
/// `.connectionSuspended` as soon as the client reports `.disconnected` — the leader cannot know
/// whether its session still lives, and another participant may be elected once it expires — and
/// for good on session expiry/close. Because a disconnected leader only learns of the disconnect
/// when the client does, a leader must still fence its side effects (e.g. with the version of a
/// znode it writes) if an overlap of up to the client's detection delay matters.
///
/// Interoperates with: Curator `LeaderLatch` on the same path (`getParticipants`/`getLeader` see our
/// ids). kazoo's `Election` is built on its `Lock` (`__lock__` names) and does not share a path with
/// a latch; Curator's `LeaderSelector` is built on `InterProcessMutex` — for those, use
/// `DistributedLock` on their path.
public actor LeaderElection {
    public nonisolated let path: String
    public nonisolated let participantId: String
    nonisolated let contender: SequentialContender
    nonisolated let client: ZooKeeperClient

    private var node: String?
    /// The create of this participant's node while one is under way; every concurrent `join()`
    /// awaits it, so an instance never makes two nodes.
    private var joining: Task<String, any Error>?
    /// Incremented by each `resign()`: a join or wait begun before it does not enter or lead.
    private var generation = 0
    private var waiting = false
    private var term: LeadershipTerm?
    private var termMonitor: Task<Void, Never>?
    private var termsBegun = 0

    /// Curator `LeaderLatch`'s lock name.
    static let latchName = "latch-"

    /// A participant `participantId` of the election at `path`. Throws for an invalid path.
    public init(client: ZooKeeperClient, path: String, participantId: String,
                retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        self.path = path
        self.participantId = participantId
        self.client = client
        self.contender = SequentialContender(client: client, parent: path, baseName: Self.latchName,
                                             policy: .exclusive(markers: [Self.latchName]),
                                             data: Array(participantId.utf8), retry: retry)
    }

    /// True while this participant holds a term that has not ended.
    public var isLeader: Bool { term != nil }

    /// The full path of this participant's latch node, nil before `join()` or after `resign()`.
    public var nodePath: String? { node.map { RecipePath.child(path, $0) } }

    /// Enters the election by creating this participant's node; does nothing if already in it.
    /// Participants that join one after another are elected in that order.
    public func join() async throws {
        _ = try await joinedNode()
    }

    /// This participant's node, created first if needed. Concurrent callers share one create (the
    /// actor is re-entrant across it). A `resign()` during the create deletes the new node, and the
    /// name returned is then already gone.
    private func joinedNode() async throws -> String {
        if let node { return node }
        if let joining { return try await joining.value }
        let contender = self.contender
        let task = Task { try await contender.enter() }
        joining = task
        let joinGeneration = generation
        let name: String
        do {
            name = try await task.value
        } catch {
            if generation == joinGeneration { joining = nil }
            throw error
        }
        if generation == joinGeneration {
            joining = nil
            node = name
        }
        return name
    }

    /// Waits at most `timeout` (nil: forever) until this participant leads, joining first if needed,
    /// and returns the current term (at once if it already leads); nil when the time ran out (the
    /// participant stays in the election) or when `resign()` was called while it waited (the
    /// participant stays out). If this participant's node was deleted by someone else while its
    /// session lives, it joins again (at the end of the line), as Curator's `LeaderLatch` does.
    /// Throws `KeeperError(.sessionExpired)` once the session is over, `CancellationError` when
    /// cancelled.
    public func waitForLeadership(timeout: Duration? = nil) async throws -> LeadershipTerm? {
        if let term { return term }
        guard !waiting else { throw RecipeError.alreadyInUse("election \(path)") }
        waiting = true
        defer { waiting = false }
        let deadline = Deadline(timeout: timeout)
        let waitGeneration = generation
        while true {
            let node = try await joinedNode()
            guard generation == waitGeneration else { return nil }
            do {
                let outcome = try await contender.awaitTurn(of: node, until: deadline)
                guard generation == waitGeneration, outcome.admitted else { return nil }
                return beginTerm(node: node)
            } catch RecipeError.ownNodeMissing(_) where !client.sessionIsOver {
                guard generation == waitGeneration else { return nil }
                if self.node == node { self.node = nil }
            }
        }
    }

    /// Leaves the election: ends the current term (`.resigned`) and deletes this participant's node
    /// (also one whose create is under way). A `waitForLeadership()` in progress returns nil.
    /// `join()` or `waitForLeadership()` may enter it again later.
    public func resign() async throws {
        generation += 1
        await endTerm(.resigned)
        let pending = joining
        joining = nil
        let node = self.node
        self.node = nil
        if let node { try await contender.leave(node) }
        if let pending, case .success(let name) = await pending.result {
            try await contender.leave(name)
        }  // a failed join made no node; its own callers get its error
    }

    /// All participants in election order, leader first (Curator's `getParticipants`).
    public nonisolated func participants() async throws -> [Participant] {
        var participants: [Participant] = []
        for name in try await contender.contenders() {
            let nodePath = RecipePath.child(path, name)
            do {
                let data = try await contender.retry.run { try await client.getData(nodePath).data }
                participants.append(Participant(id: String(decoding: data ?? [], as: UTF8.self),
                                                isLeader: participants.isEmpty, nodePath: nodePath))
            } catch let error as KeeperError where error.code == .noNode {
                continue   // left between the listing and the read
            }
        }
        return participants
    }

    private func beginTerm(node: String) -> LeadershipTerm {
        termsBegun += 1
        let term = LeadershipTerm(number: termsBegun, nodePath: RecipePath.child(path, node), end: TermEnd())
        self.term = term
        let watcher = TermWatcher(client: client, nodePath: term.nodePath, retry: contender.retry)
        termMonitor = Task {
            let reason = await watcher.firstLoss()
            await self.endTerm(reason, number: term.number)
        }
        return term
    }

    /// Ends the current term (only term `number`, when given) with `reason`.
    private func endTerm(_ reason: LeadershipLoss, number: Int? = nil) async {
        guard let term, number == nil || number == term.number else { return }
        self.term = nil
        termMonitor?.cancel()
        termMonitor = nil
        await term.end.finish(reason)
    }
}

/// Watches what can end a term: the connection state and the leader's own node.
struct TermWatcher: Sendable {
    let client: ZooKeeperClient
    let nodePath: String
    let retry: RetryPolicy

    /// The first loss that happens; `.resigned` if cancelled first (the term was ended by resign).
    func firstLoss() async -> LeadershipLoss {
        let watcher = self
        return await firstResult(of: [
            { await watcher.connectionLoss() },
            { await watcher.nodeLoss() },
        ]) ?? .resigned
    }

    /// Returns at the first connection state in which leadership is not certain.
    func connectionLoss() async -> LeadershipLoss? {
        for await state in client.stateChanges() {
            switch state {
            case .connected: continue
            case .connecting, .disconnected, .connectedReadOnly: return .connectionSuspended
            case .expired, .closed, .authFailed: return .sessionEnded(state)
            }
        }
        return nil   // cancelled, or the stream ended after a terminal state it already reported
    }

    /// Returns when the node is deleted; nil when the session ended (reported by `connectionLoss`)
    /// or when cancelled.
    func nodeLoss() async -> LeadershipLoss? {
        while true {
            do {
                let (stat, watch) = try await retry.run { try await client.watchExists(nodePath) }
                guard stat != nil else { return .nodeDeleted }
                let event = try await watch.event()
                if event.type == .nodeDeleted {
                    // Our own close deletes the node too, and its event arrives before the client
                    // reports `.closed`: only a session that still answers lost its node to someone else.
                    _ = try await retry.run { try await client.exists(nodePath) }
                    return .nodeDeleted
                }
            } catch let error as KeeperError where error.code == .sessionExpired || error.code == .authFailed {
                return nil   // the session ended: `connectionLoss()` reports it with the precise state
            } catch {
                // Cancelled (the term ended otherwise), or retries exhausted: the connection is not
                // coming back soon, so leadership is uncertain.
                return Task.isCancelled ? nil : .connectionSuspended
            }
        }
    }
}
