import Foundation
import NIOCore
@testable import ZooKeeperProtocol

/// One frame body (without its 4-byte length prefix) recorded between a real client and Apache
/// ZooKeeper 3.8 by `Capture/capture.py`.
struct GoldenFrame: Sendable, CustomStringConvertible {
    enum Direction: Sendable { case toServer, toClient }

    let file: String
    let line: Int
    let connection: String
    let direction: Direction
    let label: String
    let bytes: [UInt8]

    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }
    var description: String {
        "\(file).txt:\(line) \(connection) \(direction == .toServer ? ">" : "<") \(label)"
    }
}

/// The frames of one TCP connection, in the order the proxy saw them.
struct GoldenConnection: Sendable {
    let file: String
    let id: String
    let frames: [GoldenFrame]
}

enum Golden {
    /// Fixture files whose every frame must decode and re-encode byte for byte.
    static let files = ["java-cli", "java-api", "c-cli", "kazoo", "raw"]
    /// Requests Apache itself rejects; the codec must reject them too.
    static let invalidFile = "raw-invalid"

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("Golden")

    static func frames(_ file: String) throws -> [GoldenFrame] {
        let url = directory.appendingPathComponent("\(file).txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [GoldenFrame] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 4, parts[1] == ">" || parts[1] == "<", let bytes = hex(parts[3]) else {
                throw FixtureError.malformed(file: file, line: index + 1)
            }
            out.append(GoldenFrame(file: file, line: index + 1, connection: String(parts[0]),
                                   direction: parts[1] == ">" ? .toServer : .toClient,
                                   label: String(parts[2]), bytes: bytes))
        }
        return out
    }

    static func connections(_ file: String) throws -> [GoldenConnection] {
        var order: [String] = []
        var byID: [String: [GoldenFrame]] = [:]
        for f in try frames(file) {
            if byID[f.connection] == nil { order.append(f.connection) }
            byID[f.connection, default: []].append(f)
        }
        return order.map { GoldenConnection(file: file, id: $0, frames: byID[$0]!) }
    }

    static func allConnections() throws -> [GoldenConnection] {
        try files.flatMap { try connections($0) }
    }

    static func hex<S: StringProtocol>(_ s: S) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    enum FixtureError: Error { case malformed(file: String, line: Int) }
}

/// A golden frame decoded with the codec under test.
enum DecodedFrame: Sendable {
    case connectRequest(ConnectRequest)
    case connectResponse(ConnectResponse)
    case request(RequestHeader, Request)
    /// A reply to the request with the same xid; `body` is nil when `header.err != 0` (no body).
    case reply(ReplyHeader, op: OpCode, body: Response?)
    case notification(ReplyHeader, WatcherEvent)

    func encoded() -> [UInt8] {
        var b = ByteBufferAllocator().buffer(capacity: 128)
        switch self {
        case .connectRequest(let c): c.encode(into: &b)
        case .connectResponse(let c): c.encode(into: &b)
        case .request(let h, let r): h.encode(into: &b); r.encode(into: &b)
        case .reply(let h, _, let body): h.encode(into: &b); body?.encode(into: &b)
        case .notification(let h, let e): h.encode(into: &b); e.encode(into: &b)
        }
        return Array(b.readableBytesView)
    }
}

/// Why a golden frame could not be decoded (wraps the codec's error with the frame that caused it).
struct FrameDecodeError: Error, CustomStringConvertible {
    let frame: String
    let reason: String
    var description: String { "\(frame): \(reason)" }
}

/// Decodes the frames of one connection the way a server (requests) and a client (replies) would:
/// the first frame of each direction is the handshake, replies are matched to requests by xid.
struct ConnectionDecoder {
    private var sawConnectRequest = false
    private var sawConnectResponse = false
    private var opsByXid: [Int32: OpCode] = [:]
    let limits: JuteLimits

    init(limits: JuteLimits = .default) { self.limits = limits }

    /// The op a reply with this xid answers (after the request was seen).
    func op(forXid xid: Int32) -> OpCode? { opsByXid[xid] }

    mutating func decode(_ frame: GoldenFrame) throws -> DecodedFrame {
        do {
            return try decode(frame.bytes, direction: frame.direction)
        } catch let e as JuteError {
            throw FrameDecodeError(frame: frame.description, reason: e.description)
        } catch let e as FrameDecodeError {
            throw FrameDecodeError(frame: frame.description, reason: e.reason)
        }
    }

    mutating func decode(_ bytes: [UInt8], direction: GoldenFrame.Direction) throws -> DecodedFrame {
        var r = JuteReader(ByteBuffer(bytes: bytes), limits: limits)
        let decoded: DecodedFrame
        switch direction {
        case .toServer where !sawConnectRequest:
            sawConnectRequest = true
            decoded = .connectRequest(try ConnectRequest(from: &r))
        case .toClient where !sawConnectResponse:
            sawConnectResponse = true
            decoded = .connectResponse(try ConnectResponse(from: &r))
        case .toServer:
            let h = try RequestHeader(from: &r)
            guard let op = OpCode(rawValue: h.type) else {
                throw JuteError.badValue(field: "RequestHeader.type", value: Int64(h.type))
            }
            let req = try Request(op: op, from: &r)
            opsByXid[h.xid] = op
            decoded = .request(h, req)
        case .toClient:
            let h = try ReplyHeader(from: &r)
            if h.xid == Xid.notification {
                decoded = .notification(h, try WatcherEvent(from: &r))
            } else {
                guard let op = opsByXid[h.xid] else {
                    throw FrameDecodeError(frame: "reply", reason: "no request with xid \(h.xid)")
                }
                decoded = .reply(h, op: op, body: h.err == 0 ? try Response(op: op, from: &r) : nil)
            }
        }
        guard r.isAtEnd else {
            throw FrameDecodeError(frame: "frame", reason: "\(r.buffer.readableBytes) bytes left after decoding")
        }
        return decoded
    }
}

extension GoldenConnection {
    /// Every frame with its decoding; throws at the first frame the codec cannot decode.
    func decoded() throws -> [(frame: GoldenFrame, decoded: DecodedFrame)] {
        var decoder = ConnectionDecoder()
        return try frames.map { ($0, try decoder.decode($0)) }
    }
}

/// Requests paired with their replies (by xid, in order) across a connection.
struct Exchange: Sendable {
    let request: RequestHeader
    let body: Request
    let requestFrame: GoldenFrame
    let reply: ReplyHeader
    let response: Response?
    let replyFrame: GoldenFrame
}

extension GoldenConnection {
    func exchanges() throws -> [Exchange] {
        var pending: [Int32: (RequestHeader, Request, GoldenFrame)] = [:]
        var out: [Exchange] = []
        for (frame, d) in try decoded() {
            switch d {
            case .request(let h, let r): pending[h.xid] = (h, r, frame)
            case .reply(let h, _, let body):
                if let (rh, r, rf) = pending.removeValue(forKey: h.xid) {
                    out.append(Exchange(request: rh, body: r, requestFrame: rf, reply: h, response: body, replyFrame: frame))
                }
            default: break
            }
        }
        return out
    }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
