import CorralCore
import CorralStorage
import Foundation
import Testing
import ZooKeeperProtocol

/// Apache's own `TxnLogToolkit` (ZooKeeper 3.8 jars in /usr/share/java) reads what Corral writes.
/// Runs only where java and the jars are installed; each run is bounded in time.
@Suite(.enabled(if: ApacheToolkit.available, "needs java and Apache ZooKeeper's jars in /usr/share/java"))
struct ApacheToolkitTests {
    @Test(arguments: [true, false])
    func toolkitReadsCorralsLog(digests: Bool) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // Every txn type except a top-level check, which Apache 3.8 writes but cannot read back.
        let txns = Samples.txns(firstZxid: 0x1_0000_0001, digests: digests, excludingTopLevelCheck: true)
        let path = try writeLog(txns, in: dir, preAllocSize: TxnLogFormat.defaultPreAllocSize)
        #expect(path.hasSuffix("/log.100000001"))
        let (status, output) = try ApacheToolkit.run(path, outputIn: dir)
        #expect(status == 0, "\(output.suffix(2000))")
        #expect(output.contains("ZooKeeper Transactional Log File with dbid 0 txnlog format version 2"))
        #expect(output.contains("EOF reached after \(txns.count) txns."), "\(output.suffix(2000))")
        #expect(!output.contains("CRC ERROR") && !output.contains("Exception"))
        #expect(output.contains("closeSession v{'/a/eph,'/a/eseq-0000000003}"))
        #expect(output.contains("createTtl /ttl-0000000005,\u{1}"))
    }

    /// The negative control: a damaged checksum is something the toolkit does notice.
    @Test func toolkitNoticesABadChecksum() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try writeLog(Samples.setDatas(3), in: dir, preAllocSize: 0)
        var bytes = try Fixtures.bytes(path)
        bytes[16 + 7] ^= 1
        try dir.write(bytes, to: "log.1")
        let (_, output) = try ApacheToolkit.run(path, outputIn: dir)
        #expect(output.contains("CRC ERROR"))
    }
}

enum ApacheToolkit {
    static let jars = ["zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-nop.jar", "commons-cli.jar"]
        .map { "/usr/share/java/" + $0 }
    static let java = ["/usr/bin/java", "/usr/local/bin/java"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let available = java != nil && jars.allSatisfy { FileManager.default.fileExists(atPath: $0) }

    /// Runs `TxnLogToolkit <path>` (at most 120 s) and returns its exit status and output.
    static func run(_ path: String, outputIn dir: TempDir) throws -> (Int32, String) {
        let out = dir.file("toolkit.out")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        defer { try? handle.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: java!)
        p.arguments = ["-cp", jars.joined(separator: ":"), "org.apache.zookeeper.server.persistence.TxnLogToolkit", path]
        p.environment = ["TZ": "UTC", "PATH": "/usr/bin:/bin"]
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            Issue.record("TxnLogToolkit did not finish within 120 s")
        }
        p.waitUntilExit()
        let text = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data(), as: UTF8.self)
        return (p.terminationStatus, text)
    }
}
