// CorralRecipes: the coordination primitives of the ZooKeeper paper (Hunt et al., 2010, section
// 2.4), built on `CorralClient`, with the znode layouts of Apache Curator (and, where it has the
// recipe, kazoo) so that Swift, Java and Python processes can share one lock, election or queue.
//
// | recipe | type | layout under the recipe's path | interoperates with |
// | --- | --- | --- | --- |
// | configuration (ready znode) | `ConfigurationStore` | `ready`, `entries/<name>` | (protocol only) |
// | rendezvous | `Rendezvous` | the node itself; data = master info | (protocol only) |
// | group membership | `GroupMember`, `GroupMembership` | ephemeral `<id>` with payload | Curator `GroupMember` |
// | simple lock | `SimpleLock` | the ephemeral node itself | (protocol only) |
// | lock without herd effect | `DistributedLock` | `_c_<uuid>-lock-<seq>` | Curator `InterProcessMutex`, kazoo `Lock` |
// | read/write lock | `ReadWriteLock` | `_c_<uuid>-__READ__<seq>`, `_c_<uuid>-__WRIT__<seq>` | Curator `InterProcessReadWriteLock` |
// | barrier | `Barrier` | the node itself (exists = closed) | Curator `DistributedBarrier`, kazoo `Barrier` |
// | double barrier | `DoubleBarrier` | ephemeral `<uuid>` members, `ready` | Curator `DistributedDoubleBarrier` |
// | FIFO queue | `DistributedQueue` | persistent `qn-<seq>` | Curator `SimpleDistributedQueue`, Apache recipe queue |
// | leader election | `LeaderElection` | `_c_<uuid>-latch-<seq>`, data = id | Curator `LeaderLatch` |
// | shared counter | `SharedCount` | 4-byte big-endian int, CAS on version | Curator `SharedCount`, kazoo `Counter(support_curator=True)` |
// | semaphore | `DistributedSemaphore` | `locks/` mutex, `leases/_c_<uuid>-lease-<seq>` | Curator `InterProcessSemaphoreV2` |
//
// Common rules: every recipe retries idempotent steps on ConnectionLoss (`RetryPolicy`) and
// resolves non-idempotent ones (sequential creates use Curator's protected `_c_<uuid>-` names);
// waits take an optional timeout and return false/nil when it runs out; cancellation throws
// `CancellationError` after removing the waiter's node; a session that ends surfaces as
// `KeeperError(.sessionExpired)`. Recipe instances are `Sendable` (actors or immutable structs).
