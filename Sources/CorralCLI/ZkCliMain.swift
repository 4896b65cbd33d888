import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `corral cli`: Apache 3.8 `ZooKeeperMain` — one command from the arguments, a script from a
/// non-terminal stdin, or an interactive session with line editing on a terminal.
public enum ZkCliMain {
    /// Runs zkCli with `arguments` (everything after `corral cli`); returns the exit status:
    /// the last command's exit code (0, 1 for a failed command, 127 for an unknown one).
    public static func run(arguments: [String], connector: @escaping ShellConnector) async -> Int32 {
        let (options, warning) = LaunchOptions.parse(arguments)
        let plain = StandardStreams()
        if let warning { plain.err(warning + "\n") }
        plain.out("Connecting to \(options.server)\n")
        guard let timeout = Int32(options.timeoutText) else {
            plain.err("Exception in thread \"main\" java.lang.NumberFormatException: For input string: \"\(options.timeoutText)\"\n")
            return 1
        }
        let interactive = options.command == nil && isatty(0) == 1
        let editor = interactive ? LineEditor() : nil
        let io: any ShellOutput = editor.map { TerminalStreams(editor: $0) } ?? plain
        let shell = Shell(host: options.server,
                          options: ShellConnectOptions(sessionTimeoutMilliseconds: Int(timeout), canBeReadOnly: options.readOnly),
                          io: io, connector: connector)
        await shell.connect(to: options.server)
        if options.waitForConnection, !(await shell.waitForConnection()) {
            plain.err("Exception in thread \"main\" java.io.IOException: "
                      + "org.apache.zookeeper.KeeperException$ConnectionLossException: KeeperErrorCode = ConnectionLoss\n")
            return 1
        }
        if let command = options.command {
            await shell.processCommand(command)
            await shell.settle()
            return await shell.exitCode
        }
        plain.out("Welcome to ZooKeeper!\n")
        plain.out(editor == nil ? "JLine support is disabled\n" : "JLine support is enabled\n")
        await readCommands(shell, editor: editor)
        return await shell.exitCode
    }

    /// Feeds stdin to `shell` line by line until EOF or `quit`. Apache exits at EOF without closing
    /// the session; so do we (the server expires it).
    private static func readCommands(_ shell: Shell, editor: LineEditor?) async {
        let reader = DispatchQueue(label: "corral.cli.stdin")
        while true {
            let prompt = await shell.prompt
            let line: String? = await withCheckedContinuation { continuation in
                reader.async {
                    continuation.resume(returning: editor.map { $0.readLine(prompt: prompt) } ?? Swift.readLine())
                }
            }
            guard let line else { break }
            await shell.executeLine(line)
            if await shell.quitRequested { return }
        }
        await shell.settle()
    }
}

/// stdout and stderr, written unbuffered so their order is kept when both go to one pipe.
public struct StandardStreams: ShellOutput {
    public init() {}
    public func out(_ text: String) { writeAll(1, text) }
    public func err(_ text: String) { writeAll(2, text) }
}

/// Writes all of `text` to `fd` (retrying short writes and EINTR).
func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        bytes = bytes.dropFirst(n)
    }
}
