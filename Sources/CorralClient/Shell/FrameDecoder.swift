import NIOCore

/// Why a server's byte stream was refused.
public struct FrameError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
}

/// Splits a server's byte stream into 4-byte-length-prefixed frames (the prefix removed; each
/// frame is a slice of the received bytes, no copy). Single-step: the reader index moves only once
/// a whole frame is there; a length outside [0, maxFrame] is an error before anything is buffered
/// for it. Usable as a `ByteToMessageHandler` or inside a `NIOSingleStepByteToMessageProcessor`.
public struct ZooKeeperFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maxFrame: Int

    /// `maxFrame` should exceed jute.maxbuffer by the reply header.
    public init(maxFrame: Int) {
        self.maxFrame = maxFrame
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return nil
        }
        guard length >= 0, Int(length) <= maxFrame else {
            throw FrameError(description: "Packet len \(length) is out of range!")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
