import ZooKeeperProtocol

/// What preparation knows about a znode: the tree's view overlaid with changes prepared but not
/// yet applied (Apache's `ChangeRecord`). A nil `stat` records a pending delete.
struct ChangeRecord {
    var zxid: Int64
    var stat: StoredStat?
    var childCount: Int
    var acl: [ACL]
}

/// Apache's `outstandingChanges` / `outstandingChangesForPath`.
struct PendingChanges {
    var byPath: [String: ChangeRecord] = [:]
    /// (zxid, path) in the order records were added, to retire them once applied.
    var order: [(zxid: Int64, path: String)] = []
    var orderHead = 0

    mutating func add(_ path: String, _ record: ChangeRecord) {
        byPath[path] = record
        order.append((record.zxid, path))
    }

    /// Forgets records of txns up to `zxid`, unless a later change replaced them.
    mutating func retire(upTo zxid: Int64) {
        while orderHead < order.count, order[orderHead].zxid <= zxid {
            let (z, path) = order[orderHead]
            if byPath[path]?.zxid == z { byPath[path] = nil }
            orderHead += 1
        }
        if orderHead == order.count {
            order.removeAll(keepingCapacity: true)
            orderHead = 0
        }
    }

    /// State to restore if a multi fails part-way.
    struct Savepoint { var byPath: [String: ChangeRecord]; var orderCount: Int }
    var savepoint: Savepoint { Savepoint(byPath: byPath, orderCount: order.count) }
    mutating func rollback(to s: Savepoint) {
        byPath = s.byPath
        order.removeLast(order.count - s.orderCount)
    }
}
