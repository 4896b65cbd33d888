/// The command line of Apache's `PurgeTxnLog` (what `zkCleanup.sh` runs):
/// `dataLogDir [snapDir] -n count`, checked in Apache's order with Apache's messages.
public enum PurgeCommandLine {
    public struct Invocation: Sendable, Equatable {
        /// The directory holding `version-2` with the txn logs.
        public var dataLogDir: String
        /// The directory holding `version-2` with the snapshots (`dataLogDir` if not given).
        public var snapDir: String
        public var retainCount: Int

        public init(dataLogDir: String, snapDir: String, retainCount: Int) {
            self.dataLogDir = dataLogDir; self.snapDir = snapDir; self.retainCount = retainCount
        }
    }

    public enum Outcome: Sendable, Equatable {
        case run(Invocation)
        /// Print `message` (if any) on stderr, then `usage` on stdout, and exit with status 1.
        case usageError(message: String?)
    }

    /// `PurgeTxnLog.printUsage`.
    public static let usage = """
        Usage:
        PurgeTxnLog dataLogDir [snapDir] -n count
        \tdataLogDir -- path to the txn log directory
        \tsnapDir -- path to the snapshot directory
        \tcount -- the number of old snaps/logs you want to keep, value should be greater than or equal to 3

        """

    /// Parses `arguments` as `PurgeTxnLog.main`: 3 or 4 of them; each directory must exist
    /// (`pathExists`), else "Path '<absolute>' does not exist. "; the count must be an int
    /// ("'<text>' can not be parsed to integer.") of at least 3; the option before it must be
    /// "-n". Paths come back normalized as Java's `File` does (no repeated or trailing "/").
    public static func parse(_ arguments: [String], workingDirectory: String,
                             pathExists: (String) -> Bool) -> Outcome {
        guard arguments.count == 3 || arguments.count == 4 else { return .usageError(message: nil) }
        let dataLogDir = normalize(arguments[0])
        guard pathExists(dataLogDir) else { return .usageError(message: missing(dataLogDir, workingDirectory)) }
        var snapDir = dataLogDir
        if arguments.count == 4 {
            snapDir = normalize(arguments[1])
            guard pathExists(snapDir) else { return .usageError(message: missing(snapDir, workingDirectory)) }
        }
        let countText = arguments[arguments.count - 1]
        guard let count = JavaText.parseInt(countText) else {
            return .usageError(message: "'\(countText)' can not be parsed to integer.")
        }
        guard count >= PurgeRules.minimumRetainCount else {
            return .usageError(message: "count should be greater than or equal to 3")
        }
        guard arguments[arguments.count - 2] == "-n" else { return .usageError(message: nil) }
        return .run(Invocation(dataLogDir: dataLogDir, snapDir: snapDir, retainCount: Int(count)))
    }

    /// What is printed for each file a purge removes (`PurgeTxnLog.purgeOlderSnapshots`):
    /// "Removing file: <MEDIUM date-time of its modification>\t<path>".
    public static func removingLine(_ file: PurgedFile, timeZone: ToolTimeZone) -> String {
        "Removing file: \(JavaDateText.mediumDateTime(file.modifiedMilliseconds ?? 0, in: timeZone))\t\(file.path)"
    }

    static func missing(_ path: String, _ workingDirectory: String) -> String {
        "Path '\(absolute(path, workingDirectory))' does not exist. "
    }

    /// Java's `File.getAbsolutePath` (no "." or ".." resolution).
    static func absolute(_ path: String, _ workingDirectory: String) -> String {
        if path.hasPrefix("/") { return path }
        return path.isEmpty ? workingDirectory : normalize(workingDirectory) + "/" + path
    }

    /// Java's `UnixFileSystem.normalize`: runs of "/" collapsed, a trailing "/" removed.
    static func normalize(_ path: String) -> String {
        var out = ""
        var previousSlash = false
        for c in path {
            if c == "/" && previousSlash { continue }
            previousSlash = c == "/"
            out.append(c)
        }
        if out.count > 1 && out.hasSuffix("/") { out.removeLast() }
        return out
    }
}
