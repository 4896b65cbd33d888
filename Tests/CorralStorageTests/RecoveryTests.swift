import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

/// Runs a `ServerCore` like a shell with in-memory durability, one client session, and keeps every
/// txn it logs: the source of realistic logs for recovery tests.
struct TxnSource {
    var core = ServerCore(config: CoreConfig(tickTime: 2000), startTime: 1_000_000)
    var txns: [Txn] = []
    var xid: Int32 = 0
    let conn: ConnectionID = 1

    init() {
        step(.connectionOpened(conn, remoteAddress: "127.0.0.1"))
        step(.connect(conn, ConnectRequest(timeOut: 30_000, passwd: [UInt8](repeating: 0, count: 16))))
    }

    mutating func step(_ input: CoreInput) {
        var effects: [CoreEffect] = []
        core.step(input, now: 1_000_000 + Int64(txns.count), into: &effects)
        for case .log(let txn) in effects {
            txns.append(txn)
            var more: [CoreEffect] = []
            core.step(.durable(upTo: txn.header.zxid), now: 1_000_000, into: &more)
        }
    }

    mutating func send(_ request: Request) {
        xid += 1
        step(.request(conn, xid: xid, request))
    }

    mutating func create(_ path: String, _ data: String = "", ephemeral: Bool = false) {
        let flags: Int32 = ephemeral ? 1 : 0
        send(.create(op: .create, CreateRequest(path: path, data: Array(data.utf8), acl: Ids.openACLUnsafe, flags: flags)))
    }

    mutating func set(_ path: String, _ data: String) { send(.setData(path: path, data: Array(data.utf8), version: -1)) }
    mutating func delete(_ path: String) { send(.delete(path: path, version: -1)) }

    /// createSession, /a, /a/b (ephemeral), /c, setData /a, ... : `count` txns in all (>= 4).
    static func sample(count: Int) -> TxnSource {
        var source = TxnSource()
        source.create("/a", "one")
        source.create("/a/b", "eph", ephemeral: true)
        var i = 0
        while source.txns.count < count {
            if i % 3 == 2 { source.set("/a", "v\(i)") } else { source.create("/n\(i)", "d\(i)") }
            i += 1
        }
        return source
    }
}

/// Every node's path, data and stored stat, and the sessions: what recovery must reproduce.
func contents(_ core: ServerCore) -> [String] {
    var out: [String] = []
    core.tree.forEachNodeDepthFirst { path, node in
        out.append("\(path) \(node.data ?? []) \(node.stat) \(node.aclId) \(node.children)")
    }
    out.append("sessions \(core.sessions.sessions.keys.sorted())")
    return out
}

enum RecoveryFixture {
    static func writeLog(_ txns: ArraySlice<Txn>, in dir: DataDirectory) throws {
        let writer = try TxnLogWriter(directory: dir.logDirectory, firstZxid: txns.first!.header.zxid, preAllocSize: 4096)
        for txn in txns { try writer.append(txn) }
        try writer.sync()
        try writer.close()
    }

    static func writeEmptySnapshot(in dir: DataDirectory) throws {
        try SnapshotWriter.write(tree: DataTree(), sessions: [:], zxid: 0, directory: dir.snapDirectory, fsync: false)
    }

    static func recover(_ dir: DataDirectory, trust: Bool = false) throws -> (ServerCore, RecoveryReport) {
        try Recovery.recover(dir, config: CoreConfig(tickTime: 2000), now: 2_000_000, trustEmptySnapshot: trust)
    }

    /// A directory holding snapshot.0 and one log of `source`'s txns.
    static func make(_ source: TxnSource, _ temp: TempDir) throws -> DataDirectory {
        let dir = DataDirectory(dataDir: temp.path)
        try dir.create()
        try writeEmptySnapshot(in: dir)
        try writeLog(source.txns[...], in: dir)
        return dir
    }
}

@Suite("Recovery")
struct RecoveryTests {
    @Test func newDirectoryStartsEmpty() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let (core, report) = try RecoveryFixture.recover(DataDirectory(dataDir: temp.path))
        #expect(report.isEmpty)
        #expect(report.snapshot == nil)
        #expect(core.lastAppliedZxid == 0)
        #expect(core.tree.node("/zookeeper") != nil)
    }

    @Test func snapshotPlusLogRestoresTheSameTreeAndSessions() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 40)
        let (core, report) = try RecoveryFixture.recover(try RecoveryFixture.make(source, temp))
        #expect(report.replayedTxns == 40)
        #expect(report.lastZxid == 40)
        #expect(report.truncated.isEmpty)
        #expect(contents(core) == contents(source.core))
        // The open session keeps its ephemeral node and expires normally after the restart.
        let session = source.txns[0].header.clientId
        #expect(core.sessions.sessions[session]?.timeout == 30_000)
        #expect(core.tree.ephemerals[session] == ["/a/b"])
    }

    /// The torn-tail check at the level of a whole recovery: the last record cut at every
    /// byte offset recovers to the record before it, and the file is cut there.
    @Test func lastRecordTruncatedAtEveryOffset() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 12)
        let dir = try RecoveryFixture.make(source, temp)
        let log = try dir.logs()[0].path
        let pristine = try Fixtures.bytes(log)
        let scan = try TxnLogFile.scan(path: log)
        let last = scan.records.last!
        for cut in Int(last.offset)..<Int(last.endOffset) {
            try Data(pristine[..<cut]).write(to: URL(fileURLWithPath: log))
            let (core, report) = try RecoveryFixture.recover(dir)
            #expect(core.lastAppliedZxid == 11, "cut at \(cut)")
            #expect(try fileSize(log) == Int(last.offset), "cut at \(cut)")
            #expect(report.truncated.count == (cut == Int(last.offset) ? 0 : 1), "cut at \(cut)")
            #expect(report.truncated.first?.lastValidZxid ?? 11 == 11)
        }
    }

    @Test func everySingleByteCorruptionOfTheLastRecord() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 12)
        let dir = try RecoveryFixture.make(source, temp)
        let log = try dir.logs()[0].path
        let pristine = try Fixtures.bytes(log)
        let last = try TxnLogFile.scan(path: log).records.last!
        for offset in Int(last.offset)..<Int(last.endOffset) {
            var bytes = pristine
            bytes[offset] ^= 0x5a
            try Data(bytes).write(to: URL(fileURLWithPath: log))
            let (core, report) = try RecoveryFixture.recover(dir)
            #expect(core.lastAppliedZxid == 11, "byte \(offset)")
            #expect(report.truncated.count == 1, "byte \(offset)")
            #expect(report.truncated.first?.offset == last.offset, "byte \(offset)")
        }
    }

    @Test func zxidGapStopsRecovery() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 10)
        let dir = DataDirectory(dataDir: temp.path)
        try dir.create()
        try RecoveryFixture.writeEmptySnapshot(in: dir)
        try RecoveryFixture.writeLog(source.txns[0..<4], in: dir)
        try RecoveryFixture.writeLog(source.txns[5..<10], in: dir)
        #expect(throws: RecoveryError.zxidGap(file: dir.logDirectory + "/log.6", offset: 16, expected: 5, found: 6)) {
            try RecoveryFixture.recover(dir)
        }
    }

    @Test func corruptNewestSnapshotFallsBackToAnOlderOnePlusLogs() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 30)
        let dir = try RecoveryFixture.make(source, temp)
        try temp.write(Array("not a snapshot at all".utf8), to: "version-2/snapshot.14")
        let (core, report) = try RecoveryFixture.recover(dir)
        #expect(report.snapshot?.zxid == 0)
        #expect(report.rejectedSnapshots.map(\.path) == [dir.snapDirectory + "/snapshot.14"])
        #expect(report.replayedTxns == 30)
        #expect(contents(core) == contents(source.core))
    }

    @Test func logsWithoutAnySnapshotAreRefusedUnlessTrusted() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 6)
        let dir = DataDirectory(dataDir: temp.path)
        try dir.create()
        try RecoveryFixture.writeLog(source.txns[...], in: dir)
        #expect(throws: RecoveryError.logsWithoutSnapshot(lastLogFile: dir.logDirectory + "/log.1")) {
            try RecoveryFixture.recover(dir)
        }
        let (core, _) = try RecoveryFixture.recover(dir, trust: true)
        #expect(contents(core) == contents(source.core))
    }

    @Test func damageBeforeTheLastLogFileStopsRecovery() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 10)
        let dir = DataDirectory(dataDir: temp.path)
        try dir.create()
        try RecoveryFixture.writeEmptySnapshot(in: dir)
        try RecoveryFixture.writeLog(source.txns[0..<5], in: dir)
        try RecoveryFixture.writeLog(source.txns[5..<10], in: dir)
        let first = dir.logDirectory + "/log.1"
        var bytes = try Fixtures.bytes(first)
        let last = try TxnLogFile.scan(path: first).records.last!
        bytes[Int(last.offset) + 20] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: first))
        #expect {
            try RecoveryFixture.recover(dir)
        } throws: { error in
            guard case RecoveryError.corruptLog(let c) = error else { return false }
            return c.file == first && c.offset == last.offset && c.lastValidZxid == 4
        }
    }

    @Test func aLastLogLeftWithoutRecordsIsRemovedAndInterruptedSnapshotsCleanedUp() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 8)
        let dir = try RecoveryFixture.make(source, temp)
        try temp.write(Array("ZKLG".utf8) + [0, 0], to: "version-2/log.9")
        try temp.write([1, 2, 3], to: "version-2/.snapshot.8.tmp")
        let (core, report) = try RecoveryFixture.recover(dir)
        #expect(core.lastAppliedZxid == 8)
        #expect(Set(report.removedFiles) == [dir.logDirectory + "/log.9", dir.snapDirectory + "/.snapshot.8.tmp"])
        #expect(try dir.logs().map(\.zxid) == [1])
    }

    @Test func ephemeralsOfSessionsWithoutARecordAreDeleted() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 6)
        let session = source.txns[0].header.clientId
        // The snapshot holds the ephemeral node but not its session (as if it had been lost).
        let dir = DataDirectory(dataDir: temp.path)
        try dir.create()
        try SnapshotWriter.write(tree: source.core.tree, sessions: [:], zxid: source.core.lastAppliedZxid,
                                 directory: dir.snapDirectory, fsync: false)
        let (core, report) = try RecoveryFixture.recover(dir)
        #expect(report.killedSessions == [session])
        #expect(core.tree.node("/a/b") == nil)
    }
}

/// A fuzzy snapshot — taken a slice at a time while txns keep being applied — plus the log from
/// its zxid recovers exactly the live tree.
@Suite("Fuzzy snapshot")
struct FuzzySnapshotTests {
    @Test(arguments: [1, 3, 7, 50])
    func snapshotTakenWhileTheTreeChangesConvergesAfterReplay(nodesPerSlice: Int) throws {
        var source = TxnSource()
        for i in 0..<40 {
            source.create("/p\(i % 5)")
            source.create("/p\(i % 5)/c\(i)", "x\(i)")
        }
        let snapshotZxid = source.core.lastAppliedZxid
        let sessions = source.core.sessions.sessions.mapValues(\.timeout)
        var encoder = SnapshotEncoder(sink: MemorySnapshotSink(), chunkSize: 64)
        try encoder.writeSessions(sessions.sorted { $0.key < $1.key }.map { (id: $0.key, timeout: $0.value) })
        try encoder.writeACLs(source.core.tree.acls.entriesById)
        var walker = DataTreeWalker()
        var round = 0
        walk: while true {
            for _ in 0..<nodesPerSlice {
                guard let (path, node) = walker.next(in: source.core.tree) else { break walk }
                try encoder.writeNode(path: path, node: node)
            }
            // Between slices: creates behind and ahead of the walk, deletes, data changes, and a
            // child deleted and created again under a node already written.
            round += 1
            source.create("/p\(round % 5)/late\(round)", "l\(round)")
            source.set("/p\((round + 2) % 5)/c\(round % 40)", "changed\(round)")
            source.delete("/p\((round + 3) % 5)/c\((round * 7) % 40)")
            source.create("/p0/c0", "again\(round)")
            source.delete("/p0/c0")
            source.create("/z\(round)")
        }
        try encoder.finish()
        let snapshot = try SnapshotDecoder.decode(encoder.sink.bytes, extendedTypesEnabled: false)
        var restored = ServerCore(config: CoreConfig(tickTime: 2000), startTime: 1_000_000, restoring: snapshot.tree,
                                  sessions: snapshot.sessions, zxid: snapshotZxid)
        for txn in source.txns where txn.header.zxid > snapshotZxid { restored.replay(txn, now: 1_000_000) }
        #expect(contents(restored) == contents(source.core))
    }
}

@Suite("Apache-replayable logging")
struct ApacheReplayableTests {
    @Test func aStandaloneCheckIsLoggedAsTheNoOpErrorTxnAndEverythingElseAsItIs() {
        let header = TxnHeader(clientId: 7, cxid: 3, zxid: 42, time: 1000, type: .check)
        let check = Txn(header: header, body: .check(path: "/a", version: 2))
        var expectedHeader = header
        expectedHeader.type = .error
        #expect(TxnCodec.apacheReplayable(check) == Txn(header: expectedHeader, body: .error(.ok)))
        let multi = Txn(header: TxnHeader(clientId: 7, cxid: 4, zxid: 43, time: 1000, type: .multi),
                        body: .multi([SubTxn(type: .check, body: .check(path: "/a", version: 2))]))
        #expect(TxnCodec.apacheReplayable(multi) == multi)
        let set = Txn(header: TxnHeader(clientId: 7, cxid: 5, zxid: 44, time: 1000, type: .setData),
                      body: .setData(path: "/a", data: [1], version: 3))
        #expect(TxnCodec.apacheReplayable(set) == set)
    }
}
