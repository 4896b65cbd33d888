import CorralCore

/// The text Apache ZooKeeper 3.8's `SnapshotFormatter [-d|-json] <snapshot>` prints, as pure
/// functions of a `SnapshotListing`.
///
/// Default (`details(withData: false)`): "ZNode Details (count=N):", then for every znode
/// depth-first from "/" a "----" line, its path and its stat ("  cZxid = 0x..." etc.) and
/// "  dataLength = n"; then "----", "Session Details (sid, timeout, ephemeralCount):" and one
/// "0x<sid>, <timeout>, <ephemerals>" line per session, "----" and "Last zxid: 0x<hex>" (the larger
/// of the file name's zxid and the largest mzxid/pzxid). With data, "  data = <base64>" replaces
/// "dataLength". Children and sessions come in the order Java's hash sets give them when filled in
/// file order (`JavaHashOrder`); the count includes Apache's "/" alias of the root. The JSON mode is
/// ncdu's format on one line without a trailing newline; its timestamp is the caller's.
public enum SnapshotText {
    public enum Mode: Sendable, Equatable {
        case details(withData: Bool)
        /// `timestampMilliseconds` is what Java's `System.currentTimeMillis()` would print.
        case json(timestampMilliseconds: Int64)
    }

    /// Why a listing cannot be printed (Apache fails the same way while loading).
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// "Invalid Datatree, unable to find parent <parent> of path <path>".
        case missingParent(path: String, parent: String)
        /// No node without a "/" (the root, stored as "").
        case noRoot

        public var description: String {
            switch self {
            case .missingParent(let path, let parent): return "Invalid Datatree, unable to find parent \(parent) of path \(path)"
            case .noRoot: return "the snapshot has no root node"
            }
        }
    }

    /// Writes the formatter's output for `listing`, read from a file named `fileName` (its last
    /// path component: its zxid counts toward "Last zxid").
    public static func write<Out: TextOutputStream>(_ listing: SnapshotListing, fileName: String, mode: Mode,
                                                    timeZone: ToolTimeZone, to out: inout Out) throws(Failure) {
        let tree = try Tree(listing)
        switch mode {
        case .details(let withData):
            writeDetails(tree, listing: listing, fileName: fileName, withData: withData, timeZone: timeZone, to: &out)
        case .json(let timestamp):
            writeJSON(tree, listing: listing, timestamp: timestamp, to: &out)
        }
    }

    // MARK: Details

    static func writeDetails<Out: TextOutputStream>(_ tree: Tree, listing: SnapshotListing, fileName: String,
                                                    withData: Bool, timeZone: ToolTimeZone, to out: inout Out) {
        out.write("ZNode Details (count=\(tree.nodeCount)):\n")
        var lastZxid = Int64.min
        tree.depthFirst { path, index, _ in
            let node = listing.nodes[index]
            lastZxid = max(lastZxid, node.stat.mzxid, node.stat.pzxid)
            out.write("----\n\(path)\n")
            out.write(statText(node.stat, timeZone: timeZone))
            if withData {
                out.write("  data = \(node.data.map(JavaText.base64) ?? "")\n")
            } else {
                out.write("  dataLength = \(node.dataLength)\n")
            }
        }
        out.write("----\nSession Details (sid, timeout, ephemeralCount):\n")
        let ephemerals = ephemeralCounts(listing)
        for session in javaSessionMap(listing.sessions) {
            out.write("\(JavaText.paddedHex(session.id)), \(session.timeout), \(ephemerals[session.id, default: 0])\n")
        }
        let nameZxid = ApacheFileName.zxid(fromName: fileName, prefix: SnapshotFormat.fileNamePrefix)
        out.write("----\nLast zxid: 0x\(JavaText.hex(max(nameZxid, lastZxid)))\n")
    }

    static func statText(_ s: StoredStat, timeZone: ToolTimeZone) -> String {
        "  cZxid = \(JavaText.paddedHex(s.czxid))\n"
            + "  ctime = \(JavaDateText.dateToString(s.ctime, in: timeZone))\n"
            + "  mZxid = \(JavaText.paddedHex(s.mzxid))\n"
            + "  mtime = \(JavaDateText.dateToString(s.mtime, in: timeZone))\n"
            + "  pZxid = \(JavaText.paddedHex(s.pzxid))\n"
            + "  cversion = \(s.cversion)\n"
            + "  dataVersion = \(s.version)\n"
            + "  aclVersion = \(s.aversion)\n"
            + "  ephemeralOwner = \(JavaText.paddedHex(s.ephemeralOwner))\n"
    }

    /// `HashMap<Long, Integer>` filled in file order: each id once, at its first position, with its
    /// last timeout; iterated in Java's order.
    static func javaSessionMap(_ sessions: [SnapshotListing.Session]) -> [SnapshotListing.Session] {
        var position: [Int64: Int] = [:]
        var unique: [SnapshotListing.Session] = []
        for s in sessions {
            if let i = position[s.id] {
                unique[i].timeout = s.timeout
            } else {
                position[s.id] = unique.count
                unique.append(s)
            }
        }
        return JavaHashOrder.order(ofLongs: unique.map(\.id)).map { unique[$0] }
    }

    /// Distinct znodes per owner, as `DataTree.deserialize` files them with extended types off:
    /// any owner but 0 and the container marker (`Long.MIN_VALUE`); the root never counts.
    static func ephemeralCounts(_ listing: SnapshotListing) -> [Int64: Int] {
        var paths: [Int64: Set<String>] = [:]
        for node in listing.nodes where node.path.contains("/") {
            let owner = node.stat.ephemeralOwner
            if owner != 0 && owner != Int64.min { paths[owner, default: []].insert(node.path) }
        }
        return paths.mapValues(\.count)
    }

    // MARK: JSON

    static func writeJSON<Out: TextOutputStream>(_ tree: Tree, listing: SnapshotListing, timestamp: Int64,
                                                 to out: inout Out) {
        out.write("[1,0,{\"progname\":\"SnapshotFormatter.java\",\"progver\":\"0.01\",\"timestamp\":\(timestamp)}")
        var inode = 1000
        tree.depthFirst { path, index, hasChildren in
            let length = listing.nodes[index].dataLength
            let name = path == "/" ? path : String(path[path.index(after: path.lastIndex(of: "/")!)...])
            inode += 1
            let record = "{\"name\":\"\(JavaText.jsonQuote(name))\",\"asize\":\(length),\"dsize\":\(length),"
                + "\"dev\":0,\"ino\":\(inode)}"
            out.write("," + (hasChildren ? "[" : "") + record)
        } after: { _ in
            out.write("]")
        }
        out.write("]")
    }
}

extension SnapshotText {
    /// The znodes as Apache's `DataTree` links them: each child under the node whose path is its
    /// own up to the last "/", children in Java `HashSet` order.
    struct Tree {
        let root: Int
        /// Node index -> child indices in iteration order.
        let children: [Int: [Int]]
        let paths: [String]
        /// `nodes.size()`: every distinct path plus the "/" alias of the root.
        var nodeCount: Int { paths.count + 1 }

        init(_ listing: SnapshotListing) throws(Failure) {
            var byPath: [String: Int] = [:]
            var names: [Int: [(name: String, node: Int)]] = [:]
            var root: Int?
            for (i, node) in listing.nodes.enumerated() {
                byPath[node.path] = i
                guard let slash = node.path.lastIndex(of: "/") else { root = i; continue }
                let parentPath = String(node.path[..<slash])
                guard let parent = byPath[parentPath] else {
                    throw .missingParent(path: node.path, parent: parentPath)
                }
                names[parent, default: []].append((String(node.path[node.path.index(after: slash)...]), i))
            }
            guard let root else { throw .noRoot }
            self.root = root
            paths = listing.nodes.map(\.path)
            children = names.mapValues { list in
                JavaHashOrder.order(ofStrings: list.map(\.name), initialCapacity: 8).map { list[$0].node }
            }
        }

        /// Visits "/" and then every node below it, parent before children, children in order;
        /// `after` runs once a node with children has had all of them visited.
        func depthFirst(_ visit: (_ path: String, _ index: Int, _ hasChildren: Bool) -> Void,
                        after: (_ index: Int) -> Void = { _ in }) {
            var stack: [(index: Int, path: String, next: Int)] = [(root, "/", 0)]
            visit("/", root, !(children[root]?.isEmpty ?? true))
            while let top = stack.last {
                let kids = children[top.index] ?? []
                guard top.next < kids.count else {
                    stack.removeLast()
                    if !kids.isEmpty { after(top.index) }
                    continue
                }
                stack[stack.count - 1].next += 1
                let child = kids[top.next]
                let path = paths[child]
                visit(path, child, !(children[child]?.isEmpty ?? true))
                stack.append((child, path, 0))
            }
        }
    }
}
