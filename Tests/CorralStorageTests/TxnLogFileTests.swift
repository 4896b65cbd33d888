import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

@Suite struct TxnLogFileTests {
    @Test func fileNames() {
        #expect(TxnLogFormat.fileName(forZxid: 1) == "log.1")
        #expect(TxnLogFormat.fileName(forZxid: 0x1_0000_002a) == "log.10000002a")
        #expect(TxnLogFormat.fileName(forZxid: -1) == "log.ffffffffffffffff")
        #expect(TxnLogFormat.zxid(fromFileName: "log.1f") == 31)
        #expect(TxnLogFormat.zxid(fromFileName: "log.10000002a") == 0x1_0000_002a)
        #expect(TxnLogFormat.zxid(fromFileName: "log.1.chopped5") == 1)
        #expect(TxnLogFormat.zxid(fromFileName: "snapshot.1") == nil)
        #expect(TxnLogFormat.zxid(fromFileName: "log.xyz") == nil)
        #expect(TxnLogFormat.zxid(fromFileName: "log") == nil)
    }

    /// Apache's FileTxnLogTest cases for `FilePadding.calculateFileSizeWithPadding`.
    @Test func paddingRule() {
        let kb: Int64 = 1024
        #expect(TxnLogFormat.paddedFileSize(position: 7 * kb, currentSize: 10 * kb, preAllocSize: 0) == 10 * kb)
        #expect(TxnLogFormat.paddedFileSize(position: 7 * kb, currentSize: 10 * kb, preAllocSize: -1) == 10 * kb)
        #expect(TxnLogFormat.paddedFileSize(position: 5 * kb, currentSize: 10 * kb, preAllocSize: 10 * kb) == 10 * kb)
        #expect(TxnLogFormat.paddedFileSize(position: 7 * kb, currentSize: 10 * kb, preAllocSize: 10 * kb) == 20 * kb)
        #expect(TxnLogFormat.paddedFileSize(position: 31 * kb, currentSize: 10 * kb, preAllocSize: 10 * kb) == 40 * kb)
        #expect(TxnLogFormat.paddedFileSize(position: 16, currentSize: 16, preAllocSize: 64 << 20) == 16 + 64 << 20)
    }

    @Test func defaultPreallocationIsSixtyFourMiBPastTheHeader() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let writer = try TxnLogWriter(directory: dir.path, firstZxid: 0x500000001)
        #expect(writer.path == dir.file("log.500000001"))
        #expect(try fileSize(writer.path) == 16)
        try writer.append(Samples.setDatas(1, firstZxid: 0x500000001)[0])
        #expect(writer.fileSize == 16 + 64 * 1024 * 1024)
        #expect(try fileSize(writer.path) == 16 + 64 * 1024 * 1024)
        try writer.sync()
        try writer.close()
        let scan = try TxnLogFile.scan(path: writer.path)
        #expect(scan.records.map(\.zxid) == [0x500000001])
        #expect(scan.end == .zeroTail(offset: writer.position))
    }

    @Test func preallocationGrowsInBlocksAheadOfTheData() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let block: Int64 = 8192
        let writer = try TxnLogWriter(directory: dir.path, firstZxid: 1, preAllocSize: block)
        var sizes: Set<Int64> = []
        for t in Samples.setDatas(2000) {
            let (position, size) = (writer.position, writer.fileSize)
            try writer.append(t)
            // The file was grown before the record was placed, by Apache's rule, so the end of the
            // file stays at least 4 KiB ahead of the data.
            #expect(writer.fileSize == TxnLogFormat.paddedFileSize(position: position, currentSize: size, preAllocSize: block))
            #expect(writer.fileSize > position + 4096)
            sizes.insert(writer.fileSize)
        }
        try writer.sync()
        #expect(try Int64(fileSize(writer.path)) == max(writer.fileSize, writer.position))
        #expect(sizes.allSatisfy { ($0 - 16) % block == 0 })
        try writer.close()
        let scan = try TxnLogFile.scan(path: writer.path)
        #expect(scan.records.map(\.logged) == Samples.setDatas(2000))
        #expect(scan.end == .zeroTail(offset: writer.position))
    }

    @Test func noPreallocationEndsAtTheLastRecord() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try writeLog(Samples.txns(), in: dir, preAllocSize: 0)
        let scan = try TxnLogFile.scan(path: path)
        #expect(scan.records.map(\.logged) == Samples.txns())
        #expect(scan.end == .endOfFile(offset: Int64(try fileSize(path))))
    }

    @Test func recordsLargerThanTheReadWindowAndThePreallocation() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try writeLog(Samples.txns(), in: dir, preAllocSize: 1024)
        for chunk in [64, 4096, 1 << 20] {
            let scan = try TxnLogFile.scan(path: path, readChunkSize: chunk)
            #expect(scan.records.map(\.logged) == Samples.txns())
            #expect(scan.end.validEnd == scan.records.last!.endOffset)
        }
    }

    @Test func bufferingFlushAndSyncPositions() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let writer = try TxnLogWriter(directory: dir.path, firstZxid: 1, preAllocSize: 0, bufferLimit: 1 << 30)
        let txns = Samples.setDatas(10)
        for t in txns { try writer.append(t) }
        #expect(writer.writtenPosition == 16)
        #expect(try fileSize(writer.path) == 16)
        try writer.flush()
        #expect(writer.writtenPosition == writer.position)
        #expect(writer.syncedPosition < writer.position)
        try writer.sync()
        #expect(writer.syncedPosition == writer.position)
        #expect(writer.lastZxid == 10 && writer.recordCount == 10)
        try writer.close()
        #expect(throws: TxnLogError.writerClosed(path: writer.path)) { try writer.append(txns[0]) }
        #expect(try TxnLogFile.scan(path: writer.path).records.count == 10)
    }

    @Test func aFullBufferIsWrittenDuringAppend() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let writer = try TxnLogWriter(directory: dir.path, firstZxid: 1, preAllocSize: 0, bufferLimit: 200)
        for t in Samples.setDatas(50) {
            try writer.append(t)
            #expect(writer.position - writer.writtenPosition < 200)
        }
        #expect(try Int64(fileSize(writer.path)) == writer.writtenPosition)
        try writer.sync()
        try writer.close()
        #expect(try TxnLogFile.scan(path: writer.path).records.map(\.logged) == Samples.setDatas(50))
    }

    @Test func aTxnThatCannotBeLoggedChangesNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let writer = try TxnLogWriter(directory: dir.path, firstZxid: 1, preAllocSize: 0)
        try writer.append(Samples.setDatas(1)[0])
        let position = writer.position
        let bad = Txn(header: TxnHeader(clientId: 1, cxid: 1, zxid: 2, time: 0, type: .create), body: .delete(path: "/x"))
        #expect(throws: TxnLogError.encoding(.bodyMismatch(type: .create, body: "delete"))) { try writer.append(bad) }
        #expect(writer.position == position && writer.lastZxid == 1)
        try writer.append(Samples.setDatas(2)[1])
        try writer.sync()
        try writer.close()
        #expect(try TxnLogFile.scan(path: writer.path).records.map(\.zxid) == [1, 2])
    }

    @Test func refusesToOverwriteAnExistingLogUnlessAsked() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try writeLog(Samples.setDatas(3), in: dir, preAllocSize: 0)
        #expect(throws: TxnLogError.io(path: dir.file("log.1"), operation: "open", errno: EEXIST)) {
            _ = try TxnLogWriter(directory: dir.path, firstZxid: 1)
        }
        #expect(try TxnLogFile.scan(path: dir.file("log.1")).records.count == 3)
        let writer = try TxnLogWriter(directory: dir.path, firstZxid: 1, preAllocSize: 0, replaceExisting: true)
        try writer.close()
        #expect(try TxnLogFile.scan(path: dir.file("log.1")).records.isEmpty)
    }

    @Test func notALogAndMissingFiles() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write(Array("ZKSN".utf8) + [0, 0, 0, 2] + [UInt8](repeating: 0, count: 8), to: "snapshot.0")
        #expect(throws: TxnLogError.notATxnLog(path: dir.file("snapshot.0"), magic: 0x5a4b_534e)) {
            _ = try TxnLogFile.scan(path: dir.file("snapshot.0"))
        }
        #expect(throws: TxnLogError.io(path: dir.file("log.9"), operation: "open", errno: ENOENT)) {
            _ = try TxnLogFile.scan(path: dir.file("log.9"))
        }
    }

    @Test func truncateCutsAtTheValidEnd() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try writeLog(Samples.setDatas(5), in: dir, preAllocSize: 4096)
        let scan = try TxnLogFile.scan(path: path)
        try TxnLogFile.truncate(path: path, at: scan.end.validEnd)
        #expect(try Int64(fileSize(path)) == scan.end.validEnd)
        let again = try TxnLogFile.scan(path: path)
        #expect(again.records == scan.records)
        #expect(again.end == .endOfFile(offset: scan.end.validEnd))
    }

    @Test func readerStopsAndRepeatsTheSameCorruption() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try writeLog(Samples.setDatas(5), in: dir, preAllocSize: 0)
        var bytes = try Fixtures.bytes(path)
        let records = try TxnLogFile.scan(path: path).records
        // Damage the middle record: the reader returns the two before it and never the two after.
        bytes[Int(records[2].offset) + 20] ^= 0x10
        try dir.write(bytes, to: "log.1")
        let reader = try TxnLogReader(path: path)
        #expect(try reader.next()?.zxid == 1)
        #expect(try reader.next()?.zxid == 2)
        let expected = TxnLogCorruption(file: path, offset: records[2].offset, lastValidZxid: 2,
                                        kind: .badChecksum(stored: records[2].checksum,
                                                           computed: Int64(Adler32.checksum(
                                                               bytes[Int(records[2].offset) + 12..<Int(records[2].endOffset) - 1]))))
        #expect(throws: TxnLogError.corrupt(expected)) { _ = try reader.next() }
        #expect(throws: TxnLogError.corrupt(expected)) { _ = try reader.next() }
        #expect(reader.end == .corrupt(expected))
        #expect(reader.offset == records[2].offset)
    }

    @Test func intactButUndecodableRecordIsNotATornTail() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var txnBytes = ByteBuffer()
        TxnCodec.encodeHeader(TxnHeader(clientId: 1, cxid: 1, zxid: 7, time: 0, type: .getData), into: &txnBytes)
        var file = ByteBuffer()
        TxnLogFormat.encodeFileHeader(into: &file)
        TxnLogFormat.encodeRecord(txnBytes: txnBytes, into: &file)
        try dir.write(Array(file.readableBytesView), to: "log.7")
        let scan = try TxnLogFile.scan(path: dir.file("log.7"))
        #expect(scan.records.isEmpty)
        let c = try #require(scan.end.corruption)
        #expect(c.kind == .undecodable(.unsupportedType(OpCode.getData.rawValue, inMulti: false)))
        #expect(!c.isTornTail && c.offset == 16 && c.lastValidZxid == nil)
    }
}
