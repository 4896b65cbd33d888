import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

/// Corral -> Corral: the same tree always gives the same bytes, in memory and on disk, whatever the
/// chunk sizes; files appear only under their final name once complete.
@Suite struct SnapshotRoundTripTests {
    static let digestACL = [ACL(perms: Perms.all, id: Id(scheme: "digest", id: "u:Sa0NsbTJ12pQ8bGgPdxaJ1VqcSg="))]

    /// A tree with every kind of node, built directly (root and /zookeeper nodes as a new server has them).
    static func sampleTree() throws -> DataTree {
        let session: Int64 = 0x1000_0abc_0000_0001
        return try makeSnapshotTree(acls: [(1, Ids.readACLUnsafe), (7, digestACL), (9, digestACL + Ids.openACLUnsafe)], nodes: [
            ("/a", Array("hello".utf8), -1, snapStat(2, version: 3, cversion: 4)),
            ("/a/null", nil, 7, snapStat(3)),
            ("/a/eph", [1, 2, 3], -1, snapStat(4, owner: session)),
            ("/a/big", (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }, 9, snapStat(5, aversion: 2)),
            ("/c", [], -1, snapStat(6, owner: EphemeralOwner.container)),
            ("/c/x", [], 7, snapStat(7)),
            ("/t", [9], -1, snapStat(8, owner: EphemeralOwner.ttlOwner(60_000)!)),
            ("/\u{65e5}\u{672c}", Array("\u{e9}".utf8), 9, snapStat(9)),
        ])
    }

    static let sessions: [Int64: Int32] = [0x1000_0abc_0000_0001: 30000, 0x1000_0abc_0000_0002: 4000, -5: 10000]

    @Test func memoryRoundTripIsByteIdentical() throws {
        let tree = try Self.sampleTree()
        let first = SnapshotEncoder.encode(tree, sessions: Self.sessions, digest: SnapshotDigest(zxid: 9, digest: 12345))
        let read = try SnapshotDecoder.decode(first, extendedTypesEnabled: true)
        #expect(read.sessions == Self.sessions)
        #expect(read.digest == SnapshotDigest(zxid: 9, version: 2, digest: 12345))
        #expect(read.tree.nodeCount == tree.nodeCount)
        for (path, node) in tree.nodes {
            let other = read.tree.node(path)
            #expect(other?.data == node.data && other?.aclId == node.aclId && other?.stat == node.stat
                    && other?.children == node.children, "\(path)")
        }
        #expect(read.tree.ephemerals == tree.ephemerals && read.tree.containers == tree.containers && read.tree.ttls == tree.ttls)
        #expect(read.tree.acls.entriesById.map(\.id) == [1, 7, 9])
        #expect(read.tree.acls.referenceCount(7) == 2 && read.tree.acls.referenceCount(9) == 2)
        let second = SnapshotEncoder.encode(read.tree, sessions: read.sessions, digest: read.digest)
        #expect(second == first)
    }

    @Test func trailerVariants() throws {
        let tree = try Self.sampleTree()
        let none = SnapshotEncoder.encode(tree, sessions: [:], digest: nil)
        let empty = SnapshotEncoder.encode(tree, sessions: [:])
        let full = SnapshotEncoder.encode(tree, sessions: [:], digest: SnapshotDigest(zxid: 5, digest: -1), lastProcessedZxid: 0x1_0000_0005)
        let old = SnapshotEncoder.encode(tree, sessions: [:], digest: SnapshotDigest(zxid: 5, version: 1, digest: 0xabc))
        #expect(empty.readableBytes == none.readableBytes + 20 + 13)
        #expect(full.readableBytes == empty.readableBytes + 8 + 13)
        #expect(try SnapshotDecoder.decode(none, extendedTypesEnabled: true).digest == nil)
        #expect(try SnapshotDecoder.decode(empty, extendedTypesEnabled: true).digest == .empty)
        let f = try SnapshotDecoder.decode(full, extendedTypesEnabled: true)
        #expect(f.digest == SnapshotDigest(zxid: 5, digest: -1) && f.lastProcessedZxid == 0x1_0000_0005)
        #expect(try SnapshotDecoder.decode(old, extendedTypesEnabled: true).digest == SnapshotDigest(zxid: 5, version: 1, digest: 0xabc))
        // Identical up to the first seal.
        #expect(none.getBytes(at: 0, length: none.readableBytes) == empty.getBytes(at: 0, length: none.readableBytes))
    }

    @Test(arguments: [64, 100, 777, 4096, 1 << 20])
    func chunkSizesDoNotChangeTheBytes(chunkSize: Int) throws {
        let tree = try Self.sampleTree()
        let reference = SnapshotEncoder.encode(tree, sessions: Self.sessions)
        var encoder = SnapshotEncoder(sink: MemorySnapshotSink(), chunkSize: chunkSize)
        try encoder.writeTree(tree, sessions: Self.sessions)
        #expect(encoder.sink.bytes == reference)
        #expect(encoder.byteCount == Int64(reference.readableBytes))
        var decoder = SnapshotDecoder(source: MemorySnapshotSource(reference), name: "x",
                                      size: Int64(reference.readableBytes), chunkSize: chunkSize)
        let read = try decoder.decode(extendedTypesEnabled: true)
        #expect(SnapshotEncoder.encode(read.tree, sessions: read.sessions) == reference)
    }

    /// The encoder streams: with a small chunk size the sink sees many bounded chunks.
    @Test func encoderStreamsInChunks() throws {
        struct CountingSink: SnapshotSink {
            var chunks: [Int] = []
            mutating func write(_ chunk: ByteBuffer) throws(SnapshotError) { chunks.append(chunk.readableBytes) }
        }
        var r = try DataTreeRestorer(extendedTypesEnabled: false, acls: [])
        try r.add(path: "/", data: [], aclId: -1, stat: .zero)
        for i in 0..<2000 { try r.add(path: "/n\(i)", data: Array(repeating: 1, count: 100), aclId: -1, stat: snapStat(Int64(i + 1))) }
        let tree = try r.finish()
        var encoder = SnapshotEncoder(sink: CountingSink(), chunkSize: 8192)
        try encoder.writeTree(tree, sessions: [:])
        #expect(encoder.sink.chunks.count > 20)
        #expect(encoder.sink.chunks.allSatisfy { $0 <= 8192 + 512 })
        #expect(encoder.nodesWritten == tree.nodeCount)
    }

    @Test func fileWriterAndReader() throws {
        let dir = try SnapshotTempDir()
        defer { dir.remove() }
        let tree = try Self.sampleTree()
        let result = try SnapshotWriter.write(tree: tree, sessions: Self.sessions, zxid: 0x1_0000_0009, directory: dir.path,
                                              chunkSize: 1000)
        #expect(result.path == dir.file("snapshot.100000009"))
        #expect(try dir.contents() == ["snapshot.100000009"])
        let bytes = try SnapshotFixtures.bytes(result.path)
        let expected = SnapshotEncoder.encode(tree, sessions: Self.sessions)
        #expect(bytes == Array(expected.readableBytesView))
        #expect(result.byteCount == Int64(bytes.count) && result.nodeCount == tree.nodeCount)
        for chunk in [64, 1000, 1 << 20] {
            let read = try SnapshotReader.read(path: result.path, extendedTypesEnabled: true, chunkSize: chunk)
            #expect(SnapshotEncoder.encode(read.tree, sessions: read.sessions) == expected)
            #expect(read.byteCount == Int64(bytes.count))
        }
        // Rewriting the same zxid replaces the file; fsync off works too.
        try SnapshotWriter.write(tree: tree, sessions: [:], zxid: 0x1_0000_0009, directory: dir.path, fsync: false)
        #expect(try SnapshotReader.read(path: result.path, extendedTypesEnabled: true).sessions.isEmpty)
        #expect(try dir.contents() == ["snapshot.100000009"])
    }

    @Test func failedWriteLeavesNothing() throws {
        let dir = try SnapshotTempDir()
        defer { dir.remove() }
        let tree = try Self.sampleTree()
        struct Boom: Error {}
        #expect(throws: SnapshotError.self) {
            try SnapshotWriter.write(zxid: 5, directory: dir.path) { (encoder) throws(SnapshotError) in
                try encoder.writeSessions([(id: 1, timeout: 2)])
                throw SnapshotError.io(path: "test", operation: "simulated", errno: 28)
            }
        }
        #expect(try dir.contents() == [])
        do {
            try SnapshotWriter.write(tree: tree, sessions: [:], zxid: 5, directory: dir.file("missing"))
            Issue.record("writing into a missing directory succeeded")
        } catch {
            guard case .io(let path, let operation, let errno) = error else { Issue.record("\(error)"); return }
            #expect(path.hasSuffix("missing/.snapshot.5.tmp") && operation == "open" && errno == ENOENT)
        }
        do {
            _ = try SnapshotReader.read(path: dir.file("snapshot.1"), extendedTypesEnabled: false)
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(error == .io(path: dir.file("snapshot.1"), operation: "open", errno: ENOENT))
        }
    }

    /// Larger trees of random shape survive the round trip; children come back sorted however the
    /// snapshot listed them.
    @Test(arguments: [1, 2, 3])
    func randomTrees(seed: UInt64) throws {
        var rng = SnapshotTestRNG(seed: seed)
        var paths = ["/"]
        var r = try DataTreeRestorer(extendedTypesEnabled: true, acls: [(1, Ids.readACLUnsafe), (2, Self.digestACL)])
        try r.add(path: "/", data: [], aclId: -1, stat: .zero)
        for i in 0..<3000 {
            let parent = paths[Int(rng.next() % UInt64(paths.count))]
            let name = "k\(rng.next() % 100_000)-\(i)"
            let path = parent == "/" ? "/" + name : parent + "/" + name
            let data: [UInt8]? = rng.next() % 10 == 0 ? nil : (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let owner: Int64 = [0, 0, 0, 0x77, EphemeralOwner.container][Int(rng.next() % 5)]
            try r.add(path: path, data: data, aclId: [-1, 1, 2][Int(rng.next() % 3)], stat: snapStat(Int64(i + 1), owner: owner))
            if owner == 0 || owner == EphemeralOwner.container { paths.append(path) }
        }
        let tree = try r.finish()
        for (_, node) in tree.nodes { #expect(Array(node.children) == node.children.sorted()) }
        let bytes = SnapshotEncoder.encode(tree, sessions: [0x77: 5000])
        let read = try SnapshotDecoder.decode(bytes, extendedTypesEnabled: true, chunkSize: 333)
        #expect(read.tree.nodeCount == tree.nodeCount)
        #expect(SnapshotEncoder.encode(read.tree, sessions: read.sessions) == bytes)
        var visited = 0
        tree.forEachNodeDepthFirst { _, _ in visited += 1 }
        #expect(visited == tree.nodeCount)
    }

    @Test func restorerRejectsMalformedTrees() throws {
        var r = try DataTreeRestorer(extendedTypesEnabled: false, acls: [])
        #expect(throws: DataTreeRestoreError.rootNotFirst(path: "/a")) { try r.add(path: "/a", data: nil, aclId: -1, stat: .zero) }
        try r.add(path: "/", data: [], aclId: -1, stat: .zero)
        #expect(throws: DataTreeRestoreError.rootNotFirst(path: "/")) { try r.add(path: "/", data: nil, aclId: -1, stat: .zero) }
        #expect(throws: DataTreeRestoreError.missingParent(path: "/a/b", parent: "/a")) {
            try r.add(path: "/a/b", data: nil, aclId: -1, stat: .zero)
        }
        for bad in ["a", "/a/", "//", "/a//b"] {
            #expect(throws: DataTreeRestoreError.self) { try r.add(path: bad, data: nil, aclId: -1, stat: .zero) }
        }
        try r.add(path: "/a", data: nil, aclId: 42, stat: .zero)
        #expect(throws: DataTreeRestoreError.duplicate(path: "/a")) { try r.add(path: "/a", data: nil, aclId: -1, stat: .zero) }
        #expect(r.unknownACLIds == [42])
        for bad: Int64 in [0, -2, Int64.min, Int64.max, DataTreeRestorer.maxACLId + 1] {
            #expect(throws: DataTreeRestoreError.invalidACLId(bad)) { try r.add(path: "/bad", data: nil, aclId: bad, stat: .zero) }
            #expect(throws: DataTreeRestoreError.invalidACLId(bad)) { _ = try DataTreeRestorer(extendedTypesEnabled: false, acls: [(bad, [])]) }
        }
        try r.add(path: "/huge", data: nil, aclId: DataTreeRestorer.maxACLId, stat: .zero)
        // The special nodes are added when missing; unknown ACL ids are never handed out again.
        var tree = try r.finish()
        #expect(tree.node("/zookeeper/config") != nil && tree.node("/zookeeper/quota") != nil)
        #expect(tree.acl(of: tree.node("/zookeeper/config")!) == Ids.readACLUnsafe)
        #expect(tree.acls.lastAssignedId == DataTreeRestorer.maxACLId + 1)  // /zookeeper/config's list was added
        _ = tree
        tree = try makeSnapshotTree(nodes: [])
        #expect(tree.nodeCount == 4)
    }
}

/// SplitMix64: a seeded generator for test data.
struct SnapshotTestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
