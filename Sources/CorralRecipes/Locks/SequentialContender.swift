import CorralClient
import ZooKeeperProtocol

/// One contender among sequential ephemeral siblings, and its wait for its turn: the machinery
/// shared by `DistributedLock` (mutex, read and write locks), the semaphore's mutex and
/// `LeaderElection`. The contender's node is `<parent>/_c_<uuid>-<baseName><sequence>` (Curator's
/// protected mode, so a create lost to ConnectionLoss is found again instead of duplicated).
struct SequentialContender: Sendable {
    let client: ZooKeeperClient
    let parent: String
    let baseName: String
    let policy: ContenderPolicy
    let data: [UInt8]
    let retry: RetryPolicy

    /// The outcome of a wait for a turn.
    struct Outcome: Sendable, Equatable {
        /// True when the policy admitted the contender; false when the deadline passed first.
        var admitted: Bool
        /// How many watch events woke this contender while it waited.
        var watchEvents: Int
    }

    /// Creates this contender's ephemeral sequential node (and missing parents); returns its name.
    func enter() async throws -> String {
        try await createProtectedNode(client: client, parent: parent, base: baseName, data: data,
                                      mode: .ephemeralSequential, retry: retry)
    }

    /// Waits until the policy admits `node`. While it waits it watches exactly one sibling, the one
    /// the policy names, and with getData rather than exists so that no watch is left on a sibling
    /// that is already gone. Throws `RecipeError.ownNodeMissing` when `node` disappears,
    /// `KeeperError(.sessionExpired)` when the session ends, `CancellationError` when cancelled.
    /// `watching` is told the sibling each time a watch on it is set.
    func awaitTurn(of node: String, until deadline: Deadline,
                   watching: @Sendable (String) async -> Void = { _ in }) async throws -> Outcome {
        var outcome = Outcome(admitted: false, watchEvents: 0)
        while true {
            let siblings = try await client.children(of: parent, retry: retry)
            switch policy.turn(of: node, among: siblings) {
            case .proceed:
                outcome.admitted = true
                return outcome
            case .ownNodeMissing:
                throw RecipeError.ownNodeMissing(path: RecipePath.child(parent, node))
            case .waitFor(let sibling):
                guard let watch = try await watchIfPresent(sibling) else { continue }
                await watching(sibling)
                switch await wait(for: watch, until: deadline) {
                case .event: outcome.watchEvents += 1
                case .sessionEnded(let error): throw error
                case .deadlinePassed: return outcome
                case .cancelled: throw CancellationError()
                }
            }
        }
    }

    /// A data watch on `sibling`, or nil when it is already gone.
    private func watchIfPresent(_ sibling: String) async throws -> OneShotWatch? {
        do {
            return try await retry.run { try await client.watchData(RecipePath.child(parent, sibling)).watch }
        } catch let error as KeeperError where error.code == .noNode {
            return nil
        }
    }

    /// Deletes `node`; a node already gone (session ended, or a retried delete) is fine.
    func leave(_ node: String) async throws {
        try await client.deleteIfPresent(RecipePath.child(parent, node), retry: retry)
    }

    /// Deletes `node` after a failed or cancelled wait, from a task of its own so that cancellation
    /// of the caller does not stop it. A failure here is not reported: the caller is already
    /// throwing the error that matters, and the ephemeral node goes with the session anyway.
    func abandon(_ node: String) async {
        let contender = self
        do {
            try await runDetached { try await contender.leave(node) }
        } catch {
            // Intentionally dropped; see above.
        }
    }

    /// The names of all contenders, in sequence order.
    func contenders() async throws -> [String] {
        do {
            let siblings = try await client.children(of: parent, retry: retry)
            return SequentialChild.sorted(siblings, markers: policy.markers).map(\.name)
        } catch let error as KeeperError where error.code == .noNode {
            return []
        }
    }
}
