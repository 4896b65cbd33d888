import CorralClient
import ZooKeeperProtocol

/// The paper's "Rendezvous": a znode through which processes that start at unknown times find a
/// master. A creator makes the (empty) rendezvous node and hands its path to master and workers; the
/// master fills in its contact details; workers wait until they are there. With an ephemeral
/// rendezvous node, everyone can also learn that the creator's session ended (`waitUntilGone`) and
/// clean up.
///
/// Layout: the znode `path`, empty until published; then its data is the master's information.
///
/// Guarantees: `waitForInfo` returns the first non-empty data it observes, so every worker gets
/// the published information whether it started before or after the master; the creator's session
/// end is seen by every waiter of `waitUntilGone` when the node is ephemeral.
///
/// Interoperates with: no Curator or kazoo recipe; any client reading the same znode.
public struct Rendezvous: Sendable {
    public let path: String
    let client: ZooKeeperClient
    let retry: RetryPolicy

    /// A rendezvous at `path`. Throws for an invalid path.
    public init(client: ZooKeeperClient, path: String, retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        self.client = client; self.path = path; self.retry = retry
    }

    /// Creates the empty rendezvous node (and missing parents); ephemeral when `ephemeral`, so it
    /// disappears with the creator's session. Throws `KeeperError(.nodeExists)` if it exists.
    public func create(ephemeral: Bool) async throws {
        try await client.ensurePath(RecipePath.parent(of: path), retry: retry)
        let mode: CreateMode = ephemeral ? .ephemeral : .persistent
        let error: KeeperError
        do {
            _ = try await client.create(path, data: nil, mode: mode)
            return
        } catch let caught {
            error = caught
        }
        guard error.isRetryable else { throw error }
        // Resolve the lost create: an ephemeral must be this session's; a persistent one is taken as
        // ours (nobody else creates the rendezvous).
        let stat = try await retry.run { try await client.exists(path) }
        if let stat, !ephemeral || stat.ephemeralOwner == client.sessionId { return }
        _ = try await retry.run { try await client.create(path, data: nil, mode: mode) }
    }

    /// The master publishes `info` (the rendezvous node must exist).
    public func publish(_ info: [UInt8]) async throws {
        guard !info.isEmpty else { throw RecipeError.invalidArgument("rendezvous information must not be empty") }
        _ = try await retry.run { try await client.setData(path, data: info, version: -1) }
    }

    /// Waits at most `timeout` (nil: forever) until the rendezvous node exists and holds information,
    /// and returns it; nil when the time ran out. Throws `KeeperError(.sessionExpired)` if this
    /// client's session ends.
    public func waitForInfo(timeout: Duration? = nil) async throws -> [UInt8]? {
        let deadline = Deadline(timeout: timeout)
        while true {
            let watch: OneShotWatch
            do {
                let (data, _, dataWatch) = try await retry.run { try await client.watchData(path) }
                if let data, !data.isEmpty { return data }
                watch = dataWatch
            } catch let error as KeeperError where error.code == .noNode {
                let (stat, existsWatch) = try await retry.run { try await client.watchExists(path) }
                if stat != nil { continue }
                watch = existsWatch
            }
            switch await wait(for: watch, until: deadline) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return nil
            case .cancelled: throw CancellationError()
            }
        }
    }

    /// Waits at most `timeout` (nil: forever) until the rendezvous node is gone (with an ephemeral
    /// node: the creator's session ended); true once it is, false when the time ran out.
    public func waitUntilGone(timeout: Duration? = nil) async throws -> Bool {
        try await Barrier(client: client, path: path, retry: retry).wait(timeout: timeout)
    }
}
