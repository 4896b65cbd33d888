import CorralCore
import CorralStorage
import Logging
import NIOCore

/// Where and how a server keeps its data (zoo.cfg's dataDir, dataLogDir, forceSync, snapCount,
/// preAllocSize, snapshot.trust.empty, autopurge.*).
public struct StorageOptions: Sendable {
    public var dataDir: String
    public var dataLogDir: String?
    public var log = LogSettings()
    /// Start from logs without any snapshot (Apache's escape hatch for 3.4-era data).
    public var trustEmptySnapshot = false
    /// `autopurge.snapRetainCount` (at least 3).
    public var snapRetainCount = 3
    /// `autopurge.purgeInterval` in hours; 0 disables autopurge.
    public var purgeIntervalHours = 0

    public init(dataDir: String, dataLogDir: String? = nil) {
        self.dataDir = dataDir
        self.dataLogDir = dataLogDir
    }

    public var directory: DataDirectory { DataDirectory(dataDir: dataDir, dataLogDir: dataLogDir) }
}

/// The durable side of a running server: the group-commit log and the snapshot taker, both
/// driven from the event loop (and, like the driver, confined to it).
final class Persistence: @unchecked Sendable {
    let options: StorageOptions
    let log: GroupCommitLog
    let snapshots: FuzzySnapshotTaker
    let logger: Logger

    init(options: StorageOptions, loop: EventLoop, logger: Logger) {
        self.options = options
        self.logger = logger
        let directory = options.directory
        log = GroupCommitLog(directory: directory.logDirectory, settings: options.log, loop: loop, logger: logger)
        snapshots = FuzzySnapshotTaker(directory: directory.snapDirectory, fsync: options.log.forceSync,
                                       loop: loop, logger: logger)
        snapshots.onFinished = { [logger] result in
            switch result {
            case .success(let done):
                logger.info("Snapshot \(done.path): \(done.nodes) znodes, \(done.bytes) bytes in \(done.milliseconds) ms")
            case .failure(let error):
                logger.error("Snapshot failed: \(error)")
            }
        }
    }

    func shutdown() async throws {
        purgeTask?.cancel()
        try await log.shutdown()
        try await snapshots.shutdown()
    }

    private var purgeTask: RepeatedTask?

    /// Apache's `DatadirCleanupManager`: with `autopurge.purgeInterval` hours > 0, purges at start
    /// and then every interval, keeping `autopurge.snapRetainCount` snapshots and the logs they
    /// need. The purge runs on the snapshot thread (so it never deletes a file a snapshot in
    /// progress is about to need: the newest snapshots are retained) and is logged.
    func startAutopurge(on loop: EventLoop) {
        guard options.purgeIntervalHours > 0 else {
            logger.info("Purge task is not scheduled.")
            return
        }
        let directory = options.directory, retain = options.snapRetainCount, logger = self.logger
        let thread = snapshots.thread
        let interval = TimeAmount.hours(Int64(options.purgeIntervalHours))
        purgeTask = loop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in
            thread.submit { _ in
                do throws(PurgeError) {
                    let result = try directory.purge(retain: retain)
                    for file in result.files {
                        if let failure = file.failure {
                            logger.warning("Purge could not remove \(file.path): errno \(failure)")
                        } else {
                            logger.info("Purged \(file.path)")
                        }
                    }
                } catch {
                    logger.error("Purge failed: \(error)")
                }
            }
        }
        logger.info("Purge task scheduled every \(options.purgeIntervalHours) h, keeping \(retain) snapshots")
    }

    /// Recovers the core from `options`' directories (see `Recovery`), logging what was found and
    /// done; a new directory gets `snapshot.0`, as Apache writes on its first start, so the data
    /// directory is always one Apache can start from.
    static func recover(_ options: StorageOptions, config: CoreConfig, now: Int64, logger: Logger)
        throws(RecoveryError) -> (ServerCore, RecoveryReport) {
        let (core, report) = try Recovery.recover(options.directory, config: config, now: now,
                                                  trustEmptySnapshot: options.trustEmptySnapshot)
        for path in report.removedFiles { logger.warning("Removed \(path) (left by an interrupted write)") }
        for (path, error) in report.rejectedSnapshots { logger.warning("Skipping snapshot \(path): \(error)") }
        for cut in report.truncated { logger.warning("Truncated torn txn log tail: \(cut)") }
        if !report.killedSessions.isEmpty {
            logger.info("Deleted the ephemeral nodes of \(report.killedSessions.count) dead sessions")
        }
        if let snapshot = report.snapshot {
            logger.info("Loaded \(snapshot.path); replayed \(report.replayedTxns) txns; last zxid 0x\(String(UInt64(bitPattern: report.lastZxid), radix: 16))")
        }
        if report.isEmpty {
            do throws(SnapshotError) {
                let written = try SnapshotWriter.write(tree: core.tree, sessions: [:], zxid: 0,
                                                       directory: options.directory.snapDirectory,
                                                       fsync: options.log.forceSync)
                logger.info("Snapshotting: 0x0 to \(written.path)")
            } catch {
                throw .snapshot(error)
            }
        }
        return (core, report)
    }
}
