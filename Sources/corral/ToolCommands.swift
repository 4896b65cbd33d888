import ArgumentParser
import CorralStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `corral snapshot [-d|-json] <file>`: Apache's `SnapshotFormatter` (zkSnapShotToolkit.sh).
struct SnapshotTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Print a snapshot file as Apache ZooKeeper's SnapshotFormatter does.",
        discussion: """
            The file is checked (checksums included) before anything is printed. Times are shown \
            in the local time zone (TZ), formatted as Java's en_US locale does.
            """)

    @Flag(name: .customShort("d"), help: "dump the data for each znode")
    var dumpData = false

    @Flag(name: .customLong("json", withSingleDash: true), help: "dump znode info in json format")
    var json = false

    @Argument(help: "A snapshot file (version-2/snapshot.<zxid>).")
    var file: String

    func run() throws {
        if let problem = ToolFiles.validateFileInput(file) { ToolFiles.fail(problem, status: 2) }
        if dumpData && json {
            ToolFiles.fail("Cannot specify both data dump (-d) and json mode (-json) in same call", status: 2)
        }
        let name = String(file.split(separator: "/").last ?? "")
        if case .compressedSnapshot(_, let method) = SnapshotFormat.kind(ofFileName: name) {
            ToolFiles.fail("\(file): \(method)-compressed snapshots are not supported; decompress it first", status: 1)
        }
        let listing: SnapshotListing
        do {
            _ = try SnapshotReader.read(path: file, extendedTypesEnabled: false)
            listing = try SnapshotListing.read(path: file, keepData: dumpData)
        } catch {
            ToolFiles.fail("\(error)", status: 1)
        }
        let mode: SnapshotText.Mode = json ? .json(timestampMilliseconds: ToolFiles.nowMilliseconds())
                                           : .details(withData: dumpData)
        var out = StandardOutput()
        do {
            try SnapshotText.write(listing, fileName: name, mode: mode, timeZone: .system, to: &out)
        } catch {
            out.flush()
            ToolFiles.fail("\(file): \(error)", status: 1)
        }
        out.flush()
    }
}

/// `corral txnlog <file>`: the dump mode of Apache's `TxnLogToolkit` (zkTxnLogToolkit.sh).
struct TxnLogTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "txnlog",
        abstract: "Print a txn log file as Apache ZooKeeper's TxnLogToolkit does (dump mode).",
        discussion: """
            Prints every valid record. At damage (a torn tail, a bad checksum, a bad record) it \
            stops, reports the file, offset and last valid zxid on stderr and exits with status 1. \
            Recovery (-r) and chop (-c) modes are not provided.
            """)

    @Flag(name: [.customShort("d"), .customLong("dump")], help: "Dump mode (the default and only mode).")
    var dump = false

    @Argument(help: "A txn log file (version-2/log.<zxid>).")
    var file: String

    func run() throws {
        guard access(file, R_OK) == 0 else { ToolFiles.fail("File doesn't exist or not readable: \(file)", status: 1) }
        let reader: TxnLogReader
        do {
            reader = try TxnLogReader(path: file)
        } catch .notATxnLog {
            ToolFiles.fail("Invalid magic number for \(file.split(separator: "/").last ?? "")", status: 2)
        } catch {
            ToolFiles.fail("\(error)", status: 1)
        }
        defer { reader.close() }
        var out = StandardOutput()
        out.write(TxnLogDump.headerLine(reader.header))
        var count = 0
        do {
            while let record = try reader.next() {
                out.write(TxnLogDump.recordText(record, timeZone: .system))
                count += 1
            }
        } catch {
            out.flush()
            ToolFiles.fail("\(error) (after \(count) txns)", status: 1)
        }
        out.write(TxnLogDump.endLine(txnCount: count))
        out.flush()
    }
}

/// `corral purge <dataLogDir> [<snapDir>] -n <count>`: Apache's `PurgeTxnLog` (zkCleanup.sh).
struct PurgeTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove old snapshots and txn logs as Apache ZooKeeper's zkCleanup.sh does.",
        usage: "corral purge <dataLogDir> [<snapDir>] -n <count>",
        discussion: """
            Keeps the newest <count> (at least 3) valid snapshots in <snapDir>/version-2 and the txn \
            logs in <dataLogDir>/version-2 they need; removes older snapshot.* and log.* files. \
            <snapDir> defaults to <dataLogDir>.
            """)

    @Argument(parsing: .allUnrecognized, help: "<dataLogDir> [<snapDir>] -n <count>")
    var arguments: [String] = []

    func run() throws {
        let outcome = PurgeCommandLine.parse(arguments, workingDirectory: ToolFiles.workingDirectory(),
                                             pathExists: { access($0, F_OK) == 0 })
        guard case .run(let invocation) = outcome else {
            if case .usageError(let message?) = outcome { ToolFiles.printError(message) }
            print(PurgeCommandLine.usage, terminator: "")
            throw ExitCode(1)
        }
        let directory = DataDirectory(dataDir: invocation.snapDir, dataLogDir: invocation.dataLogDir)
        let result: PurgeResult
        do {
            try directory.create()  // as Apache's FileTxnSnapLog does
            result = try directory.purge(retain: invocation.retainCount)
        } catch {
            ToolFiles.fail("\(error)", status: 1)
        }
        for problem in result.plan.unreadableSnapshots { ToolFiles.printError("invalid snapshot: \(problem)") }
        for file in result.files {
            print(PurgeCommandLine.removingLine(file, timeZone: .system))
            if file.failure != nil { ToolFiles.printError("Failed to remove \(file.path)") }
        }
    }
}

/// Buffered UTF-8 text to the standard output (file descriptor 1). A failed write (a closed
/// pipe, a full disk) ends the process with status 1.
struct StandardOutput: TextOutputStream {
    private var buffer: [UInt8] = []

    mutating func write(_ string: String) {
        buffer.append(contentsOf: string.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        if !ToolFiles.writeAll(1, buffer) { exit(1) }
        buffer.removeAll(keepingCapacity: true)
    }
}

enum ToolFiles {
    /// `ZKUtil.validateFileInput`: nil if `path` is a readable file, else Apache's message.
    static func validateFileInput(_ path: String) -> String? {
        let absolute = path.hasPrefix("/") ? path : workingDirectory() + "/" + path
        var st = stat()
        guard stat(path, &st) == 0 else { return "File '\(absolute)' does not exist." }
        guard access(path, R_OK) == 0 else { return "Read permission is denied on the file '\(absolute)'" }
        if (st.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR) { return "'\(absolute)' is a directory. it must be a file." }
        return nil
    }

    static func workingDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes all of `bytes` to `fd`; false if a write fails.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static func printError(_ message: String) {
        _ = writeAll(2, Array((message + "\n").utf8))
    }

    /// Prints `message` on stderr and exits with `status` (what `print` buffered is flushed by
    /// `exit`; a `StandardOutput` must be flushed first).
    static func fail(_ message: String, status: Int32) -> Never {
        printError(message)
        exit(status)
    }
}
