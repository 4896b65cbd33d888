#if canImport(Glibc)
import Glibc
#endif
import CorralCore
import CorralStorage
import NIOCore
import Testing
import ZooKeeperProtocol

/// The log Apache ZooKeeper 3.8.0 wrote (Fixtures/apache-3.8-log.1, see Capture/make_txnlog_fixture.py).
@Suite struct GoldenLogTests {
    static let expectedTypes: [OpCode] = [
        .createSession, .create, .create2, .create, .create, .create, .create, .createTTL, .createTTL, .createTTL,
        .createContainer, .setData, .setData, .setData, .setACL, .delete, .error, .error, .error, .multi, .multi,
        .create, .delete, .deleteContainer, .deleteContainer, .error, .createSession, .create, .closeSession,
        .closeSession, .createSession, .closeSession,
    ]

    @Test func everyRecordDecodesAndReencodesByteForByte() throws {
        let scan = try TxnLogFile.scan(path: Fixtures.apacheLog)
        #expect(scan.header == TxnLogFileHeader(magic: 0x5a4b_4c47, version: 2, dbid: 0))
        #expect(scan.end == .zeroTail(offset: Fixtures.apacheLogDataEnd))
        #expect(scan.records.map(\.txn.header.type) == Self.expectedTypes)
        #expect(scan.records.map(\.zxid) == Array(1...32))
        let raw = try Fixtures.bytes(Fixtures.apacheLog)
        for record in scan.records {
            let stored = ByteBuffer(bytes: raw[Int(record.offset)..<Int(record.endOffset)])
            // Re-encoding the decoded txn gives the stored txn bytes, and framing them the stored record.
            let txnBytes = try TxnCodec.encoded(record.logged)
            #expect(txnBytes == record.txnBytes, "zxid \(record.zxid)")
            var framed = ByteBuffer()
            TxnLogFormat.encodeRecord(txnBytes: txnBytes, into: &framed)
            #expect(framed == stored, "zxid \(record.zxid)")
            var framedDirect = ByteBuffer()
            try TxnLogFormat.encodeRecord(record.logged, into: &framedDirect)
            #expect(framedDirect == stored, "zxid \(record.zxid)")
            // The stored checksum is Adler32 of the txn bytes.
            #expect(record.checksum == Int64(Adler32.checksum(raw[Int(record.offset) + 12..<Int(record.endOffset) - 1])))
            // Apache 3.8 appends a version-2 digest to every txn except error txns.
            if record.txn.header.type == .error {
                #expect(record.logged.digest == nil)
            } else {
                #expect(record.logged.digest?.version == 2)
            }
            #expect(record.logged.layout == .current)
        }
    }

    @Test func decodedValues() throws {
        let r = try TxnLogFile.scan(path: Fixtures.apacheLog).records
        let session: Int64 = 0x1000042e696_0000
        #expect(r[0].txn.header.clientId == session)
        #expect(r[0].txn.body == .createSession(timeout: 10000))
        #expect(r[1].txn.body == .create(path: "/a", data: Array("hello".utf8), acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 1))
        #expect(r[3].txn.body == .create(path: "/a/seq-0000000001", data: [], acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 2))
        #expect(r[4].txn.body == .create(path: "/nulldata", data: nil, acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 2))
        #expect(r[5].txn.body == .create(path: "/a/eph", data: Array("e".utf8), acl: Ids.openACLUnsafe, ephemeral: true, parentCVersion: 3))
        #expect(r[7].txn.body == .createTTL(path: "/ttl", data: Array("t".utf8), acl: Ids.openACLUnsafe, parentCVersion: 3, ttl: 600_000))
        #expect(r[10].txn.body == .createContainer(path: "/c", data: Array("container".utf8), acl: Ids.openACLUnsafe, parentCVersion: 6))
        #expect(r[13].txn.body == .setData(path: "/nulldata", data: nil, version: 1))
        #expect(r[14].txn.body == .setACL(path: "/a/b", acl: Samples.acl, version: 1))
        #expect(r[16].txn.body == .error(.nodeExists))
        #expect(r[17].txn.body == .error(.noNode))
        #expect(r[18].txn.body == .error(.badVersion))
        guard case .multi(let ok) = r[19].txn.body, case .multi(let failed) = r[20].txn.body else {
            Issue.record("not multis"); return
        }
        #expect(ok.map(\.type) == [.create, .setData, .check, .create, .delete])
        #expect(ok[2].body == .check(path: "/a", version: 3))
        // A failed multi keeps the ops before the failure as they were prepared.
        #expect(failed == [
            SubTxn(type: .create, body: .create(path: "/f", data: Array("f".utf8), acl: Ids.openACLUnsafe, ephemeral: false, parentCVersion: 8)),
            SubTxn(type: .error, body: .error(.badVersion)),
            SubTxn(type: .error, body: .error(.runtimeInconsistency)),
        ])
        // The container manager's deletes come from session 0.
        #expect(r[23].txn.header.clientId == 0 && r[23].txn.body == .delete(path: "/ttlshort"))
        #expect(r[24].txn.header.clientId == 0 && r[24].txn.body == .delete(path: "/c"))
        #expect(r[25].txn.body == .error(.reconfigDisabled))
        // closeSession lists the session's ephemerals (3.8 default closeSessionTxn.enabled=true).
        #expect(r[28].txn.body == .closeSession(ephemerals: ["/b-eph"]))
        #expect(r[29].txn.body == .closeSession(ephemerals: ["/a/eph", "/a/eseq-0000000003"]))
        #expect(r[31].txn.body == .closeSession(ephemerals: []))
    }

    /// Corral's writer, given the same txns and the same preAllocSize (1 KiB), writes Apache's file
    /// byte for byte, preallocated tail included.
    @Test func writerReproducesApachesFileExactly() throws {
        let apache = try Fixtures.bytes(Fixtures.apacheLog)
        #expect(apache.count == Fixtures.apacheLogSize)
        let txns = try TxnLogFile.scan(path: Fixtures.apacheLog).records.map(\.logged)
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try writeLog(txns, in: dir, preAllocSize: 1024)
        #expect(path == dir.file("log.1"))
        #expect(try Fixtures.bytes(path) == apache)
    }

    /// Zeros written ahead of the records (so fdatasync allocates nothing) leave the file's bytes
    /// and size exactly Apache's; only the allocation differs.
    @Test(arguments: [Int64(512), 1000, 1 << 20])
    func zeroFilledAheadIsStillApachesFile(chunk: Int64) throws {
        let apache = try Fixtures.bytes(Fixtures.apacheLog)
        let txns = try TxnLogFile.scan(path: Fixtures.apacheLog).records.map(\.logged)
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try writeLog(txns, in: dir, preAllocSize: 1024, zeroFillChunk: chunk)
        #expect(try Fixtures.bytes(path) == apache)
        var st = stat()
        #expect(stat(path, &st) == 0)
        // Allocated blocks (512-byte units) cover the records: the file is no longer sparse there.
        #expect(Int64(st.st_blocks) * 512 >= Fixtures.apacheLogDataEnd)
    }

    /// Records larger than the preallocation step run past the zeroed region; later zero-filling
    /// must start after them (a crash test once found an end-of-record marker zeroed this way).
    @Test func zeroFillNeverOverwritesRecordsThatRanPastThePreallocatedEnd() throws {
        let txns = (0..<60).map { i in
            LoggedTxn(Txn(header: TxnHeader(clientId: 1, cxid: Int32(i), zxid: Int64(i + 1), time: 0, type: .setData),
                          body: .setData(path: "/n", data: [UInt8](repeating: UInt8(i), count: 3000 + 997 * (i % 11)),
                                         version: Int32(i))))
        }
        let sparse = try TempDir(), zeroed = try TempDir()
        defer { sparse.remove(); zeroed.remove() }
        for (i, chunk) in [(0, Int64(0)), (1, Int64(1 << 20))] {
            let dir = i == 0 ? sparse : zeroed
            let writer = try TxnLogWriter(directory: dir.path, firstZxid: 1, preAllocSize: 4096, zeroFillChunk: chunk)
            for (n, t) in txns.enumerated() {
                try writer.append(t)
                if n % 3 == 0 { try writer.flush() }
            }
            try writer.sync()
            try writer.close()
        }
        #expect(try Fixtures.bytes(zeroed.file("log.1")) == Fixtures.bytes(sparse.file("log.1")))
        #expect(try TxnLogFile.scan(path: zeroed.file("log.1")).records.count == 60)
    }

    @Test func tinyReadWindowReadsTheSame() throws {
        let big = try TxnLogFile.scan(path: Fixtures.apacheLog)
        for chunk in [1, 16, 17, 100, 4096] {
            let small = try TxnLogFile.scan(path: Fixtures.apacheLog, readChunkSize: chunk)
            #expect(small == big, "chunk \(chunk)")
        }
    }
}
