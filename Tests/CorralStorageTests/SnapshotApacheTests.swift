import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

/// Apache ZooKeeper 3.8 reads the snapshots Corral writes: its `SnapshotFormatter`, and its loader
/// with the checksum seals (Capture/SnapshotCheck.java, which follows `FileSnap.deserialize`).
/// Runs only where java and the jars are installed; each java run is bounded in time.
@Suite(.enabled(if: ApacheSnapshotTools.available, "needs java and Apache ZooKeeper's jars in /usr/share/java"))
struct SnapshotApacheTests {
    /// The Apache fixture, loaded by Corral and written back by Corral (sorted order), loads in
    /// Apache to exactly what the original did — same dump, and the same tree digest Apache computes.
    @Test func apacheLoadsCorralsRewriteOfItsSnapshot() throws {
        let dir = try SnapshotTempDir()
        defer { dir.remove() }
        let s = try SnapshotFixtures.apacheSnapshot()
        let written = try SnapshotWriter.write(tree: s.tree, sessions: s.sessions, zxid: 0x1e, directory: dir.path, digest: s.digest)
        let (status, output) = try ApacheSnapshotTools.check(written.path, in: dir)
        #expect(status == 0, "\(output)")
        let original = try SnapshotFixtures.text(SnapshotFixtures.apacheDump)
        // Every line, the tree digest Apache computes from the loaded nodes included.
        #expect(output.split(separator: "\n") == original.split(separator: "\n"))
        #expect(snapshotDumpLines(output) == snapshotDump(s))

        let formatted = try ApacheSnapshotTools.formatter(written.path, in: dir)
        #expect(formatted.status == 0, "\(formatted.output)")
        let expected = Self.formatterSections(try SnapshotFixtures.text(SnapshotFixtures.apacheFormatter))
        let actual = Self.formatterSections(formatted.output)
        #expect(actual.header == expected.header)
        #expect(actual.nodes == expected.nodes)
        #expect(actual.nodes.count == 22)
        #expect(actual.sessions == expected.sessions && actual.sessions.count == 2)
        #expect(actual.trailer == expected.trailer)
    }

    /// A tree Corral built (null data, a 70 KB node, every owner kind, several ACLs), with each
    /// trailer variant: Apache's loader agrees with Corral's on every field.
    @Test(arguments: [0, 1, 2])
    func apacheLoadsCorralsTree(variant: Int) throws {
        let dir = try SnapshotTempDir()
        defer { dir.remove() }
        let tree = try SnapshotRoundTripTests.sampleTree()
        let digest: SnapshotDigest? = [SnapshotDigest.empty, nil, SnapshotDigest(zxid: 9, digest: 42)][variant]
        let written = try SnapshotWriter.write(tree: tree, sessions: SnapshotRoundTripTests.sessions, zxid: 9,
                                               directory: dir.path, digest: digest, chunkSize: 4096)
        let (status, output) = try ApacheSnapshotTools.check(written.path, in: dir)
        #expect(status == 0, "\(output)")
        let corral = try SnapshotReader.read(path: written.path, extendedTypesEnabled: true)
        #expect(snapshotDumpLines(output) == snapshotDump(corral))
        #expect(output.contains("node /a/big acl=9 "))
        #expect(output.contains("ttl /t\n") && output.contains("container /c\n") && output.contains("ephemeral 0x10000abc00000001 /a/eph\n"))
        let formatted = try ApacheSnapshotTools.formatter(written.path, in: dir)
        #expect(formatted.status == 0 && formatted.output.contains("ZNode Details (count=13):"), "\(formatted.output)")
        #expect(formatted.output.contains("0x10000abc00000001, 30000, 1"))
    }

    /// The negative control: Apache's loader does notice a damaged Corral snapshot.
    @Test func apacheNoticesADamagedSnapshot() throws {
        let dir = try SnapshotTempDir()
        defer { dir.remove() }
        let tree = try SnapshotRoundTripTests.sampleTree()
        let written = try SnapshotWriter.write(tree: tree, sessions: [:], zxid: 9, directory: dir.path)
        var bytes = try SnapshotFixtures.bytes(written.path)
        bytes[bytes.count - 13 - 20 - 13 + 7] ^= 0x01  // the first seal's stored checksum
        try dir.write(bytes, to: "snapshot.9")
        let (status, output) = try ApacheSnapshotTools.check(written.path, in: dir)
        #expect(status != 0)
        #expect(output.contains("CRC corruption"), "\(output)")
    }

    /// SnapshotFormatter's output cut into: the count line, one block per znode (a set: Apache prints
    /// children in hash order), the session lines (a set), and the last-zxid line.
    static func formatterSections(_ text: String) -> (header: String, nodes: Set<String>, sessions: Set<String>, trailer: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var nodes: Set<String> = []
        var sessions: Set<String> = []
        var current: [String] = []
        var inSessions = false
        var trailer = ""
        for line in lines.dropFirst() where !line.isEmpty {
            if line == "----" {
                if !current.isEmpty { nodes.insert(current.joined(separator: "\n")) }
                current = []
            } else if line.hasPrefix("Session Details") {
                inSessions = true
            } else if line.hasPrefix("Last zxid") {
                trailer = line
            } else if inSessions {
                sessions.insert(line)
            } else {
                current.append(line)
            }
        }
        return (lines.first ?? "", nodes, sessions, trailer)
    }
}
