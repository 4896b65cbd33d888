import CorralClient
import ZooKeeperProtocol

/// A random (version 4) UUID in Java's `UUID.toString()` form: 36 lowercase characters, 8-4-4-4-12.
struct RandomUUID: Sendable, Equatable, CustomStringConvertible {
    let bytes: [UInt8]

    init<G: RandomNumberGenerator>(using generator: inout G) {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40   // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80   // IETF variant
        self.bytes = bytes
    }

    init() {
        var generator = SystemRandomNumberGenerator()
        self.init(using: &generator)
    }

    var description: String {
        let hex = bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }
        let groups = [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]]
        return groups.map { $0.joined() }.joined(separator: "-")
    }
}

/// Curator's "protected" znode names: `_c_<uuid>-<name>` (`CreateBuilderImpl.PROTECTED_PREFIX` and
/// `PROTECTED_SEPARATOR`). A sequential create that fails with ConnectionLoss may still have been
/// applied; the unique prefix lets the creator find its node among the parent's children instead of
/// creating a second one (which would stay behind as a phantom contender until the session ends).
struct ProtectedName: Sendable, Equatable {
    static let marker = "_c_"
    let id: String

    init(id: String = RandomUUID().description) { self.id = id }

    /// "_c_<uuid>-"
    var prefix: String { Self.marker + id + "-" }

    /// The name to create: the prefix, then the recipe's base name (the server appends the sequence).
    func nodeName(base: String) -> String { prefix + base }

    /// The first of `children` that carries this prefix.
    func find(in children: [String]) -> String? { children.first { $0.hasPrefix(prefix) } }
}

/// Creates `parent/_c_<uuid>-<base>` with `mode` (normally `.ephemeralSequential`), creating missing
/// parents, and returns the created node's name (last segment). After ConnectionLoss it lists the
/// parent and adopts the node carrying its prefix if the lost create was applied; only when no such
/// node exists does it create again. So exactly one node is made per call, whatever the connection
/// does, as long as the session survives (an ephemeral node made by a session that then expired is
/// gone with it, and the next call fails with SessionExpired).
///
/// If the call fails (any error, cancellation of the retry pause included) after a create that may
/// have been applied, it deletes every child of `parent` carrying its prefix from a task of its own
/// before rethrowing (Curator's guaranteed delete), so that no node nobody owns stays behind — a
/// phantom `lock-` contender would block every other acquirer until the session ends. That delete
/// is best effort and not awaited; its own failure is dropped (the error thrown is the one that
/// matters, and an ephemeral goes with its session anyway).
///
/// `name` and `afterLostCreate` exist for tests: a call with `afterLostCreate` behaves as if its
/// first create had been lost to ConnectionLoss.
func createProtectedNode(client: ZooKeeperClient, parent: String, base: String, data: [UInt8]?,
                         mode: CreateMode, retry: RetryPolicy, name: ProtectedName = ProtectedName(),
                         afterLostCreate: Bool = false) async throws -> String {
    let path = RecipePath.child(parent, name.nodeName(base: base))
    var failedAttempts = 0
    var mayAlreadyExist = afterLostCreate
    var nodeMayExist = afterLostCreate   // sticky: some create of this call may have been applied
    do {
        while true {
            let error: KeeperError
            do {
                return try await createOrAdopt(client: client, path: path, name: name, data: data, mode: mode,
                                               lookFirst: mayAlreadyExist)
            } catch let caught {
                error = caught
            }
            if error.isRetryable { nodeMayExist = true }
            guard error.code == .noNode || error.isRetryable else { throw error }
            failedAttempts += 1
            guard failedAttempts < retry.maxAttempts else { throw error }
            if error.code == .noNode {
                // No parent, so no node of ours either: make the parent, then create.
                mayAlreadyExist = false
                try await client.ensurePath(parent, retry: retry)
            } else {
                mayAlreadyExist = true
                try await Task.sleep(for: retry.delay(beforeRetry: failedAttempts))
            }
        }
    } catch {
        if nodeMayExist {
            Task.detached {
                do {
                    try await deleteProtectedNodes(client: client, parent: parent, name: name, retry: retry)
                } catch {
                    // Best effort, see above: dropped.
                }
            }
        }
        throw error
    }
}

/// Deletes every child of `parent` that carries `name`'s prefix; returns how many it deleted.
@discardableResult
func deleteProtectedNodes(client: ZooKeeperClient, parent: String, name: ProtectedName,
                          retry: RetryPolicy) async throws -> Int {
    let children: [String]
    do {
        children = try await client.children(of: parent, retry: retry)
    } catch let error as KeeperError where error.code == .noNode {
        return 0
    }
    var deleted = 0
    for child in children where child.hasPrefix(name.prefix) {
        if try await client.deleteIfPresent(RecipePath.child(parent, child), retry: retry) { deleted += 1 }
    }
    return deleted
}

/// One attempt: with `lookFirst`, adopts an existing node with `name`'s prefix; otherwise creates.
private func createOrAdopt(client: ZooKeeperClient, path: String, name: ProtectedName, data: [UInt8]?,
                           mode: CreateMode, lookFirst: Bool) async throws(KeeperError) -> String {
    if lookFirst {
        let siblings = try await client.getChildren(RecipePath.parent(of: path)).children
        if let found = name.find(in: siblings) { return found }
    }
    return RecipePath.name(of: try await client.create(path, data: data, mode: mode).path)
}
