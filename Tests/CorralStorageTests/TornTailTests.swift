import CorralCore
import CorralStorage
import Foundation
import NIOCore
import Testing
import ZooKeeperProtocol

/// Damage in a log's last record — a crash mid-write or a bad sector — is reported precisely: every
/// record before it is returned, the damage's offset is the last record's start, and the last valid
/// zxid is the one before; nothing is skipped and nothing traps.
@Suite struct TornTailTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let bytes: [UInt8]
        let lastStart: Int
        let lastEnd: Int
        let zxids: [Int64]
        var description: String { name }
    }

    /// Apache's own file, and Corral-written files with and without a preallocated tail.
    static func cases() throws -> [Case] {
        var out: [Case] = []
        let apache = try Fixtures.bytes(Fixtures.apacheLog)
        out.append(Case(name: "apache", bytes: apache, lastStart: Int(Fixtures.apacheLogLastRecordOffset),
                        lastEnd: Int(Fixtures.apacheLogDataEnd), zxids: Array(1...32)))
        for (name, txns, prealloc) in [("corral-prealloc", Samples.txns(excludingBig: true), Int64(4096)),
                                       ("corral-exact", Samples.setDatas(6), Int64(0)),
                                       ("corral-multi-last", Array(Samples.txns(digests: false, excludingBig: true).prefix(17)), Int64(0))] {
            let sub = try TempDir()
            defer { sub.remove() }
            let path = try writeLog(txns, in: sub, preAllocSize: prealloc)
            let scan = try TxnLogFile.scan(path: path)
            let last = scan.records.last!
            out.append(Case(name: name, bytes: try Fixtures.bytes(path), lastStart: Int(last.offset),
                            lastEnd: Int(last.endOffset), zxids: txns.map(\.txn.header.zxid)))
        }
        return out
    }

    static func scan(_ bytes: [UInt8], in dir: TempDir) throws -> TxnLogFile.Scan {
        try dir.write(bytes, to: "log.1")
        return try TxnLogFile.scan(path: dir.file("log.1"), readChunkSize: 512)
    }

    /// Everything but the last record survives, the damage is at the last record's start.
    static func expectCutAtLastRecord(_ scan: TxnLogFile.Scan, _ c: Case, _ what: String,
                                      allowClean: Bool = false) -> TxnLogCorruption.Kind? {
        #expect(scan.records.map(\.zxid) == Array(c.zxids.dropLast()), "\(c) \(what)")
        #expect(scan.end.validEnd == Int64(c.lastStart), "\(c) \(what)")
        switch scan.end {
        case .corrupt(let corruption):
            #expect(corruption.offset == Int64(c.lastStart), "\(c) \(what)")
            #expect(corruption.lastValidZxid == c.zxids.dropLast().last, "\(c) \(what)")
            #expect(corruption.file.hasSuffix("/log.1"))
            #expect(corruption.isTornTail, "\(c) \(what)")
            return corruption.kind
        case .endOfFile, .zeroTail:
            #expect(allowClean, "\(c) \(what): \(scan.end)")
            return nil
        }
    }

    @Test func truncatedAtEveryOffsetOfTheLastRecord() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for c in try Self.cases() {
            // At the record's start the file simply ends there: a clean end after the previous record.
            let atStart = try Self.scan(Array(c.bytes[..<c.lastStart]), in: dir)
            #expect(atStart.end == .endOfFile(offset: Int64(c.lastStart)), "\(c)")
            #expect(atStart.records.map(\.zxid) == Array(c.zxids.dropLast()))
            for cut in (c.lastStart + 1)..<c.lastEnd {
                let kind = Self.expectCutAtLastRecord(try Self.scan(Array(c.bytes[..<cut]), in: dir), c, "cut at \(cut)")
                #expect(kind == .partialRecord(needed: cut - c.lastStart < 12 ? 12 : c.lastEnd - c.lastStart,
                                               available: cut - c.lastStart), "\(c) cut at \(cut)")
            }
            // The whole record present: all records, clean end.
            let whole = try Self.scan(Array(c.bytes[..<c.lastEnd]), in: dir)
            #expect(whole.records.map(\.zxid) == c.zxids && whole.end == .endOfFile(offset: Int64(c.lastEnd)), "\(c)")
        }
    }

    /// A torn write into a preallocated file: the record's bytes from some offset on never reached
    /// the disk and read back as zeros (the file keeps its size).
    @Test func zeroedFromEveryOffsetOfTheLastRecord() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for c in try Self.cases() {
            for cut in c.lastStart..<c.lastEnd {
                var bytes = c.bytes
                for i in cut..<c.lastEnd { bytes[i] = 0 }
                // Files written without preallocation get a zero tail, as a preallocated file has.
                if bytes.count == c.lastEnd { bytes.append(contentsOf: [UInt8](repeating: 0, count: 16)) }
                // A zero checksum and length (the first 12 bytes all zero) is the preallocated end;
                // any other header with a zeroed rest is damage.
                let kind = Self.expectCutAtLastRecord(try Self.scan(bytes, in: dir), c, "zeroed from \(cut)",
                                                      allowClean: bytes[c.lastStart..<c.lastStart + 12].allSatisfy { $0 == 0 })
                switch kind {
                case nil, .badLength(0), .badChecksum, .missingEndOfRecord: break
                default: Issue.record("\(c) zeroed from \(cut): \(String(describing: kind))")
                }
            }
        }
    }

    @Test func everySingleByteCorruptionOfTheLastRecord() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for c in try Self.cases() {
            for i in c.lastStart..<c.lastEnd {
                for mask: UInt8 in [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff] {
                    var bytes = c.bytes
                    bytes[i] ^= mask
                    let kind = Self.expectCutAtLastRecord(try Self.scan(bytes, in: dir), c, "byte \(i) ^ \(mask)")
                    let field = i - c.lastStart
                    switch (field, kind) {
                    case (0..<8, .badChecksum?): break                       // the checksum itself
                    case (8..<12, .badLength?), (8..<12, .partialRecord?),   // the length
                         (8..<12, .missingEndOfRecord?), (8..<12, .badChecksum?): break
                    case (c.lastEnd - c.lastStart - 1, .missingEndOfRecord?): break   // the 'B'
                    case (12..<(c.lastEnd - c.lastStart - 1), .badChecksum?): break   // the txn bytes
                    default: Issue.record("\(c) byte \(i) ^ \(mask): field offset \(field) gave \(String(describing: kind))")
                    }
                }
            }
        }
    }

    /// Garbage where the next record's header would be (just past the last record) is damage at
    /// that offset, after all records.
    @Test func garbageRightAfterTheLastRecord() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let c = try Self.cases()[0]
        for i in c.lastEnd..<(c.lastEnd + 12) {
            var bytes = c.bytes
            bytes[i] = 0x5a
            let scan = try Self.scan(bytes, in: dir)
            #expect(scan.records.map(\.zxid) == c.zxids)
            #expect(scan.end.corruption?.offset == Int64(c.lastEnd) && scan.end.corruption?.lastValidZxid == 32, "byte \(i)")
        }
    }

    @Test func partialFileHeader() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let apache = try Fixtures.bytes(Fixtures.apacheLog)
        for n in 0..<16 {
            let scan = try Self.scan(Array(apache[..<n]), in: dir)
            #expect(scan.header == nil && scan.records.isEmpty)
            #expect(scan.end == .corrupt(TxnLogCorruption(file: dir.file("log.1"), offset: 0, lastValidZxid: nil,
                                                          kind: .partialFileHeader(available: n))))
        }
        let empty = try Self.scan(Array(apache[..<16]), in: dir)
        #expect(empty.header != nil && empty.records.isEmpty && empty.end == .endOfFile(offset: 16))
    }
}
