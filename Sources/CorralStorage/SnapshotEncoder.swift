import CorralCore
import NIOCore
import ZooKeeperProtocol

/// Where an encoder's chunks go. `write` gets each chunk once, in order; it may not keep the buffer.
public protocol SnapshotSink {
    mutating func write(_ chunk: ByteBuffer) throws(SnapshotError)
}

/// Collects a snapshot in memory (tests, and sending a snapshot to a peer).
public struct MemorySnapshotSink: SnapshotSink, Sendable {
    public private(set) var bytes: ByteBuffer
    public init(allocator: ByteBufferAllocator = ByteBufferAllocator()) { bytes = allocator.buffer(capacity: 4096) }
    public mutating func write(_ chunk: ByteBuffer) throws(SnapshotError) {
        var chunk = chunk
        bytes.writeBuffer(&chunk)
    }
}

/// Streams a snapshot in Apache's format (see `SnapshotFormat`) to a sink, one node at a time: it
/// holds at most about one chunk of encoded bytes, never a second copy of the tree, and computes the
/// Adler32 as the chunks go out. Call in order: `writeSessions`, `writeACLs`, `writeNode` for every
/// node (root first, parents before children), `finish`. The header is written on the first call.
public struct SnapshotEncoder<Sink: SnapshotSink> {
    private enum Stage: Int { case header, sessions, acls, nodes, done }

    public private(set) var sink: Sink
    private var buffer: ByteBuffer
    /// How many leading bytes of `buffer` the checksum already covers.
    private var checksummed = 0
    private var checksum = Adler32()
    private let chunkSize: Int
    private let header: SnapshotHeader
    private var stage = Stage.header
    /// Bytes handed to the sink so far.
    public private(set) var bytesFlushed: Int64 = 0
    public private(set) var nodesWritten = 0

    /// `chunkSize`: bytes gathered before they are checksummed and written (a node larger than this
    /// is written whole).
    public init(sink: Sink, header: SnapshotHeader = SnapshotHeader(), chunkSize: Int = 1 << 20,
                allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.sink = sink
        self.header = header
        self.chunkSize = max(chunkSize, 64)
        self.buffer = allocator.buffer(capacity: min(self.chunkSize, 1 << 20) + 1024)
    }

    /// Whether `finish` has run (everything is then in the sink).
    public var isFinished: Bool { stage == .done }

    /// Bytes produced so far, flushed or not.
    public var byteCount: Int64 { bytesFlushed + Int64(buffer.readableBytes) }

    private mutating func advance(to next: Stage) {
        precondition(stage.rawValue <= next.rawValue && stage != .done, "SnapshotEncoder: sections out of order")
        if stage == .header {
            buffer.writeJuteInt(header.magic)
            buffer.writeJuteInt(header.version)
            buffer.writeJuteLong(header.dbid)
        }
        if stage.rawValue < Stage.sessions.rawValue, next.rawValue > Stage.sessions.rawValue {
            buffer.writeJuteInt(0)  // no sessions section written: zero sessions
        }
        if stage.rawValue < Stage.acls.rawValue, next.rawValue > Stage.acls.rawValue {
            buffer.writeJuteInt(0)  // no ACL section written: empty map
        }
        stage = next
    }

    /// The sessions, in the order given (`writeTree` sorts them by id so output is deterministic).
    public mutating func writeSessions<S: Sequence>(_ sessions: S) throws(SnapshotError)
        where S.Element == (id: Int64, timeout: Int32) {
        advance(to: .sessions)
        let countIndex = buffer.writerIndex
        buffer.writeJuteInt(0)
        var count: Int32 = 0
        for (id, timeout) in sessions {
            buffer.writeJuteLong(id)
            buffer.writeJuteInt(timeout)
            count += 1
        }
        buffer.setInteger(count, at: countIndex, endianness: .big)
        advance(to: .acls)
        try flushIfFull()
    }

    /// The ACL map: (id, list) entries, by ascending id when taken from `ACLCache.entriesById`.
    public mutating func writeACLs(_ entries: [(id: Int64, acl: [ACL])]) throws(SnapshotError) {
        advance(to: .acls)
        buffer.writeJuteInt(Int32(entries.count))
        for (id, acl) in entries {
            buffer.writeJuteLong(id)
            buffer.writeJuteVector(acl)
            try flushIfFull()
        }
        advance(to: .nodes)
    }

    /// One node; `path` is "/" for the root (written as Apache's "").
    public mutating func writeNode(path: String, data: [UInt8]?, aclId: Int64, stat: StoredStat) throws(SnapshotError) {
        advance(to: .nodes)
        buffer.writeJuteString(path == "/" ? "" : path)
        buffer.writeJuteBytes(data)
        buffer.writeJuteLong(aclId)
        buffer.writeJuteLong(stat.czxid)
        buffer.writeJuteLong(stat.mzxid)
        buffer.writeJuteLong(stat.ctime)
        buffer.writeJuteLong(stat.mtime)
        buffer.writeJuteInt(stat.version)
        buffer.writeJuteInt(stat.cversion)
        buffer.writeJuteInt(stat.aversion)
        buffer.writeJuteLong(stat.ephemeralOwner)
        buffer.writeJuteLong(stat.pzxid)
        nodesWritten += 1
        try flushIfFull()
    }

    public mutating func writeNode(path: String, node: ZNode) throws(SnapshotError) {
        try writeNode(path: path, data: node.data, aclId: node.aclId, stat: node.stat)
    }

    /// Ends the node list, seals it, appends the digest section (nil: none, as with
    /// `zookeeper.digest.enabled=false`) and the 3.9+ lastProcessedZxid section when given, each
    /// sealed, and flushes everything to the sink.
    public mutating func finish(digest: SnapshotDigest? = .empty, lastProcessedZxid: Int64? = nil) throws(SnapshotError) {
        advance(to: .nodes)
        buffer.writeJuteString("/")
        seal()
        if let digest {
            buffer.writeJuteLong(digest.zxid)
            buffer.writeJuteInt(digest.version)
            if digest.version < 2 {
                buffer.writeJuteString(String(UInt64(bitPattern: digest.digest), radix: 16))
            } else {
                buffer.writeJuteLong(digest.digest)
            }
            seal()
        }
        if let lastProcessedZxid {
            buffer.writeJuteLong(lastProcessedZxid)
            seal()
        }
        stage = .done
        try flush()
    }

    /// `SnapStream.sealStream`: the checksum of every byte so far, then the path "/".
    private mutating func seal() {
        updateChecksum()
        buffer.writeJuteLong(Int64(checksum.value))
        buffer.writeJuteString("/")
    }

    private mutating func updateChecksum() {
        let count = buffer.readableBytes
        guard count > checksummed else { return }
        let from = checksummed
        var sum = checksum
        buffer.withUnsafeReadableBytes { raw in sum.update(UnsafeRawBufferPointer(rebasing: raw[from..<count])) }
        checksum = sum
        checksummed = count
    }

    private mutating func flushIfFull() throws(SnapshotError) {
        if buffer.readableBytes >= chunkSize { try flush() }
    }

    private mutating func flush() throws(SnapshotError) {
        updateChecksum()
        guard buffer.readableBytes > 0 else { return }
        try sink.write(buffer)
        bytesFlushed += Int64(buffer.readableBytes)
        buffer.clear()
        checksummed = 0
    }
}

extension SnapshotEncoder {
    /// Writes a whole snapshot of `tree` and `sessions`: sessions by id, ACLs by id, nodes depth-first
    /// in sorted child order — so the same tree always gives the same bytes.
    public mutating func writeTree(_ tree: DataTree, sessions: [Int64: Int32], digest: SnapshotDigest? = .empty,
                                   lastProcessedZxid: Int64? = nil) throws(SnapshotError) {
        try writeSessions(sessions.sorted { $0.key < $1.key }.lazy.map { (id: $0.key, timeout: $0.value) })
        try writeACLs(tree.acls.entriesById)
        try tree.forEachNodeDepthFirst { (path, node) throws(SnapshotError) in
            try writeNode(path: path, node: node)
        }
        try finish(digest: digest, lastProcessedZxid: lastProcessedZxid)
    }

    /// The bytes of a whole snapshot, in memory.
    public static func encode(_ tree: DataTree, sessions: [Int64: Int32], digest: SnapshotDigest? = .empty,
                              lastProcessedZxid: Int64? = nil, header: SnapshotHeader = SnapshotHeader()) -> ByteBuffer
        where Sink == MemorySnapshotSink {
        var encoder = SnapshotEncoder(sink: MemorySnapshotSink(), header: header)
        do {
            try encoder.writeTree(tree, sessions: sessions, digest: digest, lastProcessedZxid: lastProcessedZxid)
        } catch {
            fatalError("unreachable: a memory sink does not fail (\(error))")
        }
        return encoder.sink.bytes
    }
}
