import CorralCore
import CorralStorage
import Foundation
import Testing
import ZooKeeperProtocol

@Suite("Rolling txn log")
struct RollingTxnLogTests {
    /// Apache's roll rule: a new file after snapCount/2 + random(snapCount/2) txns, each file named
    /// after its first zxid, every txn durable and readable in order across the files.
    @Test func rollsWithinApachesWindowAndKeepsEveryTxn() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 120)
        var settings = LogSettings()
        settings.snapCount = 20
        settings.preAllocSize = 4096
        let log = RollingTxnLog(directory: temp.path, settings: settings)
        var rolls: [Int64] = []
        var sinceRoll = 0
        // Groups of 3 txns, as group commit hands them over.
        for start in stride(from: 0, to: source.txns.count, by: 3) {
            let group = Array(source.txns[start..<min(start + 3, source.txns.count)])
            let outcome = log.commit(group)
            #expect(outcome.error == nil)
            #expect(outcome.durableZxid == group.last!.header.zxid)
            sinceRoll += group.count
            if outcome.rolled {
                // The roll is checked after each group: at the first group reaching the threshold.
                #expect((10..<22).contains(sinceRoll), "rolled after \(sinceRoll) txns")
                rolls.append(group.last!.header.zxid)
                sinceRoll = 0
            }
        }
        try log.close()
        #expect(rolls.count >= 5)
        let files = try FileManager.default.contentsOfDirectory(atPath: temp.path)
            .compactMap(TxnLogFormat.zxid(fromFileName:)).sorted()
        #expect(files == [1] + rolls.filter { $0 < 120 }.map { $0 + 1 })
        var zxids: [Int64] = []
        for first in files {
            zxids += try TxnLogFile.scan(path: temp.path + "/" + TxnLogFormat.fileName(forZxid: first)).records.map(\.zxid)
        }
        #expect(zxids == Array(1...120))
    }

    @Test func withoutForceSyncGroupsAreWrittenAndReadable() throws {
        let temp = try TempDir()
        defer { temp.remove() }
        let source = TxnSource.sample(count: 10)
        var settings = LogSettings()
        settings.forceSync = false
        let log = RollingTxnLog(directory: temp.path, settings: settings)
        #expect(log.commit(Array(source.txns[0..<4])).durableZxid == 4)
        #expect(log.commit(Array(source.txns[4..<10])).durableZxid == 10)
        #expect(log.commit([]).durableZxid == nil)
        #expect(try TxnLogFile.scan(path: temp.file("log.1")).records.map(\.txn) == source.txns)
        try log.close()
    }
}
