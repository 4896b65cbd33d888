import CorralClient
import ZooKeeperProtocol

/// A FIFO queue of byte strings: the ZooKeeper recipe "Queues", laid out like Apache ZooKeeper's
/// `zookeeper-recipes-queue` `DistributedQueue` and Apache Curator's `SimpleDistributedQueue`.
///
/// Layout: each element is a persistent sequential child `<path>/qn-<10 digits>` whose data is the
/// element. Consumers take the lowest sequence first: read its data, then delete it; the consumer
/// whose delete succeeds owns the element, a consumer whose delete finds no node tries the next one.
///
/// Guarantees: elements are delivered in the order their creates were applied (the server's
/// sequence order), each to exactly one consumer, and none is lost: an element stays until a
/// consumer's delete succeeds, whatever happens to consumers' sessions. Two exceptions, both
/// surfaced rather than hidden: `offer` failing with ConnectionLoss after retries may or may not
/// have enqueued its element (a sequential create cannot be retried without risking a duplicate, and
/// a protected name would break the `qn-` layout other clients sort by), and a claiming delete that
/// meets ConnectionLoss and then finds the element gone throws `RecipeError.uncertainDelivery` with
/// the element, for the caller to decide.
///
/// Interoperates with: Apache's recipe `DistributedQueue` and Curator's `SimpleDistributedQueue` on
/// the same path (same names, same data). Curator's `DistributedQueue` ("queue-" nodes holding
/// serialized item batches) and kazoo's `Queue` ("entry-" nodes with priorities) are other formats.
public struct DistributedQueue: Sendable {
    public let path: String
    let client: ZooKeeperClient
    let retry: RetryPolicy

    static let elementPrefix = "qn-"

    /// A queue at `path`. Throws for an invalid path.
    public init(client: ZooKeeperClient, path: String, retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        self.client = client; self.path = path; self.retry = retry
    }

    /// Appends `element`; returns the path of its node.
    @discardableResult
    public func offer(_ element: [UInt8]) async throws -> String {
        let elementPath = RecipePath.child(path, Self.elementPrefix)
        do {
            return try await client.create(elementPath, data: element, mode: .persistentSequential).path
        } catch where error.code == .noNode {
            try await client.ensurePath(path, retry: retry)
            return try await client.create(elementPath, data: element, mode: .persistentSequential).path
        }
    }

    /// Removes and returns the head, or nil when the queue is empty.
    public func poll() async throws -> [UInt8]? {
        try await claimFirst(of: try await elementNames(watch: false).names)
    }

    /// Returns the head without removing it, or nil when the queue is empty.
    public func peek() async throws -> [UInt8]? {
        for name in try await elementNames(watch: false).names {
            do {
                return try await retry.run { try await client.getData(RecipePath.child(path, name)).data } ?? []
            } catch let error as KeeperError where error.code == .noNode {
                continue
            }
        }
        return nil
    }

    /// Removes and returns the head, waiting at most `timeout` (nil: forever) for an element; nil
    /// when the time ran out. Throws `KeeperError(.sessionExpired)` if the session ends while waiting,
    /// `CancellationError` when cancelled; no element is taken in either case.
    public func take(timeout: Duration? = nil) async throws -> [UInt8]? {
        let deadline = Deadline(timeout: timeout)
        while true {
            let (names, watch) = try await elementNames(watch: true)
            if let element = try await claimFirst(of: names) { return element }
            guard let watch else { continue }
            switch await wait(for: watch, until: deadline) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed: return nil
            case .cancelled: throw CancellationError()
            }
        }
    }

    /// The number of elements now in the queue.
    public func count() async throws -> Int {
        try await elementNames(watch: false).names.count
    }

    /// The element names in FIFO order, and a child watch when asked for (nil if the queue node
    /// does not exist yet; it is then created so the next listing can watch it).
    private func elementNames(watch: Bool) async throws -> (names: [String], watch: OneShotWatch?) {
        do {
            if watch {
                let (children, _, childWatch) = try await retry.run { try await client.watchChildren(path) }
                return (Self.fifoOrder(children), childWatch)
            }
            return (Self.fifoOrder(try await client.children(of: path, retry: retry)), nil)
        } catch let error as KeeperError where error.code == .noNode {
            try await client.ensurePath(path, retry: retry)
            return ([], nil)
        }
    }

    /// The `qn-` children in sequence order; foreign children are ignored.
    static func fifoOrder(_ children: [String]) -> [String] {
        SequentialChild.sorted(children.filter { $0.hasPrefix(elementPrefix) }, markers: [elementPrefix]).map(\.name)
    }

    /// Claims the first element of `names` that no other consumer takes first.
    private func claimFirst(of names: [String]) async throws -> [UInt8]? {
        for name in names {
            if let element = try await claim(RecipePath.child(path, name)) { return element }
        }
        return nil
    }

    /// Reads and deletes the element at `elementPath`; nil when another consumer took it first.
    private func claim(_ elementPath: String) async throws -> [UInt8]? {
        let data: [UInt8]?
        do {
            data = try await retry.run { try await client.getData(elementPath).data }
        } catch let error as KeeperError where error.code == .noNode {
            return nil
        }
        var failedDeletes = 0
        var lostConnection: Bool { failedDeletes > 0 }
        while true {
            let error: KeeperError
            do {
                try await client.delete(elementPath)
                return data ?? []
            } catch let caught {
                error = caught
            }
            switch error.code {
            case .noNode where lostConnection:
                throw RecipeError.uncertainDelivery(path: elementPath, data: data)
            case .noNode:
                return nil
            case _ where error.isRetryable && failedDeletes + 1 < retry.maxAttempts:
                failedDeletes += 1
                try await Task.sleep(for: retry.delay(beforeRetry: failedDeletes))
            default:
                throw error
            }
        }
    }
}
