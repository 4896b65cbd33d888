#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CorralCore
import NIOCore

/// A snapshot's sessions and znodes exactly in file order, as Apache's `FileSnap.deserialize`
/// meets them. Apache's tools print in orders that depend on it (Java hash sets filled in file
/// order), which a `DataTree` does not keep. Paths are decoded with Java's UTF-8 decoder.
public struct SnapshotListing: Sendable {
    public struct Session: Sendable, Equatable {
        public var id: Int64
        public var timeout: Int32

        public init(id: Int64, timeout: Int32) { self.id = id; self.timeout = timeout }
    }

    public struct Node: Sendable, Equatable {
        /// As stored: "" for the root, "/a/b" for the others.
        public var path: String
        /// The data, when the listing was read with data (else nil).
        public var data: [UInt8]?
        /// The stored length (0 for null data).
        public var dataLength: Int
        public var aclId: Int64
        public var stat: StoredStat

        public init(path: String, data: [UInt8]?, dataLength: Int, aclId: Int64, stat: StoredStat) {
            self.path = path; self.data = data; self.dataLength = dataLength; self.aclId = aclId; self.stat = stat
        }
    }

    /// Every session entry in file order (a repeated id appears twice).
    public var sessions: [Session]
    public var nodes: [Node]

    public init(sessions: [Session], nodes: [Node]) { self.sessions = sessions; self.nodes = nodes }

    /// Reads header, sessions, ACL map and nodes of the snapshot at `path` (the seals and digest
    /// after them are not read: check the file with `SnapshotReader` first). Streams with one read
    /// window; every count and length is checked against the bytes the file has left. Keeps node
    /// data only if `keepData`. Throws `.corrupt` (with the offset) for a malformed file.
    public static func read(path: String, keepData: Bool, chunkSize: Int = 1 << 20) throws(SnapshotError) -> SnapshotListing {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { _ = close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
        var r = FieldReader(source: FileSnapshotSource(fd: fd, path: path), path: path, size: Int64(st.st_size),
                            chunkSize: max(chunkSize, 64))
        return try r.listing(keepData: keepData)
    }
}

/// Big-endian jute fields from a `SnapshotSource`, bounds-checked against the input size.
private struct FieldReader<Source: SnapshotSource> {
    var source: Source
    let path: String
    let size: Int64
    let chunkSize: Int
    var offset: Int64 = 0
    var window = ByteBufferAllocator().buffer(capacity: 0)

    mutating func listing(keepData: Bool) throws(SnapshotError) -> SnapshotListing {
        let magic = try int()
        guard magic == SnapshotFormat.magic else { throw corrupt(at: 0, "bad magic (not a snapshot)") }
        _ = try int()
        _ = try long()
        var sessions: [SnapshotListing.Session] = []
        for _ in 0..<(try count(minElementSize: 12)) {
            sessions.append(.init(id: try long(), timeout: try int()))
        }
        for _ in 0..<(try count(minElementSize: 12)) {
            _ = try long()
            for _ in 0..<(try count(minElementSize: 12)) {
                _ = try int()
                _ = try bytes(keep: false)
                _ = try bytes(keep: false)
            }
        }
        var nodes: [SnapshotListing.Node] = []
        while true {
            let path = JavaText.decodeUTF8(try bytes(keep: true) ?? [])
            if path == "/" { break }
            let start = offset
            let data = try bytes(keep: keepData)
            let length = Int(offset - start) - 4
            let aclId = try long()
            let stat = StoredStat(czxid: try long(), mzxid: try long(), ctime: try long(), mtime: try long(),
                                  version: try int(), cversion: try int(), aversion: try int(),
                                  ephemeralOwner: try long(), pzxid: try long())
            nodes.append(.init(path: path, data: keepData ? data : nil, dataLength: max(length, 0), aclId: aclId, stat: stat))
        }
        return SnapshotListing(sessions: sessions, nodes: nodes)
    }

    func corrupt(at offset: Int64, _ reason: String) -> SnapshotError {
        .corrupt(path: path, offset: offset, reason: reason)
    }

    mutating func ensure(_ n: Int) throws(SnapshotError) {
        guard Int64(n) <= size - offset else { throw corrupt(at: offset, "the file ends inside a field") }
        while window.readableBytes < n {
            window.discardReadBytes()
            if try source.read(into: &window, maxBytes: max(chunkSize, n - window.readableBytes)) == 0 {
                throw corrupt(at: offset, "the file ends early")
            }
        }
    }

    mutating func int() throws(SnapshotError) -> Int32 {
        try ensure(4)
        offset += 4
        return window.readInteger(endianness: .big)!
    }

    mutating func long() throws(SnapshotError) -> Int64 {
        try ensure(8)
        offset += 8
        return window.readInteger(endianness: .big)!
    }

    mutating func count(minElementSize: Int64) throws(SnapshotError) -> Int {
        let at = offset
        let n = try int()
        guard n >= 0, Int64(n) * minElementSize <= size - offset else { throw corrupt(at: at, "invalid count \(n)") }
        return Int(n)
    }

    /// A jute buffer or ustring: nil for length -1; the bytes only if `keep`.
    mutating func bytes(keep: Bool) throws(SnapshotError) -> [UInt8]? {
        let at = offset
        let n = try int()
        if n == -1 { return nil }
        guard n >= 0, Int64(n) <= size - offset else { throw corrupt(at: at, "invalid length \(n)") }
        if !keep {
            try skip(Int(n))
            return []
        }
        try ensure(Int(n))
        offset += Int64(n)
        return window.readBytes(length: Int(n))!
    }

    mutating func skip(_ n: Int) throws(SnapshotError) {
        var left = n
        while left > 0 {
            let step = min(left, chunkSize)
            try ensure(step)
            window.moveReaderIndex(forwardBy: step)
            offset += Int64(step)
            left -= step
        }
    }
}
