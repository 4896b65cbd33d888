import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

enum SnapshotFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("snapshot")
    static let capture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Capture")
    /// `version-2/snapshot.1e` written by Apache ZooKeeper 3.8.0 at startup over a data dir holding
    /// nodes of every kind and two open sessions (Capture/make_snapshot_fixture.py).
    static let apache = directory.appendingPathComponent("apache-3.8-snapshot.1e").path
    /// What Apache's loader reads from it (Capture/SnapshotCheck.java).
    static let apacheDump = apache + ".dump.txt"
    /// SnapshotFormatter's output for it, TZ=UTC.
    static let apacheFormatter = apache + ".formatter.txt"
    static let checker = capture.appendingPathComponent("SnapshotCheck.java").path

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func text(_ path: String) throws -> String { String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self) }

    static func apacheSnapshot() throws -> Snapshot {
        try SnapshotReader.read(path: apache, extendedTypesEnabled: true)
    }
}

/// A fresh directory under the system temp dir, removed by `remove()`.
struct SnapshotTempDir {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/corral-snapshot-XXXXXX").utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: p)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
    func write(_ bytes: [UInt8], to name: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: file(name))) }
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// The canonical dump `Capture/SnapshotCheck.java` prints for what Apache loads, made from what
/// Corral loads: equal dumps mean equal sessions, ACL map (ids, lists, reference counts), nodes
/// (path, ACL id, every stored stat field, data, children) and ephemeral / container / TTL indexes.
/// The Java dump's last line, Apache's own tree digest, is left out (Corral does not compute it).
func snapshotDump(_ s: Snapshot) -> [String] {
    func hex(_ v: Int64) -> String { String(UInt64(bitPattern: v), radix: 16) }
    var out: [String] = []
    out.append("header magic=0x\(String(UInt32(bitPattern: s.header.magic), radix: 16)) version=\(s.header.version) dbid=\(s.header.dbid)")
    if let d = s.digest {
        out.append("digest zxid=0x\(hex(d.zxid)) version=\(d.version) value=\(d.digest)")
    } else {
        out.append("digest none")
    }
    for (id, timeout) in s.sessions.sorted(by: { $0.key < $1.key }) {
        out.append("session 0x\(hex(id)) timeout=\(timeout)")
    }
    let tree = s.tree
    out.append("aclIndex \(tree.acls.lastAssignedId)")
    for (id, acl) in tree.acls.entriesById {
        out.append("acl \(id) refs=\(tree.acls.referenceCount(id)) \(snapshotACLText(acl))")
    }
    tree.forEachNodeDepthFirst { (path, n) in
        let st = n.stat
        let data = n.data.map { $0.map { String(format: "%02x", $0) }.joined() } ?? "null"
        out.append("node \(path) acl=\(n.aclId) czxid=\(st.czxid) mzxid=\(st.mzxid) ctime=\(st.ctime) mtime=\(st.mtime) "
            + "version=\(st.version) cversion=\(st.cversion) aversion=\(st.aversion) ephemeralOwner=\(st.ephemeralOwner) "
            + "pzxid=\(st.pzxid) data=\(data) children=\(n.children.joined(separator: ","))")
    }
    for sid in tree.ephemerals.keys.sorted() {
        for p in tree.ephemerals[sid]!.sorted() { out.append("ephemeral 0x\(hex(sid)) \(p)") }
    }
    for p in tree.containers.sorted() { out.append("container \(p)") }
    for p in tree.ttls.sorted() { out.append("ttl \(p)") }
    return out
}

func snapshotACLText(_ acl: [ACL]) -> String {
    "[" + acl.map { "\($0.perms) \($0.id.scheme):\($0.id.id)" }.joined(separator: ", ") + "]"
}

/// Lines of a dump file without the tree digest line.
func snapshotDumpLines(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("treeDigest ") }
}

/// Builds trees for tests with `DataTreeRestorer` (root and the /zookeeper nodes as a new server
/// has them, then `nodes` in order).
func makeSnapshotTree(extendedTypesEnabled: Bool = true, acls: [(id: Int64, acl: [ACL])] = [(1, Ids.readACLUnsafe)],
              nodes: [(String, [UInt8]?, Int64, StoredStat)]) throws -> DataTree {
    var r = try DataTreeRestorer(extendedTypesEnabled: extendedTypesEnabled, acls: acls)
    try r.add(path: "/", data: [], aclId: -1, stat: .zero)
    try r.add(path: "/zookeeper", data: [], aclId: -1, stat: .zero)
    var configStat = StoredStat.zero
    configStat.aversion = -1
    try r.add(path: "/zookeeper/config", data: [], aclId: 1, stat: configStat)
    try r.add(path: "/zookeeper/quota", data: [], aclId: -1, stat: .zero)
    for (path, data, acl, stat) in nodes { try r.add(path: path, data: data, aclId: acl, stat: stat) }
    return try r.finish()
}

func snapStat(_ zxid: Int64, owner: Int64 = 0, version: Int32 = 0, cversion: Int32 = 0, aversion: Int32 = 0) -> StoredStat {
    StoredStat(czxid: zxid, mzxid: zxid + Int64(version), ctime: 1_700_000_000_000 + zxid, mtime: 1_700_000_000_000 + zxid,
               version: version, cversion: cversion, aversion: aversion, ephemeralOwner: owner, pzxid: zxid)
}

/// Apache ZooKeeper 3.8's tools (jars in /usr/share/java), each run bounded in time.
enum ApacheSnapshotTools {
    static let jars = ["zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-nop.jar", "commons-cli.jar"]
        .map { "/usr/share/java/" + $0 }
    static let java = ["/usr/bin/java", "/usr/local/bin/java"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let available = java != nil && jars.allSatisfy { FileManager.default.fileExists(atPath: $0) }

    static let utf8 = ["-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Dsun.stderr.encoding=UTF-8"]

    /// `SnapshotFormatter <path>`.
    static func formatter(_ path: String, in dir: SnapshotTempDir) throws -> (status: Int32, output: String) {
        try run(utf8 + ["-cp", jars.joined(separator: ":"), "org.apache.zookeeper.server.SnapshotFormatter", path], in: dir)
    }

    /// `Capture/SnapshotCheck.java <path>`: Apache's own loader, seals included.
    static func check(_ path: String, in dir: SnapshotTempDir) throws -> (status: Int32, output: String) {
        try run(utf8 + ["-Dzookeeper.extendedTypesEnabled=true", "-cp", jars.joined(separator: ":"), SnapshotFixtures.checker, path], in: dir)
    }

    /// Runs java (at most 120 s); stdout and stderr go to files in `dir`; returns status and stdout
    /// (with stderr appended when the status is not 0).
    static func run(_ arguments: [String], in dir: SnapshotTempDir) throws -> (status: Int32, output: String) {
        let out = dir.file("java-\(UUID().uuidString).out"), err = out + ".err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        defer { try? outHandle.close(); try? errHandle.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: java!)
        p.arguments = arguments
        // UTF-8 matters twice: for printing paths, and for Apache's tree digest, which hashes
        // `path.getBytes()` in the JVM's default charset.
        p.environment = ["TZ": "UTC", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        p.standardOutput = outHandle
        p.standardError = errHandle
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            Issue.record("java \(arguments.last ?? "") did not finish within 120 s")
        }
        p.waitUntilExit()
        var text = try SnapshotFixtures.text(out)
        if p.terminationStatus != 0 { text += try SnapshotFixtures.text(err) }
        return (p.terminationStatus, text)
    }
}
