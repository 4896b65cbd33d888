import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ZooKeeperProtocol

/// How a client connects and how much it may have in flight.
public struct ClientConfiguration: Sendable {
    /// The session timeout asked for; the server clamps it to [2, 20] ticks by default.
    public var sessionTimeout: Duration = .seconds(30)
    /// Requests sent and not yet answered, at most; further callers wait (their requests are sent,
    /// in order, as replies free room).
    public var maxInFlight: Int = 1024
    /// Accept a read-only server (ConnectRequest.readOnly).
    public var canBeReadOnly = false
    /// Try the hosts in random order (Apache's `StaticHostProvider` shuffles them).
    public var shuffleHosts = true
    /// Apache's jute.maxbuffer: the largest reply accepted.
    public var maxBuffer = 0xfffff
    /// Resume an existing session (its id and password) instead of creating one, as Apache's
    /// `ZooKeeper(connectString, timeout, watcher, sessionId, passwd)`.
    public var resumeSession: (id: Int64, password: [UInt8])?
    public init() {}
}

/// A ZooKeeper client: one session over one connection at a time, to any server of the connect
/// string, speaking Apache ZooKeeper's wire protocol (works with Corral and Apache ZooKeeper).
///
/// Every method may be called from any task. Requests of one client are sent and answered in the
/// order they were made (FIFO client order; a single task's sequential calls are ordered, and calls
/// from concurrent tasks are ordered by when they reach the client). Replies are matched to requests
/// in FIFO order; a reply out of order drops the connection. Memory is bounded: at most
/// `maxInFlight` requests are on the wire; more callers wait.
///
/// The session lives until `close()`, expiry or an authentication failure; a client that is merely
/// dropped keeps its session (and its timers) alive, like Apache's — call `close()`.
///
/// All mutable state is confined to one NIO event loop; the public getters read a snapshot.
public final class ZooKeeperClient: @unchecked Sendable {
    let loop: EventLoop
    let paths: ConnectString
    let configuration: ClientConfiguration
    /// Hosts in the order they are tried.
    let hosts: [ServerAddress]
    private let snapshot: NIOLockedValueBox<Snapshot>

    // Loop-confined state.
    var core: ClientCore<Completion>
    private var hostIndex = -1
    private var generation = 0
    private var channel: Channel?
    private var currentHost: ServerAddress?
    private var flushScheduled = false
    private var draining = false
    private var ticker: RepeatedTask?
    var sinks: [WatcherID: WatchSink] = [:]
    var nextWatcherID = 1
    private var eventSubscribers: [Int: AsyncStream<WatchedEvent>.Continuation] = [:]
    private var stateSubscribers: [Int: AsyncStream<ConnectionState>.Continuation] = [:]
    private var nextSubscriberID = 0
    private var connectWaiters: [CheckedContinuation<ConnectionState, Never>] = []

    typealias Waiter = CheckedContinuation<Result<Reply, KeeperError>, Never>

    /// Who waits for a reply: one caller, or one slot of a pipelined batch.
    enum Completion {
        case caller(Waiter)
        case batch(PipelineBatch, index: Int)

        func resume(returning result: Result<Reply, KeeperError>) {
            switch self {
            case .caller(let waiter): waiter.resume(returning: result)
            case .batch(let batch, let index): batch.complete(index, result)
            }
        }
    }

    struct Snapshot {
        var sessionId: Int64 = 0
        var password: [UInt8] = []
        var negotiatedTimeout: Int32 = 0
        var state: ConnectionState = .connecting
        var server: ServerAddress?
        var protocolError: String?
    }

    public var sessionId: Int64 { snapshot.withLockedValue { $0.sessionId } }
    public var sessionPassword: [UInt8] { snapshot.withLockedValue { $0.password } }
    /// Milliseconds; 0 before the first session establishment.
    public var negotiatedTimeout: Int32 { snapshot.withLockedValue { $0.negotiatedTimeout } }
    public var state: ConnectionState { snapshot.withLockedValue { $0.state } }
    /// The server of the current connection, nil while disconnected.
    public var connectedServer: ServerAddress? { snapshot.withLockedValue { $0.server } }
    /// Why the client last dropped a connection because of a frame it could not use (a reply out of
    /// order, an undecodable record), nil if it never did.
    public var lastProtocolError: String? { snapshot.withLockedValue { $0.protocolError } }

    init(paths: ConnectString, configuration: ClientConfiguration, loop: EventLoop) {
        self.loop = loop
        self.paths = paths
        self.configuration = configuration
        self.hosts = configuration.shuffleHosts ? paths.servers.shuffled() : paths.servers
        self.snapshot = NIOLockedValueBox(Snapshot())
        let timeoutMs = Int32(clamping: configuration.sessionTimeout.components.seconds * 1000
                              + configuration.sessionTimeout.components.attoseconds / 1_000_000_000_000_000)
        self.core = ClientCore(settings: .init(sessionTimeout: timeoutMs, canBeReadOnly: configuration.canBeReadOnly,
                                               maxInFlight: max(1, configuration.maxInFlight),
                                               hostCount: paths.servers.count,
                                               limits: JuteLimits(maxBuffer: configuration.maxBuffer),
                                               paths: paths))
        if let session = configuration.resumeSession { core.resume(sessionId: session.id, password: session.password) }
    }

    /// Connects and waits until a session is established. Throws `.badArguments` for a connect
    /// string Apache would refuse, `.connectionLoss` when no server established a session within the
    /// session timeout (the attempts are then stopped), `.sessionExpired`/`.authFailed` as the
    /// server decides.
    public static func connect(_ connectString: String, configuration: ClientConfiguration = .init(),
                               eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws(KeeperError) -> ZooKeeperClient {
        let paths: ConnectString
        do {
            paths = try ConnectString(connectString)
        } catch {
            throw KeeperError(.badArguments, message: error.description)
        }
        let client = ZooKeeperClient(paths: paths, configuration: configuration, loop: eventLoopGroup.next())
        let state = await client.startAndWait()
        switch state {
        case .connected, .connectedReadOnly: return client
        case .expired: throw KeeperError(.sessionExpired)
        case .authFailed: throw KeeperError(.authFailed)
        case .connecting, .disconnected, .closed:
            await client.close()
            throw KeeperError(.connectionLoss, message: "no server of \(connectString) established a session in time")
        }
    }

    private func startAndWait() async -> ConnectionState {
        let timeout = TimeAmount.milliseconds(Int64(core.settings.sessionTimeout))
        return await withCheckedContinuation { (waiter: CheckedContinuation<ConnectionState, Never>) in
            loop.execute {
                self.connectWaiters.append(waiter)
                let tick = TimeAmount.milliseconds(Int64(max(10, min(100, self.core.settings.sessionTimeout / 20))))
                self.ticker = self.loop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in
                    self.core.tick(now: Self.now())
                    self.drain()
                }
                self.loop.scheduleTask(in: timeout) { self.resumeConnectWaiters(self.core.publicState) }
                self.core.start(now: Self.now())
                self.drain()
            }
        }
    }

    private func resumeConnectWaiters(_ state: ConnectionState) {
        let waiters = connectWaiters
        connectWaiters = []
        for waiter in waiters { waiter.resume(returning: state) }
    }

    /// The current state first, then every change, until a terminal state (the stream then ends).
    public func stateChanges() -> AsyncStream<ConnectionState> {
        let (stream, continuation) = AsyncStream<ConnectionState>.makeStream()
        loop.execute {
            continuation.yield(self.core.publicState)
            guard !self.core.publicState.isTerminal else { continuation.finish(); return }
            let id = self.nextSubscriberID
            self.nextSubscriberID += 1
            self.stateSubscribers[id] = continuation
            continuation.onTermination = { _ in self.loop.execute { self.stateSubscribers[id] = nil } }
        }
        return stream
    }

    /// Apache's default watcher: events of watches set with `watch: true` and `addWatch(_:mode:)`,
    /// and session-state events (type `.none`, path nil: SyncConnected, Disconnected, Expired,
    /// Closed, AuthFailed). Each call is a new subscriber seeing events from then on; the stream
    /// ends after a terminal state's event. A subscriber buffers what it has not read yet (one-shot
    /// watches fire once each; persistent ones without bound): read it, or drop it to unsubscribe.
    public func events() -> AsyncStream<WatchedEvent> {
        let (stream, continuation) = AsyncStream<WatchedEvent>.makeStream()
        loop.execute {
            guard !self.core.publicState.isTerminal else { continuation.finish(); return }
            let id = self.nextSubscriberID
            self.nextSubscriberID += 1
            self.eventSubscribers[id] = continuation
            continuation.onTermination = { _ in self.loop.execute { self.eventSubscribers[id] = nil } }
        }
        return stream
    }

    /// Ends the session: sends closeSession after everything already asked and waits for its answer
    /// (at most 2 s after it was sent, or until the connection is found dead; then the session is
    /// ended locally). Idempotent. Afterwards every call throws `.sessionExpired`, as Apache's client
    /// does after `close()`.
    public func close() async {
        _ = await withCheckedContinuation { (waiter: Waiter) in
            loop.execute {
                self.core.close(token: .caller(waiter), now: Self.now())
                self.drain()
            }
        }
    }

    // MARK: submitting

    /// Sends one request and waits for its reply. `path` (client-side) goes into errors.
    func call(_ request: Request, path: String?, registration: WatchRegistration? = nil) async throws(KeeperError) -> Reply {
        let result = await withCheckedContinuation { (waiter: Waiter) in
            loop.execute {
                self.core.submit(request, registration: registration, token: .caller(waiter), now: Self.now())
                self.drain()
            }
        }
        switch result {
        case .success(let reply): return reply
        case .failure(var error):
            if error.path == nil { error.path = path }
            throw error
        }
    }

    /// Submits `requests` back to back in one step on the loop (so in exactly this order) and
    /// waits for all of their replies.
    func callPipelined(_ requests: [Request]) async -> [Result<Reply, KeeperError>] {
        guard !requests.isEmpty else { return [] }
        return await withCheckedContinuation { (waiter: CheckedContinuation<[Result<Reply, KeeperError>], Never>) in
            loop.execute {
                let batch = PipelineBatch(count: requests.count, waiter: waiter)
                let now = Self.now()
                for (index, request) in requests.enumerated() {
                    self.core.submit(request, registration: nil, token: .batch(batch, index: index), now: now)
                }
                self.drain()
            }
        }
    }

    func authenticate(_ packet: AuthPacket) async throws(KeeperError) {
        let result = await withCheckedContinuation { (waiter: Waiter) in
            loop.execute {
                self.core.addAuth(packet, token: .caller(waiter), now: Self.now())
                self.drain()
            }
        }
        if case .failure(let error) = result { throw error }
    }

    // MARK: the effect loop

    /// Executes the core's effects until there are none, then writes what it framed.
    /// Re-entrant calls (a channel closing synchronously inside an effect) return at once: the
    /// outer call picks up their effects, so effects run in the order the core made them.
    func drain() {
        loop.preconditionInEventLoop()
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !core.effects.isEmpty {
            let effects = core.effects
            core.effects.removeAll(keepingCapacity: true)
            for effect in effects { execute(effect) }
        }
        writeOutbound()
    }

    private func execute(_ effect: ClientEffect<Completion>) {
        switch effect {
        case .openConnection: openConnection()
        case .closeConnection: closeConnection()
        case .complete(let completion, let result): completion.resume(returning: result)
        case .deliver(let event, let watchers): deliver(event, to: watchers)
        case .state(let state): stateChanged(state)
        }
    }

    private func writeOutbound() {
        guard core.outbound.readableBytes > 0 else { return }
        guard let channel else {
            core.outbound.clear()  // nothing to write to: the core re-sends its handshake on a new connection
            return
        }
        channel.write(core.outbound, promise: nil)
        core.outbound.clear()
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute {
            self.flushScheduled = false
            self.channel?.flush()
        }
    }

    private func stateChanged(_ state: ConnectionState) {
        snapshot.withLockedValue {
            $0.state = state
            $0.sessionId = core.sessionId
            $0.password = core.password
            $0.negotiatedTimeout = core.negotiatedTimeout
            $0.server = (state == .connected || state == .connectedReadOnly) ? currentHost : nil
        }
        for continuation in stateSubscribers.values { continuation.yield(state) }
        if state != .disconnected { resumeConnectWaiters(state) }
        guard state.isTerminal else { return }
        for continuation in stateSubscribers.values { continuation.finish() }
        stateSubscribers = [:]
        ticker?.cancel()
        ticker = nil
    }

    private func deliver(_ event: WatchedEvent, to watchers: [WatcherID]) {
        for id in watchers { deliverNow(event, to: id) }
    }

    func deliverToDefault(_ event: WatchedEvent) {
        for continuation in eventSubscribers.values { continuation.yield(event) }
        if event.type == .none, [.expired, .closed, .authFailed].contains(event.state) {
            for continuation in eventSubscribers.values { continuation.finish() }
            eventSubscribers = [:]
        }
    }

    // MARK: connections

    private func openConnection() {
        generation += 1
        let attempt = generation
        hostIndex = (hostIndex + 1) % hosts.count
        let host = hosts[hostIndex]
        currentHost = host
        let maxFrame = configuration.maxBuffer + 1024
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.milliseconds(Int64(max(1000, core.settings.sessionTimeout / Int32(hosts.count)))))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ZooKeeperFrameDecoder(maxFrame: maxFrame)))
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(client: self, attempt: attempt))
                }
            }
            .connect(host: host.host, port: host.port)
            .whenComplete { result in
                self.connectFinished(result, attempt: attempt)
            }
    }

    private func connectFinished(_ result: Result<Channel, Error>, attempt: Int) {
        guard attempt == generation else {
            if case .success(let stale) = result { stale.close(promise: nil) }
            return
        }
        switch result {
        case .success(let connected):
            channel = connected
            core.connectionOpened(now: Self.now())
        case .failure:
            core.connectionLost(now: Self.now())
        }
        drain()
    }

    private func closeConnection() {
        if let reason = core.lastProtocolError { snapshot.withLockedValue { $0.protocolError = reason } }
        if let channel {
            channel.close(promise: nil)  // channelInactive reports the loss
            return
        }
        // Still connecting: forget that attempt.
        generation += 1
        core.connectionLost(now: Self.now())
    }

    func frameReceived(_ frame: ByteBuffer, attempt: Int) {
        guard attempt == generation else { return }
        core.frameReceived(frame, now: Self.now())
        drain()
    }

    func connectionClosed(attempt: Int) {
        guard attempt == generation else { return }
        generation += 1
        channel = nil
        core.connectionLost(now: Self.now())
        drain()
    }

    static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) }
}

/// The results of a pipelined batch, filled in on the client's loop; resumes its caller when the
/// last one arrives.
final class PipelineBatch: @unchecked Sendable {
    private var results: [Result<Reply, KeeperError>?]
    private var remaining: Int
    private let waiter: CheckedContinuation<[Result<Reply, KeeperError>], Never>

    init(count: Int, waiter: CheckedContinuation<[Result<Reply, KeeperError>], Never>) {
        results = Array(repeating: nil, count: count)
        remaining = count
        self.waiter = waiter
    }

    func complete(_ index: Int, _ result: Result<Reply, KeeperError>) {
        precondition(results[index] == nil, "a pipelined request completed twice")
        results[index] = result
        remaining -= 1
        if remaining == 0 { waiter.resume(returning: results.map { $0! }) }
    }
}

/// Forwards one connection's frames and its end to the client (on the client's loop).
final class ConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let client: ZooKeeperClient
    let attempt: Int

    init(client: ZooKeeperClient, attempt: Int) {
        self.client = client
        self.attempt = attempt
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.frameReceived(unwrapInboundIn(data), attempt: attempt)
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.connectionClosed(attempt: attempt)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
