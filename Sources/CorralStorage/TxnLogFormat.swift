import NIOCore
import ZooKeeperProtocol

/// Apache's `FileHeader`, the first 16 bytes of a txn log (and of a snapshot).
public struct TxnLogFileHeader: JuteRecord, Hashable {
    public var magic: Int32
    public var version: Int32
    public var dbid: Int64

    public init(magic: Int32 = TxnLogFormat.magic, version: Int32 = TxnLogFormat.version, dbid: Int64 = 0) {
        self.magic = magic; self.version = version; self.dbid = dbid
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        magic = try r.int("FileHeader.magic"); version = try r.int("FileHeader.version"); dbid = try r.long("FileHeader.dbid")
    }
    public func encode(into b: inout ByteBuffer) { b.writeJuteInt(magic); b.writeJuteInt(version); b.writeJuteLong(dbid) }
}

/// Where and how a txn log is damaged. `offset` is where the first bad record starts: everything
/// before it is valid, so recovery truncates the file there (and drops later log files).
public struct TxnLogCorruption: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The file is shorter than its 16-byte header (a crash right after it was created).
        case partialFileHeader(available: Int)
        /// The file ends inside a record: `needed` bytes make the record, only `available` are there.
        case partialRecord(needed: Int, available: Int)
        /// A record length that is negative, above the limit, or zero with a non-zero checksum.
        case badLength(Int32)
        /// The stored Adler32 does not match the record's bytes.
        case badChecksum(stored: Int64, computed: Int64)
        /// The byte after the record is not the end-of-record marker 'B' (0x42).
        case missingEndOfRecord(found: UInt8)
        /// The record is intact (checksum and marker verify) but is not a txn this server can read.
        case undecodable(TxnCodecError)
    }

    public var file: String
    public var offset: Int64
    /// The zxid of the last valid record before `offset` in this file; nil if there is none.
    public var lastValidZxid: Int64?
    public var kind: Kind

    public init(file: String, offset: Int64, lastValidZxid: Int64?, kind: Kind) {
        self.file = file; self.offset = offset; self.lastValidZxid = lastValidZxid; self.kind = kind
    }

    /// A torn or damaged write (what a crash or a bad sector leaves), which recovery may cut off at
    /// `offset`. An undecodable but intact record is not: it was written that way.
    public var isTornTail: Bool {
        if case .undecodable = kind { return false }
        return true
    }

    public var description: String {
        let last = lastValidZxid.map { "0x" + String(UInt64(bitPattern: $0), radix: 16) } ?? "none"
        let what: String
        switch kind {
        case .partialFileHeader(let n): what = "partial file header (\(n) of \(TxnLogFormat.fileHeaderSize) bytes)"
        case .partialRecord(let needed, let available): what = "partial record (\(available) of \(needed) bytes)"
        case .badLength(let n): what = "invalid record length \(n)"
        case .badChecksum(let stored, let computed):
            what = "checksum mismatch (stored \(stored), computed \(computed))"
        case .missingEndOfRecord(let b): what = "end-of-record marker is 0x\(String(b, radix: 16)), not 0x42"
        case .undecodable(let e): what = "undecodable record: \(e)"
        }
        return "\(file) at offset \(offset): \(what); last valid zxid \(last)"
    }
}

/// Apache's txn log format (`FileTxnLog`, `Util`, `FilePadding`), as pure functions:
///
///     FileHeader { int magic "ZKLG"; int version 2; long dbid 0 }
///     per record: long Adler32(txn bytes); int length; txn bytes; byte 'B'
///     then zeros: the file is preallocated ahead of the write position; a record whose checksum and
///     length are both zero is the end of the log.
public enum TxnLogFormat {
    /// "ZKLG" as a big-endian int (`FileTxnLog.TXNLOG_MAGIC`).
    public static let magic: Int32 = 0x5a4b_4c47
    public static let version: Int32 = 2
    public static let fileHeaderSize = 16
    /// Checksum (long) and length (int) in front of each record's bytes.
    public static let recordHeaderSize = 12
    /// Bytes a record takes besides its txn bytes: checksum, length and end-of-record marker.
    public static let recordOverhead = 13
    public static let endOfRecord: UInt8 = 0x42
    /// `zookeeper.preAllocSize` default: 64 MiB (the property itself is in KiB).
    public static let defaultPreAllocSize: Int64 = 64 * 1024 * 1024
    /// The largest record length Apache's reader accepts by default: `jute.maxbuffer` (0xfffff) plus
    /// `zookeeper.jute.maxbuffer.extrasize` (which defaults to `jute.maxbuffer`).
    public static let defaultMaxRecordLength = 2 * 0xfffff
    public static let fileNamePrefix = "log."

    /// `Util.makeLogName`: "log." and the first zxid in lower-case hex (Java's `Long.toHexString`).
    public static func fileName(forZxid zxid: Int64) -> String {
        fileNamePrefix + String(UInt64(bitPattern: zxid), radix: 16)
    }

    /// `Util.getZxidFromName` for the "log" prefix: the hex after "log." up to the next dot, or nil
    /// where Apache returns -1.
    public static func zxid(fromFileName name: String) -> Int64? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "log" else { return nil }
        return Int64(parts[1], radix: 16)
    }

    public static func encodeFileHeader(dbid: Int64 = 0, into b: inout ByteBuffer) {
        TxnLogFileHeader(dbid: dbid).encode(into: &b)
    }

    /// Frames already-encoded txn bytes as a log record (`FileTxnLog.append` + `Util.writeTxnBytes`).
    public static func encodeRecord(txnBytes: ByteBuffer, into b: inout ByteBuffer) {
        b.writeJuteLong(Int64(checksum(txnBytes)))
        b.writeJuteInt(Int32(txnBytes.readableBytes))
        b.writeImmutableBuffer(txnBytes)
        b.writeInteger(endOfRecord)
    }

    /// Encodes `logged` and frames it as a log record.
    public static func encodeRecord(_ logged: LoggedTxn, into b: inout ByteBuffer) throws(TxnCodecError) {
        let start = b.writerIndex
        b.writeJuteLong(0)
        b.writeJuteInt(0)
        let txnStart = b.writerIndex
        do {
            try TxnCodec.encode(logged, into: &b)
        } catch {
            b.moveWriterIndex(to: start)
            throw error
        }
        let length = b.writerIndex - txnStart
        let sum = b.withUnsafeReadableBytes { raw in
            var c = Adler32()
            c.update(UnsafeRawBufferPointer(rebasing: raw[(txnStart - b.readerIndex)...]))
            return c.value
        }
        b.setInteger(Int64(sum), at: start, endianness: .big)
        b.setInteger(Int32(length), at: start + 8, endianness: .big)
        b.writeInteger(endOfRecord)
    }

    /// Adler32 of the readable bytes of `buffer`.
    public static func checksum(_ buffer: ByteBuffer) -> UInt32 {
        buffer.withUnsafeReadableBytes { raw in
            var c = Adler32()
            c.update(raw)
            return c.value
        }
    }

    /// `FilePadding.calculateFileSizeWithPadding`: before each append, once the write position is
    /// within 4 KiB of the preallocated size, the file grows by `preAllocSize` (or, if the position
    /// already passed the end, to the next multiple of `preAllocSize` past it). A log's first
    /// block therefore ends at 16 + preAllocSize. `preAllocSize <= 0` turns preallocation off.
    public static func paddedFileSize(position: Int64, currentSize: Int64, preAllocSize: Int64) -> Int64 {
        guard preAllocSize > 0, position + 4096 >= currentSize else { return currentSize }
        if position > currentSize {
            let size = position + preAllocSize
            return size - size % preAllocSize
        }
        return currentSize + preAllocSize
    }

    /// What the bytes at a record boundary hold.
    public enum RecordParse: Equatable, Sendable {
        /// A record whose checksum and end marker verify. `size` counts all its bytes (txn bytes + 13).
        case record(txnBytes: ByteBuffer, checksum: Int64, size: Int)
        /// The log ends here: at the end of the file (`zeroTail` false), or at a zero checksum and
        /// zero length, the preallocated tail (`zeroTail` true).
        case end(zeroTail: Bool)
        /// Give at least this many bytes from the record start (unless the file ends first).
        case needBytes(Int)
        case damaged(TxnLogCorruption.Kind)
    }

    /// Parses the record at the start of `bytes`, checking it in Apache's order (length, end marker,
    /// checksum). `atEndOfFile` says that `bytes` runs to the end of the file, so a short record is
    /// partial rather than not yet read. Never traps on any input.
    public static func parseRecord(_ bytes: ByteBuffer, atEndOfFile: Bool,
                                   maxRecordLength: Int = defaultMaxRecordLength) -> RecordParse {
        let available = bytes.readableBytes
        if available == 0 && atEndOfFile { return .end(zeroTail: false) }
        guard available >= recordHeaderSize else {
            return atEndOfFile ? .damaged(.partialRecord(needed: recordHeaderSize, available: available))
                               : .needBytes(recordHeaderSize)
        }
        let stored: Int64 = bytes.getInteger(at: bytes.readerIndex, endianness: .big)!
        let length: Int32 = bytes.getInteger(at: bytes.readerIndex + 8, endianness: .big)!
        if length == 0 { return stored == 0 ? .end(zeroTail: true) : .damaged(.badLength(0)) }
        guard length > 0, Int(length) <= maxRecordLength else { return .damaged(.badLength(length)) }
        let needed = Int(length) + recordOverhead
        guard available >= needed else {
            return atEndOfFile ? .damaged(.partialRecord(needed: needed, available: available)) : .needBytes(needed)
        }
        let marker: UInt8 = bytes.getInteger(at: bytes.readerIndex + recordHeaderSize + Int(length))!
        guard marker == endOfRecord else { return .damaged(.missingEndOfRecord(found: marker)) }
        let txnBytes = bytes.getSlice(at: bytes.readerIndex + recordHeaderSize, length: Int(length))!
        let computed = Int64(checksum(txnBytes))
        guard computed == stored else { return .damaged(.badChecksum(stored: stored, computed: computed)) }
        return .record(txnBytes: txnBytes, checksum: stored, size: needed)
    }
}
