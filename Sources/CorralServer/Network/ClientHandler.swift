import CorralCore
import Logging
import NIOCore
import ZooKeeperProtocol

/// Tells a paused connection's handler that it may dispatch the frames it holds.
struct ResumeReading {}

/// One client connection: turns frames into core inputs for the driver. Holds no protocol state
/// beyond "has the handshake arrived". While the driver has reading paused (too many outstanding
/// requests, or replies the client does not read), frames already decoded are held here, not
/// dispatched, so replies in flight stay bounded; at most one read's worth of frames is held.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame

    let driver: ServerDriver
    let limits: JuteLimits
    var id: ConnectionID = 0
    var handshakeDone = false
    var held: [ByteBuffer] = []
    var heldHead = 0

    init(driver: ServerDriver, limits: JuteLimits) {
        self.driver = driver
        self.limits = limits
    }

    func channelActive(context: ChannelHandlerContext) {
        id = driver.open(channel: context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.closed(id)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .fourLetterWord(let word):
            driver.fourLetterWord(word, on: id)
        case .frame(let frame):
            if heldHead < held.count || driver.isReadingPaused(id) {
                held.append(frame)
            } else {
                dispatch(frame)
                driver.flushIfBacklogged(id)
            }
        }
    }

    func dispatch(_ frame: ByteBuffer) {
        do throws(JuteError) {
            try handle(frame)
        } catch {
            driver.reject(id, reason: "malformed frame: \(error)")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ResumeReading else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        while heldHead < held.count && !driver.isReadingPaused(id) {
            heldHead += 1
            dispatch(held[heldHead - 1])
            driver.flushIfBacklogged(id)
        }
        if heldHead == held.count {
            held.removeAll(keepingCapacity: false)
            heldHead = 0
        }
        driver.flush()
    }

    func handle(_ frame: ByteBuffer) throws(JuteError) {
        var reader = JuteReader(frame, limits: limits)
        guard handshakeDone else {
            let connect = try ConnectRequest(from: &reader)
            handshakeDone = true
            driver.connect(id, connect)
            return
        }
        let header = try RequestHeader(from: &reader)
        guard let op = OpCode(rawValue: header.type), Self.clientOpcodes.contains(op) else {
            driver.unknownOpcode(id, xid: header.xid, type: header.type)
            return
        }
        let request: Request
        do throws(JuteError) {
            request = try Request(op: op, from: &reader)
        } catch {
            // Apache answers a body it cannot read with MarshallingError and keeps the connection,
            // except for auth packets, which close it.
            guard op != .auth else { throw error }
            driver.malformed(id, xid: header.xid, op: op, reason: error)
            return
        }
        driver.request(id, xid: header.xid, request)
    }

    /// Opcodes a client may send after the handshake.
    static let clientOpcodes: Set<OpCode> = Set(OpCode.allCases).subtracting([.notification, .createSession, .error])

    func channelReadComplete(context: ChannelHandlerContext) {
        driver.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        driver.writabilityChanged(id, writable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        driver.reject(id, reason: "\(error)")
    }
}
