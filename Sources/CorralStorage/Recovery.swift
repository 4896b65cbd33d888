#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CorralCore
import ZooKeeperProtocol

/// Why the server must not start from a data directory. Each case says what is wrong and where;
/// none is ever worked around by serving data that may be wrong.
public enum RecoveryError: Error, Equatable, Sendable, CustomStringConvertible {
    case io(TxnLogError)
    /// Logs exist but no snapshot (Apache: "No snapshot found, but there are log entries").
    case logsWithoutSnapshot(lastLogFile: String)
    /// Snapshots exist and none of them can be read.
    case noValidSnapshot([String])
    /// The newest snapshot is compressed, which Corral does not read.
    case compressedSnapshot(path: String)
    /// The zxid sequence has a hole: `expected` is missing before `found`.
    case zxidGap(file: String, offset: Int64, expected: Int64, found: Int64)
    /// A damaged record before the last log file's end, or an intact record Corral cannot decode.
    case corruptLog(TxnLogCorruption)
    /// The first snapshot of a new data directory could not be written.
    case snapshot(SnapshotError)

    public var description: String {
        switch self {
        case .io(let e): return e.description
        case .logsWithoutSnapshot(let file):
            return "No snapshot found, but there are log entries (\(file)). Something is broken! " +
                "Set snapshot.trust.empty=true only if this data directory comes from ZooKeeper 3.4."
        case .noValidSnapshot(let errors):
            return "Not able to find a valid snapshot: " + errors.joined(separator: "; ")
        case .compressedSnapshot(let path):
            return "\(path) is compressed; Corral reads only uncompressed snapshots " +
                "(start Apache ZooKeeper once with snapshot.compression.method=none to write one)"
        case .zxidGap(let file, let offset, let expected, let found):
            return "zxid gap in \(file) at offset \(offset): expected 0x\(hex(expected)), found 0x\(hex(found)); " +
                "refusing to serve a tree with missing transactions"
        case .corruptLog(let c):
            return "corrupt txn log before its end (\(c)); later logs exist, so cutting it would drop " +
                "acknowledged transactions. Move the damaged file and the ones after it aside to discard them."
        case .snapshot(let e): return "cannot write the first snapshot: \(e)"
        }
    }
}

/// What recovery found and did, for the log.
public struct RecoveryReport: Sendable {
    /// The snapshot loaded, nil for an empty start.
    public var snapshot: ZxidFile?
    /// Newer snapshots that failed to load, with the reason.
    public var rejectedSnapshots: [(path: String, error: String)] = []
    public var replayedTxns = 0
    public var lastZxid: Int64 = 0
    /// Torn tails cut off the last log file.
    public var truncated: [TxnLogCorruption] = []
    /// Files removed: interrupted snapshot writes and log files left with no record.
    public var removedFiles: [String] = []
    /// Sessions whose ephemeral nodes were deleted because no session record survived.
    public var killedSessions: [Int64] = []
    /// True when the directory held no snapshot and no log (a new server).
    public var isEmpty = false
}

/// Apache's `FileTxnSnapLog.restore`: the newest snapshot that validates, then the txns after it
/// from the logs. A torn tail of the last log is cut at the last valid record; anything else that
/// would leave a hole in the zxid sequence stops recovery with `RecoveryError`.
public enum Recovery {
    public static func recover(_ directory: DataDirectory, config: CoreConfig, now: Int64,
                               trustEmptySnapshot: Bool = false,
                               maxRecordLength: Int = TxnLogFormat.defaultMaxRecordLength)
        throws(RecoveryError) -> (core: ServerCore, report: RecoveryReport) {
        var report = RecoveryReport()
        do throws(TxnLogError) {
            try directory.create()
            for path in try directory.temporarySnapshotFiles() {
                PosixFile.removeFile(path)
                report.removedFiles.append(path)
            }
        } catch {
            throw .io(error)
        }
        var core = try loadSnapshot(directory, config: config, now: now, trustEmptySnapshot: trustEmptySnapshot,
                                    report: &report)
        try replayLogs(directory, core: &core, now: now, maxRecordLength: maxRecordLength, report: &report)
        report.killedSessions = core.finishRecovery()
        report.lastZxid = core.lastAppliedZxid
        return (core, report)
    }

    static func loadSnapshot(_ directory: DataDirectory, config: CoreConfig, now: Int64, trustEmptySnapshot: Bool,
                             report: inout RecoveryReport) throws(RecoveryError) -> ServerCore {
        let snapshots: [ZxidFile], logs: [ZxidFile], compressed: ZxidFile?
        do throws(TxnLogError) {
            snapshots = try directory.snapshots()
            logs = try directory.logs()
            compressed = try directory.compressedSnapshots().first
        } catch {
            throw .io(error)
        }
        if let compressed, compressed.zxid > (snapshots.first?.zxid ?? -1) {
            throw .compressedSnapshot(path: compressed.path)
        }
        for file in snapshots {
            do throws(SnapshotError) {
                let snapshot = try SnapshotReader.read(path: file.path, extendedTypesEnabled: config.extendedTypesEnabled)
                report.snapshot = file
                return ServerCore(config: config, startTime: now, restoring: snapshot.tree,
                                  sessions: snapshot.sessions, zxid: file.zxid)
            } catch {
                report.rejectedSnapshots.append((file.path, error.description))
            }
        }
        guard snapshots.isEmpty else {
            throw .noValidSnapshot(report.rejectedSnapshots.map { "\($0.path): \($0.error)" })
        }
        if let last = logs.last, !trustEmptySnapshot { throw .logsWithoutSnapshot(lastLogFile: last.path) }
        report.isEmpty = logs.isEmpty
        return ServerCore(config: config, startTime: now)
    }

    /// Replays every txn after the core's zxid, checking that zxids follow each other (+1 within
    /// an epoch; a later epoch may start anywhere). The last file's torn tail is cut off; a last
    /// file left without records is removed, so the next log can take its name.
    static func replayLogs(_ directory: DataDirectory, core: inout ServerCore, now: Int64, maxRecordLength: Int,
                           report: inout RecoveryReport) throws(RecoveryError) {
        let all: [ZxidFile]
        do throws(TxnLogError) { all = try directory.logs() } catch { throw .io(error) }
        let files = DataDirectory.logs(all, after: core.lastAppliedZxid)
        for (index, file) in files.enumerated() {
            let isLast = index == files.count - 1
            let scan: TxnLogFile.Scan
            do throws(TxnLogError) {
                scan = try TxnLogFile.scan(path: file.path, maxRecordLength: maxRecordLength)
            } catch {
                throw .io(error)
            }
            for record in scan.records where record.zxid > core.lastAppliedZxid {
                try checkFollows(core.lastAppliedZxid, record, file: file.path)
                core.replay(record.txn, now: now)
                report.replayedTxns += 1
            }
            if let corruption = scan.end.corruption {
                guard isLast, corruption.isTornTail else { throw .corruptLog(corruption) }
                do throws(TxnLogError) {
                    try TxnLogFile.truncate(path: file.path, at: corruption.offset)
                } catch {
                    throw .io(error)
                }
                report.truncated.append(corruption)
            }
            if isLast && scan.records.isEmpty && file.zxid > core.lastAppliedZxid {
                PosixFile.removeFile(file.path)
                report.removedFiles.append(file.path)
            }
        }
    }

    static func checkFollows(_ last: Int64, _ record: TxnLogRecord, file: String) throws(RecoveryError) {
        let zxid = record.zxid
        let sameEpoch = zxid >> 32 == last >> 32
        if sameEpoch ? zxid == last + 1 : zxid >> 32 > last >> 32 { return }
        throw .zxidGap(file: file, offset: record.offset, expected: last + 1, found: zxid)
    }
}

private func hex(_ v: Int64) -> String { String(UInt64(bitPattern: v), radix: 16) }
