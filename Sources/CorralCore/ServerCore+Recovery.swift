import ZooKeeperProtocol

/// Rebuilding state at start-up from a snapshot and the txn log.
extension ServerCore {
    /// A core that continues from a restored tree (a snapshot's) at `zxid`, with the snapshot's
    /// sessions (id -> timeout). Sessions expire `timeout` after `startTime` unless a client
    /// reconnects to them, as in Apache (`SessionTrackerImpl` touches every restored session).
    public init(config: CoreConfig, startTime: Int64, restoring tree: DataTree, sessions: [Int64: Int32], zxid: Int64) {
        self.init(config: config, startTime: startTime)
        self.tree = tree
        for id in sessions.keys.sorted() {
            self.sessions.add(id: id, timeout: sessions[id]!, now: startTime)
        }
        lastAppliedZxid = zxid
        lastPreparedZxid = zxid
    }

    /// Applies a txn read back from the log. No client is connected yet, so it produces no
    /// replies and no watch events. Txns at or below the snapshot's zxid are skipped; later ones
    /// are applied even if a fuzzy snapshot already reflects them (txns are idempotent; a create
    /// whose node exists still advances the parent's cversion, Apache's ZOOKEEPER-1046 rule).
    /// Precondition: called before any connection is opened, in zxid order.
    public mutating func replay(_ txn: Txn, now: Int64) {
        precondition(connections.isEmpty, "replay runs before clients connect")
        guard txn.header.zxid > lastAppliedZxid else { return }
        self.now = now
        var effects: [CoreEffect] = []
        _ = apply(txn, &effects)
        assert(effects.isEmpty, "no watches exist during recovery")
        lastPreparedZxid = lastAppliedZxid
    }

    /// Ends recovery: deletes the ephemeral nodes of sessions the snapshot and log do not know
    /// (Apache's `ZooKeeperServer.loadData` kills them without a txn).
    /// Returns the ids of the sessions whose nodes were removed.
    @discardableResult
    public mutating func finishRecovery() -> [Int64] {
        let dead = tree.ephemerals.keys.filter { sessions.sessions[$0] == nil }.sorted()
        var changes: [Notice] = []
        for id in dead {
            for path in tree.ephemerals[id]!.sorted(by: >) {
                deleteNode(path, zxid: lastAppliedZxid, &changes)
            }
            tree.forgetSession(id)
        }
        return dead
    }
}
