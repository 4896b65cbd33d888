import CorralCore
import CorralStorage
import Foundation
import NIOCore
import ZooKeeperProtocol

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// `version-2/log.1` of Apache ZooKeeper 3.8.0 run with zookeeper.preAllocSize=1 (KiB), whole:
    /// 32 records (every txn type kazoo can produce) then the zero-filled preallocated tail.
    /// Regenerate with `Capture/make_txnlog_fixture.py`.
    static let apacheLog = directory.appendingPathComponent("apache-3.8-log.1").path
    static let apacheLogSize = 7184
    static let apacheLogDataEnd: Int64 = 2936
    static let apacheLogLastRecordOffset: Int64 = 2875

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TempDir {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/corral-storage-XXXXXX").utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: p)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Replaces the contents of `name` (plain open/write/ftruncate: cheap enough to call thousands
    /// of times).
    func write(_ bytes: [UInt8], to name: String) throws {
        let fd = open(file(name), O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard n == bytes.count, ftruncate(fd, off_t(bytes.count)) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

func fileSize(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber).intValue
}

/// Txns covering every `TxnBody` case with every header type it is logged under.
enum Samples {
    static let session: Int64 = 0x1000042e696_0000
    static let digestACL = [ACL(perms: Perms.all, id: Id(scheme: "digest", id: "user:2Om+GBbT2q/tS6pdvACZbbm7/1A="))]
    static let acl = digestACL + Ids.openACLUnsafe

    static let bodies: [(OpCode, TxnBody)] = [
        (.createSession, .createSession(timeout: 30000)),
        (.create, .create(path: "/a", data: Array("hello".utf8), acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 1)),
        (.create2, .create(path: "/a/b", data: nil, acl: acl, ephemeral: true, parentCVersion: 2)),
        (.create, .create(path: "/ü/日本", data: [], acl: Ids.readACLUnsafe, ephemeral: false, parentCVersion: -1)),
        (.create, .create(path: "/big", data: (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }, acl: Ids.openACLUnsafe,
                          ephemeral: false, parentCVersion: 3)),
        (.createContainer, .createContainer(path: "/c", data: Array("container".utf8), acl: Ids.openACLUnsafe, parentCVersion: 4)),
        (.createTTL, .createTTL(path: "/ttl-0000000005", data: [1], acl: acl, parentCVersion: 5, ttl: 600_000)),
        (.setData, .setData(path: "/a", data: Array("world".utf8), version: 1)),
        (.setData, .setData(path: "/a", data: nil, version: 2)),
        (.reconfig, .setData(path: "/zookeeper/config", data: Array("server.1=127.0.0.1:2888:3888;2181\nversion=100000000".utf8), version: -1)),
        (.setACL, .setACL(path: "/a/b", acl: acl, version: 1)),
        (.setACL, .setACL(path: "/a/b", acl: [], version: 2)),
        (.delete, .delete(path: "/a/b")),
        (.deleteContainer, .delete(path: "/c")),
        (.check, .check(path: "/a", version: 3)),
        (.error, .error(.nodeExists)),
        (.error, .error(.reconfigDisabled)),
        (.multi, .multi([
            SubTxn(type: .create, body: .create(path: "/m", data: [7], acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 6)),
            SubTxn(type: .create2, body: .create(path: "/m/e", data: nil, acl: Ids.openACLUnsafe, ephemeral: true, parentCVersion: 1)),
            SubTxn(type: .createContainer, body: .createContainer(path: "/m/c", data: [], acl: acl, parentCVersion: 2)),
            SubTxn(type: .createTTL, body: .createTTL(path: "/m/t", data: [1, 2], acl: acl, parentCVersion: 3, ttl: 1)),
            SubTxn(type: .setData, body: .setData(path: "/m", data: [8], version: 1)),
            SubTxn(type: .check, body: .check(path: "/a", version: 3)),
            SubTxn(type: .delete, body: .delete(path: "/m/e")),
            SubTxn(type: .deleteContainer, body: .delete(path: "/m/c")),
        ])),
        (.multi, .multi([
            SubTxn(type: .create, body: .create(path: "/f", data: [], acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 7)),
            SubTxn(type: .error, body: .error(.badVersion)),
            SubTxn(type: .error, body: .error(.runtimeInconsistency)),
        ])),
        (.multi, .multi([])),
        (.closeSession, .closeSession(ephemerals: ["/a/eph", "/a/eseq-0000000003"])),
        (.closeSession, .closeSession(ephemerals: [])),
    ]

    /// The samples as consecutive txns from zxid `firstZxid`, with digests on all but error txns
    /// (what Apache 3.8 writes) when `digests`.
    static func txns(firstZxid: Int64 = 1, digests: Bool = true, excludingTopLevelCheck: Bool = false,
                     excludingBig: Bool = false) -> [LoggedTxn] {
        var out: [LoggedTxn] = []
        var zxid = firstZxid
        for (type, body) in bodies {
            if excludingTopLevelCheck && type == .check { continue }
            if excludingBig, case .create("/big", _, _, _, _) = body { continue }
            let header = TxnHeader(clientId: type == .deleteContainer ? 0 : session, cxid: Int32(truncatingIfNeeded: zxid), zxid: zxid,
                                   time: 1_764_292_000_000 + zxid, type: type)
            let digest = digests && type != .error ? TxnDigest(treeDigest: 0x1234_5678 &* zxid) : nil
            out.append(LoggedTxn(Txn(header: header, body: body), digest: digest))
            zxid += 1
        }
        return out
    }

    /// `count` small setData txns from zxid `firstZxid`.
    static func setDatas(_ count: Int, firstZxid: Int64 = 1) -> [LoggedTxn] {
        (0..<count).map { i in
            let zxid = firstZxid + Int64(i)
            let header = TxnHeader(clientId: session, cxid: Int32(i), zxid: zxid, time: 1_764_292_000_000, type: .setData)
            return LoggedTxn(Txn(header: header, body: .setData(path: "/n\(i % 7)", data: Array("value \(i)".utf8), version: Int32(i))),
                             digest: TxnDigest(treeDigest: zxid))
        }
    }
}

/// Writes `txns` into a new log file in `dir` and returns its path.
@discardableResult
func writeLog(_ txns: [LoggedTxn], in dir: TempDir, preAllocSize: Int64, firstZxid: Int64? = nil,
              zeroFillChunk: Int64 = 0) throws -> String {
    let writer = try TxnLogWriter(directory: dir.path, firstZxid: firstZxid ?? txns.first?.txn.header.zxid ?? 1,
                                  preAllocSize: preAllocSize, zeroFillChunk: zeroFillChunk)
    for t in txns { try writer.append(t) }
    try writer.sync()
    try writer.close()
    return writer.path
}
