import CorralCore

/// Apache ZooKeeper's snapshot file, `version-2/snapshot.<last zxid, lowercase hex>` (`FileSnap`,
/// `SnapStream`, `SerializeUtils.serializeSnapshot`, `DataTree.serialize`), all jute big-endian:
///
/// ```
/// FileHeader      int magic "ZKSN" (0x5a4b534e), int version 2, long dbid -1
/// sessions        int count, then count x (long id, int timeout)
/// ACL cache       int count, then count x (long id, vector<ACL>)      ACL = int perms, ustring scheme, ustring id
/// nodes           depth-first, parent before children, each: ustring path, buffer data (-1 = null),
///                 long acl id, StatPersisted (czxid, mzxid, ctime, mtime, int version, int cversion,
///                 int aversion, ephemeralOwner, pzxid); the root's path is "" and its children "/a"
/// end of nodes    ustring "/"
/// seal            long Adler32 of every byte before it, ustring "/"
/// digest (3.6+)   long zxid, int digestVersion, long digest (version < 2: ustring hex digest)
/// seal            long Adler32 of every byte before it (from offset 0, earlier seal included), ustring "/"
/// (3.9+, optional) long lastProcessedZxid, then another seal
/// ```
///
/// Apache 3.8 always writes the digest section (`zookeeper.digest.enabled` defaults to true), with
/// zxid 0, version 2, digest 0 when it has no digest yet; it never writes the lastProcessedZxid
/// section, and ignores anything after the digest seal. Readers before 3.6 stop after the first seal.
public enum SnapshotFormat {
    /// "ZKSN" (`FileSnap.SNAP_MAGIC`).
    public static let magic: Int32 = 0x5a4b_534e
    public static let version: Int32 = 2
    /// `FileSnap.dbId`.
    public static let defaultDbId: Int64 = -1
    public static let fileNamePrefix = "snapshot"

    /// `Util.makeSnapshotName`: "snapshot." + `Long.toHexString(zxid)` (lowercase, no padding; a
    /// negative zxid prints as its two's complement).
    public static func fileName(zxid: Int64) -> String {
        fileNamePrefix + "." + String(UInt64(bitPattern: zxid), radix: 16)
    }

    /// The zxid a snapshot file name carries: exactly "snapshot.<hex>" (what Corral and Apache's
    /// uncompressed mode write). Other names — compressed `.gz` / `.snappy` snapshots, temporary
    /// files — give nil. Like Java's `Long.parseLong(_, 16)`, a value must fit in a signed long.
    public static func zxid(fromFileName name: String) -> Int64? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == fileNamePrefix, !parts[1].isEmpty,
              parts[1].utf8.allSatisfy({ isHexDigit($0) }) else { return nil }
        return Int64(parts[1], radix: 16)
    }

    /// What a file in a snapshot directory is, by name.
    public enum FileKind: Sendable, Equatable {
        /// "snapshot.<hex>": a snapshot Corral can read.
        case snapshot(zxid: Int64)
        /// "snapshot.<hex>.gz" / ".snappy": what Apache writes with
        /// `zookeeper.snapshot.compression.method` set. Corral cannot read these; Apache prefers them
        /// like any other snapshot, so a recovery that skipped them could start from an older state.
        case compressedSnapshot(zxid: Int64, method: String)
        /// Corral's temporary name for a snapshot being written.
        case temporary
        case other
    }

    public static func kind(ofFileName name: String) -> FileKind {
        if let zxid = zxid(fromFileName: name) { return .snapshot(zxid: zxid) }
        if name.hasPrefix("."), name.hasSuffix(".tmp"), zxid(fromFileName: String(name.dropFirst().dropLast(4))) != nil {
            return .temporary
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, parts[2] == "gz" || parts[2] == "snappy",
           let zxid = zxid(fromFileName: parts[0] + "." + parts[1]) {
            return .compressedSnapshot(zxid: zxid, method: String(parts[2]))
        }
        return .other
    }

    /// The name a snapshot is written under until it is complete and fsynced; it starts with a dot,
    /// so neither Apache's nor Corral's snapshot listing ever mistakes it for a snapshot.
    public static func temporaryFileName(zxid: Int64) -> String { "." + fileName(zxid: zxid) + ".tmp" }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }
}

/// The file header of a snapshot (`FileHeader`). Apache checks only the magic.
public struct SnapshotHeader: Sendable, Equatable {
    public var magic: Int32
    public var version: Int32
    public var dbid: Int64

    public init(magic: Int32 = SnapshotFormat.magic, version: Int32 = SnapshotFormat.version,
                dbid: Int64 = SnapshotFormat.defaultDbId) {
        self.magic = magic; self.version = version; self.dbid = dbid
    }
}

/// Apache's `DataTree.ZxidDigest`, the section after the first seal: the tree digest as of `zxid`.
/// A reader compares it with its own digest once replay reaches `zxid`; zxid 0 means "no digest".
public struct SnapshotDigest: Sendable, Equatable {
    public var zxid: Int64
    /// `DigestCalculator.DIGEST_VERSION` (2 in 3.6-3.9).
    public var version: Int32
    public var digest: Int64

    /// What Apache writes when it has no digest yet: zxid 0, version 2, digest 0.
    public static let empty = SnapshotDigest(zxid: 0, version: 2, digest: 0)

    public init(zxid: Int64, version: Int32 = 2, digest: Int64) {
        self.zxid = zxid; self.version = version; self.digest = digest
    }
}

/// A snapshot as read back: the tree, the sessions and what the trailer held.
public struct Snapshot: Sendable {
    public var header: SnapshotHeader
    public var tree: DataTree
    /// Session id -> timeout (ms), as `SerializeUtils.deserializeSnapshot` fills its map.
    public var sessions: [Int64: Int32]
    /// The digest section; nil when the file has none (pre-3.6 or digest disabled).
    public var digest: SnapshotDigest?
    /// The 3.9+ lastProcessedZxid section, when present.
    public var lastProcessedZxid: Int64?
    /// ACL ids some node uses that the ACL map lacks (kept, as Apache keeps them).
    public var unknownACLIds: Set<Int64>
    /// The file's size.
    public var byteCount: Int64
}

/// Why a snapshot could not be written or read. A damaged file is always this error, never a trap.
public enum SnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed (`operation` names it, e.g. "open", "write", "fsync", "rename").
    case io(path: String, operation: String, errno: Int32)
    /// The bytes are not a valid snapshot: `offset` is where the offending field starts.
    case corrupt(path: String, offset: Int64, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let errno):
            return "\(path): \(operation) failed: \(snapshotErrnoDescription(errno)) (errno \(errno))"
        case .corrupt(let path, let offset, let reason):
            return "\(path): corrupt snapshot at offset \(offset): \(reason)"
        }
    }
}
