import CorralClient
import ZooKeeperProtocol

/// The paper's double barrier: members `enter` and block until `memberCount` have entered, compute,
/// then `leave` and block until all have left. Laid out like Apache Curator's
/// `DistributedDoubleBarrier`.
///
/// Layout: each member is an ephemeral child `<path>/<uuid>` (Java `UUID.toString()` form, no data);
/// the member that sees `memberCount` members creates the persistent `<path>/ready`, whose creation
/// releases every member waiting in `enter` at once (each watches it). Leaving follows the
/// ZooKeeper recipe: the lowest-named member waits for the highest to go, every other member deletes
/// its node and waits for the lowest; the last one out deletes `ready` so the barrier can be reused.
///
/// Guarantees: no member returns from `enter` before `memberCount` member nodes existed together;
/// no member returns from `leave` before every member node is gone. `memberCount` is a threshold,
/// not a limit (more may enter), as in Curator. A member whose session ends before `ready` exists
/// drops out of the count (its node is ephemeral); after `ready` exists, one whose session ends
/// counts as having left.
///
/// Interoperates with: Curator `DistributedDoubleBarrier` on the same path and count. kazoo's
/// `DoubleBarrier` uses the same `ready` node and UUID-hex members but counts `ready` as a member.
public actor DoubleBarrier {
    public nonisolated let path: String
    public nonisolated let memberCount: Int
    /// This member's node name (a random UUID).
    public nonisolated let memberName: String
    nonisolated let client: ZooKeeperClient
    nonisolated let retry: RetryPolicy

    private enum Phase { case outside, entering, inside, leaving }
    private var phase = Phase.outside

    static let readyName = "ready"

    /// A member of the double barrier at `path` released at `memberCount` members. Throws
    /// `RecipeError.invalidArgument` for an invalid path or a count below 1.
    public init(client: ZooKeeperClient, path: String, memberCount: Int,
                retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        guard memberCount >= 1 else { throw RecipeError.invalidArgument("memberCount must be at least 1") }
        self.client = client; self.path = path; self.memberCount = memberCount; self.retry = retry
        self.memberName = RandomUUID().description
    }

    var readyPath: String { RecipePath.child(path, Self.readyName) }
    var memberPath: String { RecipePath.child(path, memberName) }

    /// Enters and waits at most `timeout` (nil: forever) until `memberCount` members have entered.
    /// True when released; false when the time ran out (this member's node stays: call `leave()`, or
    /// close the session, to drop out).
    public func enter(timeout: Duration? = nil) async throws -> Bool {
        guard case .outside = phase else { throw RecipeError.alreadyInUse("double barrier \(path)") }
        phase = .entering
        do {
            let released = try await enterSteps(until: Deadline(timeout: timeout))
            phase = .inside
            return released
        } catch {
            phase = .outside
            throw error
        }
    }

    private func enterSteps(until deadline: Deadline) async throws -> Bool {
        var (ready, watch) = try await retry.run { try await client.watchExists(readyPath) }
        try await createMemberNode()
        while ready == nil {
            let members = try await memberNames()
            if members.count >= memberCount {
                try await client.createPersistentIfAbsent(readyPath, retry: retry)
                return true
            }
            switch await wait(for: watch, until: deadline) {
            case .event(let event) where event.type == .nodeCreated: return true
            case .event: (ready, watch) = try await retry.run { try await client.watchExists(readyPath) }
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return false
            case .cancelled: throw CancellationError()
            }
        }
        return true
    }

    /// Creates this member's ephemeral node (and the barrier node); NodeExists after ConnectionLoss
    /// is this member's own node, since the name is unique to it.
    private func createMemberNode() async throws {
        do {
            _ = try await retry.run { try await client.create(memberPath, data: nil, mode: .ephemeral) }
        } catch let error as KeeperError where error.code == .nodeExists {
            return
        } catch let error as KeeperError where error.code == .noNode {
            try await client.ensurePath(path, retry: retry)
            try await createMemberNode()
        }
    }

    /// The member nodes (every child but `ready`), sorted by name.
    private func memberNames() async throws -> [String] {
        try await client.children(of: path, retry: retry).filter { $0 != Self.readyName }.sorted()
    }

    /// Leaves and waits at most `timeout` (nil: forever) until every member has left. True when all
    /// have; false when the time ran out (this member's node may already be deleted).
    public func leave(timeout: Duration? = nil) async throws -> Bool {
        guard case .inside = phase else { throw RecipeError.notHeld("double barrier \(path)") }
        phase = .leaving
        do {
            let done = try await leaveSteps(until: Deadline(timeout: timeout))
            phase = .outside
            return done
        } catch {
            phase = .outside
            throw error
        }
    }

    private func leaveSteps(until deadline: Deadline) async throws -> Bool {
        while true {
            let members = try await memberNames()
            guard let lowest = members.first, let highest = members.last else { break }
            if members == [memberName] {
                try await client.deleteIfPresent(memberPath, retry: retry)
                break
            }
            let awaited: String
            if memberName == lowest {
                awaited = highest
            } else {
                try await client.deleteIfPresent(memberPath, retry: retry)
                awaited = lowest
            }
            let (stat, watch) = try await retry.run { try await client.watchExists(RecipePath.child(path, awaited)) }
            guard stat != nil else { continue }
            switch await wait(for: watch, until: deadline) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return false
            case .cancelled: throw CancellationError()
            }
        }
        try await client.deleteIfPresent(readyPath, retry: retry)
        return true
    }
}
