import ZooKeeperProtocol

/// What a snapshot needs from the ACL cache: the (id, ACL list) map in a deterministic order, and a
/// way to rebuild the cache from such a map with reference counts recomputed from the nodes
/// (Apache's `ReferenceCountedACLCache.serialize` / `deserialize` + `addUsage` + `purgeUnused`).
extension ACLCache {
    /// Every interned list with its id, by ascending id. The open-unsafe id (-1) is never listed.
    public var entriesById: [(id: Int64, acl: [ACL])] {
        byId.keys.sorted().map { ($0, byId[$0]!) }
    }

    /// The number of znodes using `id` (0 for -1 and for unknown ids).
    public func referenceCount(_ id: Int64) -> Int64 { references[id] ?? 0 }

    /// The largest id handed out so far (Apache's `aclIndex`); the next new list gets this + 1.
    public var lastAssignedId: Int64 { nextId - 1 }

    /// Whether `id` is -1 or an id the cache knows.
    public func contains(_ id: Int64) -> Bool { id == Self.openUnsafeId || byId[id] != nil }

    /// A cache holding exactly `entries` (later duplicates of an id replace earlier ones, as in
    /// Apache's map) with no references yet; `nextId` follows the largest id seen.
    init(restoring entries: [(id: Int64, acl: [ACL])]) {
        self.init()
        var largest: Int64 = 0
        for (id, acl) in entries {
            if let old = byId[id], idByACL[old] == id { idByACL[old] = nil }
            byId[id] = acl
            idByACL[acl] = id
            largest = max(largest, id)
        }
        nextId = largest + 1
    }

    /// Counts one more znode using `id` (Apache's `addUsage`: -1 and unknown ids are ignored).
    mutating func addRestoredUsage(_ id: Int64) {
        guard id != Self.openUnsafeId, byId[id] != nil else { return }
        references[id, default: 0] += 1
    }

    /// Makes sure an id some znode carries is never handed out to a different list later.
    mutating func reserveId(_ id: Int64) {
        if id >= nextId { nextId = id + 1 }
    }

    /// Forgets lists no znode uses (Apache's `purgeUnused`).
    mutating func purgeUnreferenced() {
        for (id, acl) in byId where references[id, default: 0] <= 0 {
            byId[id] = nil
            references[id] = nil
            if idByACL[acl] == id { idByACL[acl] = nil }
        }
    }
}
