import ZooKeeperProtocol

/// Apache's `ReferenceCountedACLCache`: each distinct ACL list is stored once and znodes refer to it
/// by a 64-bit id (-1 is world:anyone with all permissions). Ids and counts are what a snapshot records.
public struct ACLCache: Sendable {
    public static let openUnsafeId: Int64 = -1
    internal var byId: [Int64: [ACL]] = [:]
    internal var idByACL: [[ACL]: Int64] = [:]
    internal var references: [Int64: Int64] = [:]
    internal var nextId: Int64 = 1

    public init() {}

    /// Interns `acl` and counts one more reference to it.
    public mutating func intern(_ acl: [ACL]) -> Int64 {
        if acl == Ids.openACLUnsafe { return Self.openUnsafeId }
        if let id = idByACL[acl] {
            references[id, default: 0] += 1
            return id
        }
        let id = nextId
        nextId += 1
        byId[id] = acl
        idByACL[acl] = id
        references[id] = 1
        return id
    }

    /// Drops one reference; the list is forgotten when none remain.
    public mutating func release(_ id: Int64) {
        guard id != Self.openUnsafeId, let count = references[id] else { return }
        if count > 1 {
            references[id] = count - 1
            return
        }
        references[id] = nil
        if let acl = byId.removeValue(forKey: id) { idByACL[acl] = nil }
    }

    public func acl(_ id: Int64) -> [ACL] {
        id == Self.openUnsafeId ? Ids.openACLUnsafe : (byId[id] ?? [])
    }

    public var count: Int { byId.count }
}
