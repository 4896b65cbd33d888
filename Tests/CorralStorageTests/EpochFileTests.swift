import CorralStorage
import Foundation
import Testing

/// `acceptedEpoch` / `currentEpoch` in Apache's format: `Long.toString(value)` without a newline
/// (`QuorumPeer.writeLongToFile`), read back as `Long.parseLong(firstLine)` (`readLongFromFile`).
@Suite struct EpochFileTests {
    @Test(arguments: [0, 1, 5, -1, 0x1_0000_0000, Int64.max, Int64.min])
    func writesApacheBytesAndReadsThemBack(_ value: Int64) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try EpochFile.write(value, directory: dir.path, name: EpochFile.currentEpochFileName)
        #expect(try Fixtures.bytes(dir.file("currentEpoch")) == Array(String(value).utf8))
        #expect(try EpochFile.read(directory: dir.path, name: "currentEpoch") == value)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["currentEpoch"])
    }

    @Test func replacesAnExistingFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write(Array("123456789012\n".utf8), to: "acceptedEpoch")
        try dir.write(Array("stale".utf8), to: "acceptedEpoch.tmp")
        try EpochFile.write(7, directory: dir.path, name: EpochFile.acceptedEpochFileName)
        #expect(try EpochFile.read(directory: dir.path, name: "acceptedEpoch") == 7)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["acceptedEpoch"])
    }

    @Test(arguments: [
        ("5", 5), ("5\n", 5), ("5\r\n", 5), ("5\rjunk", 5), ("12\n34", 12), ("+7", 7), ("-7", -7),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ] as [(String, Int64)])
    func parsesTheFirstLineAsJava(_ text: String, _ value: Int64) {
        #expect(EpochFile.parse(Array(text.utf8)) == value)
    }

    @Test(arguments: ["", "\n5", " 5", "5 ", "0x5", "abc", "9223372036854775808", "1.0", "-"])
    func rejectsWhatJavaRejects(_ text: String) {
        #expect(EpochFile.parse(Array(text.utf8)) == nil)
    }

    @Test func errorsNameTheFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let missing = dir.file("currentEpoch")
        do {
            _ = try EpochFile.read(path: missing)
            Issue.record("read a missing file")
        } catch {
            #expect(error.isMissingFile)
        }
        try dir.write([], to: "currentEpoch")
        #expect(throws: EpochFileError.malformed(path: missing, line: nil)) { try EpochFile.read(path: missing) }
        #expect("\(EpochFileError.malformed(path: missing, line: nil))" == "Found null in \(missing)")
        try dir.write(Array("banana\nsplit".utf8), to: "currentEpoch")
        #expect(throws: EpochFileError.malformed(path: missing, line: "banana")) { try EpochFile.read(path: missing) }
        try dir.write([UInt8](repeating: 0x31, count: 10_000), to: "currentEpoch")
        do {
            _ = try EpochFile.read(path: missing)
            Issue.record("read a 10000-digit epoch")
        } catch {
            guard case .malformed(_, let line?) = error else { Issue.record("\(error)"); return }
            #expect(line.count == EpochFile.maxLineLength)
        }
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(throws: EpochFileError.self) { try EpochFile.write(1, directory: dir.path + "/absent", name: "currentEpoch") }
        // Renaming over a directory fails: the temporary file is removed, the directory stays.
        try FileManager.default.createDirectory(atPath: dir.file("currentEpoch"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: dir.file("currentEpoch/x"), withIntermediateDirectories: false)
        #expect(throws: EpochFileError.self) { try EpochFile.write(1, directory: dir.path, name: "currentEpoch") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["currentEpoch"])
    }
}
