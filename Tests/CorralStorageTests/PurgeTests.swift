import CorralStorage
import Foundation
import Testing

/// Synthetic data directories for the purge. The expected outcomes of `apacheScenario` were
/// obtained by running Apache 3.8's `PurgeTxnLog logs snaps -n 3` on the same layout.
@Suite struct PurgeTests {
    /// A file Apache's quick check takes for a complete snapshot: >= 10 bytes ending in int 1, "/".
    static let validSnapshot: [UInt8] = Array("ZKSN".utf8) + [UInt8](repeating: 0, count: 10) + [0, 0, 0, 1, 0x2f]

    struct Layout {
        let dir: TempDir
        let directory: DataDirectory
        var logs: String { directory.logDirectory }
        var snaps: String { directory.snapDirectory }

        init(separate: Bool = true) throws {
            dir = try TempDir()
            directory = separate ? DataDirectory(dataDir: dir.path + "/snaps", dataLogDir: dir.path + "/logs")
                                 : DataDirectory(dataDir: dir.path + "/data")
            try directory.create()
        }

        func file(_ directory: String, _ name: String, _ bytes: [UInt8] = Array("x\n".utf8)) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
        }

        func names(_ directory: String) throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: directory))
        }
    }

    @Test func apacheScenario() throws {
        let l = try Layout()
        defer { l.dir.remove() }
        for z in ["5", "10", "20", "30", "40", "zz", "", "-3", "1.gz", "8.bak", "ffffffffffffffff"] {
            try l.file(l.snaps, "snapshot." + z, Self.validSnapshot)
        }
        try l.file(l.snaps, "snapshot.50", Array("short\n".utf8))   // newest, but not valid
        try l.file(l.snaps, "snapshot.2a.gz", [0x1f, 0x8b, 0x20])    // valid: gzip magic
        try l.file(l.snaps, "other.1", Self.validSnapshot)
        try l.file(l.snaps, ".snapshot.6.tmp", Self.validSnapshot)
        for z in ["1", "6", "12", "19", "21", "35", "45", "zz", "", "3.bak", "-5"] { try l.file(l.logs, "log." + z) }
        try l.file(l.logs, "logx.2")
        try FileManager.default.createDirectory(atPath: l.logs + "/log.4", withIntermediateDirectories: false)

        let result = try l.directory.purge(retain: 3)
        #expect(result.plan.retainedSnapshots == ["snapshot.40", "snapshot.30", "snapshot.2a.gz"].map { l.snaps + "/" + $0 })
        #expect(result.plan.oldestRetainedZxid == 0x2a)
        #expect(result.files.allSatisfy { $0.failure == nil && $0.modifiedMilliseconds != nil })
        #expect(result.files.count == 18)
        #expect(try l.names(l.logs) == ["log.21", "log.35", "log.45", "logx.2"])
        #expect(try l.names(l.snaps) == ["snapshot.2a.gz", "snapshot.30", "snapshot.40", "snapshot.50", "other.1", ".snapshot.6.tmp"])
        // Logs first, then snapshots, each oldest first.
        #expect(result.files.first?.path == l.logs + "/log.-5")
        #expect(result.files.last?.path == l.snaps + "/snapshot.20")
    }

    /// The newest log starting at or before the oldest retained snapshot stays; older ones go.
    @Test func keepsTheLogTheOldestRetainedSnapshotNeeds() throws {
        let l = try Layout()
        defer { l.dir.remove() }
        for z in ["60", "70", "80", "90"] { try l.file(l.snaps, "snapshot." + z, Self.validSnapshot) }
        for z in ["1", "50", "65", "100"] { try l.file(l.logs, "log." + z) }
        let result = try l.directory.purge(retain: 3)
        #expect(result.plan.oldestRetainedZxid == 0x70)
        #expect(try l.names(l.logs) == ["log.65", "log.100"])
        #expect(try l.names(l.snaps) == ["snapshot.70", "snapshot.80", "snapshot.90"])
        // A log starting exactly at the snapshot's zxid is the one kept.
        try l.file(l.logs, "log.70")
        try l.file(l.snaps, "snapshot.a0", Self.validSnapshot)
        _ = try l.directory.purge(retain: 3)
        #expect(try l.names(l.logs) == ["log.70", "log.100"])
    }

    @Test func sharedDirectoryAndFewerSnapshotsThanRetained() throws {
        let l = try Layout(separate: false)
        defer { l.dir.remove() }
        #expect(l.logs == l.snaps)
        for z in ["10", "20"] { try l.file(l.snaps, "snapshot." + z, Self.validSnapshot) }
        try l.file(l.snaps, "snapshot.5", [1, 2, 3])
        for z in ["1", "8", "15"] { try l.file(l.logs, "log." + z) }
        // Only two valid snapshots for a retain count of 3: Apache still purges below the older one.
        let result = try l.directory.purge(retain: 3)
        #expect(result.plan.oldestRetainedZxid == 0x10)
        #expect(try l.names(l.snaps) == ["snapshot.10", "snapshot.20", "log.8", "log.15"])
    }

    @Test func nothingIsRemovedWithoutAValidSnapshot() throws {
        let l = try Layout()
        defer { l.dir.remove() }
        try l.file(l.snaps, "snapshot.5", [1, 2, 3])
        try l.file(l.logs, "log.1")
        let result = try l.directory.purge(retain: 3)
        #expect(result.plan.oldestRetainedZxid == nil)
        #expect(result.files.isEmpty)
        #expect(try l.names(l.logs) == ["log.1"])
    }

    @Test func refusesTooFewAndMixedDirectories() throws {
        let l = try Layout()
        defer { l.dir.remove() }
        #expect(throws: PurgeError.retainCountTooSmall(2)) { try l.directory.purge(retain: 2) }
        try l.file(l.logs, "snapshot.1", Self.validSnapshot)
        #expect(throws: PurgeError.logDirectoryHasSnapshots(l.logs)) { try l.directory.purge(retain: 3) }
        try FileManager.default.removeItem(atPath: l.logs + "/snapshot.1")
        try l.file(l.snaps, "log.1")
        #expect(throws: PurgeError.snapshotDirectoryHasLogs(l.snaps)) { try l.directory.purge(retain: 3) }
        #expect("\(PurgeError.retainCountTooSmall(2))" == "count should be greater than or equal to 3")
    }

    @Test func missingDirectoriesCountAsEmpty() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let result = try DataDirectory(dataDir: dir.path + "/nothing").purge(retain: 3)
        #expect(result.files.isEmpty && result.plan.retainedSnapshots.isEmpty)
    }

    /// A snapshot name that cannot be read is skipped as invalid (Apache logs "invalid snapshot").
    @Test func unreadableSnapshotsAreReported() throws {
        let l = try Layout()
        defer { l.dir.remove() }
        try FileManager.default.createDirectory(atPath: l.snaps + "/snapshot.99", withIntermediateDirectories: false)
        for z in ["10", "20", "30"] { try l.file(l.snaps, "snapshot." + z, Self.validSnapshot) }
        let plan = try l.directory.purgePlan(retain: 3)
        #expect(plan.unreadableSnapshots.count == 1)
        #expect(plan.retainedSnapshots.count == 3 && plan.oldestRetainedZxid == 0x10)
    }

    @Test func snapshotChecks() {
        #expect(PurgeRules.snapshotCheck(forName: "snapshot.1") == .trailer)
        #expect(PurgeRules.snapshotCheck(forName: "snapshot.1.GZ") == .gzip)
        #expect(PurgeRules.snapshotCheck(forName: "snapshot.1.snappy") == .snappy)
        #expect(PurgeRules.isValidSnapshot(.trailer, size: 10, head: [], tail: [0, 0, 0, 1, 0x2f]))
        #expect(!PurgeRules.isValidSnapshot(.trailer, size: 9, head: [], tail: [0, 0, 0, 1, 0x2f]))
        #expect(!PurgeRules.isValidSnapshot(.trailer, size: 100, head: [], tail: [0, 0, 0, 2, 0x2f]))
        #expect(PurgeRules.isValidSnapshot(.snappy, size: 8, head: [0x82] + Array("SNAPPY".utf8) + [0], tail: []))
        #expect(!PurgeRules.isValidSnapshot(.gzip, size: 1, head: [0x1f], tail: []))
        #expect(PurgeRules.retainedLogs(["log.1", "log.5", "log.9", "x", "log.zz"], snapshotZxid: 6) == ["log.5", "log.9"])
        #expect(PurgeRules.retainedLogs(["log.7", "log.9"], snapshotZxid: 6) == ["log.7", "log.9"])
    }

    @Test func commandLineIsApaches() {
        let exists = { (p: String) in p == "logs" || p == "snaps" || p == "/abs" }
        func parse(_ args: [String]) -> PurgeCommandLine.Outcome {
            PurgeCommandLine.parse(args, workingDirectory: "/work", pathExists: exists)
        }
        #expect(parse(["logs", "-n", "3"]) == .run(.init(dataLogDir: "logs", snapDir: "logs", retainCount: 3)))
        #expect(parse(["logs/", "snaps", "-n", "+5"]) == .run(.init(dataLogDir: "logs", snapDir: "snaps", retainCount: 5)))
        #expect(parse(["//abs//", "-n", "3"]) == .run(.init(dataLogDir: "/abs", snapDir: "/abs", retainCount: 3)))
        #expect(parse(["logs", "-n"]) == .usageError(message: nil))
        #expect(parse(["logs", "snaps", "x", "-n", "3"]) == .usageError(message: nil))
        #expect(parse(["logs", "-n", "2"]) == .usageError(message: "count should be greater than or equal to 3"))
        #expect(parse(["logs", "-n", "x"]) == .usageError(message: "'x' can not be parsed to integer."))
        #expect(parse(["nothere", "-n", "3"]) == .usageError(message: "Path '/work/nothere' does not exist. "))
        #expect(parse(["logs", "nothere", "-n", "3"]) == .usageError(message: "Path '/work/nothere' does not exist. "))
        // The count is checked before the option name, as Apache does.
        #expect(parse(["logs", "-x", "2"]) == .usageError(message: "count should be greater than or equal to 3"))
        #expect(parse(["logs", "-x", "3"]) == .usageError(message: nil))
        let file = PurgedFile(path: "logs/version-2/log.1", modifiedMilliseconds: 1_795_835_502_000, failure: nil)
        #expect(PurgeCommandLine.removingLine(file, timeZone: .utc)
                == "Removing file: Nov 28, 2026, 3:11:42 AM\tlogs/version-2/log.1")
        #expect(PurgeCommandLine.usage.hasPrefix("Usage:\nPurgeTxnLog dataLogDir [snapDir] -n count\n\tdataLogDir"))
    }
}
