#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A file descriptor with the few positional operations the storage files need. Every call retries
/// on EINTR and reports any other failure as `TxnLogError.io` with the path and errno.
struct PosixFile {
    let fd: Int32
    let path: String

    static func openFile(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(TxnLogError) -> PosixFile {
        while true {
            let fd = path.withCString { open($0, flags | O_CLOEXEC, mode) }
            if fd >= 0 { return PosixFile(fd: fd, path: path) }
            if errno == EINTR { continue }
            throw .io(path: path, operation: "open", errno: errno)
        }
    }

    func closeFile() {
        _ = close(fd)
    }

    /// Reads up to `count` bytes at `offset` onto the end of `buffer`; fewer only at the end of the file.
    func read(count: Int, at offset: Int64, into buffer: inout ByteBuffer) throws(TxnLogError) -> Int {
        var total = 0
        while total < count {
            var result = 0
            let want = count - total
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                result = pread(fd, raw.baseAddress, want, off_t(offset) + off_t(total))
                return max(result, 0)
            }
            if result > 0 { total += result; continue }
            if result == 0 { break }
            if errno == EINTR { continue }
            throw .io(path: path, operation: "pread", errno: errno)
        }
        return total
    }

    func write(_ buffer: ByteBuffer, at offset: Int64) throws(TxnLogError) {
        var done = 0
        let count = buffer.readableBytes
        while done < count {
            let r = buffer.withUnsafeReadableBytes { raw in
                pwrite(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if r < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "pwrite", errno: errno)
            }
            done += r
        }
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws(TxnLogError) {
        try write(ByteBuffer(bytes: bytes), at: offset)
    }

    func truncate(to size: Int64) throws(TxnLogError) {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw .io(path: path, operation: "ftruncate", errno: errno)
        }
    }

    /// Makes written data durable: fdatasync where it exists (Apache's `FileChannel.force(false)`).
    func syncData() throws(TxnLogError) {
        while true {
            #if os(Linux)
            let r = fdatasync(fd)
            #else
            let r = fsync(fd)
            #endif
            if r == 0 { return }
            if errno == EINTR { continue }
            throw .io(path: path, operation: "fdatasync", errno: errno)
        }
    }

    func syncAll() throws(TxnLogError) {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw .io(path: path, operation: "fsync", errno: errno)
        }
    }

    func size() throws(TxnLogError) -> Int64 {
        var st = stat()
        while fstat(fd, &st) != 0 {
            if errno == EINTR { continue }
            throw .io(path: path, operation: "fstat", errno: errno)
        }
        return Int64(st.st_size)
    }

    /// fsyncs a directory so that a file created (or renamed) in it survives a crash.
    static func syncDirectory(_ path: String) throws(TxnLogError) {
        let dir = try openFile(path, flags: O_RDONLY | O_DIRECTORY)
        defer { dir.closeFile() }
        try dir.syncAll()
    }

    static func removeFile(_ path: String) {
        _ = path.withCString { unlink($0) }
    }
}

