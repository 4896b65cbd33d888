#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CorralCore
import NIOCore
import ZooKeeperProtocol

/// Why a txn log could not be read or written.
public enum TxnLogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed (ENOSPC, EIO, ENOENT ...). Writes that fail this way may be retried.
    case io(path: String, operation: String, errno: Int32)
    /// The file does not start with a txn log header (wrong magic).
    case notATxnLog(path: String, magic: Int32)
    /// The log is damaged at a precise place; see `TxnLogCorruption`.
    case corrupt(TxnLogCorruption)
    /// The txn cannot be logged (its body does not match its type).
    case encoding(TxnCodecError)
    /// An fsync of this file failed earlier: what the kernel still holds for it is unknown, so the
    /// writer refuses all further work. Start a new log file (after recovery) instead.
    case writerFailed(path: String)
    /// The writer was closed.
    case writerClosed(path: String)

    public var description: String {
        switch self {
        case .io(let path, let op, let e): return "\(op) \(path): \(String(cString: strerror(e))) (errno \(e))"
        case .notATxnLog(let path, let magic):
            return "\(path) is not a txn log (magic 0x\(String(UInt32(bitPattern: magic), radix: 16)))"
        case .corrupt(let c): return "corrupt txn log: \(c)"
        case .encoding(let e): return "cannot log txn: \(e)"
        case .writerFailed(let path): return "\(path): an earlier fsync failed; the log file is no longer written"
        case .writerClosed(let path): return "\(path): the log writer is closed"
        }
    }
}

/// One valid record read from a log file.
public struct TxnLogRecord: Sendable, Equatable {
    /// Offset of the record (its checksum) in the file.
    public var offset: Int64
    /// All bytes of the record: txn bytes plus checksum, length and end marker.
    public var size: Int
    public var checksum: Int64
    /// The txn bytes exactly as stored (header, body, optional digest).
    public var txnBytes: ByteBuffer
    public var logged: LoggedTxn

    public var txn: Txn { logged.txn }
    public var zxid: Int64 { logged.txn.header.zxid }
    public var endOffset: Int64 { offset + Int64(size) }
}

/// How reading a log file ended.
public enum TxnLogEnd: Sendable, Equatable {
    /// The file ends right after the last record.
    case endOfFile(offset: Int64)
    /// A zero checksum and length: the preallocated, never written tail.
    case zeroTail(offset: Int64)
    /// Damage; everything before `corruption.offset` is valid.
    case corrupt(TxnLogCorruption)

    /// Where the valid data ends: the place to truncate the file (or to continue writing).
    public var validEnd: Int64 {
        switch self {
        case .endOfFile(let o), .zeroTail(let o): return o
        case .corrupt(let c): return c.offset
        }
    }

    public var corruption: TxnLogCorruption? {
        if case .corrupt(let c) = self { return c }
        return nil
    }
}

/// Reads the records of one `log.<zxid>` file in order, with bounded memory (a read window that
/// grows only to the largest record). Not thread-safe; one owner at a time.
///
/// `next()` returns records until the log ends (nil; see `end`) or throws `.corrupt` at the first
/// damaged record, reporting file, offset and the last valid zxid. Nothing is ever skipped.
public final class TxnLogReader {
    public let path: String
    public let header: TxnLogFileHeader
    public let maxRecordLength: Int
    /// Offset of the next record: the end of the valid data read so far.
    public private(set) var offset: Int64
    public private(set) var lastValidZxid: Int64?
    /// Set once reading has ended (nil returned, or corruption thrown).
    public private(set) var end: TxnLogEnd?

    private let file: PosixFile
    private var closed = false
    private let chunkSize: Int
    private var window: ByteBuffer
    /// File offset of `window.readerIndex`.
    private var windowOffset: Int64
    private var atEndOfFile = false

    /// Opens `path` and checks its header. Throws `.notATxnLog` for a wrong magic, `.corrupt` with
    /// `.partialFileHeader` for a file shorter than the header, `.io` if it cannot be read.
    public init(path: String, maxRecordLength: Int = TxnLogFormat.defaultMaxRecordLength,
                readChunkSize: Int = 1 << 20) throws(TxnLogError) {
        self.path = path
        self.maxRecordLength = maxRecordLength
        self.chunkSize = max(readChunkSize, TxnLogFormat.fileHeaderSize)
        let file = try PosixFile.openFile(path, flags: O_RDONLY)
        var window = ByteBufferAllocator().buffer(capacity: 0)
        let n: Int
        do {
            n = try file.read(count: self.chunkSize, at: 0, into: &window)
        } catch {
            file.closeFile()
            throw error
        }
        guard n >= TxnLogFormat.fileHeaderSize else {
            file.closeFile()
            throw .corrupt(TxnLogCorruption(file: path, offset: 0, lastValidZxid: nil,
                                            kind: .partialFileHeader(available: n)))
        }
        var r = JuteReader(window)
        let header = try! TxnLogFileHeader(from: &r)
        guard header.magic == TxnLogFormat.magic else {
            file.closeFile()
            throw .notATxnLog(path: path, magic: header.magic)
        }
        window.moveReaderIndex(forwardBy: TxnLogFormat.fileHeaderSize)
        self.file = file
        self.header = header
        self.window = window
        self.windowOffset = Int64(TxnLogFormat.fileHeaderSize)
        self.offset = Int64(TxnLogFormat.fileHeaderSize)
        self.atEndOfFile = n < self.chunkSize
    }

    deinit { if !closed { file.closeFile() } }

    public func close() {
        if !closed { file.closeFile(); closed = true }
    }

    /// The next valid record, or nil at the end of the log.
    public func next() throws(TxnLogError) -> TxnLogRecord? {
        if let end {
            if case .corrupt(let c) = end { throw .corrupt(c) }
            return nil
        }
        while true {
            switch TxnLogFormat.parseRecord(window, atEndOfFile: atEndOfFile, maxRecordLength: maxRecordLength) {
            case .needBytes(let n):
                try fill(atLeast: n)
            case .end(let zeroTail):
                end = zeroTail ? .zeroTail(offset: offset) : .endOfFile(offset: offset)
                return nil
            case .damaged(let kind):
                throw fail(kind)
            case .record(let txnBytes, let checksum, let size):
                let logged: LoggedTxn
                do {
                    logged = try TxnCodec.decode(txnBytes)
                } catch {
                    throw fail(.undecodable(error))
                }
                let record = TxnLogRecord(offset: offset, size: size, checksum: checksum,
                                          txnBytes: txnBytes, logged: logged)
                window.moveReaderIndex(forwardBy: size)
                windowOffset += Int64(size)
                offset += Int64(size)
                lastValidZxid = record.zxid
                return record
            }
        }
    }

    /// Reads every remaining record.
    public func readAll() throws(TxnLogError) -> [TxnLogRecord] {
        var out: [TxnLogRecord] = []
        while let r = try next() { out.append(r) }
        return out
    }

    private func fail(_ kind: TxnLogCorruption.Kind) -> TxnLogError {
        let c = TxnLogCorruption(file: path, offset: offset, lastValidZxid: lastValidZxid, kind: kind)
        end = .corrupt(c)
        return .corrupt(c)
    }

    /// Makes the window hold at least `n` bytes from the current record, or reach the end of file.
    private func fill(atLeast n: Int) throws(TxnLogError) {
        if window.readerIndex > 0 {
            window.discardReadBytes()
        }
        while window.readableBytes < n && !atEndOfFile {
            let want = max(chunkSize, n - window.readableBytes)
            let got = try file.read(count: want, at: windowOffset + Int64(window.readableBytes), into: &window)
            if got < want { atEndOfFile = true }
        }
    }
}

/// Appends records to a new `log.<zxid>` file in Apache's format, preallocating ahead of the write
/// position exactly as `FileTxnLog`/`FilePadding` do (a single zero byte written at the new end,
/// so the file has Apache's size). Appends are buffered; `flush()` hands them to the kernel,
/// `sync()` also makes them durable. Not thread-safe; one owner at a time.
///
/// Unlike Apache, the writer also fills the region just ahead of the records with real zeros
/// (`zeroFillChunk` at a time): records then overwrite blocks the file system has already
/// allocated, so an fdatasync flushes data only, with no block allocation to commit to the
/// journal (on ext4 about 2-4x faster per sync). The bytes are the same zeros a reader sees in
/// Apache's sparse file.
///
/// A failed write leaves the buffered records in place: a later `flush()`/`sync()` writes them
/// again at the same offsets. A failed fsync poisons the writer (`.writerFailed`).
public final class TxnLogWriter {
    public let path: String
    public let directory: String
    public let preAllocSize: Int64
    public let dbid: Int64
    /// End of the appended records (buffered ones included).
    public private(set) var position: Int64
    /// Size the file has been preallocated to.
    public private(set) var fileSize: Int64
    /// End of what has been handed to the kernel.
    public private(set) var writtenPosition: Int64
    /// End of what is durable (the last successful `sync()`).
    public private(set) var syncedPosition: Int64
    public private(set) var lastZxid: Int64?
    public private(set) var recordCount = 0
    /// End of the region holding written (allocated) zeros or records.
    public private(set) var zeroedEnd: Int64
    public let zeroFillChunk: Int64

    private let file: PosixFile
    private var pending: ByteBuffer
    private let bufferLimit: Int
    private var directorySynced = false
    private var failed = false
    private var closed = false

    /// Creates `directory/log.<firstZxid hex>` and writes its header. Refuses an existing file
    /// unless `replaceExisting` (Apache silently truncates; recovery should decide that).
    public convenience init(directory: String, firstZxid: Int64, dbid: Int64 = 0,
                            preAllocSize: Int64 = TxnLogFormat.defaultPreAllocSize,
                            replaceExisting: Bool = false, bufferLimit: Int = 1 << 20,
                            zeroFillChunk: Int64 = 0) throws(TxnLogError) {
        try self.init(path: directory + "/" + TxnLogFormat.fileName(forZxid: firstZxid), dbid: dbid,
                      preAllocSize: preAllocSize, replaceExisting: replaceExisting, bufferLimit: bufferLimit,
                      zeroFillChunk: zeroFillChunk)
    }

    /// `zeroFillChunk`: bytes of real zeros kept written ahead of the records (0: none, Apache's
    /// purely sparse file).
    public init(path: String, dbid: Int64 = 0, preAllocSize: Int64 = TxnLogFormat.defaultPreAllocSize,
                replaceExisting: Bool = false, bufferLimit: Int = 1 << 20, zeroFillChunk: Int64 = 0) throws(TxnLogError) {
        precondition(zeroFillChunk >= 0 && zeroFillChunk <= 16 << 20, "zeroFillChunk must be 0 ... 16 MiB")
        self.zeroFillChunk = zeroFillChunk
        self.path = path
        if let slash = path.lastIndex(of: "/") {
            self.directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            self.directory = "."
        }
        self.preAllocSize = preAllocSize
        self.dbid = dbid
        self.bufferLimit = bufferLimit
        let flags = O_RDWR | O_CREAT | (replaceExisting ? O_TRUNC : O_EXCL)
        let file = try PosixFile.openFile(path, flags: flags)
        var header = ByteBufferAllocator().buffer(capacity: TxnLogFormat.fileHeaderSize)
        TxnLogFormat.encodeFileHeader(dbid: dbid, into: &header)
        do {
            // Like Apache, the header is written before any padding.
            try file.write(header, at: 0)
        } catch {
            file.closeFile()
            // Remove the file only if this call created it.
            if !replaceExisting { PosixFile.removeFile(path) }
            throw error
        }
        self.file = file
        let end = Int64(TxnLogFormat.fileHeaderSize)
        self.position = end
        self.fileSize = end
        self.writtenPosition = end
        self.zeroedEnd = end
        self.syncedPosition = 0
        self.pending = ByteBufferAllocator().buffer(capacity: 4096)
    }

    deinit { if !closed { file.closeFile() } }

    /// Buffers one record (writing the buffer once it exceeds `bufferLimit`). Preallocates first if
    /// the write position is near the end of the file. Throws only if nothing was appended: the txn
    /// cannot be encoded, the preallocation write failed, or the writer is closed or failed.
    public func append(_ logged: LoggedTxn) throws(TxnLogError) {
        try checkUsable()
        try preallocate()
        let start = pending.writerIndex
        do {
            try TxnLogFormat.encodeRecord(logged, into: &pending)
        } catch {
            throw .encoding(error)
        }
        position += Int64(pending.writerIndex - start)
        lastZxid = logged.txn.header.zxid
        recordCount += 1
        // The record is appended either way: a failed early write keeps it buffered, and the
        // error surfaces from the next flush() or sync(), which write it again.
        if pending.readableBytes >= bufferLimit {
            do {
                try flush()
            } catch {
                // Deliberately deferred: the record stays buffered and the next flush()/sync()
                // rewrites it and reports the failure to the caller that needs durability.
            }
        }
    }

    public func append(_ txn: Txn, digest: TxnDigest? = nil) throws(TxnLogError) {
        try append(LoggedTxn(txn, digest: digest))
    }

    /// Writes the buffered records to the file (not yet durable).
    public func flush() throws(TxnLogError) {
        try checkUsable()
        guard pending.readableBytes > 0 else { return }
        try zeroFill(through: writtenPosition + Int64(pending.readableBytes))
        try file.write(pending, at: writtenPosition)
        writtenPosition += Int64(pending.readableBytes)
        // Records may run past the zeroed (and even the preallocated) end: never zero them later.
        zeroedEnd = max(zeroedEnd, writtenPosition)
        pending.clear()
    }

    /// Writes the buffered records and makes everything appended so far durable (fdatasync, and
    /// the first time also an fsync of the directory, so the new file's name is durable too).
    public func sync() throws(TxnLogError) {
        try flush()
        do {
            try file.syncData()
            if !directorySynced {
                try PosixFile.syncDirectory(directory)
                directorySynced = true
            }
        } catch {
            failed = true
            throw error
        }
        syncedPosition = writtenPosition
    }

    /// Writes what is buffered and closes the file (without an fsync: call `sync()` first).
    public func close() throws(TxnLogError) {
        guard !closed else { return }
        defer { file.closeFile(); closed = true }
        if !failed { try flush() }
    }

    private func checkUsable() throws(TxnLogError) {
        if closed { throw .writerClosed(path: path) }
        if failed { throw .writerFailed(path: path) }
    }

    /// Writes zeros from `zeroedEnd` to a chunk boundary past `end` (never past the preallocated
    /// size), so the next records land on allocated blocks.
    private func zeroFill(through end: Int64) throws(TxnLogError) {
        guard zeroFillChunk > 0, end > zeroedEnd else { return }
        let target = min(fileSize, (end / zeroFillChunk + 1) * zeroFillChunk)
        var offset = max(zeroedEnd, writtenPosition)
        guard target > offset else { return }
        while offset < target {
            let count = Int(min(target - offset, Int64(Self.zeros.readableBytes)))
            try file.write(Self.zeros.getSlice(at: 0, length: count)!, at: offset)
            offset += Int64(count)
        }
        zeroedEnd = target
    }

    private static let zeros = ByteBuffer(repeating: 0, count: 1 << 20)

    private func preallocate() throws(TxnLogError) {
        let newSize = TxnLogFormat.paddedFileSize(position: position, currentSize: fileSize, preAllocSize: preAllocSize)
        guard newSize != fileSize else { return }
        try file.write([0], at: newSize - 1)
        fileSize = newSize
    }
}

/// Whole-file operations on txn logs.
public enum TxnLogFile {
    /// Everything valid in one log file and how it ends.
    public struct Scan: Sendable, Equatable {
        /// nil only when the file is shorter than its header.
        public var header: TxnLogFileHeader?
        public var records: [TxnLogRecord]
        public var end: TxnLogEnd
        public var lastValidZxid: Int64? { records.last?.zxid }
    }

    /// Reads all valid records of `path`. Damage is reported in `end` (never skipped, never thrown);
    /// only I/O failures and a file that is not a txn log throw.
    public static func scan(path: String, maxRecordLength: Int = TxnLogFormat.defaultMaxRecordLength,
                            readChunkSize: Int = 1 << 20) throws(TxnLogError) -> Scan {
        let reader: TxnLogReader
        do {
            reader = try TxnLogReader(path: path, maxRecordLength: maxRecordLength, readChunkSize: readChunkSize)
        } catch .corrupt(let c) {
            return Scan(header: nil, records: [], end: .corrupt(c))
        }
        defer { reader.close() }
        var records: [TxnLogRecord] = []
        do {
            while let r = try reader.next() { records.append(r) }
        } catch .corrupt(let c) {
            return Scan(header: reader.header, records: records, end: .corrupt(c))
        }
        return Scan(header: reader.header, records: records, end: reader.end!)
    }

    /// Cuts `path` at `offset` (the `validEnd` of a scan) and makes that durable.
    public static func truncate(path: String, at offset: Int64) throws(TxnLogError) {
        let file = try PosixFile.openFile(path, flags: O_RDWR)
        defer { file.closeFile() }
        try file.truncate(to: offset)
        try file.syncAll()
    }
}
