import CorralCore
import CorralStorage
import Logging
import NIOCore
import NIOPosix

/// Group commit (Apache's `SyncRequestProcessor`): the event loop hands over every txn it logs;
/// while one group is being written and fsynced on the log thread, the next group gathers, and it
/// is handed over as one when the fsync returns. A txn is reported durable only after the fsync
/// that covers it. Loop-confined, except `writer`, which only the log thread touches.
final class GroupCommitLog: @unchecked Sendable {
    let loop: EventLoop
    let thread: NIOThreadPool
    let logger: Logger
    let writer: RollingTxnLog
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
        self.writer = RollingTxnLog(directory: directory, settings: settings)
        self.logger = logger
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
        let logger = self.logger
        try await thread.runIfActive {
            do throws(TxnLogError) {
                try writer.close()
            } catch {
                logger.error("Closing the txn log: \(error)")
            }
        }
        try await thread.shutdownGracefully()
    }
}

