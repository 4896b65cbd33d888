import ZooKeeperProtocol

/// Rebuilding state at start-up from a snapshot and the txn log (issue 3's recovery path).
extension ServerCore {
    /// Applies a txn read back from the log. No client is connected yet, so it produces no
    /// replies and no watch events. Txns at or below `lastAppliedZxid` are skipped, which makes
    /// replaying a log over a fuzzy snapshot converge.
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
}
