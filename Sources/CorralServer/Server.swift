import CorralCore
import CorralStorage
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ZooKeeperProtocol

/// Everything a standalone server needs to start.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 2181
    public var core = CoreConfig()
    public var driver = DriverSettings()
    public var limits = JuteLimits.default
    public var fourLetterWordWhitelist = FourLetterWordWhitelist.apacheDefault
    /// The parsed zoo.cfg (reported by `conf` and `envi`).
    public var config = ServerConfig.embeddedDefault()
    /// Where the data lives; nil keeps everything in memory (tests).
    public var storage: StorageOptions?
    public init() {}
}

/// A running standalone server: the NIO listener and the driver around the pure core.
public final class StandaloneServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    /// The client listener first, then the TLS listener when configured.
    let channels: [Channel]
    let driver: ServerDriver
    let ticker: RepeatedTask
    let persistence: Persistence?

    /// The address the listener is bound to (useful with port 0).
    public var localAddress: SocketAddress? { channels[0].localAddress }

    public static func start(_ options: ServerOptions, logger: Logger) async throws -> StandaloneServer {
        // One loop runs the network and the core: no locks, no hops, FIFO for free.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var core = ServerCore(config: options.core, startTime: wallClockMillis())
        var replayed = 0
        if let storage = options.storage {
            do throws(RecoveryError) {
                let report: RecoveryReport
                (core, report) = try Persistence.recover(storage, config: options.core, now: wallClockMillis(),
                                                         logger: logger)
                replayed = report.replayedTxns
            } catch {
                try await group.shutdownGracefully()
                throw error
            }
        }
        let responder = FourLetterWordResponder(whitelist: options.fourLetterWordWhitelist, config: options.config)
        let driver = ServerDriver(core: core, settings: options.driver,
                                  fourLetterWords: responder, logger: logger)
        let persistence = options.storage.map { Persistence(options: $0, loop: loop, logger: logger) }
        if let persistence {
            let replayed = replayed
            try await loop.submit {
                driver.attach(persistence)
                persistence.startAutopurge(on: loop)
                // A snapshot now makes the next start fast (Apache takes one at every start).
                if replayed > 0 { driver.startSnapshot() }
            }.get()
        }
        let limits = options.limits
        do {
            let initializer = ClientPipeline(driver: driver, limits: limits)
            let channel = try await initializer.bind(group: group, host: options.host, port: options.port, tls: nil)
            var secureChannel: Channel?
            if let secure = options.config.secureClientAddress,
               let tls = try ClientTLSSettings(properties: options.config.otherProperties) {
                secureChannel = try await initializer.bind(group: group, host: secure.host, port: secure.port,
                                                           tls: try tls.makeContext())
                logger.info("binding to secure port \(secure)")
            }
            let tick = TimeAmount.milliseconds(Int64(options.core.tickTime))
            let ticker = loop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in driver.tick() }
            logger.info("binding to port \(channel.localAddress?.description ?? "?")")
            return StandaloneServer(group: group, channels: [channel] + (secureChannel.map { [$0] } ?? []),
                                    driver: driver, ticker: ticker, persistence: persistence)
        } catch {
            try await persistence?.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
    }

    init(group: MultiThreadedEventLoopGroup, channels: [Channel], driver: ServerDriver, ticker: RepeatedTask,
         persistence: Persistence?) {
        self.group = group
        self.channels = channels
        self.driver = driver
        self.ticker = ticker
        self.persistence = persistence
    }

    /// Stops accepting, closes every connection and stops the event loop.
    public func shutdown() async throws {
        ticker.cancel()
        for channel in channels { try await channel.close().get() }
        try await persistence?.shutdown()
        try await group.shutdownGracefully()
    }

    /// Completes when the listener closes.
    public func waitUntilClosed() async throws {
        try await channels[0].closeFuture.get()
    }
}

/// Builds the client pipeline (optional TLS, frame decoder, handler) and binds listeners.
struct ClientPipeline: Sendable {
    let driver: ServerDriver
    let limits: JuteLimits

    func bind(group: EventLoopGroup, host: String, port: Int, tls: NIOSSLContext?) async throws -> Channel {
        let driver = driver, limits = limits
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
                    try sync.addHandler(ByteToMessageHandler(
                        ZooKeeperFrameDecoder(maxFrame: limits.maxBuffer)))
                    try sync.addHandler(ClientHandler(driver: driver, limits: limits))
                }
            }
            .bind(host: host, port: port).get()
    }
}
