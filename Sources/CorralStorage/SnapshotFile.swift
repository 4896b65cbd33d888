#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CorralCore
import NIOCore

func snapshotErrnoDescription(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "error \(code)" }
    return String(cString: s)
}

/// Writes to an open file descriptor, retrying partial writes and EINTR.
public struct FileSnapshotSink: SnapshotSink, Sendable {
    public let fd: Int32
    public let path: String
    public init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    public mutating func write(_ chunk: ByteBuffer) throws(SnapshotError) {
        let fd = self.fd
        let failure: Int32? = chunk.withUnsafeReadableBytes { raw -> Int32? in
            var done = 0
            while done < raw.count {
                #if canImport(Darwin)
                let n = Darwin.write(fd, raw.baseAddress! + done, raw.count - done)
                #else
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                #endif
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
        if let failure { throw .io(path: path, operation: "write", errno: failure) }
    }
}

/// Reads from an open file descriptor.
public struct FileSnapshotSource: SnapshotSource {
    public let fd: Int32
    public let path: String
    public init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    public mutating func read(into buffer: inout ByteBuffer, maxBytes: Int) throws(SnapshotError) -> Int {
        let fd = self.fd
        var failure: Int32?
        let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maxBytes) { raw -> Int in
            while true {
                #if canImport(Darwin)
                let n = Darwin.read(fd, raw.baseAddress!, min(maxBytes, raw.count))
                #else
                let n = Glibc.read(fd, raw.baseAddress!, min(maxBytes, raw.count))
                #endif
                if n >= 0 { return n }
                if errno == EINTR { continue }
                failure = errno
                return 0
            }
        }
        if let failure { throw .io(path: path, operation: "read", errno: failure) }
        return got
    }
}

/// Writes snapshot files the way Apache's `FileSnap.serialize` with `AtomicFileOutputStream` does, and
/// a little more carefully: the bytes go to a temporary file in the same directory (a dot-name no
/// snapshot listing matches), which is fsynced, closed and renamed to `snapshot.<zxid hex>`; then the
/// directory is fsynced so the rename itself is durable. On any failure the temporary file is removed
/// and nothing named `snapshot.*` appears.
public enum SnapshotWriter {
    public struct Result: Sendable, Equatable {
        public var path: String
        public var byteCount: Int64
        public var nodeCount: Int
    }

    /// Writes `tree` and `sessions` (id -> timeout) as `directory/snapshot.<zxid hex>`, streaming in
    /// `chunkSize` pieces. `digest` nil leaves the digest section out; the default is the empty digest
    /// Apache 3.8 writes before it has computed one. `fsync` false skips both fsyncs (forceSync=no).
    @discardableResult
    public static func write(tree: DataTree, sessions: [Int64: Int32], zxid: Int64, directory: String,
                             digest: SnapshotDigest? = .empty, lastProcessedZxid: Int64? = nil,
                             fsync: Bool = true, chunkSize: Int = 1 << 20) throws(SnapshotError) -> Result {
        try write(zxid: zxid, directory: directory, fsync: fsync, chunkSize: chunkSize) { (encoder) throws(SnapshotError) in
            try encoder.writeTree(tree, sessions: sessions, digest: digest, lastProcessedZxid: lastProcessedZxid)
        }
    }

    /// The same, with the caller driving the encoder (for a tree kept some other way): `body` must call
    /// the encoder's sections in order and end with `finish`.
    @discardableResult
    public static func write(zxid: Int64, directory: String, fsync: Bool = true, chunkSize: Int = 1 << 20,
                             _ body: (inout SnapshotEncoder<FileSnapshotSink>) throws(SnapshotError) -> Void)
        throws(SnapshotError) -> Result {
        let file = try PendingSnapshotFile(directory: directory, zxid: zxid)
        do throws(SnapshotError) {
            var encoder = SnapshotEncoder(sink: file.sink, chunkSize: chunkSize)
            try body(&encoder)
            precondition(encoder.isFinished, "SnapshotWriter.write: the body must end with encoder.finish()")
            try file.complete(fsync: fsync)
            return Result(path: file.finalPath, byteCount: encoder.byteCount, nodeCount: encoder.nodesWritten)
        } catch {
            file.abandon()
            throw error
        }
    }
}

/// A snapshot being written under its temporary name. `complete` fsyncs, closes and renames it into
/// place (then fsyncs the directory); `abandon` closes and removes it. Exactly one of them must be
/// called. The writes may happen on any one thread at a time.
public final class PendingSnapshotFile: @unchecked Sendable {
    public let zxid: Int64
    public let directory: String
    public let temporaryPath: String
    public let finalPath: String
    private let fd: Int32
    private var closed = false

    public init(directory: String, zxid: Int64) throws(SnapshotError) {
        self.zxid = zxid
        self.directory = directory
        finalPath = directory + "/" + SnapshotFormat.fileName(zxid: zxid)
        temporaryPath = directory + "/" + SnapshotFormat.temporaryFileName(zxid: zxid)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporaryPath, operation: "open", errno: errno) }
    }

    public var sink: FileSnapshotSink { FileSnapshotSink(fd: fd, path: temporaryPath) }

    public func complete(fsync: Bool) throws(SnapshotError) {
        precondition(!closed, "PendingSnapshotFile completed twice")
        if fsync {
            guard snapshotFsync(fd) == 0 else { throw .io(path: temporaryPath, operation: "fsync", errno: errno) }
        }
        closed = true
        guard close(fd) == 0 else { throw .io(path: temporaryPath, operation: "close", errno: errno) }
        guard rename(temporaryPath, finalPath) == 0 else {
            throw .io(path: finalPath, operation: "rename", errno: errno)
        }
        if fsync { try SnapshotWriter.fsyncDirectory(directory) }
    }

    public func abandon() {
        if !closed { _ = close(fd); closed = true }
        _ = unlink(temporaryPath)
    }
}

extension SnapshotWriter {
    static func fsyncDirectory(_ directory: String) throws(SnapshotError) {
        let dfd = open(directory, O_RDONLY | O_CLOEXEC)
        guard dfd >= 0 else { throw .io(path: directory, operation: "open", errno: errno) }
        defer { _ = close(dfd) }
        guard snapshotFsync(dfd) == 0 else { throw .io(path: directory, operation: "fsync", errno: errno) }
    }
}

private func snapshotFsync(_ fd: Int32) -> Int32 {
    while true {
        let r = fsync(fd)
        if r == 0 || errno != EINTR { return r }
    }
}

/// Reads snapshot files.
public enum SnapshotReader {
    /// Reads and validates `path` (see `SnapshotDecoder`). `extendedTypesEnabled` as in zoo.cfg.
    public static func read(path: String, extendedTypesEnabled: Bool, chunkSize: Int = 1 << 20) throws(SnapshotError) -> Snapshot {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { _ = close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
        var decoder = SnapshotDecoder(source: FileSnapshotSource(fd: fd, path: path), name: path,
                                      size: Int64(st.st_size), chunkSize: chunkSize)
        return try decoder.decode(extendedTypesEnabled: extendedTypesEnabled)
    }
}
