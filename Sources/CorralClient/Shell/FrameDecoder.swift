import NIOCore

/// Why a server's byte stream was refused.
public struct FrameError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Splits a server's byte stream into 4-byte-length-prefixed frames (the prefix removed).
/// Single-step: the reader index moves only once a whole frame is there; a length outside
/// [1, maxFrame] is an error before anything is buffered for it.
public struct ZooKeeperFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maxFrame: Int

    /// `maxFrame` should exceed jute.maxbuffer by the reply header (Apache's client allows
    /// jute.maxbuffer + a small slack).
    public init(maxFrame: Int) {
        self.maxFrame = maxFrame
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return .needMoreData
        }
        guard length > 0, Int(length) <= maxFrame else {
            throw FrameError(description: "Packet len \(length) is out of range!")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!  // length checked just above
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
