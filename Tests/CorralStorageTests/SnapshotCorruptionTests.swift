import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

/// Damaged snapshots are errors naming the file and an offset inside it — never a crash, never a
/// silently different tree.
@Suite struct SnapshotCorruptionTests {
    static func inputs() throws -> [(name: String, bytes: [UInt8])] {
        let apache = try SnapshotFixtures.bytes(SnapshotFixtures.apache)
        let tree = try makeSnapshotTree(acls: [(1, Ids.readACLUnsafe), (3, SnapshotRoundTripTests.digestACL)], nodes: [
            ("/a", Array("hello".utf8), 3, snapStat(2, version: 1, cversion: 2)),
            ("/a/e", nil, -1, snapStat(3, owner: 0x55)),
            ("/a/t", [1], 3, snapStat(4, owner: EphemeralOwner.ttlOwner(1000)!)),
            ("/c", [], -1, snapStat(5, owner: EphemeralOwner.container)),
        ])
        let corral = Array(SnapshotEncoder.encode(tree, sessions: [0x55: 4000, 0x56: 8000],
                                                  digest: SnapshotDigest(zxid: 5, digest: 99), lastProcessedZxid: 77).readableBytesView)
        return [("apache", apache), ("corral", corral)]
    }

    static func decode(_ bytes: [UInt8], chunkSize: Int = 1 << 20) throws(SnapshotError) -> Snapshot {
        var decoder = SnapshotDecoder(source: MemorySnapshotSource(ByteBuffer(bytes: bytes)), name: "snap",
                                      size: Int64(bytes.count), chunkSize: chunkSize)
        return try decoder.decode(extendedTypesEnabled: true)
    }

    static func expectCorrupt(_ bytes: [UInt8], chunkSize: Int = 1 << 20, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) -> (offset: Int64, reason: String)? {
        do {
            _ = try decode(bytes, chunkSize: chunkSize)
            Issue.record("\(what): decoded without error", sourceLocation: sourceLocation)
        } catch {
            guard case .corrupt(let path, let offset, let reason) = error else {
                Issue.record("\(what): \(error)", sourceLocation: sourceLocation)
                return nil
            }
            #expect(path == "snap", sourceLocation: sourceLocation)
            #expect(offset >= 0 && offset <= Int64(bytes.count), "\(what): offset \(offset)", sourceLocation: sourceLocation)
            return (offset, reason)
        }
        return nil
    }

    /// Every proper prefix is rejected (including cuts right after the first or second seal, which
    /// older readers would accept: those are checked below).
    @Test func truncationAtEveryOffset() throws {
        for (name, bytes) in try Self.inputs() {
            #expect(throws: Never.self) { _ = try Self.decode(bytes) }
            let sealEnds = Self.sealEnds(bytes)
            for cut in 0..<bytes.count {
                let prefix = Array(bytes[0..<cut])
                if sealEnds.contains(cut) {
                    // A file that ends right after a seal is a complete older-format snapshot.
                    #expect(throws: Never.self, "\(name) cut at \(cut)") { _ = try Self.decode(prefix, chunkSize: 64) }
                    continue
                }
                if let (offset, reason) = Self.expectCorrupt(prefix, chunkSize: cut % 2 == 0 ? 64 : 1 << 20, "\(name) cut at \(cut)") {
                    #expect(reason.contains("ends inside") || reason.contains("invalid"), "\(name) cut at \(cut): \(reason)")
                    #expect(offset <= Int64(cut))
                }
            }
        }
    }

    /// Every single-byte change anywhere is caught (by a seal, a length check or the tree checks).
    @Test func byteFlipsAtEveryOffset() throws {
        for (name, bytes) in try Self.inputs() {
            for i in 0..<bytes.count {
                for mask: UInt8 in [0x01, 0x80, 0xff] {
                    var damaged = bytes
                    damaged[i] ^= mask
                    _ = Self.expectCorrupt(damaged, chunkSize: i % 3 == 0 ? 64 : 4096, "\(name) byte \(i) ^ \(mask)")
                }
            }
        }
    }

    @Test func specificDamage() throws {
        let bytes = try SnapshotFixtures.bytes(SnapshotFixtures.apache)
        // Bad magic.
        var b = bytes
        b[0] = UInt8(ascii: "X")
        #expect(Self.expectCorrupt(b, "magic")?.reason.contains("bad magic") == true)
        // A checksum mismatch names the seal's offset.
        b = bytes
        let text = Array("bob:".utf8)
        let inText = (0..<b.count - 4).first { Array(b[$0..<$0 + 4]) == text }! + 6
        b[inText] ^= 0x10  // inside an ACL id string: lengths stay valid
        let seal1 = Int64(bytes.count - 13 - 20 - 13)
        let hit = Self.expectCorrupt(b, "flip in ACL text")
        #expect(hit?.offset == seal1 && hit?.reason.contains("checksum mismatch") == true)
        // Absurd lengths are refused before anything is allocated.
        b = bytes
        b.replaceSubrange(16..<20, with: [0x7f, 0xff, 0xff, 0xff])
        #expect(Self.expectCorrupt(b, "session count")?.reason.contains("invalid session count") == true)
        b = bytes
        b.replaceSubrange(16..<20, with: [0xff, 0xff, 0xff, 0xfe])
        #expect(Self.expectCorrupt(b, "negative session count") != nil)
        // Extra bytes after the last seal.
        #expect(Self.expectCorrupt(bytes + [0], "one extra byte")?.reason.contains("ends inside") == true)
        let corral = try Self.inputs()[1].bytes
        #expect(Self.expectCorrupt(corral + [0, 0, 0, 0, 0, 0, 0, 0], "extra bytes")?.reason.contains("unexpected") == true)
        // Nothing at all, and garbage.
        #expect(Self.expectCorrupt([], "empty") != nil)
        var rng = SnapshotTestRNG(seed: 7)
        for n in [1, 5, 16, 17, 100, 5000] {
            var junk = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n >= 4 { junk.replaceSubrange(0..<4, with: Array("ZKSN".utf8)) }
            _ = Self.expectCorrupt(junk, chunkSize: 64, "\(n) random bytes")
        }
    }

    /// A node before its parent, a duplicate node, a missing root: the tree checks name the node.
    @Test func structuralDamage() throws {
        func snapshot(_ paths: [String]) -> [UInt8] {
            var b = ByteBuffer()
            b.writeJuteInt(SnapshotFormat.magic); b.writeJuteInt(2); b.writeJuteLong(-1)
            b.writeJuteInt(0)  // sessions
            b.writeJuteInt(0)  // ACL map
            for p in paths {
                b.writeJuteString(p); b.writeJuteBytes([]); b.writeJuteLong(-1)
                for _ in 0..<4 { b.writeJuteLong(0) }
                for _ in 0..<3 { b.writeJuteInt(0) }
                b.writeJuteLong(0); b.writeJuteLong(0)
            }
            b.writeJuteString("/")
            b.writeJuteLong(Int64(Adler32.checksum(b.readableBytesView)))
            b.writeJuteString("/")
            return Array(b.readableBytesView)
        }
        #expect(throws: Never.self) { _ = try Self.decode(snapshot(["", "/a", "/a/b"])) }
        #expect(Self.expectCorrupt(snapshot(["", "/a/b"]), "orphan")?.reason.contains("unable to find parent /a") == true)
        #expect(Self.expectCorrupt(snapshot(["", "/a", "/a"]), "duplicate")?.reason.contains("duplicate") == true)
        // ACL ids Apache never assigns, in the map and on a node.
        var badACL = ByteBuffer()
        badACL.writeJuteInt(SnapshotFormat.magic); badACL.writeJuteInt(2); badACL.writeJuteLong(-1)
        badACL.writeJuteInt(0); badACL.writeJuteInt(1); badACL.writeJuteLong(Int64.max); badACL.writeJuteInt(0)
        let badId = try #require(Self.expectCorrupt(Array(badACL.readableBytesView), "ACL id max"))
        #expect(badId.offset == 24 && badId.reason.contains("invalid ACL id"))
        #expect(Self.expectCorrupt(snapshot(["/a"]), "no root")?.reason.contains("root") == true)
        #expect(Self.expectCorrupt(snapshot([]), "no nodes")?.reason.contains("no znodes") == true)
        let orphan = try #require(Self.expectCorrupt(snapshot(["", "/a", "/x/y"]), "orphan offset"))
        let nodeSize: Int64 = 4 + 4 + 8 + 60  // empty path and data, ACL id, StatPersisted
        let expectedOffset: Int64 = 24 + nodeSize + (nodeSize + 2)
        #expect(orphan.offset == expectedOffset)
    }

    /// The offsets just past each seal ("/" string) in a snapshot Corral or Apache wrote.
    static func sealEnds(_ bytes: [UInt8]) -> Set<Int> {
        guard let s = try? decode(bytes) else { return [] }
        var ends: Set<Int> = [bytes.count]
        var end = bytes.count
        if s.lastProcessedZxid != nil { end -= 8 + 13; ends.insert(end) }
        if let d = s.digest { end -= (d.version < 2 ? 0 : 20) + 13; ends.insert(end) }
        return ends
    }
}
