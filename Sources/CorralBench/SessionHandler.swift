import CorralClient
import NIOCore
import ZooKeeperProtocol

/// Sent down a session's pipeline to start the run.
struct StartRun: Sendable {
    var schedule: RunSchedule
}

/// The NIO shell of one benchmark session: feeds whole frames and the clock to its `SessionCore`
/// and writes what the core produced, once per read burst (one flush per `channelReadComplete`).
/// Reports the handshake on `handshake` and the measurements (or the first failure) on `result`.
final class BenchSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How often the session checks for a stalled server or the end of the run while no reply arrives.
    static let watchdogInterval = TimeAmount.milliseconds(100)

    private var core: SessionCore
    private let connectFrame: [UInt8]
    private let decoder = NIOSingleStepByteToMessageProcessor(ZooKeeperFrameDecoder(maxFrame: benchMaxFrame))
    private let handshake: EventLoopPromise<Void>
    private let result: EventLoopPromise<SessionStats>
    private var out = ByteBuffer()
    private var context: ChannelHandlerContext?
    private var watchdog: RepeatedTask?
    private var reported = false

    init(core: SessionCore, connectFrame: [UInt8], handshake: EventLoopPromise<Void>,
         result: EventLoopPromise<SessionStats>) {
        self.core = core
        self.connectFrame = connectFrame
        self.handshake = handshake
        self.result = result
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        out = context.channel.allocator.buffer(capacity: 64 << 10)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        watchdog?.cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        out.writeBytes(connectFrame)
        flushOut(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now().uptimeNanoseconds
        let wasAwaitingHandshake = core.phase == .awaitingHandshake
        do {
            try decoder.process(buffer: unwrapInboundIn(data)) { frame in try core.receive(frame, now: now) }
        } catch {
            fail(error, context: context)
            return
        }
        if wasAwaitingHandshake && core.phase == .ready { handshake.succeed() }
        if core.phase == .finished { finish(context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        pump(context)
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let start = event as? StartRun else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        core.start(start.schedule, now: NIODeadline.now().uptimeNanoseconds)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        watchdog = context.eventLoop.scheduleRepeatedTask(
            initialDelay: Self.watchdogInterval, delay: Self.watchdogInterval
        ) { _ in loopBound.value.watchdogFired() }
        pump(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SessionFailure.connectionClosed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error, context: context)
    }

    private func watchdogFired() {
        guard let context else { return }
        do {
            try core.checkProgress(now: NIODeadline.now().uptimeNanoseconds)
        } catch {
            fail(error, context: context)
            return
        }
        pump(context)
    }

    /// Lets the core send what it can now and flushes it.
    private func pump(_ context: ChannelHandlerContext) {
        guard !reported else { return }
        core.fill(into: &out, now: NIODeadline.now().uptimeNanoseconds)
        flushOut(context)
    }

    private func flushOut(_ context: ChannelHandlerContext) {
        guard out.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        out.clear()  // reuses the storage once the channel has written it, else copies on write
    }

    private func finish(_ context: ChannelHandlerContext) {
        guard !reported else { return }
        reported = true
        watchdog?.cancel()
        result.succeed(core.stats)
        context.close(promise: nil)
    }

    private func fail(_ error: Error, context: ChannelHandlerContext) {
        guard !reported else { return }
        reported = true
        watchdog?.cancel()
        let failure = error as? SessionFailure ?? .network("\(error)")
        handshake.fail(failure)  // no effect once the handshake succeeded
        result.fail(failure)
        context.close(promise: nil)
    }
}
