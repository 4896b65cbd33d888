import CorralCore
import CorralStorage
import Logging
import NIOCore
import NIOPosix

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
struct CommitOutcome: Sendable {
    /// The last zxid now durable (nil when nothing new became durable).
    var durableZxid: Int64?
    /// The log file was closed after this group; the next txn starts a new one.
    var rolled = false
    var error: TxnLogError?
}

/// Group commit (Apache's `SyncRequestProcessor`): the event loop hands over every txn it logs;
/// while one group is being written and fsynced on the log thread, the next group gathers, and it
/// is handed over as one when the fsync returns. A txn is reported durable only after the fsync
/// that covers it. Loop-confined except `LogFileWriter`, which only the log thread touches.
final class GroupCommitLog: @unchecked Sendable {
    let loop: EventLoop
    let thread: NIOThreadPool
    let writer: LogFileWriter
    private var gathering: [Txn] = []
    private(set) var inFlight = false
    /// Set while the log cannot be written; the failed group is retried until it succeeds.
    private(set) var failure: TxnLogError?
    private var retryScheduled = false
    /// Called on the loop with each commit's outcome.
    var onCommit: (CommitOutcome) -> Void = { _ in }

    init(directory: String, settings: LogSettings, loop: EventLoop, logger: Logger) {
        self.loop = loop
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.writer = LogFileWriter(directory: directory, settings: settings, logger: logger)
        thread.start()
        gathering.reserveCapacity(1024)
    }

    /// Queues a txn for the next group; zxids must increase.
    func append(_ txn: Txn) {
        gathering.append(txn)
    }

    /// Starts writing the gathered txns unless a group is already in flight (or failing).
    func commitIfIdle() {
        guard !inFlight, failure == nil, !gathering.isEmpty else { return }
        let group = gathering
        gathering.removeAll(keepingCapacity: true)
        submit(group)
    }

    private func submit(_ group: [Txn]) {
        inFlight = true
        let writer = self.writer
        thread.submit { state in
            let outcome = state == .active ? writer.commit(group)
                : CommitOutcome(error: .writerClosed(path: writer.directory))
            self.loop.execute { self.completed(outcome) }
        }
    }

    private func completed(_ outcome: CommitOutcome) {
        inFlight = false
        failure = outcome.error
        onCommit(outcome)
        if outcome.error != nil {
            scheduleRetry()
        }
    }

    /// A failed group stays with the writer; retrying commits it (and nothing new) once the disk
    /// takes writes again.
    private func scheduleRetry() {
        guard !retryScheduled else { return }
        retryScheduled = true
        loop.scheduleTask(in: .seconds(1)) {
            self.retryScheduled = false
            guard !self.inFlight, self.failure != nil else { return }
            self.submit([])
        }
    }

    /// Waits for the group in flight and closes the log file (the loop must not log afterwards).
    func shutdown() async throws {
        let writer = self.writer
        try await thread.runIfActive { writer.close() }
        try await thread.shutdownGracefully()
    }
}

/// The log files, owned by the log thread: appends each group, fsyncs it, and rolls to a new file
/// after the randomised txn count. A group that fails part-way is remembered and completed first by
/// the next commit, so a retry never skips or repeats a txn.
final class LogFileWriter: @unchecked Sendable {
    let directory: String
    let settings: LogSettings
    let logger: Logger
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

    init(directory: String, settings: LogSettings, logger: Logger) {
        self.directory = directory
        self.settings = settings
        self.logger = logger
        self.rollAfter = 0
        self.rollAfter = nextRollThreshold()
    }

    /// Apache's `SyncRequestProcessor.shouldSnapshot`: `snapCount / 2 + random(snapCount / 2)`.
    private func nextRollThreshold() -> Int {
        let half = max(1, settings.snapCount / 2)
        return half + Int.random(in: 0..<half, using: &random)
    }

    func commit(_ group: [Txn]) -> CommitOutcome {
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

    func close() {
        guard let file else { return }
        do {
            if unsynced && settings.forceSync && poisoned == nil { try file.sync() }
            try file.close()
        } catch {
            logger.error("closing txn log \(file.path): \(error)")
        }
        self.file = nil
    }
}
