import ZooKeeperProtocol

/// zkCli's command processor (Apache 3.8 `ZooKeeperMain`): history, redo, printwatches, connect,
/// quit, the "Not connected" check, the exit code of the last command, and the watch events of the
/// current session printed as they arrive ("WATCHER::" and the event, each after a blank line).
///
/// Guarantees: commands run one at a time in the order given; each message is written whole;
/// `exitCode` is that of the last command (0 for success and for "Not connected", 1 for a failed
/// command, 127 for an unknown one); `quit` keeps the previous exit code.
public actor Shell {
    private let connector: ShellConnector
    private let io: any ShellOutput
    private let connectOptions: ShellConnectOptions
    public private(set) var host: String
    private var history: [Int: String] = [:]
    public private(set) var commandCount = 0
    private var printWatches = true
    public private(set) var exitCode: Int32 = 0
    /// Set by `quit`: the caller stops reading commands and exits with `exitCode`.
    public private(set) var quitRequested = false
    private var currentArgs: [String] = []
    private var connection: Connection = .none
    private var connectionID = 0
    private var eventTask: Task<Void, Never>?

    private enum Connection {
        case none
        case connecting(id: Int, Task<Result<any ShellClient, ShellKeeperError>, Never>)
        case ready(any ShellClient)
        case failed(ShellKeeperError)
    }

    public init(host: String, options: ShellConnectOptions, io: any ShellOutput, connector: @escaping ShellConnector) {
        self.host = host
        self.connectOptions = options
        self.io = io
        self.connector = connector
    }

    // MARK: lines and commands

    /// `ZooKeeperMain.executeLine`: ignores an empty line; otherwise records it in the history and
    /// runs it. A line with no words at all (a lone quote) runs the previous command again, as in
    /// Apache.
    public func executeLine(_ line: String) async {
        guard !line.isEmpty, !quitRequested else { return }
        let words = CommandLineTokens.split(line)
        if !words.isEmpty { currentArgs = words }
        history[commandCount] = line
        await processCommand(currentArgs)
        commandCount += 1
    }

    /// `ZooKeeperMain.processCmd`: runs one command (its words, the name first) and sets `exitCode`.
    public func processCommand(_ args: [String]) async {
        do {
            try await process(args)
            if !quitRequested { exitCode = 0 }
        } catch {
            exitCode = error.exitCode
            io.err(error.message + "\n")
        }
    }

    private func process(_ args: [String]) async throws(CLIFailure) {
        guard let name = args.first else {
            io.err(CommandTable.usageText)
            throw CLIFailure(message: "No command entered")
        }
        guard CommandTable.optionStrings[name] != nil else {
            io.err(CommandTable.usageText)
            throw CLIFailure(message: "Command not found: Command not found \(name)", exitCode: 127)
        }
        switch name {
        case "quit":
            await quit()
            return
        case "redo" where args.count >= 2: try await redo(args[1])
        case "history": printHistory()
        case "printwatches":
            if args.count == 1 { io.out("printwatches is \(printWatches ? "on" : "off")\n") } else {
                printWatches = args[1] == "on"
            }
        case "connect": await connect(to: args.count >= 2 ? args[1] : host)
        default: break
        }
        guard isAlive else {
            io.out("Not connected\n")
            return
        }
        guard Self.shellCommands.contains(name) == false else { return }
        let client = await currentClient()
        _ = try await CommandTable.run(args, client: client, io: io)
        if name == "close" { await drainEvents() }
    }

    /// The commands `ZooKeeperMain` handles itself (everything else is a `CliCommand`).
    static let shellCommands: Set<String> = ["connect", "history", "redo", "printwatches", "quit"]

    private func redo(_ indexText: String) async throws(CLIFailure) {
        guard let i = JavaInteger.decode(indexText) else {
            throw CLIFailure(message: "java.lang.NumberFormatException: For input string: \"\(indexText)\"")
        }
        guard i >= 0, i < commandCount, let line = history[Int(i)] else {
            throw CLIFailure(message: "Command index out of range")
        }
        let words = CommandLineTokens.split(line)
        if !words.isEmpty { currentArgs = words }
        if currentArgs.first == "redo" { throw CLIFailure(message: "No redoing redos") }
        history[commandCount] = line
        await processCommand(currentArgs)
    }

    private func printHistory() {
        var text = ""
        for i in max(0, commandCount - 10)...commandCount {
            text += "\(i) - \(history[i] ?? "null")\n"
        }
        io.out(text)
    }

    /// "[zk: host(STATE) N] ", the interactive prompt.
    public var prompt: String { "[zk: \(host)(\(stateName)) \(commandCount)] " }

    private var stateName: String {
        switch connection {
        case .none: return ShellConnectionState.closed.rawValue
        case .connecting, .failed: return ShellConnectionState.connecting.rawValue
        case .ready(let c): return c.state.rawValue
        }
    }

    // MARK: the session

    /// `connectToZK`: closes a live session, then starts connecting to `newHost` without waiting.
    public func connect(to newHost: String) async {
        if let old = await settledClient(), old.state.isAlive {
            await old.close()
            await drainEvents()
        }
        host = newHost
        connectionID += 1
        let id = connectionID
        let (connector, options) = (self.connector, connectOptions)
        let task = Task { () -> Result<any ShellClient, ShellKeeperError> in
            do throws(ShellKeeperError) {
                return .success(try await connector(newHost, options))
            } catch {
                return .failure(error)
            }
        }
        connection = .connecting(id: id, task)
        Task {
            let result = await task.value
            self.adopt(id, result)
        }
    }

    /// Waits for the pending connection attempt; true when a session is established.
    public func waitForConnection() async -> Bool {
        if case .ready = connection { return true }
        guard case .connecting(let id, let task) = connection else { return false }
        adopt(id, await task.value)
        if case .ready = connection { return true }
        return false
    }

    private func adopt(_ id: Int, _ result: Result<any ShellClient, ShellKeeperError>) {
        guard case .connecting(let current, _) = connection, current == id else { return }
        switch result {
        case .success(let client):
            connection = .ready(client)
            let events = client.events()
            printEvent(ShellEvent(type: .none, state: .syncConnected, path: nil))
            eventTask = Task { [weak self] in
                for await event in events { await self?.printEvent(event) }
            }
        case .failure(let error):
            connection = .failed(error)
        }
    }

    /// The client once the pending attempt (if any) has finished; nil without a session.
    private func settledClient() async -> (any ShellClient)? {
        if case .connecting(let id, let task) = connection { adopt(id, await task.value) }
        if case .ready(let c) = connection { return c }
        return nil
    }

    /// The client for a command. Like Apache's client, which keeps trying, a failed attempt is
    /// retried once; if that fails too, the command fails with that error.
    private func currentClient() async -> any ShellClient {
        if let c = await settledClient() { return c }
        if case .failed = connection {
            await connect(to: host)
            if let c = await settledClient() { return c }
        }
        if case .failed(let error) = connection { return UnconnectedClient(error: error.code) }
        return UnconnectedClient(error: .connectionLoss)
    }

    /// `zk.getState().isAlive()`: a pending or failed attempt counts as alive (CONNECTING).
    private var isAlive: Bool {
        switch connection {
        case .none: return false
        case .connecting, .failed: return true
        case .ready(let c): return c.state.isAlive
        }
    }

    /// `quit`: closes the session, prints the last events, and asks the caller to stop.
    public func quit() async {
        if let c = await settledClient() { await c.close() }
        await drainEvents()
        quitRequested = true
    }

    /// Closes the session without the rest of `quit` (for callers that own the shell's lifetime).
    public func closeSession() async {
        if let c = await settledClient() { await c.close() }
        await drainEvents()
    }

    /// Waits (at most two seconds) until the event stream of a closed session has ended, so its
    /// last events are printed before whatever comes next.
    private func drainEvents() async {
        guard let task = eventTask else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await task.value }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }   // a bound, not an error
            await group.next()
            group.cancelAll()
        }
        eventTask = nil
    }

    /// Gives the event stream a moment to deliver events that arrived with the last replies (at the
    /// end of a script, where Apache exits without closing the session).
    public func settle() async {
        for _ in 0..<10 { await Task.yield() }
        try? await Task.sleep(for: .milliseconds(50))   // best effort, as in Apache
    }

    private func printEvent(_ event: ShellEvent) {
        guard printWatches else { return }
        io.out("\nWATCHER::\n\n\(event.text)\n")
    }
}

/// Stands in for a session that could not be established: every request fails with `error`.
final class UnconnectedClient: ShellClient {
    let error: ErrorCode
    init(error: ErrorCode) { self.error = error }
    var state: ShellConnectionState { .connecting }
    func events() -> AsyncStream<ShellEvent> { AsyncStream { $0.finish() } }
    func close() async {}
    private func fail(_ path: String?) -> ShellKeeperError { ShellKeeperError(error, path: path) }
    func create(_ path: String, data: [UInt8]?, acl: [ACL], mode: CreateMode, ttl: Int64)
        async throws(ShellKeeperError) -> String { throw fail(path) }
    func delete(_ path: String, version: Int32) async throws(ShellKeeperError) { throw fail(path) }
    func exists(_ path: String, watch: Bool) async throws(ShellKeeperError) -> Stat? { throw fail(path) }
    func getData(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat) {
        throw fail(path)
    }
    func setData(_ path: String, data: [UInt8]?, version: Int32) async throws(ShellKeeperError) -> Stat {
        throw fail(path)
    }
    func getChildren(_ path: String, watch: Bool) async throws(ShellKeeperError) -> (children: [String], stat: Stat) {
        throw fail(path)
    }
    func getACL(_ path: String) async throws(ShellKeeperError) -> (acl: [ACL], stat: Stat) { throw fail(path) }
    func setACL(_ path: String, acl: [ACL], version: Int32) async throws(ShellKeeperError) -> Stat { throw fail(path) }
    func getAllChildrenNumber(_ path: String) async throws(ShellKeeperError) -> Int32 { throw fail(path) }
    func getEphemerals(_ prefixPath: String) async throws(ShellKeeperError) -> [String] { throw fail(nil) }
    func sync(_ path: String) async throws(ShellKeeperError) { throw fail(path) }
    func deleteAll(_ paths: [String]) async -> Bool { false }
    func addAuth(scheme: String, auth: [UInt8]?) async {}
    func whoAmI() async -> [ClientInfo]? { nil }
    func addWatch(_ path: String, mode: AddWatchMode) async throws(ShellKeeperError) { throw fail(path) }
    func removeWatches(_ path: String, type: WatcherType, local: Bool) async throws(ShellKeeperError) {
        throw fail(path)
    }
    func getConfig(watch: Bool) async throws(ShellKeeperError) -> (data: [UInt8]?, stat: Stat) {
        throw fail("/zookeeper/config")
    }
}

/// Java's `Integer.decode`: optional sign, then decimal, `0x`/`0X`/`#` hex, or `0`-prefixed octal.
enum JavaInteger {
    static func decode(_ text: String) -> Int32? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" { negative = s.first == "-"; s = s.dropFirst() }
        var radix = 10
        if s.hasPrefix("0x") || s.hasPrefix("0X") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("#") { radix = 16; s = s.dropFirst() }
        else if s.hasPrefix("0") && s.count > 1 { radix = 8; s = s.dropFirst() }
        guard !s.isEmpty, !s.hasPrefix("-"), !s.hasPrefix("+"), let v = Int64(s, radix: radix) else { return nil }
        return Int32(exactly: negative ? -v : v)
    }
}
