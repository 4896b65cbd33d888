import CorralClient
import NIOCore
import NIOPosix
import ZooKeeperProtocol

/// Why a run failed.
public enum BenchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Setup found the base node already there (it will not touch a tree it did not make).
    case baseExists(String)
    /// A setup request was answered with an error code.
    case setupFailed(String, err: Int32)
    /// A session failed; the run stopped.
    case session(index: Int, server: String, SessionFailure)
    /// Cleanup could not delete everything.
    case cleanupFailed(String)

    public var description: String {
        switch self {
        case .baseExists(let p):
            return "\(p) already exists; delete it or pick another --path (or --no-setup to use it as it is)"
        case .setupFailed(let what, let err): return "setup failed: \(what) answered error \(err)"
        case .session(let i, let server, let failure): return "session \(i) (\(server)) failed: \(failure)"
        case .cleanupFailed(let what): return "cleanup failed: \(what)"
        }
    }
}

/// Runs a benchmark: setup, sessions, measurement, cleanup. The thin shell around the per-session
/// cores; everything it measures comes from them.
public enum BenchRunner {
    /// Runs `configuration` and returns its report. `log` receives progress lines (for stderr).
    public static func run(_ configuration: BenchConfiguration,
                           log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> BenchReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        do {
            let report = try await Run(configuration: configuration, group: group, log: log).execute()
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()  // the run's error is the one to report
            throw error
        }
    }
}

/// One run's steps, in order.
private struct Run {
    let configuration: BenchConfiguration
    let group: MultiThreadedEventLoopGroup
    let log: @Sendable (String) -> Void
    let tree: BenchTree
    let payload: [UInt8]

    init(configuration: BenchConfiguration, group: MultiThreadedEventLoopGroup, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.group = group
        self.log = log
        tree = BenchTree(base: configuration.serverBasePath)
        payload = [UInt8](repeating: UInt8(ascii: "x"), count: configuration.payloadBytes)
    }

    /// Setup and cleanup each use their own short admin session (one kept idle through the whole
    /// measurement would expire in runs longer than the session timeout). A cleanup that fails is
    /// logged; it never discards a measured report.
    func execute() async throws -> BenchReport {
        // Cleanup never touches a base node this run did not create.
        var mayClean = configuration.cleanup && !configuration.setup
        if configuration.setup {
            let admin = try await connectAdmin()
            do {
                try await createBase(admin)
                mayClean = configuration.cleanup
                try await createDataNodes(admin)
                try await admin.close()
            } catch {
                if mayClean { await cleanUpLoggingFailure(admin) }
                try? await admin.close()  // the setup error is the one to report
                throw error
            }
        }
        let report: BenchReport
        do {
            report = try await measure()
        } catch {
            if mayClean { await cleanUpLoggingFailure(nil) }
            throw error
        }
        if mayClean { await cleanUpLoggingFailure(nil) }
        return report
    }

    private func connectAdmin() async throws -> AdminSession {
        try await AdminSession.connect(to: configuration.connectString.servers[0], group: group,
                                       timeoutMs: configuration.sessionTimeoutMs)
    }

    /// Cleans up on `admin`, or on a fresh admin session; a failure is logged, not thrown.
    private func cleanUpLoggingFailure(_ admin: AdminSession?) async {
        do {
            if let admin {
                try await cleanUp(admin)
            } else {
                let fresh = try await connectAdmin()
                try await cleanUp(fresh)
                try await fresh.close()
            }
        } catch {
            log("cleanup failed: \(error)")
        }
    }

    /// Creates the base node; refuses to use one that exists.
    private func createBase(_ admin: AdminSession) async throws {
        let base = try await admin.call(create(tree.base, data: []))
        if base.err == ErrorCode.nodeExists.rawValue { throw BenchError.baseExists(tree.base) }
        guard base.err == 0 else { throw BenchError.setupFailed("create \(tree.base)", err: base.err) }
    }

    /// Creates the data nodes, each holding the payload.
    private func createDataNodes(_ admin: AdminSession) async throws {
        let started = NIODeadline.now()
        let replies = try await admin.callAll((0..<configuration.nodes).map { create(tree.dataNode($0), data: payload) })
        if let failed = replies.firstIndex(where: { $0.err != 0 }) {
            throw BenchError.setupFailed("create \(tree.dataNode(failed))", err: replies[failed].err)
        }
        log("setup: created \(tree.base) and \(configuration.nodes) data nodes of \(payload.count) B in "
            + "\(BenchReport.fixed(seconds(since: started), 2)) s")
    }

    private func create(_ path: String, data: [UInt8]) -> Request {
        .create(op: .create, CreateRequest(path: path, data: data, acl: Ids.openACLUnsafe,
                                           flags: CreateMode.persistent.rawValue))
    }

    /// Deletes what the run made: with setup, the base node and all under it; without, the
    /// created (`c-`) children only.
    private func cleanUp(_ admin: AdminSession) async throws {
        let listing = try await admin.call(.getChildren(op: .getChildren, path: tree.base, watch: false))
        if listing.err == ErrorCode.noNode.rawValue { return }
        guard listing.err == 0, case .children(let names) = try listing.decode(as: .getChildren) else {
            throw BenchError.cleanupFailed("getChildren \(tree.base) answered error \(listing.err)")
        }
        let doomed = configuration.setup ? names : names.filter { $0.hasPrefix("c-") }
        let replies = try await admin.callAll(doomed.map { .delete(path: tree.base + "/" + $0, version: -1) })
        let failures = replies.filter { $0.err != 0 && $0.err != ErrorCode.noNode.rawValue }.count
        if failures > 0 { throw BenchError.cleanupFailed("\(failures) of \(doomed.count) deletes failed") }
        if configuration.setup {
            let base = try await admin.call(.delete(path: tree.base, version: -1))
            guard base.err == 0 || base.err == ErrorCode.noNode.rawValue else {
                throw BenchError.cleanupFailed("delete \(tree.base) answered error \(base.err)")
            }
        }
        log("cleanup: deleted \(doomed.count) nodes" + (configuration.setup ? " and \(tree.base)" : ""))
    }

    /// Connects the sessions, runs the warm-up and the measurement, and merges the sessions' stats.
    private func measure() async throws -> BenchReport {
        let sessions = try await connectSessions()
        do {
            for session in sessions { try await session.handshake.get() }
            log("connected \(sessions.count) sessions")
            return try await drive(sessions)
        } catch {
            for session in sessions { session.channel.close(promise: nil) }
            throw error
        }
    }

    private func drive(_ sessions: [Session]) async throws -> BenchReport {
        let now = NIODeadline.now().uptimeNanoseconds
        let measureStart = now + nanoseconds(configuration.warmupSeconds)
        var measureEnd: UInt64?
        if case .duration(let seconds) = configuration.length { measureEnd = measureStart + nanoseconds(seconds) }
        var cpuAtStart = ProcessCPU.now()
        for (index, session) in sessions.enumerated() {
            let schedule = RunSchedule(measureStart: measureStart, measureEnd: measureEnd,
                                       quota: configuration.opsQuota(session: index))
            session.channel.pipeline.fireUserInboundEventTriggered(StartRun(schedule: schedule))
        }
        try await sleep(until: measureStart)
        if configuration.warmupSeconds > 0 { cpuAtStart = ProcessCPU.now() }
        var cpuAtEnd: ProcessCPU?
        if let measureEnd {
            try await sleep(until: measureEnd)
            cpuAtEnd = ProcessCPU.now()
        }
        var merged = SessionStats(mix: configuration.mix)
        for session in sessions {
            do {
                merged.merge(try await session.result.get())
            } catch let failure as SessionFailure {
                throw BenchError.session(index: session.index, server: session.server.description, failure)
            }
        }
        let cpu = (cpuAtEnd ?? ProcessCPU.now()) - cpuAtStart
        return BenchReport(configuration: configuration, stats: merged, elapsedSeconds: measuredSeconds(merged), cpu: cpu)
    }

    /// Duration mode: the duration. Ops mode: first measured send to last measured reply.
    private func measuredSeconds(_ stats: SessionStats) -> Double {
        if case .duration(let seconds) = configuration.length { return seconds }
        guard let first = stats.firstMeasuredSend, let last = stats.lastMeasuredReply, last > first else { return 0 }
        return Double(last - first) / 1e9
    }

    private struct Session {
        var index: Int
        var server: ServerAddress
        var channel: any Channel
        var handshake: EventLoopFuture<Void>
        var result: EventLoopFuture<SessionStats>
    }

    /// Opens every session's connection (all at once), session i on event loop i mod threads
    /// and server i mod servers.
    private func connectSessions() async throws -> [Session] {
        let servers = configuration.connectString.servers
        let nodeDigits = (0..<configuration.nodes).map(BenchTree.packedDigits)
        let timeout = TimeAmount.milliseconds(Int64(configuration.sessionTimeoutMs))
        var pending: [(index: Int, server: ServerAddress, channel: EventLoopFuture<any Channel>,
                       handshake: EventLoopFuture<Void>, result: EventLoopFuture<SessionStats>)] = []
        for index in 0..<configuration.sessions {
            let loop = group.next()
            let server = servers[index % servers.count]
            let handshake = loop.makePromise(of: Void.self)
            let result = loop.makePromise(of: SessionStats.self)
            let core = makeCore(session: index, nodeDigits: nodeDigits)
            let connectFrame = RequestFrames.connectFrame(timeoutMs: Int32(configuration.sessionTimeoutMs))
            let channel = ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            BenchSessionHandler(core: core, connectFrame: connectFrame, handshake: handshake, result: result))
                    }
                }
                .connect(host: server.host, port: server.port)
            channel.cascadeFailure(to: handshake)
            channel.cascadeFailure(to: result)
            let watchdog = loop.scheduleTask(in: timeout) {
                handshake.fail(SessionFailure.noReply(milliseconds: configuration.sessionTimeoutMs))
            }
            handshake.futureResult.whenComplete { _ in watchdog.cancel() }
            pending.append((index, server, channel, handshake.futureResult, result.futureResult))
        }
        var sessions: [Session] = []
        for p in pending {
            do {
                let channel = try await p.channel.get()
                sessions.append(Session(index: p.index, server: p.server, channel: channel, handshake: p.handshake, result: p.result))
            } catch {
                for session in sessions { session.channel.close(promise: nil) }
                throw BenchError.session(index: p.index, server: p.server.description, .network("connect: \(error)"))
            }
        }
        return sessions
    }

    private func makeCore(session index: Int, nodeDigits: [UInt64]) -> SessionCore {
        let frames = RequestFrames(tree: tree, session: index, payload: payload, ephemeral: configuration.ephemeral,
                                   nodeDigits: nodeDigits)
        let sequence = OpSequence(mix: configuration.mix, nodeCount: configuration.nodes, seed: configuration.seed,
                                  sessionIndex: index)
        return SessionCore(frames: frames, sequence: sequence, mix: configuration.mix, depth: configuration.depth,
                           replyTimeoutMs: configuration.sessionTimeoutMs)
    }

    private func nanoseconds(_ seconds: Double) -> UInt64 { UInt64((seconds * 1e9).rounded()) }

    private func seconds(since start: NIODeadline) -> Double {
        Double((NIODeadline.now() - start).nanoseconds) / 1e9
    }

    private func sleep(until uptimeNanos: UInt64) async throws {
        let now = NIODeadline.now().uptimeNanoseconds
        if uptimeNanos > now { try await Task.sleep(nanoseconds: uptimeNanos - now) }
    }
}
