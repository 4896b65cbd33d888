import ZooKeeperProtocol

/// Apache's `StatPersisted`: what the server stores per znode. `cversion` counts child creates;
/// the client sees `2 * cversion - numChildren` (see `DataTree.stat(of:)`).
public struct StoredStat: Sendable, Equatable {
    public var czxid: Int64
    public var mzxid: Int64
    public var ctime: Int64
    public var mtime: Int64
    public var version: Int32
    public var cversion: Int32
    public var aversion: Int32
    public var ephemeralOwner: Int64
    public var pzxid: Int64

    public static let zero = StoredStat(czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0,
                                        aversion: 0, ephemeralOwner: 0, pzxid: 0)

    public init(czxid: Int64, mzxid: Int64, ctime: Int64, mtime: Int64, version: Int32, cversion: Int32,
                aversion: Int32, ephemeralOwner: Int64, pzxid: Int64) {
        self.czxid = czxid; self.mzxid = mzxid; self.ctime = ctime; self.mtime = mtime
        self.version = version; self.cversion = cversion; self.aversion = aversion
        self.ephemeralOwner = ephemeralOwner; self.pzxid = pzxid
    }
}

/// One znode. Children are kept sorted so that listings are deterministic and need no sort.
public struct ZNode: Sendable {
    public var data: [UInt8]?
    public var aclId: Int64
    public var stat: StoredStat
    public var children: ChildList

    public var dataLength: Int32 { Int32(data?.count ?? 0) }

    mutating func addChild(_ name: String) { children.insert(name) }

    mutating func removeChild(_ name: Substring) { children.remove(name) }
}

extension Array where Element == String {
    /// The first index whose element is not less than `key` (binary search over a sorted array).
    func sortedInsertionIndex<S: StringProtocol>(of key: S) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// A change to the tree that watchers may need to hear about, in the order Apache triggers them.
public enum TreeChange: Sendable, Equatable {
    case created(path: String, parent: String)
    case deleted(path: String, parent: String)
    case dataChanged(path: String)
}

/// The znode tree. Mutations happen only through `apply`, which is deterministic and idempotent
/// in the way Apache's `DataTree.processTxn` is.
public struct DataTree: Sendable {
    public internal(set) var nodes: [String: ZNode] = [:]
    public internal(set) var acls = ACLCache()
    /// Ephemeral paths per owning session.
    public internal(set) var ephemerals: [Int64: Set<String>] = [:]
    public internal(set) var containers: Set<String> = []
    public internal(set) var ttls: Set<String> = []
    public let extendedTypesEnabled: Bool

    public init(extendedTypesEnabled: Bool = false) {
        self.extendedTypesEnabled = extendedTypesEnabled
        nodes["/"] = ZNode(data: [], aclId: ACLCache.openUnsafeId, stat: .zero, children: ["zookeeper"])
        nodes["/zookeeper"] = ZNode(data: [], aclId: ACLCache.openUnsafeId, stat: .zero, children: ["config", "quota"])
        nodes["/zookeeper/quota"] = ZNode(data: [], aclId: ACLCache.openUnsafeId, stat: .zero, children: [])
        let readOnly = acls.intern(Ids.readACLUnsafe)
        // Apache's addConfigNode sets the read-only ACL with setACL(path, acl, -1): aversion -1.
        var configStat = StoredStat.zero
        configStat.aversion = -1
        nodes["/zookeeper/config"] = ZNode(data: [], aclId: readOnly, stat: configStat, children: [])
    }

    public var nodeCount: Int { nodes.count }

    public func node(_ path: String) -> ZNode? { nodes[path] }

    public func acl(of node: ZNode) -> [ACL] { acls.acl(node.aclId) }

    /// The client-visible Stat (Apache's `DataNode.copyStat`).
    public func stat(of node: ZNode) -> Stat {
        let s = node.stat
        let numChildren = Int32(node.children.count)
        return Stat(czxid: s.czxid, mzxid: s.mzxid, ctime: s.ctime, mtime: s.mtime, version: s.version,
                    cversion: s.cversion &* 2 &- numChildren, aversion: s.aversion,
                    ephemeralOwner: EphemeralOwner.clientVisible(s.ephemeralOwner, extendedTypesEnabled: extendedTypesEnabled),
                    dataLength: node.dataLength, numChildren: numChildren, pzxid: s.pzxid)
    }

    public func ephemeralKind(_ node: ZNode) -> EphemeralOwner.Kind {
        EphemeralOwner.kind(node.stat.ephemeralOwner, extendedTypesEnabled: extendedTypesEnabled)
    }

    /// Number of descendants of `path` (Apache's getAllChildrenNumber).
    public func descendantCount(_ path: String) -> Int {
        guard let n = nodes[path] else { return 0 }
        var total = 0
        for c in n.children {
            total += 1 + descendantCount(ZNodePath.child(path, Substring(c)))
        }
        return total
    }

    // MARK: - Mutations (txn application)

    /// Creates `path`. Returns false (and changes nothing) when the parent is missing or the node
    /// already exists, as replaying a log over a fuzzy snapshot may find.
    @discardableResult
    mutating func createNode(path: String, data: [UInt8]?, acl: [ACL], ephemeralOwner: Int64,
                             parentCVersion: Int32, zxid: Int64, time: Int64) -> Bool {
        guard let (parentPath, name) = ZNodePath.split(path), nodes[parentPath] != nil else { return false }
        guard nodes[path] == nil else { return false }
        let aclId = acls.intern(acl)
        let stat = StoredStat(czxid: zxid, mzxid: zxid, ctime: time, mtime: time, version: 0, cversion: 0,
                              aversion: 0, ephemeralOwner: ephemeralOwner, pzxid: zxid)
        nodes[parentPath]!.addChild(String(name))
        var cversion = parentCVersion
        if cversion == -1 { cversion = nodes[parentPath]!.stat.cversion + 1 }
        if cversion > nodes[parentPath]!.stat.cversion {
            nodes[parentPath]!.stat.cversion = cversion
            nodes[parentPath]!.stat.pzxid = zxid
        }
        nodes[path] = ZNode(data: data, aclId: aclId, stat: stat, children: [])
        switch EphemeralOwner.kind(ephemeralOwner, extendedTypesEnabled: extendedTypesEnabled) {
        case .container: containers.insert(path)
        case .ttl: ttls.insert(path)
        case .session: ephemerals[ephemeralOwner, default: []].insert(path)
        case .none: break
        }
        return true
    }

    /// Apache's `setCversionPzxid`: raises the node's cversion to `cversion` (-1: one more) and
    /// its pzxid to `zxid`, if that is an increase.
    mutating func advanceChildVersion(of path: String, to cversion: Int32, zxid: Int64) {
        guard let current = nodes[path]?.stat.cversion else { return }
        let target = cversion == -1 ? current + 1 : cversion
        guard target > current else { return }
        nodes[path]!.stat.cversion = target
        nodes[path]!.stat.pzxid = zxid
    }

    /// Deletes `path`; the parent's pzxid moves forward even if the node is already gone.
    @discardableResult
    mutating func deleteNode(path: String, zxid: Int64) -> Bool {
        guard let (parentPath, name) = ZNodePath.split(path), nodes[parentPath] != nil else { return false }
        nodes[parentPath]!.removeChild(name)
        if zxid > nodes[parentPath]!.stat.pzxid { nodes[parentPath]!.stat.pzxid = zxid }
        guard let node = nodes.removeValue(forKey: path) else { return false }
        acls.release(node.aclId)
        let owner = node.stat.ephemeralOwner
        switch EphemeralOwner.kind(owner, extendedTypesEnabled: extendedTypesEnabled) {
        case .container: containers.remove(path)
        case .ttl: ttls.remove(path)
        case .session:
            ephemerals[owner]?.remove(path)
            if ephemerals[owner]?.isEmpty == true { ephemerals[owner] = nil }
        case .none: break
        }
        return true
    }

    @discardableResult
    mutating func setData(path: String, data: [UInt8]?, version: Int32, zxid: Int64, time: Int64) -> Bool {
        guard nodes[path] != nil else { return false }
        nodes[path]!.data = data
        nodes[path]!.stat.mtime = time
        nodes[path]!.stat.mzxid = zxid
        nodes[path]!.stat.version = version
        return true
    }

    @discardableResult
    mutating func setACL(path: String, acl: [ACL], version: Int32) -> Bool {
        guard let old = nodes[path]?.aclId else { return false }
        acls.release(old)
        nodes[path]!.aclId = acls.intern(acl)
        nodes[path]!.stat.aversion = version
        return true
    }

    /// Removes a session's ephemeral bookkeeping after its nodes were deleted.
    mutating func forgetSession(_ sessionId: Int64) { ephemerals[sessionId] = nil }
}
