import CorralClient
import NIOCore
import NIOPosix
import ZooKeeperProtocol

/// A reply to one `AdminSession` request: the header fields and the undecoded body.
public struct AdminReply: Sendable {
    public var zxid: Int64
    public var err: Int32
    public var body: ByteBuffer

    /// The body decoded as the reply to a request of type `op`. Precondition: `err == 0`.
    public func decode(as op: OpCode) throws(JuteError) -> Response {
        var reader = JuteReader(body, limits: JuteLimits(maxBuffer: benchMaxFrame))
        return try Response(op: op, from: &reader)
    }
}

/// A plain ZooKeeper session for the benchmark's setup and cleanup (and for tests to look at
/// the tree): requests are pipelined and answered in order. Not for the measured load.
public final class AdminSession: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    /// Connects to `server` and completes the handshake; fails after `timeoutMs` without one.
    public static func connect(to server: ServerAddress, group: any EventLoopGroup,
                               timeoutMs: Int) async throws -> AdminSession {
        let loop = group.next()
        let handshake = loop.makePromise(of: Void.self)
        let connectFrame = RequestFrames.connectFrame(timeoutMs: Int32(timeoutMs))
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(timeoutMs)))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ZooKeeperFrameDecoder(maxFrame: benchMaxFrame)))
                    try channel.pipeline.syncOperations.addHandler(
                        AdminHandler(connectFrame: connectFrame, handshake: handshake))
                }
            }
            .connect(host: server.host, port: server.port)
        connected.cascadeFailure(to: handshake)
        let channel = try await connected.get()
        let timeout = loop.scheduleTask(in: .milliseconds(Int64(timeoutMs))) {
            handshake.fail(SessionFailure.noReply(milliseconds: timeoutMs))
        }
        do {
            try await handshake.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            try? await channel.close()  // the handshake error is the one to report
            throw error
        }
        return AdminSession(channel: channel)
    }

    /// Connects on NIO's shared event loop group (for tools and tests).
    public static func connect(to server: ServerAddress, timeoutMs: Int) async throws -> AdminSession {
        try await connect(to: server, group: MultiThreadedEventLoopGroup.singleton, timeoutMs: timeoutMs)
    }

    /// Sends `request`; the future completes with its reply.
    public func submit(_ request: Request) -> EventLoopFuture<AdminReply> {
        let reply = channel.eventLoop.makePromise(of: AdminReply.self)
        let frame = ByteBuffer(bytes: RequestFrames.frame(request, xid: 0))
        channel.writeAndFlush(AdminRequest(frame: frame, reply: reply)).cascadeFailure(to: reply)
        return reply.futureResult
    }

    public func call(_ request: Request) async throws -> AdminReply {
        try await submit(request).get()
    }

    /// Sends all `requests` with at most `window` outstanding; the replies in request order.
    public func callAll(_ requests: [Request], window: Int = 1000) async throws -> [AdminReply] {
        var replies: [AdminReply] = []
        replies.reserveCapacity(requests.count)
        var pending: [EventLoopFuture<AdminReply>] = []
        for request in requests {
            pending.append(submit(request))
            if pending.count >= window {
                replies.append(try await pending.removeFirst().get())
            }
        }
        for future in pending { replies.append(try await future.get()) }
        return replies
    }

    /// Closes the session (closeSession, then the connection). A server that closes the
    /// connection right after (or instead of) answering closeSession is fine.
    public func close() async throws {
        do {
            _ = try await call(.closeSession)
            try await channel.close()
        } catch SessionFailure.connectionClosed {
            return
        } catch ChannelError.alreadyClosed {
            return
        }
    }
}

/// A request frame (xid patched by the handler) and where its reply goes.
struct AdminRequest: Sendable {
    var frame: ByteBuffer
    var reply: EventLoopPromise<AdminReply>
}

/// Numbers requests in write order and completes their promises in reply order.
final class AdminHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = AdminRequest
    typealias OutboundOut = ByteBuffer

    private let connectFrame: [UInt8]
    private let handshake: EventLoopPromise<Void>
    private var handshaken = false
    private var pending = CircularBuffer<(xid: Int32, reply: EventLoopPromise<AdminReply>)>()
    private var nextXid: Int32 = 1

    init(connectFrame: [UInt8], handshake: EventLoopPromise<Void>) {
        self.connectFrame = connectFrame
        self.handshake = handshake
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: connectFrame)), promise: nil)
        context.fireChannelActive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var request = unwrapOutboundIn(data)
        let xid = nextXid
        nextXid = nextXid == .max ? 1 : nextXid + 1
        request.frame.setInteger(xid, at: request.frame.readerIndex + RequestFrames.xidOffset, endianness: .big)
        pending.append((xid, request.reply))
        context.write(wrapOutboundOut(request.frame), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        guard handshaken else {
            handshaken = true
            switch Result(catching: { () throws(JuteError) in try ConnectResponse.decode(frame) }) {
            case .success(let response) where response.timeOut > 0: handshake.succeed()
            case .success: handshake.fail(SessionFailure.sessionRefused)
            case .failure(let error): handshake.fail(SessionFailure.malformedFrame("handshake: \(error)"))
            }
            return
        }
        guard let xid = frame.readInteger(endianness: .big, as: Int32.self),
              let zxid = frame.readInteger(endianness: .big, as: Int64.self),
              let err = frame.readInteger(endianness: .big, as: Int32.self)
        else {
            failAll(SessionFailure.malformedFrame("reply shorter than its header"), context: context)
            return
        }
        if xid == Xid.notification || xid == Xid.ping { return }
        guard let head = pending.first, head.xid == xid else {
            failAll(SessionFailure.unexpectedXid(expected: pending.first?.xid, got: xid), context: context)
            return
        }
        pending.removeFirst()
        head.reply.succeed(AdminReply(zxid: zxid, err: err, body: frame))
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(SessionFailure.connectionClosed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(error as? SessionFailure ?? .network("\(error)"), context: context)
    }

    private func failAll(_ error: SessionFailure, context: ChannelHandlerContext) {
        handshake.fail(error)
        while let head = pending.popFirst() { head.reply.fail(error) }
        context.close(promise: nil)
    }
}
