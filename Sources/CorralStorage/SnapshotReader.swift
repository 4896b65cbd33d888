import CorralCore
import NIOCore
import ZooKeeperProtocol

/// Where a decoder's bytes come from.
public protocol SnapshotSource {
    /// Appends up to `maxBytes` bytes to `buffer`; returns how many, 0 only at the end of the input.
    mutating func read(into buffer: inout ByteBuffer, maxBytes: Int) throws(SnapshotError) -> Int
}

/// Bytes already in memory.
public struct MemorySnapshotSource: SnapshotSource, Sendable {
    private var bytes: ByteBuffer
    public init(_ bytes: ByteBuffer) { self.bytes = bytes }
    public var size: Int64 { Int64(bytes.readableBytes) }
    public mutating func read(into buffer: inout ByteBuffer, maxBytes: Int) throws(SnapshotError) -> Int {
        let n = min(maxBytes, bytes.readableBytes)
        guard n > 0 else { return 0 }
        var slice = bytes.readSlice(length: n)!
        buffer.writeBuffer(&slice)
        return n
    }
}

/// Reads a snapshot in Apache's format (see `SnapshotFormat`) as `FileSnap.deserialize` does —
/// header, sessions, ACL map, nodes, then the seal, the optional digest section and its seal, and the
/// optional 3.9+ lastProcessedZxid section — while streaming: it holds about one chunk of the file,
/// checks every length against the bytes the file still has before allocating, and verifies each
/// Adler32 seal. Anything wrong is a `SnapshotError.corrupt` naming the file and the offset of the
/// field at fault; nothing after the last seal is allowed.
public struct SnapshotDecoder<Source: SnapshotSource> {
    private var source: Source
    private let name: String
    private let size: Int64
    private let chunkSize: Int
    private var window: ByteBuffer
    /// File offset of `window.readerIndex`.
    private var offset: Int64 = 0
    /// Window index from which bytes are not yet in `checksum`.
    private var checksumStart = 0
    private var checksum = Adler32()

    /// `name` is used in errors (the file's path); `size` is the total byte count of the input.
    public init(source: Source, name: String, size: Int64, chunkSize: Int = 1 << 20,
                allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.source = source
        self.name = name
        self.size = size
        self.chunkSize = max(chunkSize, 64)
        self.window = allocator.buffer(capacity: min(self.chunkSize, 1 << 20))
    }

    /// Decodes the whole input into a tree (`extendedTypesEnabled` decides which ephemeralOwner
    /// values mark TTL nodes, as Apache's `EphemeralType.get`).
    public mutating func decode(extendedTypesEnabled: Bool) throws(SnapshotError) -> Snapshot {
        let magic = try int("FileHeader.magic")
        guard magic == SnapshotFormat.magic else {
            throw corrupt(at: 0, "bad magic 0x\(String(UInt32(bitPattern: magic), radix: 16)) (a snapshot starts with ZKSN, 0x5a4b534e)")
        }
        let header = SnapshotHeader(magic: magic, version: try int("FileHeader.version"), dbid: try long("FileHeader.dbid"))

        let sessionCount = try count("session count", minElementSize: 12)
        var sessions: [Int64: Int32] = [:]
        sessions.reserveCapacity(sessionCount)
        for _ in 0..<sessionCount {
            let id = try long("session id")
            sessions[id] = try int("session timeout")
        }

        let aclMapOffset = offset
        let aclCount = try count("ACL map size", minElementSize: 12)
        var acls: [(id: Int64, acl: [ACL])] = []
        acls.reserveCapacity(aclCount)
        for _ in 0..<aclCount {
            let idOffset = offset
            let id = try long("ACL map id")
            guard id >= 1 && id <= DataTreeRestorer.maxACLId else { throw corrupt(at: idOffset, "invalid ACL id \(id) in the ACL map") }
            let listOffset = offset
            let n = try int("ACL list length")
            guard n >= 0, Int64(n) * 12 <= remaining else {
                throw corrupt(at: listOffset, "invalid length \(n) for the ACL list of id \(id)")
            }
            var list: [ACL] = []
            list.reserveCapacity(Int(n))
            for _ in 0..<n {
                let perms = try int("ACL.perms")
                let scheme = try string("Id.scheme")
                list.append(ACL(perms: perms, id: Id(scheme: scheme, id: try string("Id.id"))))
            }
            acls.append((id, list))
        }

        var restorer: DataTreeRestorer
        do {
            restorer = try DataTreeRestorer(extendedTypesEnabled: extendedTypesEnabled, acls: acls)
        } catch {
            throw corrupt(at: aclMapOffset, "ACL map: \(error.description)")
        }
        while true {
            let nodeOffset = offset
            let path = try string("node path")
            if path == "/" { break }
            let data = try buffer("data of node \(path.debugDescription)")
            let aclId = try long("ACL id of a node")
            let stat = StoredStat(czxid: try long("StatPersisted.czxid"), mzxid: try long("StatPersisted.mzxid"),
                                  ctime: try long("StatPersisted.ctime"), mtime: try long("StatPersisted.mtime"),
                                  version: try int("StatPersisted.version"), cversion: try int("StatPersisted.cversion"),
                                  aversion: try int("StatPersisted.aversion"),
                                  ephemeralOwner: try long("StatPersisted.ephemeralOwner"), pzxid: try long("StatPersisted.pzxid"))
            do {
                try restorer.add(path: path.isEmpty ? "/" : path, data: data, aclId: aclId, stat: stat)
            } catch {
                throw corrupt(at: nodeOffset, error.description)
            }
        }
        let endOfNodes = offset
        try checkSeal()

        var digest: SnapshotDigest?
        var lastProcessedZxid: Int64?
        if try !isAtEnd() {
            let zxid = try long("ZxidDigest.zxid")
            let version = try int("ZxidDigest.digestVersion")
            if version < 2 {
                let textOffset = offset
                let text = try string("ZxidDigest.digest")
                guard let value = Int64(text, radix: 16) else {
                    throw corrupt(at: textOffset, "digest \(text.debugDescription) is not a hex number")
                }
                digest = SnapshotDigest(zxid: zxid, version: version, digest: value)
            } else {
                digest = SnapshotDigest(zxid: zxid, version: version, digest: try long("ZxidDigest.digest"))
            }
            try checkSeal()
            if try !isAtEnd() {
                lastProcessedZxid = try long("lastProcessedZxid")
                try checkSeal()
                if try !isAtEnd() {
                    throw corrupt(at: offset, "\(size - offset) unexpected bytes after the last seal")
                }
            }
        }
        let unknown = restorer.unknownACLIds
        let tree: DataTree
        do {
            tree = try restorer.finish()
        } catch {
            throw corrupt(at: endOfNodes, error.description)
        }
        return Snapshot(header: header, tree: tree, sessions: sessions, digest: digest,
                        lastProcessedZxid: lastProcessedZxid, unknownACLIds: unknown, byteCount: size)
    }

    // MARK: - Primitives

    private var remaining: Int64 { size - offset }

    private func corrupt(at offset: Int64, _ reason: String) -> SnapshotError {
        .corrupt(path: name, offset: offset, reason: reason)
    }

    /// Makes at least `n` bytes readable, or throws naming `field` (which starts at `offset`).
    private mutating func ensure(_ n: Int, _ field: @autoclosure () -> String) throws(SnapshotError) {
        while window.readableBytes < n {
            // Fold consumed bytes into the checksum before dropping them.
            foldChecksum()
            window.discardReadBytes()
            checksumStart = window.readerIndex
            let want = max(chunkSize, n - window.readableBytes)
            let got = try source.read(into: &window, maxBytes: want)
            if got == 0 {
                throw corrupt(at: offset, "the file ends inside \(field()) (\(size) bytes in all)")
            }
        }
    }

    private mutating func isAtEnd() throws(SnapshotError) -> Bool {
        if window.readableBytes > 0 { return false }
        foldChecksum()
        window.discardReadBytes()
        checksumStart = window.readerIndex
        return try source.read(into: &window, maxBytes: chunkSize) == 0
    }

    private mutating func foldChecksum() {
        let end = window.readerIndex
        guard end > checksumStart else { return }
        let start = checksumStart
        var sum = checksum
        window.withVeryUnsafeBytes { raw in sum.update(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
        checksum = sum
        checksumStart = end
    }

    private mutating func int(_ field: @autoclosure () -> String) throws(SnapshotError) -> Int32 {
        try ensure(4, field())
        offset += 4
        return window.readInteger(endianness: .big, as: Int32.self)!
    }

    private mutating func long(_ field: @autoclosure () -> String) throws(SnapshotError) -> Int64 {
        try ensure(8, field())
        offset += 8
        return window.readInteger(endianness: .big, as: Int64.self)!
    }

    /// A length-prefixed count of elements taking at least `minElementSize` bytes each.
    private mutating func count(_ field: String, minElementSize: Int64) throws(SnapshotError) -> Int {
        let at = offset
        let n = try int(field)
        guard n >= 0, Int64(n) * minElementSize <= remaining else {
            throw corrupt(at: at, "invalid \(field) \(n) (\(remaining) bytes left)")
        }
        return Int(n)
    }

    /// A jute `buffer`: -1 is null; any other negative length, or one past the end of the file, is corrupt.
    private mutating func buffer(_ field: @autoclosure () -> String) throws(SnapshotError) -> [UInt8]? {
        let at = offset
        let n = try int(field())
        if n == -1 { return nil }
        guard n >= 0, Int64(n) <= remaining else {
            throw corrupt(at: at, "invalid length \(n) for \(field()) (\(remaining) bytes left)")
        }
        try ensure(Int(n), field())
        offset += Int64(n)
        return window.readBytes(length: Int(n))!
    }

    /// A jute `ustring` (UTF-8, malformed sequences replaced as Java's decoder does); null reads as "".
    private mutating func string(_ field: @autoclosure () -> String) throws(SnapshotError) -> String {
        let at = offset
        let n = try int(field())
        if n == -1 { return "" }
        guard n >= 0, Int64(n) <= remaining else {
            throw corrupt(at: at, "invalid length \(n) for \(field()) (\(remaining) bytes left)")
        }
        try ensure(Int(n), field())
        offset += Int64(n)
        return window.readString(length: Int(n))!
    }

    /// `SnapStream.checkSealIntegrity`: the stored long must equal the Adler32 of every byte before
    /// it, and the path after it must be "/".
    private mutating func checkSeal() throws(SnapshotError) {
        let at = offset
        foldChecksum()
        let computed = Int64(checksum.value)
        let stored = try long("checksum")
        let pathOffset = offset
        let path = try string("checksum terminator")
        guard stored == computed else {
            throw corrupt(at: at, "checksum mismatch: stored 0x\(String(UInt64(bitPattern: stored), radix: 16)), "
                + "computed 0x\(String(computed, radix: 16))")
        }
        guard path == "/" else {
            throw corrupt(at: pathOffset, "checksum terminator is \(path.debugDescription), not \"/\"")
        }
    }
}

extension SnapshotDecoder where Source == MemorySnapshotSource {
    /// Decodes a snapshot held in memory; `name` labels errors.
    public static func decode(_ bytes: ByteBuffer, name: String = "<memory>", extendedTypesEnabled: Bool,
                              chunkSize: Int = 1 << 20) throws(SnapshotError) -> Snapshot {
        let source = MemorySnapshotSource(bytes)
        var decoder = SnapshotDecoder(source: source, name: name, size: source.size, chunkSize: chunkSize)
        return try decoder.decode(extendedTypesEnabled: extendedTypesEnabled)
    }
}
