#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file in a data directory that carries a zxid in its name.
public struct ZxidFile: Sendable, Equatable {
    public var zxid: Int64
    public var path: String
    public init(zxid: Int64, path: String) { self.zxid = zxid; self.path = path }
}

/// Apache ZooKeeper's on-disk layout (`FileTxnSnapLog`): snapshots in `<dataDir>/version-2`, txn
/// logs in `<dataLogDir>/version-2` (the same directory when `dataLogDir` is not set).
public struct DataDirectory: Sendable, Equatable {
    /// Apache's `FileTxnSnapLog.version` subdirectory name.
    public static let versionDirectoryName = "version-2"

    public let snapDirectory: String
    public let logDirectory: String

    public init(dataDir: String, dataLogDir: String? = nil) {
        snapDirectory = Self.join(dataDir, Self.versionDirectoryName)
        logDirectory = Self.join(dataLogDir.flatMap { $0.isEmpty ? nil : $0 } ?? dataDir, Self.versionDirectoryName)
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Creates both directories (and their parents) if they are missing.
    public func create() throws(TxnLogError) {
        try Self.makeDirectories(snapDirectory)
        try Self.makeDirectories(logDirectory)
    }

    /// Readable snapshots (`snapshot.<hex>`), newest first.
    public func snapshots() throws(TxnLogError) -> [ZxidFile] {
        var out: [ZxidFile] = []
        for name in try Self.list(snapDirectory) {
            if case .snapshot(let zxid) = SnapshotFormat.kind(ofFileName: name) {
                out.append(ZxidFile(zxid: zxid, path: Self.join(snapDirectory, name)))
            }
        }
        return out.sorted { $0.zxid > $1.zxid }
    }

    /// Snapshots Apache wrote compressed (`.gz`, `.snappy`), which Corral cannot read.
    public func compressedSnapshots() throws(TxnLogError) -> [ZxidFile] {
        var out: [ZxidFile] = []
        for name in try Self.list(snapDirectory) {
            if case .compressedSnapshot(let zxid, _) = SnapshotFormat.kind(ofFileName: name) {
                out.append(ZxidFile(zxid: zxid, path: Self.join(snapDirectory, name)))
            }
        }
        return out.sorted { $0.zxid > $1.zxid }
    }

    /// Leftovers of snapshots whose writing was interrupted (never renamed into place).
    public func temporarySnapshotFiles() throws(TxnLogError) -> [String] {
        try Self.list(snapDirectory).filter { SnapshotFormat.kind(ofFileName: $0) == .temporary }
            .sorted().map { Self.join(snapDirectory, $0) }
    }

    /// Txn log files (`log.<hex>`), oldest first.
    public func logs() throws(TxnLogError) -> [ZxidFile] {
        var out: [ZxidFile] = []
        for name in try Self.list(logDirectory) {
            if let zxid = TxnLogFormat.zxid(fromFileName: name) {
                out.append(ZxidFile(zxid: zxid, path: Self.join(logDirectory, name)))
            }
        }
        return out.sorted { $0.zxid < $1.zxid }
    }

    /// Apache's `FileTxnLog.getLogFiles`: the logs that may hold txns after `zxid` — the newest one
    /// starting at or before it, and every later one. `logs` must be sorted oldest first.
    public static func logs(_ logs: [ZxidFile], after zxid: Int64) -> [ZxidFile] {
        var first = 0
        for (i, log) in logs.enumerated() where log.zxid <= zxid { first = i }
        return Array(logs[first...])
    }

    /// The names in `directory` (no "." or ".."), unsorted.
    static func list(_ directory: String) throws(TxnLogError) -> [String] {
        guard let dir = opendir(directory) else { throw .io(path: directory, operation: "opendir", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func makeDirectories(_ path: String) throws(TxnLogError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(path: prefix, operation: "mkdir", errno: errno)
            }
            prefix += "/"
        }
    }
}
