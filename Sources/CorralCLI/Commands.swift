import ZooKeeperProtocol

/// Where the shell's output goes: zkCli's stdout and stderr. Each call writes one whole message
/// (callers include the newlines), so concurrent event lines never split a message.
public protocol ShellOutput: Sendable {
    func out(_ text: String)
    func err(_ text: String)
}

/// A command that failed: zkCli's `CliException`, printed to stderr as `message` with exit code
/// `exitCode`.
struct CLIFailure: Error, Equatable {
    var message: String
    var exitCode: Int32 = 1
}

/// The commands zkCli implements as `CliCommand`s, with their option strings (for the usage text).
enum CommandTable {
    /// Option strings of every command zkCli knows, including the shell's own (connect, history,
    /// redo, printwatches, quit); `usage()` lists them sorted.
    static let optionStrings: [String: String] = [
        "connect": "host:port", "history": "", "redo": "cmdno", "printwatches": "on|off", "quit": "",
        "close": "", "create": "[-s] [-e] [-c] [-t ttl] path [data] [acl]", "delete": "[-v version] path",
        "deleteall": "path [-b batch size]", "set": "[-s] [-v version] path data", "get": "[-s] [-w] path",
        "ls": "[-s] [-w] [-R] path", "getAcl": "[-s] path", "setAcl": "[-s] [-v version] [-R] path acl",
        "stat": "[-w] path", "sync": "path", "setquota": "-n|-b|-N|-B val path", "listquota": "path",
        "delquota": "[-n|-b|-N|-B] path", "addauth": "scheme auth",
        "reconfig": "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | "
            + "[-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
        "config": "[-c] [-w] [-s]", "removewatches": "path [-c|-d|-a] [-l]", "getEphemerals": "path",
        "getAllChildrenNumber": "path", "version": "",
        "addWatch": "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is "
            + "PERSISTENT_RECURSIVE",
        "whoami": "",
    ]

    /// `ZooKeeperMain.usage()`, all lines.
    static var usageText: String {
        var text = "ZooKeeper -server host:port -client-configuration properties-file cmd args\n"
        for name in JavaText.javaSorted(Array(optionStrings.keys)) {
            text += "\t\(name) \(optionStrings[name]!)\n"
        }
        return text
    }

    static func usage(_ name: String) -> String { "\(name) \(optionStrings[name] ?? "")" }

    /// Runs the `CliCommand` called `args[0]`; false when there is no such command (the shell's own
    /// commands are not `CliCommand`s).
    static func run(_ args: [String], client: any ShellClient, io: any ShellOutput) async throws(CLIFailure) -> Bool {
        let c = Commands(args: args, client: client, io: io)
        switch args[0] {
        case "create": try await c.create()
        case "get": try await c.get()
        case "set": try await c.set()
        case "stat": try await c.stat()
        case "ls": try await c.ls()
        case "delete": try await c.delete()
        case "deleteall": try await c.deleteAll()
        case "getAcl": try await c.getAcl()
        case "setAcl": try await c.setAcl()
        case "sync": try await c.sync()
        case "addauth": try await c.addAuth()
        case "config": try await c.config()
        case "removewatches": try await c.removeWatches()
        case "getEphemerals": try await c.getEphemerals()
        case "getAllChildrenNumber": try await c.getAllChildrenNumber()
        case "version": try c.version()
        case "addWatch": try await c.addWatch()
        case "whoami": await c.whoAmI()
        case "close": await client.close()
        case "setquota", "listquota", "delquota", "reconfig":
            throw CLIFailure(message: "\(args[0]) is not supported by corral cli")
        default: return false
        }
        return true
    }
}

/// One command's execution, as the matching Apache `cli/*Command.java` does it.
struct Commands {
    let args: [String]
    let client: any ShellClient
    let io: any ShellOutput

    // MARK: helpers

    private func parse(_ specs: [OptionSpec], _ tokens: [String]? = nil) throws(CLIFailure) -> ParsedOptions {
        do {
            return try OptionParser(specs).parse(tokens ?? args)
        } catch {
            throw CLIFailure(message: error.message)
        }
    }

    private var usage: String { CommandTable.usage(args[0]) }

    /// `retainCompatibility`: "cmd path watch" is rewritten to "cmd -w ..." (Apache replaces the
    /// third word, whatever it is, by "-w") after a deprecation warning.
    private func compatible(_ p: ParsedOptions, _ specs: [OptionSpec], warning: String) throws(CLIFailure) -> ParsedOptions {
        guard p.args.count > 2 else { return p }
        var tokens = args
        tokens[2] = "-w"
        io.err(warning + "\n")
        return try parse(specs, tokens)
    }

    private func valid(_ path: String, sequential: Bool = false) throws(CLIFailure) -> String {
        if let message = JavaPath.validate(path, sequential: sequential) { throw CLIFailure(message: message) }
        return path
    }

    private func keeper<T>(_ body: () async throws(ShellKeeperError) -> T) async throws(CLIFailure) -> T {
        do {
            return try await body()
        } catch {
            throw CLIFailure(message: JavaText.cliMessage(error))
        }
    }

    private func int32(_ text: String) throws(CLIFailure) -> Int32 {
        guard let v = Int32(text) else {
            throw CLIFailure(message: "java.lang.NumberFormatException: For input string: \"\(text)\"")
        }
        return v
    }

    private func version(_ p: ParsedOptions) throws(CLIFailure) -> Int32 {
        try p.value("v").map { (v: String) throws(CLIFailure) -> Int32 in try int32(v) } ?? -1
    }

    private func parsedACL(_ text: String) -> [ACL] {
        let (acl, warnings) = AclText.parse(text)
        for w in warnings { io.err(w + "\n") }
        return acl
    }

    // MARK: commands

    func create() async throws(CLIFailure) {
        let p = try parse([OptionSpec("e"), OptionSpec("s"), OptionSpec("c"), OptionSpec("t", argument: true)])
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        let (mode, ttl) = try createMode(p)
        let path = p.args[1]
        let data = p.args.count > 2 ? Array(p.args[2].utf8) : nil
        let acl = p.args.count > 3 ? parsedACL(p.args[3]) : Ids.openACLUnsafe
        _ = try valid(path, sequential: mode.isSequential)
        if acl.isEmpty {
            io.err("KeeperErrorCode = InvalidACL\n")
            throw CLIFailure(message: "Acl is not valid : null")
        }
        do {
            let created = try await client.create(path, data: data, acl: acl, mode: mode, ttl: ttl)
            io.err("Created \(created)\n")
        } catch {
            if error.code == .ephemeralOnLocalSession { io.err("Unable to create ephemeral node on a local session\n") }
            if error.code == .invalidACL { io.err(error.keeperMessage + "\n") }
            throw CLIFailure(message: JavaText.cliMessage(error))
        }
    }

    /// The create mode and TTL from -e/-s/-c/-t, with `CreateCommand`'s checks in its order.
    private func createMode(_ p: ParsedOptions) throws(CLIFailure) -> (CreateMode, Int64) {
        let (e, s, c, t) = (p.has("e"), p.has("s"), p.has("c"), p.has("t"))
        if c && (e || s) {
            throw CLIFailure(message: "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.")
        }
        var ttl: Int64 = 0
        if t {
            guard let v = p.value("t").flatMap({ Int64($0) }) else {
                throw CLIFailure(message: "-t argument must be a long value")
            }
            ttl = v
        }
        if t && e { throw CLIFailure(message: "TTLs cannot be used with Ephemeral znodes") }
        if t && c { throw CLIFailure(message: "TTLs cannot be used with Container znodes") }
        let mode: CreateMode = e && s ? .ephemeralSequential : e ? .ephemeral
            : s ? (t ? .persistentSequentialWithTTL : .persistentSequential)
            : c ? .container : (t ? .persistentWithTTL : .persistent)
        let maxTTL: Int64 = 0xFF_FFFF_FFFF
        if t && (ttl <= 0 || ttl > maxTTL) {
            throw CLIFailure(message: "ttl must be positive and cannot be larger than: \(maxTTL)")
        }
        return (mode, ttl)
    }

    func get() async throws(CLIFailure) {
        let specs = [OptionSpec("s"), OptionSpec("w")]
        var p = try parse(specs)
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        p = try compatible(p, specs, warning: "'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.")
        let path = try valid(p.args[1])
        let watch = p.has("w")
        let (data, stat) = try await keeper { () async throws(ShellKeeperError) in try await client.getData(path, watch: watch) }
        io.out(JavaText.data(data) + "\n")
        if p.has("s") { io.out(JavaText.stat(stat)) }
    }

    func set() async throws(CLIFailure) {
        let p = try parse([OptionSpec("s"), OptionSpec("v", argument: true)])
        guard p.args.count >= 3 else { throw CLIFailure(message: usage) }
        let data = Array(p.args[2].utf8)
        let version = try version(p)
        let path = try valid(p.args[1])
        let stat = try await keeper { () async throws(ShellKeeperError) in
            try await client.setData(path, data: data, version: version)
        }
        if p.has("s") { io.out(JavaText.stat(stat)) }
    }

    func stat() async throws(CLIFailure) {
        let specs = [OptionSpec("w")]
        var p = try parse(specs)
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        p = try compatible(p, specs, warning: "'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.")
        let path = try valid(p.args[1])
        let watch = p.has("w")
        let stat = try await keeper { () async throws(ShellKeeperError) in try await client.exists(path, watch: watch) }
        guard let stat else { throw CLIFailure(message: JavaText.cliMessage(ShellKeeperError(.noNode, path: path))) }
        io.out(JavaText.stat(stat))
    }

    func ls() async throws(CLIFailure) {
        let specs = [OptionSpec("?"), OptionSpec("s"), OptionSpec("w"), OptionSpec("R")]
        var p = try parse(specs)
        if p.has("?") { io.out(lsHelp) }
        p = try compatible(p, specs, warning: "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.")
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        let path = try valid(p.args[1])
        let watch = p.has("w")
        if p.has("R") {
            try await visitSubTree(path, watch: watch) { p in io.out(p + "\n") }
            return
        }
        let (children, stat) = try await keeper { () async throws(ShellKeeperError) in
            try await client.getChildren(path, watch: watch)
        }
        io.out(JavaText.list(JavaText.javaSorted(children)) + "\n" + (p.has("s") ? JavaText.stat(stat) : ""))
    }

    /// commons-cli `HelpFormatter.printHelp("ls [options] path", options)`.
    private var lsHelp: String {
        "usage: ls [options] path\n -?   help\n -R   recurse\n -s   stat\n -w   watch\n"
    }

    /// `ZKUtil.visitSubTreeDFS`: the root (after a getData that must succeed), then for each node its
    /// sorted children's paths followed by a visit of each child; a node gone meanwhile is skipped.
    private func visitSubTree(_ root: String, watch: Bool,
                              _ visit: (String) async -> Void) async throws(CLIFailure) {
        _ = try await keeper { () async throws(ShellKeeperError) in try await client.getData(root, watch: watch) }
        await visit(root)
        try await visitChildren(root, watch: watch, visit)
    }

    private func visitChildren(_ path: String, watch: Bool, _ visit: (String) async -> Void) async throws(CLIFailure) {
        let children: [String]
        do {
            children = JavaText.javaSorted(try await client.getChildren(path, watch: watch).children)
        } catch {
            if error.code == .noNode { return }
            throw CLIFailure(message: JavaText.cliMessage(error))
        }
        let paths = children.map { path == "/" ? "/" + $0 : path + "/" + $0 }
        for p in paths { await visit(p) }
        for p in paths { try await visitChildren(p, watch: watch, visit) }
    }

    func delete() async throws(CLIFailure) {
        let specs = [OptionSpec("v", argument: true)]
        let p = try parse(specs)
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        if p.args.count > 2 {
            io.err("'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.\n")
        }
        let version = try version(p)
        let path = try valid(p.args[1])
        try await keeper { () async throws(ShellKeeperError) in try await client.delete(path, version: version) }
    }

    func deleteAll() async throws(CLIFailure) {
        let p = try parse([OptionSpec("b", argument: true)])
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        var batchSize: Int32 = 1000
        if let b = p.value("b") {
            guard let v = Int32(b) else { throw CLIFailure(message: "-b argument must be an int value") }
            batchSize = v
        }
        let path = try valid(p.args[1])
        let tree = try await subTreeBFS(path)
        if !(await deleteInBatches(tree, batchSize: Int(batchSize))) {
            io.err("Failed to delete some node(s) in the subtree!\n")
        }
    }

    /// `ZKUtil.listSubTreeBFS`: the root, then every descendant breadth-first (server order).
    private func subTreeBFS(_ root: String) async throws(CLIFailure) -> [String] {
        var tree = [root]
        var next = 0
        while next < tree.count {
            let node = tree[next]
            next += 1
            let children = try await keeper { () async throws(ShellKeeperError) in
                try await client.getChildren(node, watch: false).children
            }
            tree += children.map { (node == "/" ? "" : node) + "/" + $0 }
        }
        return tree
    }

    /// `ZKUtil.deleteInBatch`: leaves first, `batchSize` deletes per multi, stopping at the first
    /// failed multi. (Apache pipelines up to ten multis; sending them one after another gives the
    /// same result without Apache's race in reporting the failure.)
    private func deleteInBatches(_ tree: [String], batchSize: Int) async -> Bool {
        var batch: [String] = []
        for (i, path) in tree.enumerated().reversed() {
            batch.append(path)
            if batch.count == batchSize || i == 0 {
                guard await client.deleteAll(batch) else { return false }
                batch = []
            }
        }
        return true
    }

    func getAcl() async throws(CLIFailure) {
        let p = try parse([OptionSpec("s")])
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        let path = try valid(p.args[1])
        let (acl, stat) = try await keeper { () async throws(ShellKeeperError) in try await client.getACL(path) }
        io.out(acl.map(JavaText.aclEntry).joined() + (p.has("s") ? JavaText.stat(stat) : ""))
    }

    func setAcl() async throws(CLIFailure) {
        let p = try parse([OptionSpec("s"), OptionSpec("v", argument: true), OptionSpec("R")])
        guard p.args.count >= 3 else { throw CLIFailure(message: usage) }
        let acl = parsedACL(p.args[2])
        let version = try version(p)
        let path = try valid(p.args[1])
        if p.has("R") {
            try await visitSubTree(path, watch: false) { node in
                do throws(ShellKeeperError) {
                    guard !acl.isEmpty else { throw ShellKeeperError(.invalidACL) }
                    _ = try await client.setACL(node, acl: acl, version: version)
                } catch {
                    io.out(error.keeperMessage)     // Apache prints it without a newline
                }
            }
            return
        }
        guard !acl.isEmpty else { throw CLIFailure(message: "Acl is not valid : null") }
        let stat = try await keeper { () async throws(ShellKeeperError) in
            try await client.setACL(path, acl: acl, version: version)
        }
        if p.has("s") { io.out(JavaText.stat(stat)) }
    }

    func sync() async throws(CLIFailure) {
        let p = try parse([])
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        let path = try valid(p.args[1])
        do {
            try await client.sync(path)
            io.out("Sync is OK\n")
        } catch {
            io.out("Sync has failed. rc=\(error.code.rawValue)\n")
        }
    }

    func addAuth() async throws(CLIFailure) {
        let p = try parse([])
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        await client.addAuth(scheme: p.args[1], auth: p.args.count >= 3 ? Array(p.args[2].utf8) : nil)
    }

    func config() async throws(CLIFailure) {
        let p = try parse([OptionSpec("s"), OptionSpec("w"), OptionSpec("c")])
        let watch = p.has("w")
        let (data, stat) = try await keeper { () async throws(ShellKeeperError) in try await client.getConfig(watch: watch) }
        let text = JavaText.data(data)
        io.out((p.has("c") ? ConfigText.clientConfig(text) : text) + "\n")
        if p.has("s") { io.out(JavaText.stat(stat)) }
    }

    func removeWatches() async throws(CLIFailure) {
        let p = try parse([OptionSpec("c"), OptionSpec("d"), OptionSpec("a"), OptionSpec("l")])
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        let type: WatcherType = p.has("c") ? .children : p.has("d") ? .data : .any
        let path = try valid(p.args[1])
        let local = p.has("l")
        try await keeper { () async throws(ShellKeeperError) in
            try await client.removeWatches(path, type: type, local: local)
        }
    }

    func getEphemerals() async throws(CLIFailure) {
        let p = try parse([])
        let prefix = p.args.count < 2 ? "/" : try valid(p.args[1])
        let list = try await keeper { () async throws(ShellKeeperError) in try await client.getEphemerals(prefix) }
        io.out(JavaText.list(list) + "\n")
    }

    func getAllChildrenNumber() async throws(CLIFailure) {
        let p = try parse([])
        guard p.args.count >= 2 else { throw CLIFailure(message: usage) }
        let path = try valid(p.args[1])
        let n = try await keeper { () async throws(ShellKeeperError) in try await client.getAllChildrenNumber(path) }
        io.out("\(n)\n")
    }

    func version() throws(CLIFailure) {
        let p = try parse([])
        guard p.args.count <= 1 else { throw CLIFailure(message: usage) }
        io.out("ZooKeeper CLI version: \(CorralCLIVersion.full)\n")
    }

    func addWatch() async throws(CLIFailure) {
        let p = try parse([OptionSpec("m", argument: true)])
        guard p.args.count == 2 else { throw CLIFailure(message: usage) }
        var mode = AddWatchMode.persistentRecursive
        if let m = p.value("m") {
            switch m.uppercased() {
            case "PERSISTENT": mode = .persistent
            case "PERSISTENT_RECURSIVE": mode = .persistentRecursive
            default: throw CLIFailure(message: usage)
            }
        }
        let path = try valid(p.args[1])
        try await keeper { () async throws(ShellKeeperError) in try await client.addWatch(path, mode: mode) }
    }

    func whoAmI() async {
        let infos = await client.whoAmI()
        io.out("Auth scheme: User\n" + (infos ?? []).map { "\($0.authScheme): \($0.user)\n" }.joined())
    }
}

/// The version line `version` prints (Apache: "3.8.0-<commit>, built on <date>").
public enum CorralCLIVersion {
    public static let full = "3.8.0-corral, built on corral"
}

/// `ConfigUtils.getClientConfigStr`: "<version> host:port,host:port" from a dynamic config.
enum ConfigText {
    static func clientConfig(_ config: String) -> String {
        var version = ""
        var addresses: [String] = []
        for (key, value) in properties(config) {
            if key == "version" { version = value }
            guard key.hasPrefix("server.") else { continue }
            addresses.append(clientAddress(value))
        }
        return version + " " + addresses.joined(separator: ",")
    }

    /// key=value (or key:value) lines, comments and blanks skipped, sorted by key.
    private static func properties(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingJavaSpaces()
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix("!") else { continue }
            guard let sep = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            result.append((String(line[..<sep]).trimmingJavaSpaces(), String(line[line.index(after: sep)...]).trimmingJavaSpaces()))
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// The client address of "host:port:port[:role];[clientHost:]clientPort" (empty without one).
    private static func clientAddress(_ server: String) -> String {
        guard let semi = server.firstIndex(of: ";") else { return "" }
        let client = server[server.index(after: semi)...]
        guard let colon = client.lastIndex(of: ":") else { return "0.0.0.0:\(client)" }
        return "\(client[..<colon]):\(client[client.index(after: colon)...])"
    }
}

extension StringProtocol {
    func trimmingJavaSpaces() -> String {
        var s = Substring(self)
        while let f = s.unicodeScalars.first, f.value <= 0x20 { s = Substring(s.unicodeScalars.dropFirst()) }
        while let l = s.unicodeScalars.last, l.value <= 0x20 { s = Substring(s.unicodeScalars.dropLast()) }
        return String(s)
    }
}
