import CorralCore
import CorralStorage
import Foundation
import Testing
import ZooKeeperProtocol

/// Fixtures for the text-dump tools: inputs and what Apache ZooKeeper 3.8's own tools printed for
/// them, captured with TZ=UTC and LANG=C.UTF-8 by Capture/make_tool_fixtures.py. The tests print
/// in UTC (the only normalisation); the JSON mode's timestamp is taken from the captured text.
enum ToolFixtures {
    static let tools = Fixtures.directory.appendingPathComponent("tools").path + "/"
    static let apacheLog = Fixtures.apacheLog
    static let apacheLogDump = Fixtures.apacheLog + ".txt"
    static let syntheticLog = tools + "synthetic-log.1"
    static let apacheSnapshot = Fixtures.directory.appendingPathComponent("snapshot/apache-3.8-snapshot.1e").path
    static let syntheticSnapshot = tools + "synthetic-snapshot.1f4"

    /// The file's bytes as a string (all fixtures are valid UTF-8).
    static func text(_ path: String) throws -> String {
        String(decoding: try Fixtures.bytes(path), as: UTF8.self)
    }

    /// What Apache printed for `snapshot` with `suffix` ("formatter", "formatter-d", "formatter-json").
    static func formatterOutput(_ snapshot: String, _ suffix: String) throws -> String {
        let name = snapshot.split(separator: "/").last!
        return try text(tools + name + "." + suffix + ".txt")
    }
}

/// Compares byte for byte (Swift's `==` on strings would equate canonically equivalent text) and
/// names the first differing line.
func expectSameText(_ actual: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard Array(actual.utf8) != Array(expected.utf8) else { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let line = zip(a, e).enumerated().first { Array($0.element.0.utf8) != Array($0.element.1.utf8) }?.offset
        ?? min(a.count, e.count)
    let (x, y) = (line < a.count ? Array(a[line].utf8) : [], line < e.count ? Array(e[line].utf8) : [])
    let column = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(x.count, y.count)
    /// Up to 100 bytes of the line from 40 before the first difference.
    func excerpt(_ bytes: [UInt8]) -> String {
        let start = max(0, column - 40)
        return String(decoding: bytes[min(start, bytes.count)..<min(bytes.count, start + 100)], as: UTF8.self).debugDescription
    }
    Issue.record("""
        output differs at line \(line + 1), byte \(column) (\(a.count) lines vs \(e.count) expected)
        corral: \(line < a.count ? excerpt(x) : "<end>")
        apache: \(line < e.count ? excerpt(y) : "<end>")
        """, sourceLocation: sourceLocation)
}

/// `corral txnlog`'s text for a log, as the command builds it (UTC).
func dumpLog(_ path: String) throws -> (text: String, end: TxnLogEnd?) {
    let reader = try TxnLogReader(path: path)
    defer { reader.close() }
    var text = TxnLogDump.headerLine(reader.header)
    var count = 0
    do {
        while let record = try reader.next() {
            text += TxnLogDump.recordText(record, timeZone: .utc)
            count += 1
        }
    } catch .corrupt {
        return (text, reader.end)
    }
    return (text + TxnLogDump.endLine(txnCount: count), reader.end)
}

@Suite struct TxnLogDumpTests {
    @Test func apacheWrittenLogPrintsAsTheToolkitPrintsIt() throws {
        expectSameText(try dumpLog(ToolFixtures.apacheLog).text, try ToolFixtures.text(ToolFixtures.apacheLogDump))
    }

    /// Binary and malformed UTF-8 data, escapes, V0 creates, bodyless closeSessions, multis of
    /// every sub-txn type, negative cxids, times before 1970 and after 2038.
    @Test func syntheticLogPrintsAsTheToolkitPrintsIt() throws {
        let expected = try ToolFixtures.text(ToolFixtures.syntheticLog + ".toolkit.txt")
        expectSameText(try dumpLog(ToolFixtures.syntheticLog).text, expected)
    }

    /// A torn tail: the valid records print exactly as before, then the reader reports where
    /// the damage is and the last valid zxid.
    @Test func tornTailPrintsTheValidRecordsThenStops() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let full = try dumpLog(ToolFixtures.apacheLog)
        guard case .zeroTail(let dataEnd) = full.end else { Issue.record("unexpected end \(String(describing: full.end))"); return }
        let bytes = try Fixtures.bytes(ToolFixtures.apacheLog)
        try dir.write(Array(bytes[..<Int(dataEnd - 7)]), to: "log.1")
        let torn = try dumpLog(dir.file("log.1"))
        let corruption = try #require(torn.end?.corruption)
        #expect(corruption.offset == Fixtures.apacheLogLastRecordOffset)
        #expect(corruption.lastValidZxid == 0x1f)
        #expect(corruption.file == dir.file("log.1"))
        let validLines = full.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(3)
        #expect(torn.text == validLines.joined(separator: "\n") + "\n")
    }

    @Test func operationNamesAreApache38s() {
        #expect(TxnLogDump.opName(OpCode.createTTL.rawValue) == "createTtl")
        #expect(TxnLogDump.opName(OpCode.addWatch.rawValue) == "unknown 106")
        #expect(TxnLogDump.opName(OpCode.whoAmI.rawValue) == "whoAmI")
        #expect(TxnLogDump.opName(-11) == "closeSession")
        #expect(TxnLogDump.opName(99) == "unknown 99")
    }
}

@Suite struct SnapshotTextTests {
    static let snapshots = [ToolFixtures.apacheSnapshot, ToolFixtures.syntheticSnapshot]

    func format(_ path: String, _ mode: SnapshotText.Mode) throws -> String {
        _ = try SnapshotReader.read(path: path, extendedTypesEnabled: false)  // as `corral snapshot` checks first
        let listing = try SnapshotListing.read(path: path, keepData: mode == .details(withData: true), chunkSize: 4096)
        var out = ""
        try SnapshotText.write(listing, fileName: String(path.split(separator: "/").last!), mode: mode,
                               timeZone: .utc, to: &out)
        return out
    }

    @Test(arguments: snapshots)
    func defaultModeMatchesSnapshotFormatter(_ path: String) throws {
        expectSameText(try format(path, .details(withData: false)), try ToolFixtures.formatterOutput(path, "formatter"))
    }

    @Test(arguments: snapshots)
    func dataModeMatchesSnapshotFormatter(_ path: String) throws {
        expectSameText(try format(path, .details(withData: true)), try ToolFixtures.formatterOutput(path, "formatter-d"))
    }

    @Test(arguments: snapshots)
    func jsonModeMatchesSnapshotFormatter(_ path: String) throws {
        let expected = try ToolFixtures.formatterOutput(path, "formatter-json")
        let field = "\"timestamp\":"
        let start = try #require(expected.range(of: field)).upperBound
        let timestamp = try #require(Int64(expected[start...].prefix { $0.isNumber }))
        expectSameText(try format(path, .json(timestampMilliseconds: timestamp)), expected)
    }

    /// The Apache-written fixture agrees with the earlier capture next to it (same tool, same file).
    @Test func apacheFixtureCapturesAgree() throws {
        let earlier = try ToolFixtures.text(ToolFixtures.apacheSnapshot + ".formatter.txt")
        expectSameText(try ToolFixtures.formatterOutput(ToolFixtures.apacheSnapshot, "formatter"), earlier)
    }

    @Test func orphanNodesAreRejectedAsApacheRejectsThem() {
        let stat = StoredStat(czxid: 1, mzxid: 1, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0,
                              ephemeralOwner: 0, pzxid: 1)
        let node = { (path: String) in SnapshotListing.Node(path: path, data: nil, dataLength: 0, aclId: -1, stat: stat) }
        var out = ""
        #expect(throws: SnapshotText.Failure.missingParent(path: "/a/b", parent: "/a")) {
            try SnapshotText.write(SnapshotListing(sessions: [], nodes: [node(""), node("/a/b")]), fileName: "x",
                                   mode: .details(withData: false), timeZone: .utc, to: &out)
        }
        #expect(throws: SnapshotText.Failure.noRoot) {
            try SnapshotText.write(SnapshotListing(sessions: [], nodes: []), fileName: "x",
                                   mode: .details(withData: false), timeZone: .utc, to: &out)
        }
    }

    @Test func listingKeepsFileOrderAndLengths() throws {
        let listing = try SnapshotListing.read(path: ToolFixtures.apacheSnapshot, keepData: false)
        #expect(listing.nodes.first?.path == "")
        #expect(listing.nodes.count == 22)
        #expect(listing.nodes.allSatisfy { $0.data == nil })
        #expect(listing.sessions.map(\.timeout).sorted() == [6000, 10000])
        let withData = try SnapshotListing.read(path: ToolFixtures.apacheSnapshot, keepData: true)
        #expect(withData.nodes.map(\.path) == listing.nodes.map(\.path))
        #expect(withData.nodes.allSatisfy { ($0.data?.count ?? 0) == $0.dataLength })
    }

    @Test func truncatedSnapshotIsReportedNotTrapped() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let bytes = try Fixtures.bytes(ToolFixtures.apacheSnapshot)
        for cut in [3, 20, 100, 700, 1500] {
            try dir.write(Array(bytes[..<cut]), to: "snapshot.1")
            #expect(throws: SnapshotError.self) { try SnapshotListing.read(path: dir.file("snapshot.1"), keepData: true) }
        }
    }
}
