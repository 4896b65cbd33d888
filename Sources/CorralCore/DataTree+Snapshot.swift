import ZooKeeperProtocol

extension DataTree {
    /// Visits every znode depth-first, each parent before its children and children in their sorted
    /// order — the order a snapshot lists them in (Apache's `DataTree.serializeNode`, which walks the
    /// same way in hash order). The root is visited as "/".
    public func forEachNodeDepthFirst<E: Error>(_ body: (_ path: String, _ node: ZNode) throws(E) -> Void) throws(E) {
        var walker = DataTreeWalker()
        while let (path, node) = walker.next(in: self) { try body(path, node) }
    }
}

/// A depth-first walk over a tree that may change between steps: the walk of a fuzzy snapshot,
/// taken a slice at a time while the server keeps applying txns.
///
/// Guarantees, for changes made between calls: every node that exists for the whole walk is
/// visited exactly once, with its state at the moment it is visited; a node created after its
/// parent was visited is not visited (its create txn comes after the walk's start, so replaying the
/// log from there restores it); a node deleted before it is reached is skipped. The walk holds the
/// child list of each ancestor of the current node as it was when that ancestor was visited (copy
/// on write: no copy is made unless the tree changes that list meanwhile), so its extra memory is
/// bounded by those lists.
public struct DataTreeWalker: Sendable {
    private var stack: [(path: String, children: ChildList, next: ChildList.Position)] = []
    private var started = false

    public init() {}

    /// The next node, or nil when the walk is complete.
    public mutating func next(in tree: DataTree) -> (path: String, node: ZNode)? {
        if !started {
            started = true
            guard let root = tree.nodes["/"] else { return nil }
            stack.append(("/", root.children, ChildList.Position()))
            return ("/", root)
        }
        while !stack.isEmpty {
            let top = stack.count - 1
            guard let (name, next) = stack[top].children.element(at: stack[top].next) else {
                stack.removeLast()
                continue
            }
            stack[top].next = next
            let path = ZNodePath.child(stack[top].path, Substring(name))
            guard let node = tree.nodes[path] else { continue }
            if !node.children.isEmpty { stack.append((path, node.children, ChildList.Position())) }
            return (path, node)
        }
        return nil
    }
}

/// Why `DataTreeRestorer` refused a node.
public enum DataTreeRestoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first node must be the root, and only the first.
    case rootNotFirst(path: String)
    /// Not "/" and not "/"-separated non-empty names.
    case invalidPath(String)
    /// The parent was not restored before the node (Apache: "Invalid Datatree, unable to find parent").
    case missingParent(path: String, parent: String)
    case duplicate(path: String)
    /// `finish` without any node.
    case empty
    /// An ACL id outside -1 (the open ACL) and 1 ... `DataTreeRestorer.maxACLId`.
    case invalidACLId(Int64)

    public var description: String {
        switch self {
        case .rootNotFirst(let p): return "the first node must be the root, found \(p.debugDescription)"
        case .invalidPath(let p): return "invalid znode path \(p.debugDescription)"
        case .missingParent(let p, let parent): return "unable to find parent \(parent) of path \(p)"
        case .duplicate(let p): return "duplicate znode \(p)"
        case .empty: return "no znodes (not even the root)"
        case .invalidACLId(let id): return "invalid ACL id \(id)"
        }
    }
}

/// Rebuilds a `DataTree` from the nodes of a snapshot, parents before children (Apache's
/// `DataTree.deserialize`): the ACL map first, then each node with its stored stat and ACL id. Child
/// lists, the ephemeral / container / TTL indexes and the ACL reference counts are derived from the
/// nodes; ACL lists no node uses are dropped, as Apache's `purgeUnused` does.
public struct DataTreeRestorer: Sendable {
    private var tree: DataTree
    /// ACL ids some node carries that the ACL map does not hold (Apache keeps them and logs
    /// "Ignoring acl ... as it does not exist in the cache"; a fuzzy snapshot can contain them).
    public private(set) var unknownACLIds: Set<Int64> = []

    /// The largest ACL id accepted. Apache counts ids up from 1 (one per distinct list ever interned),
    /// so real ids are tiny; refusing absurd ones keeps the cache's counter far from overflowing.
    public static let maxACLId: Int64 = 1 << 62

    /// `acls`: the snapshot's ACL map; ids must be in 1 ... `maxACLId`.
    public init(extendedTypesEnabled: Bool, acls: [(id: Int64, acl: [ACL])]) throws(DataTreeRestoreError) {
        for (id, _) in acls where !Self.isAssignable(id) { throw .invalidACLId(id) }
        tree = DataTree(extendedTypesEnabled: extendedTypesEnabled)
        tree.nodes = [:]
        tree.acls = ACLCache(restoring: acls)
        tree.ephemerals = [:]
        tree.containers = []
        tree.ttls = []
    }

    public var nodeCount: Int { tree.nodes.count }

    private static func isAssignable(_ id: Int64) -> Bool { id >= 1 && id <= maxACLId }

    /// Adds one node; `path` is "/" for the root, which must come first.
    public mutating func add(path: String, data: [UInt8]?, aclId: Int64, stat: StoredStat) throws(DataTreeRestoreError) {
        guard aclId == ACLCache.openUnsafeId || Self.isAssignable(aclId) else { throw .invalidACLId(aclId) }
        if tree.nodes.isEmpty {
            guard path == "/" else { throw .rootNotFirst(path: path) }
        } else {
            guard path != "/" else { throw .rootNotFirst(path: path) }
            guard path.utf8.first == UInt8(ascii: "/"), path.utf8.last != UInt8(ascii: "/"),
                  let (parent, name) = ZNodePath.split(path), !name.isEmpty
            else { throw .invalidPath(path) }
            guard tree.nodes[path] == nil else { throw .duplicate(path: path) }
            guard tree.nodes[parent] != nil else { throw .missingParent(path: path, parent: parent) }
            tree.nodes[parent]!.children.insert(String(name))
            let owner = stat.ephemeralOwner
            switch EphemeralOwner.kind(owner, extendedTypesEnabled: tree.extendedTypesEnabled) {
            case .container: tree.containers.insert(path)
            case .ttl: tree.ttls.insert(path)
            case .session: tree.ephemerals[owner, default: []].insert(path)
            case .none: break
            }
        }
        if aclId != ACLCache.openUnsafeId {
            if tree.acls.contains(aclId) {
                tree.acls.addRestoredUsage(aclId)
            } else {
                unknownACLIds.insert(aclId)
                tree.acls.reserveId(aclId)
            }
        }
        tree.nodes[path] = ZNode(data: data, aclId: aclId, stat: stat, children: [])
    }

    /// The restored tree. `/zookeeper`, `/zookeeper/quota` and `/zookeeper/config` are added as a new
    /// server has them if the snapshot lacks them (Apache always writes them).
    public consuming func finish() throws(DataTreeRestoreError) -> DataTree {
        guard !tree.nodes.isEmpty else { throw .empty }
        tree.acls.purgeUnreferenced()
        let fresh = DataTree(extendedTypesEnabled: tree.extendedTypesEnabled)
        for path in ["/zookeeper", "/zookeeper/quota", "/zookeeper/config"] where tree.nodes[path] == nil {
            guard let (parent, name) = ZNodePath.split(path), tree.nodes[parent] != nil else { continue }
            var node = fresh.nodes[path]!
            node.children = []
            if node.aclId != ACLCache.openUnsafeId { node.aclId = tree.acls.intern(fresh.acls.acl(node.aclId)) }
            tree.nodes[parent]!.addChild(String(name))
            tree.nodes[path] = node
        }
        return tree
    }
}
