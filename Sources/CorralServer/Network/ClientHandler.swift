import CorralCore
import Logging
import NIOCore
import ZooKeeperProtocol

/// One client connection: turns frames into core inputs for the driver. Holds no protocol state
/// beyond "has the handshake arrived".
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame

    let driver: ServerDriver
    let limits: JuteLimits
    var id: ConnectionID = 0
    var handshakeDone = false

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
            do throws(JuteError) {
                try handle(frame)
            } catch {
                driver.reject(id, reason: "malformed frame: \(error)")
            }
        }
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

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        driver.reject(id, reason: "\(error)")
    }
}
