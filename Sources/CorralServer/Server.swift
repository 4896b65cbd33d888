import CorralCore
import Logging
import NIOCore
import NIOPosix
import ZooKeeperProtocol

/// Everything a standalone server needs to start.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 2181
    public var core = CoreConfig()
    public var driver = DriverSettings()
    public var limits = JuteLimits.default
    public var fourLetterWordWhitelist: Set<String> = ["srvr"]
    public init() {}
}

/// A running standalone server: the NIO listener and the driver around the pure core.
public final class StandaloneServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let driver: ServerDriver
    let ticker: RepeatedTask

    /// The address the listener is bound to (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    public static func start(_ options: ServerOptions, logger: Logger) async throws -> StandaloneServer {
        // One loop runs the network and the core: no locks, no hops, FIFO for free.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let core = ServerCore(config: options.core, startTime: wallClockMillis())
        let responder = FourLetterWordResponder(whitelist: options.fourLetterWordWhitelist)
        let driver = ServerDriver(loop: loop, core: core, settings: options.driver,
                                  fourLetterWords: responder, logger: logger)
        let limits = options.limits
        let maxFrame = limits.maxBuffer
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(ZooKeeperFrameDecoder(maxFrame: maxFrame,
                                                                       isFourLetterWord: responder.isFourLetterWord)))
                        try channel.pipeline.syncOperations.addHandler(ClientHandler(driver: driver, limits: limits))
                    }
                }
                .bind(host: options.host, port: options.port).get()
            let tick = TimeAmount.milliseconds(Int64(options.core.tickTime))
            let ticker = loop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in driver.tick() }
            logger.info("binding to port \(channel.localAddress?.description ?? "?")")
            return StandaloneServer(group: group, channel: channel, driver: driver, ticker: ticker)
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
    }

    init(group: MultiThreadedEventLoopGroup, channel: Channel, driver: ServerDriver, ticker: RepeatedTask) {
        self.group = group
        self.channel = channel
        self.driver = driver
        self.ticker = ticker
    }

    /// Stops accepting, closes every connection and stops the event loop.
    public func shutdown() async throws {
        ticker.cancel()
        try await channel.close().get()
        try await group.shutdownGracefully()
    }

    /// Completes when the listener closes.
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }
}
