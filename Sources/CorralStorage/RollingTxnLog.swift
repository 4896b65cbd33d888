import CorralCore

/// How the txn log is written.
public struct LogSettings: Sendable {
    /// fdatasync after each group of records (`forceSync`); false only when the user asks for it.
    public var forceSync = true
    /// `snapCount`: a new log file and a snapshot after about this many txns (Apache rolls after
    /// `snapCount / 2 + random(snapCount / 2)` so that servers do not snapshot in lockstep).
    public var snapCount = 100_000
    /// `preAllocSize` in bytes.
    public var preAllocSize = TxnLogFormat.defaultPreAllocSize
    /// Real zeros written ahead of the records so fdatasync has no block allocation to commit
    /// (see `TxnLogWriter`).
    public var zeroFillChunk: Int64 = 1 << 20
    public init() {}
}

/// What one group commit did.
public struct CommitOutcome: Sendable {
    /// The last zxid now durable (nil when nothing new became durable).
    public var durableZxid: Int64?
    /// The log file was closed after this group; the next txn starts a new one.
    public var rolled = false
    public var error: TxnLogError?

    public init(durableZxid: Int64? = nil, rolled: Bool = false, error: TxnLogError? = nil) {
        self.durableZxid = durableZxid; self.rolled = rolled; self.error = error
    }
}

/// The txn log as a sequence of files (Apache's `FileTxnLog` with `SyncRequestProcessor`'s roll):
/// `commit` appends a group of txns, makes it durable with one fsync, and rolls to a new
/// `log.<zxid>` after the randomised txn count. A group that fails part-way is remembered and
/// completed first by the next commit, so a retry never skips or repeats a txn; after a failed
/// fsync nothing more is written (the file's state is unknown until a restart recovers it).
/// Not thread-safe: one owner (the log thread) at a time.
public final class RollingTxnLog: @unchecked Sendable {
    public let directory: String
    public let settings: LogSettings
    private var file: TxnLogWriter?
    private var txnsInFile = 0
    private var rollAfter: Int
    private var random = SystemRandomNumberGenerator()
    /// Txns of a failed group not yet appended.
    private var unappended: ArraySlice<Txn> = []
    /// Whether appended txns await an fsync that has not succeeded.
    private var unsynced = false
    /// A failed fsync leaves the file's state unknown: nothing more is written until a restart.
    private var poisoned: TxnLogError?

    public init(directory: String, settings: LogSettings) {
        self.directory = directory
        self.settings = settings
        self.rollAfter = 0
        self.rollAfter = nextRollThreshold()
    }

    /// Apache's `SyncRequestProcessor.shouldSnapshot`: `snapCount / 2 + random(snapCount / 2)`.
    private func nextRollThreshold() -> Int {
        let half = max(1, settings.snapCount / 2)
        return half + Int.random(in: 0..<half, using: &random)
    }

    /// The current file's path, nil between a roll and the next txn.
    public var currentPath: String? { file?.path }

    public func commit(_ group: [Txn]) -> CommitOutcome {
        if let poisoned { return CommitOutcome(error: poisoned) }
        unappended.append(contentsOf: group)
        var syncing = false
        do throws(TxnLogError) {
            while let txn = unappended.first {
                if file == nil {
                    file = try TxnLogWriter(directory: directory, firstZxid: txn.header.zxid,
                                            preAllocSize: settings.preAllocSize,
                                            zeroFillChunk: settings.zeroFillChunk)
                }
                try file!.append(TxnCodec.apacheReplayable(txn))
                unappended.removeFirst()
                unsynced = true
                txnsInFile += 1
            }
            guard unsynced, let file else { return CommitOutcome() }
            syncing = settings.forceSync
            if settings.forceSync { try file.sync() } else { try file.flush() }
            syncing = false
            unsynced = false
            var outcome = CommitOutcome(durableZxid: file.lastZxid)
            if txnsInFile >= rollAfter {
                try file.close()
                self.file = nil
                txnsInFile = 0
                rollAfter = nextRollThreshold()
                outcome.rolled = true
            }
            return outcome
        } catch {
            // After a failed fsync the kernel may have dropped the dirty pages: what the file holds
            // is unknown, so it is never written again (a restart recovers from what is on disk).
            // A failed write (ENOSPC) keeps the records buffered and is retried.
            if syncing, case .io(_, let operation, _) = error, operation != "pwrite" { poisoned = error }
            if case .writerFailed = error { poisoned = error }
            return CommitOutcome(error: error)
        }
    }

    /// Syncs what is appended (unless an fsync failed before) and closes the current file.
    public func close() throws(TxnLogError) {
        guard let file else { return }
        self.file = nil
        if unsynced && settings.forceSync && poisoned == nil { try file.sync() }
        try file.close()
    }
}
