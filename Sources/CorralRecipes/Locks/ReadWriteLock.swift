import CorralClient
import ZooKeeperProtocol

/// A fair read/write lock: the paper's shared locks, laid out like Apache Curator's
/// `InterProcessReadWriteLock`.
///
/// Layout: ephemeral sequential children of `path`, `_c_<uuid>-__READ__<10 digits>` for readers and
/// `_c_<uuid>-__WRIT__<10 digits>` for writers, ordered by sequence. A writer holds the lock when
/// its node is the lowest and watches the node right before it. A reader holds the lock when no
/// writer's node precedes it and watches the nearest writer before it (the ZooKeeper recipe; Curator
/// watches the first writer instead, which is compatible but wakes every reader behind that writer).
///
/// Guarantees, while sessions live: a writer excludes everyone; readers exclude only writers;
/// FIFO — a reader that arrives after a waiting writer waits for it (no writer starvation). Session
/// end releases as for `DistributedLock`.
///
/// Interoperates with: Curator `InterProcessReadWriteLock` on the same path. kazoo's `ReadLock` and
/// `WriteLock` (`__rlock__`/`__lock__` nodes) are recognised here as reader and writer; kazoo sees
/// ours with `extra_lock_patterns=["__READ__", "__WRIT__"]` (write lock) or `["__WRIT__"]` (read lock).
///
/// Not re-entrant and no upgrade or downgrade: each of the two locks is a separate `DistributedLock`
/// instance with its own node.
public struct ReadWriteLock: Sendable {
    public let readLock: DistributedLock
    public let writeLock: DistributedLock

    static let readName = "__READ__"
    static let writeName = "__WRIT__"
    static let kazooReadName = "__rlock__"
    static let kazooWriteName = "__lock__"
    static let allMarkers = [readName, writeName, kazooReadName, kazooWriteName]
    static let writerMarkers = [writeName, kazooWriteName]

    /// A read/write lock on `path`. Throws `RecipeError.invalidArgument` for an invalid path.
    public init(client: ZooKeeperClient, path: String, participantData: [UInt8] = [],
                retry: RetryPolicy = .standard) throws(RecipeError) {
        readLock = try DistributedLock(client: client, path: path, baseName: Self.readName,
                                       policy: .shared(markers: Self.allMarkers, excludedBy: Self.writerMarkers),
                                       participantData: participantData, retry: retry)
        writeLock = try DistributedLock(client: client, path: path, baseName: Self.writeName,
                                        policy: .exclusive(markers: Self.allMarkers),
                                        participantData: participantData, retry: retry)
    }
}
