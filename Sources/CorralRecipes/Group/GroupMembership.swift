import CorralClient
import ZooKeeperProtocol

/// A member of a group: the paper's "Group Membership". Laid out like Apache Curator's `GroupMember`
/// (an ephemeral `PersistentNode`).
///
/// Layout: the group is the znode `groupPath`; each member is an ephemeral child
/// `<groupPath>/<memberId>` holding the member's payload. Without an id the member is an ephemeral
/// sequential child `<groupPath>/_c_<uuid>-member-<10 digits>` (the paper's SEQUENTIAL variant, in
/// Curator's protected form).
///
/// Guarantees: the member is listed from `join()` until `leave()` or until its session ends, and
/// then disappears at once (ephemeral). Unlike Curator's `PersistentNode`, it does not re-create
/// itself in a new session: a `ZooKeeperClient` whose session expired is finished, so a new member
/// must join with a new client. No two members share an id: joining with an id another session —
/// or another `GroupMember` on the same client — holds throws `RecipeError.memberIdInUse`.
///
/// Interoperates with: Curator `GroupMember` (members by id with payload) on the same path; kazoo's
/// `ShallowParty`/`Party` name members `<hex uuid>-<id>` and `<hex uuid>__party__` and appear here as
/// members with those ids.
public actor GroupMember {
    public nonisolated let groupPath: String
    public nonisolated let memberId: String?
    nonisolated let payload: [UInt8]
    nonisolated let client: ZooKeeperClient
    nonisolated let retry: RetryPolicy

    private var nodeName: String?

    static let sequentialBaseName = "member-"

    /// A member `memberId` (nil: a sequential name) of the group at `groupPath`, with `payload`.
    /// Throws for an invalid path or an id that is not a valid znode name.
    public init(client: ZooKeeperClient, groupPath: String, memberId: String?, payload: [UInt8] = [],
                retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(groupPath)
        if let memberId { try RecipePath.validate(RecipePath.child(groupPath, memberId)) }
        guard memberId.map({ !$0.contains("/") }) ?? true else {
            throw RecipeError.invalidArgument("member id \"\(memberId ?? "")\" contains \"/\"")
        }
        self.client = client; self.groupPath = groupPath; self.memberId = memberId
        self.payload = payload; self.retry = retry
    }

    /// The member's node while joined.
    public var nodePath: String? { nodeName.map { RecipePath.child(groupPath, $0) } }

    /// Joins the group (creating the group node if needed). Does nothing if already joined.
    public func join() async throws {
        guard nodeName == nil else { return }
        if let memberId {
            try await createNamedMember(memberId)
            nodeName = memberId
        } else {
            nodeName = try await createProtectedNode(client: client, parent: groupPath, base: Self.sequentialBaseName,
                                                     data: payload, mode: .ephemeralSequential, retry: retry)
        }
    }

    /// Creates `<group>/<id>`; a NodeExists is ours only if an earlier attempt of this call failed
    /// with ConnectionLoss (its create may have been applied) and the node is this session's
    /// ephemeral. Otherwise the id is in use — by another session, or by another `GroupMember` on
    /// this client.
    private func createNamedMember(_ id: String) async throws {
        let path = RecipePath.child(groupPath, id)
        var createMayHaveApplied = false
        do {
            _ = try await retry.run {
                do {
                    return try await client.create(path, data: payload, mode: .ephemeral)
                } catch let error as KeeperError where error.isRetryable {
                    createMayHaveApplied = true
                    throw error
                }
            }
        } catch let error as KeeperError where error.code == .nodeExists {
            guard createMayHaveApplied else { throw RecipeError.memberIdInUse(path: path) }
            let owner = try await retry.run { try await client.exists(path) }?.ephemeralOwner
            guard owner == client.sessionId else { throw RecipeError.memberIdInUse(path: path) }
        } catch let error as KeeperError where error.code == .noNode {
            try await client.ensurePath(groupPath, retry: retry)
            try await createNamedMember(id)
        }
    }

    /// Leaves the group (deletes the member's node). Throws `RecipeError.notHeld` if not joined.
    public func leave() async throws {
        guard let nodeName else { throw RecipeError.notHeld("membership in \(groupPath)") }
        self.nodeName = nil
        try await client.deleteIfPresent(RecipePath.child(groupPath, nodeName), retry: retry)
    }
}

/// A view of a group's members (see `GroupMember` for the layout). Any client can observe a group
/// without being a member.
public struct GroupMembership: Sendable {
    public let groupPath: String
    let client: ZooKeeperClient
    let retry: RetryPolicy

    public init(client: ZooKeeperClient, groupPath: String, retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(groupPath)
        self.client = client; self.groupPath = groupPath; self.retry = retry
    }

    /// The member node names now, sorted (empty if the group node does not exist).
    public func memberIds() async throws -> [String] {
        do {
            return try await client.children(of: groupPath, retry: retry).sorted()
        } catch let error as KeeperError where error.code == .noNode {
            return []
        }
    }

    /// The members now with their payloads (Curator's `getCurrentMembers`).
    public func members() async throws -> [String: [UInt8]] {
        var members: [String: [UInt8]] = [:]
        for id in try await memberIds() {
            do {
                members[id] = try await retry.run { try await client.getData(RecipePath.child(groupPath, id)).data } ?? []
            } catch let error as KeeperError where error.code == .noNode {
                continue   // left between the listing and the read
            }
        }
        return members
    }

    /// The sorted member ids now, then after every change (a child watch, re-armed each time; changes
    /// between two listings are coalesced), until the session ends (then it throws) or the consumer
    /// stops iterating. The group node is created if missing, so it can be watched.
    public func changes() -> AsyncThrowingStream<[String], any Error> {
        let membership = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await membership.feed(continuation)
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func feed(_ continuation: AsyncThrowingStream<[String], any Error>.Continuation) async throws {
        try await client.ensurePath(groupPath, retry: retry)
        var last: [String]?
        while !Task.isCancelled {
            let (children, _, watch) = try await retry.run { try await client.watchChildren(groupPath) }
            let ids = children.sorted()
            if ids != last { continuation.yield(ids) }
            last = ids
            switch await wait(for: watch, until: .never) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed, .cancelled: break
            }
        }
        continuation.finish()
    }
}
