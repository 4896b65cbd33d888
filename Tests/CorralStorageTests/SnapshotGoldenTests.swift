import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

/// A snapshot Apache ZooKeeper 3.8 wrote (Fixtures/snapshot, made by Capture/make_snapshot_fixture.py)
/// loads in Corral to the same tree, sessions and ACLs Apache's own loader reads from it.
@Suite struct SnapshotGoldenTests {
    @Test func corralReadsWhatApacheReads() throws {
        let snapshot = try SnapshotFixtures.apacheSnapshot()
        let expected = snapshotDumpLines(try SnapshotFixtures.text(SnapshotFixtures.apacheDump))
        let actual = snapshotDump(snapshot)
        #expect(actual == expected)
        for (a, e) in zip(actual, expected) where a != e { Issue.record("corral: \(a)\napache: \(e)") }
        #expect(snapshot.unknownACLIds.isEmpty)
    }

    @Test func apacheSnapshotDetails() throws {
        let s = try SnapshotFixtures.apacheSnapshot()
        #expect(s.header == SnapshotHeader(magic: 0x5a4b_534e, version: 2, dbid: -1))
        #expect(s.byteCount == 2696)
        // Apache 3.8 writes the digest section: the digest as of the snapshot's zxid.
        #expect(s.digest?.zxid == 0x1e && s.digest?.version == 2)
        #expect(s.lastProcessedZxid == nil)
        #expect(s.sessions.count == 2)
        #expect(s.sessions.values.sorted() == [6000, 10000])
        let (longSession, shortSession) = (s.sessions.first { $0.value == 10000 }!.key, s.sessions.first { $0.value == 6000 }!.key)

        let tree = s.tree
        #expect(tree.nodeCount == 22)
        // Stored cversion counts child creates; clients see 2 * cversion - numChildren.
        let app = tree.node("/app")!
        #expect(app.stat.cversion == 7)
        let appStat = tree.stat(of: app)
        #expect(appStat == Stat(czxid: 2, mzxid: 4, ctime: app.stat.ctime, mtime: app.stat.mtime, version: 2, cversion: 8,
                                aversion: 0, ephemeralOwner: 0, dataLength: 2, numChildren: 6, pzxid: 12))
        #expect(app.children == ["binary", "eph", "eseq-0000000006", "null", "seq-0000000002", "seq-0000000004"])
        #expect(tree.node("/app/null")!.data == nil)
        #expect(tree.node("/app/binary")!.data == (0...255).map { UInt8($0) })
        #expect(tree.node("/\u{fc}n\u{ef}\u{e7}\u{f8}d\u{e9}")!.data == Array("\u{e9}t\u{e9}".utf8))

        // Ephemerals by owner; containers and TTL nodes carry special owners clients see as 0.
        #expect(tree.ephemerals[longSession] == ["/app/eph", "/app/eseq-0000000006"])
        #expect(tree.ephemerals[shortSession] == ["/b-eph"])
        #expect(tree.stat(of: tree.node("/app/eph")!).ephemeralOwner == longSession)
        #expect(tree.containers == ["/containers", "/empty-container"])
        #expect(tree.ttls == ["/ttl", "/ttlseq-0000000007"])
        #expect(tree.node("/containers")!.stat.ephemeralOwner == EphemeralOwner.container)
        #expect(tree.node("/ttl")!.stat.ephemeralOwner == EphemeralOwner.ttlOwner(3_600_000))
        #expect(tree.node("/ttlseq-0000000007")!.stat.ephemeralOwner == EphemeralOwner.ttlOwner(7_200_000))
        #expect(tree.stat(of: tree.node("/ttl")!).ephemeralOwner == 0)
        #expect(tree.ephemeralKind(tree.node("/ttl")!) == .ttl)

        // ACLs: Apache interns even OPEN_ACL_UNSAFE under an id (2 here); only the root and
        // /zookeeper, /zookeeper/quota use -1.
        let open = [ACL(perms: Perms.all, id: Id(scheme: "world", id: "anyone"))]
        #expect(tree.node("/app")!.aclId == 2)
        #expect(tree.acl(of: tree.node("/app")!) == open)
        #expect(tree.node("/")!.aclId == -1)
        let bob = Id(scheme: "digest", id: "bob:ikIaKsbtGweaHnb/jKn7OHqbunM=")
        let alice = Id(scheme: "digest", id: "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=")
        #expect(tree.acl(of: tree.node("/secure")!) == [ACL(perms: Perms.all, id: bob), ACL(perms: Perms.read, id: Id(scheme: "world", id: "anyone"))])
        #expect(tree.node("/secure")!.aclId == tree.node("/secure/inner")!.aclId)
        #expect(tree.acls.referenceCount(tree.node("/secure")!.aclId) == 2)
        #expect(Set(tree.acl(of: tree.node("/authed")!)) == [ACL(perms: Perms.all, id: alice), ACL(perms: Perms.all, id: bob)])
        #expect(tree.acl(of: tree.node("/iponly")!) == [ACL(perms: Perms.read | Perms.write, id: Id(scheme: "ip", id: "127.0.0.1"))])
        #expect(tree.node("/app/binary")!.stat.aversion == 1)
        #expect(tree.acl(of: tree.node("/zookeeper/config")!) == Ids.readACLUnsafe)
        #expect(tree.node("/zookeeper/config")!.stat.aversion == -1)
        #expect(tree.acls.lastAssignedId == 6)
    }

    /// Apache lists nodes in hash order (and sessions in HashMap order); Corral writes the same
    /// content sorted, so the file has exactly the same size and reads back to the same dump.
    @Test func corralRewritesTheApacheSnapshot() throws {
        let s = try SnapshotFixtures.apacheSnapshot()
        let bytes = SnapshotEncoder.encode(s.tree, sessions: s.sessions, digest: s.digest)
        #expect(Int64(bytes.readableBytes) == s.byteCount)
        #expect(Array(bytes.readableBytesView) != (try SnapshotFixtures.bytes(SnapshotFixtures.apache)))
        let again = try SnapshotDecoder.decode(bytes, extendedTypesEnabled: true)
        #expect(snapshotDump(again) == snapshotDump(s))
        // And a second generation is byte-identical to the first.
        #expect(SnapshotEncoder.encode(again.tree, sessions: again.sessions, digest: again.digest) == bytes)
    }

    /// Apache's layout, checked field by field on the fixture's tail: "/" ends the node list, then
    /// the Adler32 of everything before it as a long and "/", then ZxidDigest{zxid, version, digest}
    /// and a second seal whose checksum covers the whole file before it, first seal included.
    @Test func apacheTrailerLayout() throws {
        let raw = try SnapshotFixtures.bytes(SnapshotFixtures.apache)
        let n = raw.count
        func long(_ at: Int) -> Int64 { raw[at..<at + 8].reduce(0) { $0 << 8 | Int64($1) } }
        func int(_ at: Int) -> Int32 { Int32(truncatingIfNeeded: raw[at..<at + 4].reduce(0) { $0 << 8 | Int64($1) }) }
        let slash: [UInt8] = [0, 0, 0, 1, UInt8(ascii: "/")]
        let digestStart = n - 13 - 20
        let seal1 = digestStart - 13
        #expect(Array(raw[seal1 - 5..<seal1]) == slash)
        #expect(long(seal1) == Int64(Adler32.checksum(raw[0..<seal1])))
        #expect(Array(raw[seal1 + 8..<seal1 + 13]) == slash)
        #expect(long(digestStart) == 0x1e)
        #expect(int(digestStart + 8) == 2)
        #expect(long(n - 13) == Int64(Adler32.checksum(raw[0..<n - 13])))
        #expect(Array(raw[n - 5..<n]) == slash)
    }

    @Test func fileNames() {
        #expect(SnapshotFormat.fileName(zxid: 0x1e) == "snapshot.1e")
        #expect(SnapshotFormat.fileName(zxid: 0x1_0000_0000) == "snapshot.100000000")
        #expect(SnapshotFormat.fileName(zxid: 0) == "snapshot.0")
        #expect(SnapshotFormat.zxid(fromFileName: "snapshot.1e") == 0x1e)
        #expect(SnapshotFormat.zxid(fromFileName: "snapshot.7FFFFFFFFFFFFFFF") == Int64.max)
        #expect(SnapshotFormat.zxid(fromFileName: "snapshot.8000000000000000") == nil)
        #expect(SnapshotFormat.zxid(fromFileName: "snapshot.1e.tmp") == nil)
        #expect(SnapshotFormat.zxid(fromFileName: "snapshot.1e.gz") == nil)
        #expect(SnapshotFormat.zxid(fromFileName: "snapshot.") == nil)
        #expect(SnapshotFormat.zxid(fromFileName: "snapshot.xyz") == nil)
        #expect(SnapshotFormat.zxid(fromFileName: "log.1e") == nil)
        #expect(SnapshotFormat.zxid(fromFileName: SnapshotFormat.temporaryFileName(zxid: 0x1e)) == nil)
        #expect(SnapshotFormat.kind(ofFileName: "snapshot.1e") == .snapshot(zxid: 0x1e))
        #expect(SnapshotFormat.kind(ofFileName: ".snapshot.1e.tmp") == .temporary)
        #expect(SnapshotFormat.kind(ofFileName: "snapshot.1e.gz") == .compressedSnapshot(zxid: 0x1e, method: "gz"))
        #expect(SnapshotFormat.kind(ofFileName: "snapshot.1e.snappy") == .compressedSnapshot(zxid: 0x1e, method: "snappy"))
        #expect(SnapshotFormat.kind(ofFileName: "snapshot.1e.tmp") == .other)
        #expect(SnapshotFormat.kind(ofFileName: "log.1e") == .other)
    }
}
