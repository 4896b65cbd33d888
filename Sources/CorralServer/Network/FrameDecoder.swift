import NIOCore

/// What arrives on a client connection: a four-letter word (only as the very first bytes) or one
/// length-prefixed frame.
enum InboundFrame {
    case fourLetterWord(FourLetterWordRequest)
    case frame(ByteBuffer)
}

/// A four-letter word and the 8-byte argument that follows `stmk` (0 for every other word).
struct FourLetterWordRequest: Sendable, Equatable {
    let word: FourLetterWord
    let argument: Int64
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
    private var sawFirstFrame = false

    init(maxFrame: Int) {
        self.maxFrame = maxFrame
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return .needMoreData
        }
        // Like Apache, a first length that is the code of a known command (whitelisted or not, and
        // telnet's close bytes, which are no UTF-8) is that command.
        if !sawFirstFrame, let word = FourLetterWord(code: length) {
            guard buffer.readableBytes >= 4 + word.argumentLength else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: 4)
            let argument = word.argumentLength == 8 ? buffer.readInteger(endianness: .big, as: Int64.self) ?? 0 : 0
            sawFirstFrame = true
            context.fireChannelRead(wrapInboundOut(.fourLetterWord(FourLetterWordRequest(word: word, argument: argument))))
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
