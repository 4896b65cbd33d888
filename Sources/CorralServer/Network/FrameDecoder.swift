import NIOCore

/// What arrives on a client connection: a four-letter word (only as the very first bytes) or one
/// length-prefixed frame.
enum InboundFrame {
    case fourLetterWord(String)
    case frame(ByteBuffer)
}

/// Why a connection is closed while decoding.
struct FrameError: Error, CustomStringConvertible {
    let description: String
}

/// Splits the byte stream into 4-byte-length-prefixed frames. Single-step: the reader index moves
/// only once a whole frame is present. A length outside [0, maxFrame] is an error before anything
/// is buffered for it.
struct ZooKeeperFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = InboundFrame

    let maxFrame: Int
    let isFourLetterWord: (String) -> Bool
    private var sawFirstFrame = false

    init(maxFrame: Int, isFourLetterWord: @escaping (String) -> Bool) {
        self.maxFrame = maxFrame
        self.isFourLetterWord = isFourLetterWord
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return .needMoreData
        }
        if !sawFirstFrame, let word = buffer.getString(at: buffer.readerIndex, length: 4), isFourLetterWord(word) {
            buffer.moveReaderIndex(forwardBy: 4)
            sawFirstFrame = true
            context.fireChannelRead(wrapInboundOut(.fourLetterWord(word)))
            return .continue
        }
        guard length > 0, Int(length) <= maxFrame else {
            throw FrameError(description: "frame length \(length) outside [1, \(maxFrame)] (jute.maxbuffer)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!
        sawFirstFrame = true
        context.fireChannelRead(wrapInboundOut(.frame(frame)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
