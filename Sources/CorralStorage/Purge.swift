#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a purge did not run.
public enum PurgeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than `PurgeRules.minimumRetainCount` snapshots to keep (Apache's
    /// `IllegalArgumentException`).
    case retainCountTooSmall(Int)
    /// Separate log and snapshot directories, and the log directory holds "snapshot.*" files
    /// (Apache's `LogDirContentCheckException`, ZOOKEEPER-2967).
    case logDirectoryHasSnapshots(String)
    /// Separate directories, and the snapshot directory holds "log.*" files.
    case snapshotDirectoryHasLogs(String)
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .retainCountTooSmall: return "count should be greater than or equal to 3"
        case .logDirectoryHasSnapshots:
            return "Log directory has snapshot files. Check if dataLogDir and dataDir configuration is correct."
        case .snapshotDirectoryHasLogs:
            return "Snapshot directory has log files. Check if dataLogDir and dataDir configuration is correct."
        case .io(let path, let op, let e): return "\(op) \(path): \(String(cString: strerror(e))) (errno \(e))"
        }
    }
}

/// What a purge keeps and removes, decided before anything is removed.
public struct PurgePlan: Sendable, Equatable {
    /// The newest valid snapshots kept (at most the retain count), newest first.
    public var retainedSnapshots: [String]
    /// The zxid of the oldest retained snapshot; nil when there is no valid snapshot (then
    /// nothing is removed).
    public var oldestRetainedZxid: Int64?
    /// "log.*" files that no retained snapshot needs, oldest first.
    public var logsToRemove: [String]
    /// "snapshot.*" files older than the oldest retained snapshot, oldest first.
    public var snapshotsToRemove: [String]
    /// Snapshot files that could not be read while checking them; like Apache, they count as
    /// invalid (not retained) and are removed if old enough.
    public var unreadableSnapshots: [PurgeError]

    /// Everything to remove, in the order Apache removes it: logs, then snapshots.
    public var filesToRemove: [String] { logsToRemove + snapshotsToRemove }
}

/// One file a purge tried to remove.
public struct PurgedFile: Sendable, Equatable {
    public var path: String
    /// Its modification time (ms since the epoch) just before removal; nil if it could not be
    /// read (Java's `File.lastModified()` then says 0).
    public var modifiedMilliseconds: Int64?
    /// nil if removed, else the errno of the failed `remove`.
    public var failure: Int32?

    public init(path: String, modifiedMilliseconds: Int64?, failure: Int32?) {
        self.path = path; self.modifiedMilliseconds = modifiedMilliseconds; self.failure = failure
    }
}

public struct PurgeResult: Sendable, Equatable {
    public var plan: PurgePlan
    /// Every file of `plan.filesToRemove`, in that order, with the outcome.
    public var files: [PurgedFile]
}

/// Apache's `PurgeTxnLog` rules (3.8), as pure functions of directory listings.
public enum PurgeRules {
    public static let minimumRetainCount = 3
    static let logPrefix = "log"
    static let snapshotPrefix = "snapshot"

    /// `Util.sortDataDir(files, "snapshot", false)`: newest zxid first; names that carry none
    /// (-1) last. Ties are broken by name (Apache keeps directory order).
    public static func snapshotCandidates(_ names: [String]) -> [String] {
        let keyed: [(zxid: Int64, name: String)] = names.map { (ApacheFileName.zxid(fromName: $0, prefix: snapshotPrefix), $0) }
        return keyed.sorted { $0.zxid != $1.zxid ? $0.zxid > $1.zxid : $0.name < $1.name }.map(\.name)
    }

    /// `FileTxnLog.getLogFiles(listing, snapshotZxid)`: every file whose log zxid is at least that
    /// of the newest log starting at or before `snapshotZxid` (0 if there is none).
    public static func retainedLogs(_ names: [String], snapshotZxid: Int64) -> Set<String> {
        let zxids: [Int64] = names.map { ApacheFileName.zxid(fromName: $0, prefix: logPrefix) }
        let start: Int64 = zxids.filter { $0 <= snapshotZxid }.reduce(0, max)
        return Set(zip(names, zxids).filter { $0.1 >= start }.map(\.0))
    }

    /// `PurgeTxnLog`'s `MyFileFilter`: names starting with "<prefix>." that are not retained and
    /// whose zxid (-1 when the rest is not a hex long, so such files go too) is below `least`.
    /// Sorted by zxid, then name.
    public static func removable(_ names: [String], prefix: String, below least: Int64,
                                 retained: Set<String> = []) -> [String] {
        let candidates = names.filter { $0.hasPrefix(prefix + ".") && !retained.contains($0) }
        let keyed: [(zxid: Int64, name: String)] = candidates.map { (ApacheFileName.zxid(fromName: $0, prefix: prefix), $0) }
        return keyed.filter { $0.zxid < least }
            .sorted { $0.zxid != $1.zxid ? $0.zxid < $1.zxid : $0.name < $1.name }.map(\.name)
    }

    /// How `SnapStream.isValidSnapshot` checks a file, chosen by the last dot-part of its name.
    public enum SnapshotCheck: Sendable, Equatable {
        /// At least 10 bytes, ending in int 1 and "/" (the seal's path).
        case trailer
        /// Starts with the gzip magic 1f 8b.
        case gzip
        /// Starts with snappy-java's magic 82 "SNAPPY" 00.
        case snappy
    }

    public static func snapshotCheck(forName name: String) -> SnapshotCheck {
        let parts = ApacheFileName.javaSplitOnDots(name)
        guard parts.count > 1, let last = parts.last?.lowercased() else { return .trailer }
        return last == "gz" ? .gzip : (last == "snappy" ? .snappy : .trailer)
    }

    static let gzipMagic: [UInt8] = [0x1f, 0x8b]
    static let snappyMagic: [UInt8] = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]
    static let trailer: [UInt8] = [0, 0, 0, 1, 0x2f]

    /// The check on the bytes read: `head` (the first up to 8 bytes), `tail` (the last up to 5),
    /// and the file size.
    public static func isValidSnapshot(_ check: SnapshotCheck, size: Int64, head: [UInt8], tail: [UInt8]) -> Bool {
        switch check {
        case .trailer: return size >= 10 && tail == trailer
        case .gzip: return head.starts(with: gzipMagic)
        case .snappy: return head.starts(with: snappyMagic)
        }
    }
}

extension DataDirectory {
    /// Decides, as Apache's `PurgeTxnLog.purge(dataLogDir, snapDir, retain)` does, which files go:
    /// the newest `retain` valid snapshots stay (validity by file name and Apache's quick content
    /// check), and so does every log that may hold txns after the oldest of them (the newest log
    /// starting at or before its zxid, and all later ones). Every "snapshot.*" and "log.*" file
    /// older than that goes, including ones whose name has no readable zxid; other names are never
    /// touched. Reads the directories and snapshot heads/tails only; changes nothing. A missing
    /// directory counts as empty.
    public func purgePlan(retain: Int) throws(PurgeError) -> PurgePlan {
        guard retain >= PurgeRules.minimumRetainCount else { throw .retainCountTooSmall(retain) }
        let logNames = try Self.purgeListing(logDirectory)
        let snapNames = logDirectory == snapDirectory ? logNames : try Self.purgeListing(snapDirectory)
        if logDirectory != snapDirectory {
            if logNames.contains(where: { $0.hasPrefix("snapshot.") }) { throw .logDirectoryHasSnapshots(logDirectory) }
            if snapNames.contains(where: { $0.hasPrefix("log.") }) { throw .snapshotDirectoryHasLogs(snapDirectory) }
        }
        var plan = PurgePlan(retainedSnapshots: [], oldestRetainedZxid: nil, logsToRemove: [], snapshotsToRemove: [],
                             unreadableSnapshots: [])
        var oldest: String?
        for name in PurgeRules.snapshotCandidates(snapNames) where plan.retainedSnapshots.count < retain {
            let path = Self.join(snapDirectory, name)
            do {
                guard try Self.isValidSnapshot(path: path, name: name) else { continue }
                plan.retainedSnapshots.append(path)
                oldest = name
            } catch {
                plan.unreadableSnapshots.append(error)
            }
        }
        guard let oldest else { return plan }
        let least = ApacheFileName.zxid(fromName: oldest, prefix: "snapshot")
        plan.oldestRetainedZxid = least
        let keepLogs = PurgeRules.retainedLogs(logNames, snapshotZxid: least)
        plan.logsToRemove = PurgeRules.removable(logNames, prefix: "log", below: least, retained: keepLogs)
            .map { Self.join(logDirectory, $0) }
        plan.snapshotsToRemove = PurgeRules.removable(snapNames, prefix: "snapshot", below: least)
            .map { Self.join(snapDirectory, $0) }
        return plan
    }

    /// `purgePlan(retain:)`, then removes its files (an empty directory named like one too, as
    /// Java's `File.delete` would). A file that cannot be removed is reported in the result, not
    /// thrown; the others are still removed.
    public func purge(retain: Int) throws(PurgeError) -> PurgeResult {
        let plan = try purgePlan(retain: retain)
        let files = plan.filesToRemove.map { path in
            var file = PurgedFile(path: path, modifiedMilliseconds: Self.modificationTime(path), failure: nil)
            if remove(path) != 0 { file.failure = errno }
            return file
        }
        return PurgeResult(plan: plan, files: files)
    }

    static func purgeListing(_ directory: String) throws(PurgeError) -> [String] {
        do {
            return try list(directory)
        } catch {
            guard case .io(let path, let op, let code) = error else {
                throw .io(path: directory, operation: "list (\(error))", errno: 0)
            }
            if code == ENOENT { return [] }  // Java's listFiles() is null: nothing to purge there
            throw .io(path: path, operation: op, errno: code)
        }
    }

    /// `SnapStream.isValidSnapshot`: false for a name without a zxid; otherwise the content check
    /// for its kind. Throws if the file cannot be opened or read.
    static func isValidSnapshot(path: String, name: String) throws(PurgeError) -> Bool {
        guard ApacheFileName.zxid(fromName: name, prefix: "snapshot") != -1 else { return false }
        let check = PurgeRules.snapshotCheck(forName: name)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { _ = close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
        let size = Int64(st.st_size)
        let head = try readBytes(fd, path: path, at: 0, count: check == .trailer ? 0 : 8)
        let tail = try readBytes(fd, path: path, at: max(0, size - 5), count: check == .trailer && size >= 10 ? 5 : 0)
        return PurgeRules.isValidSnapshot(check, size: size, head: head, tail: tail)
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    static func readBytes(_ fd: Int32, path: String, at offset: Int64, count: Int) throws(PurgeError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset) + off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .io(path: path, operation: "read", errno: errno) }
            if n == 0 { break }
            got += n
        }
        return Array(bytes[..<got])
    }

    static func modificationTime(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        return Int64(st.st_mtimespec.tv_sec) * 1000 + Int64(st.st_mtimespec.tv_nsec) / 1_000_000
        #else
        return Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000
        #endif
    }
}
