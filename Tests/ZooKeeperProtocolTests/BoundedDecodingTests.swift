import NIOCore
import Testing
@testable import ZooKeeperProtocol

/// Hostile input: every length is checked before anything is allocated, and every failure is a
/// `JuteError` — never a crash, never a huge allocation.
@Suite("Bounded decoding")
struct BoundedDecodingTests {
    // MARK: helpers

    static func i32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func i64(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func str(_ s: String) -> [UInt8] { i32(Int32(s.utf8.count)) + Array(s.utf8) }

    static func reader(_ bytes: [UInt8], limits: JuteLimits = .default) -> JuteReader {
        JuteReader(ByteBuffer(bytes: bytes), limits: limits)
    }

    /// Runs `body` and checks that it throws `.badLength` carrying `length`.
    static func expectBadLength(_ length: Int32, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                                _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("\(what): decoded a length of \(length)", sourceLocation: sourceLocation)
        } catch {
            guard case .badLength(_, let got)? = error as? JuteError, got == length else {
                Issue.record("\(what): expected badLength(\(length)), got \(error)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    // MARK: lengths

    @Test("negative lengths other than -1 are rejected everywhere",
          arguments: [Int32(-2), -3, -17, -65536, Int32.min])
    func negativeLengths(n: Int32) {
        let tail = [UInt8](repeating: 0x41, count: 64)
        let bytes = Self.i32(n) + tail
        Self.expectBadLength(n, "bytes") { var r = Self.reader(bytes); _ = try r.bytes("b") }
        Self.expectBadLength(n, "optionalString") { var r = Self.reader(bytes); _ = try r.optionalString("s") }
        Self.expectBadLength(n, "string") { var r = Self.reader(bytes); _ = try r.string("s") }
        Self.expectBadLength(n, "stringVector") { var r = Self.reader(bytes); _ = try r.stringVector("v") }
        Self.expectBadLength(n, "aclVector") { var r = Self.reader(bytes); _ = try r.aclVector("a") }
        // ... and inside records.
        Self.expectBadLength(n, "create path") { var r = Self.reader(bytes); _ = try Request(op: .create, from: &r) }
        Self.expectBadLength(n, "create data") {
            var r = Self.reader(Self.str("/a") + bytes); _ = try Request(op: .create, from: &r)
        }
        Self.expectBadLength(n, "create acl") {
            var r = Self.reader(Self.str("/a") + Self.i32(-1) + bytes); _ = try Request(op: .create, from: &r)
        }
        Self.expectBadLength(n, "setData data") {
            var r = Self.reader(Self.str("/a") + bytes); _ = try Request(op: .setData, from: &r)
        }
        Self.expectBadLength(n, "getData response data") { var r = Self.reader(bytes); _ = try Response(op: .getData, from: &r) }
        Self.expectBadLength(n, "getChildren response") { var r = Self.reader(bytes); _ = try Response(op: .getChildren, from: &r) }
        Self.expectBadLength(n, "whoAmI response") { var r = Self.reader(bytes); _ = try Response(op: .whoAmI, from: &r) }
        Self.expectBadLength(n, "connect passwd") {
            var r = Self.reader(Self.i32(0) + Self.i64(0) + Self.i32(4000) + Self.i64(0) + bytes)
            _ = try ConnectRequest(from: &r)
        }
        Self.expectBadLength(n, "setWatches2 list") {
            var r = Self.reader(Self.i64(0) + Self.i32(0) + Self.i32(0) + Self.i32(0) + bytes)
            _ = try Request(op: .setWatches2, from: &r)
        }
    }

    @Test("-1 is null: nil buffer, nil or empty string, empty vector")
    func minusOneIsNull() throws {
        let m1 = Self.i32(-1)
        var r = Self.reader(m1 + m1 + m1 + m1 + m1)
        #expect(try r.bytes("b") == nil)
        #expect(try r.optionalString("s") == nil)
        #expect(try r.string("s") == "")
        #expect(try r.stringVector("v") == [])
        #expect(try r.aclVector("a") == [])
        #expect(r.isAtEnd)
    }

    @Test("a length larger than the bytes that remain is rejected before reading")
    func lengthBeyondRemaining() throws {
        let nine = [UInt8](repeating: 0x61, count: 9)
        Self.expectBadLength(10, "string") { var r = Self.reader(Self.i32(10) + nine); _ = try r.string("s") }
        Self.expectBadLength(10, "bytes") { var r = Self.reader(Self.i32(10) + nine); _ = try r.bytes("b") }
        // Vectors account for the minimum size of each element: 4 per string, 12 per ACL, 8 per ClientInfo.
        Self.expectBadLength(3, "stringVector") { var r = Self.reader(Self.i32(3) + [UInt8](repeating: 0, count: 11)); _ = try r.stringVector("v") }
        Self.expectBadLength(2, "aclVector") { var r = Self.reader(Self.i32(2) + [UInt8](repeating: 0, count: 23)); _ = try r.aclVector("a") }
        Self.expectBadLength(2, "whoAmI") {
            var r = Self.reader(Self.i32(2) + [UInt8](repeating: 0, count: 15)); _ = try Response(op: .whoAmI, from: &r)
        }
        // Exactly enough is fine.
        var r = Self.reader(Self.i32(3) + [UInt8](repeating: 0, count: 12))
        #expect(try r.stringVector("v") == ["", "", ""])
    }

    @Test("a length larger than JuteLimits.maxBuffer is rejected even when the bytes are there")
    func lengthBeyondMaxBuffer() throws {
        let small = JuteLimits(maxBuffer: 8)
        let nine = [UInt8](repeating: 0x61, count: 9)
        Self.expectBadLength(9, "string") { var r = Self.reader(Self.i32(9) + nine, limits: small); _ = try r.string("s") }
        Self.expectBadLength(9, "bytes") { var r = Self.reader(Self.i32(9) + nine, limits: small); _ = try r.bytes("b") }
        Self.expectBadLength(9, "vector") {
            var r = Self.reader(Self.i32(9) + [UInt8](repeating: 0, count: 36), limits: small); _ = try r.stringVector("v")
        }
        var ok = Self.reader(Self.i32(8) + nine, limits: small)
        #expect(try ok.string("s") == "aaaaaaaa")
        // The default limit is Apache's jute.maxbuffer default, 0xfffff.
        #expect(JuteLimits.default.maxBuffer == 0xfffff)
        let big = [UInt8](repeating: 0x62, count: 0x100000)
        Self.expectBadLength(0x100000, "default limit") { var r = Self.reader(Self.i32(0x100000) + big); _ = try r.bytes("b") }
        var atLimit = Self.reader(Self.i32(0xfffff) + big)
        #expect(try atLimit.bytes("b")?.count == 0xfffff)
    }

    @Test("vector counts that would overflow or exhaust memory are rejected without allocating",
          arguments: [Int32.max, 0x4000_0000, 0x2000_0000, 0x1555_5556, 0x0010_0000])
    func hugeVectorCounts(count: Int32) {
        let unlimited = JuteLimits(maxBuffer: .max)
        let bytes = Self.i32(count) + [UInt8](repeating: 0, count: 64)
        for limits in [JuteLimits.default, unlimited] {
            Self.expectBadLength(count, "strings") { var r = Self.reader(bytes, limits: limits); _ = try r.stringVector("v") }
            Self.expectBadLength(count, "acls") { var r = Self.reader(bytes, limits: limits); _ = try r.aclVector("a") }
            Self.expectBadLength(count, "whoAmI") { var r = Self.reader(bytes, limits: limits); _ = try Response(op: .whoAmI, from: &r) }
            Self.expectBadLength(count, "getACL") { var r = Self.reader(bytes, limits: limits); _ = try Response(op: .getACL, from: &r) }
            Self.expectBadLength(count, "setACL") {
                var r = Self.reader(Self.str("/a") + bytes, limits: limits); _ = try Request(op: .setACL, from: &r)
            }
            Self.expectBadLength(count, "setWatches") {
                var r = Self.reader(Self.i64(0) + bytes, limits: limits); _ = try Request(op: .setWatches, from: &r)
            }
            Self.expectBadLength(count, "string") { var r = Self.reader(bytes, limits: limits); _ = try r.string("s") }
            Self.expectBadLength(count, "getChildren2") {
                var r = Self.reader(bytes, limits: limits); _ = try Response(op: .getChildren2, from: &r)
            }
        }
    }

    // MARK: multi

    static func checkOp(_ path: String) -> [UInt8] {
        Self.i32(OpCode.check.rawValue) + [0] + Self.i32(-1) + Self.str(path) + Self.i32(3)
    }
    static let multiEnd = i32(-1) + [1] + i32(-1)

    @Test("the number of ops in a multi is bounded by the limits")
    func multiOpCount() throws {
        let limits = JuteLimits(maxBuffer: 64)       // at most 64 / 8 = 8 ops
        let eight = (0..<8).flatMap { _ in Self.checkOp("/a") } + Self.multiEnd
        var r = Self.reader(eight, limits: limits)
        guard case .multi(let ops) = try Request(op: .multi, from: &r) else { Issue.record("not a multi"); return }
        #expect(ops.count == 8)
        let nine = (0..<9).flatMap { _ in Self.checkOp("/a") } + Self.multiEnd
        #expect(throws: JuteError.self) { var r = Self.reader(nine, limits: limits); _ = try Request(op: .multi, from: &r) }
    }

    @Test("multi: unknown op types, missing terminator, unknown error codes")
    func multiBadValues() {
        // An op type that is not allowed in a multi.
        let badType = Self.i32(OpCode.sync.rawValue) + [0] + Self.i32(-1) + Self.str("/a") + Self.multiEnd
        #expect(throws: JuteError.badValue(field: "MultiHeader.type", value: 9)) {
            var r = Self.reader(badType); _ = try Request(op: .multi, from: &r)
        }
        // No terminator: runs out of bytes.
        #expect(throws: JuteError.self) { var r = Self.reader(Self.checkOp("/a")); _ = try Request(op: .multi, from: &r) }
        // Reads and writes do not mix (Apache: "Mixing different kind of ops", MARSHALLINGERROR).
        let getData = Self.i32(OpCode.getData.rawValue) + [0] + Self.i32(-1) + Self.str("/a") + [0]
        #expect(throws: JuteError.self) { var r = Self.reader(getData + Self.multiEnd); _ = try Request(op: .multi, from: &r) }
        #expect(throws: JuteError.self) { var r = Self.reader(Self.checkOp("/a") + Self.multiEnd); _ = try Request(op: .multiRead, from: &r) }
        // A response with an unknown result type or error code.
        let unknownType = Self.i32(77) + [0] + Self.i32(0) + Self.multiEnd
        #expect(throws: JuteError.self) { var r = Self.reader(unknownType); _ = try Response(op: .multi, from: &r) }
        let unknownCode = Self.i32(-1) + [0] + Self.i32(-999) + Self.i32(-999) + Self.multiEnd
        #expect(throws: JuteError.badValue(field: "ErrorResponse.err", value: -999)) {
            var r = Self.reader(unknownCode); _ = try Response(op: .multi, from: &r)
        }
    }

    @Test("opcodes that are not client requests are rejected")
    func nonRequestOpcodes() {
        for op in [OpCode.notification, .createSession, .error] {
            #expect(throws: JuteError.badValue(field: "RequestHeader.type", value: Int64(op.rawValue))) {
                var r = Self.reader([UInt8](repeating: 0, count: 64)); _ = try Request(op: op, from: &r)
            }
        }
    }

    // MARK: golden frames, damaged

    /// Every golden frame with the decoder state that precedes it (so replies know their op).
    static func framesWithState() throws -> [(GoldenFrame, ConnectionDecoder)] {
        var out: [(GoldenFrame, ConnectionDecoder)] = []
        for conn in try Golden.allConnections() {
            var decoder = ConnectionDecoder()
            for frame in conn.frames {
                out.append((frame, decoder))
                _ = try decoder.decode(frame)
            }
        }
        return out
    }

    /// Decodes `bytes` as `frame` would be; returns nil when it decoded, the error otherwise.
    static func attempt(_ bytes: [UInt8], like frame: GoldenFrame, state: ConnectionDecoder) -> (any Error)? {
        var d = state
        do { _ = try d.decode(bytes, direction: frame.direction); return nil } catch { return error }
    }

    @Test("every golden frame truncated at every byte offset throws a JuteError")
    func truncatedAtEveryOffset() throws {
        var checked = 0
        for (frame, state) in try Self.framesWithState() {
            for n in 0..<frame.bytes.count {
                let prefix = Array(frame.bytes.prefix(n))
                let error = Self.attempt(prefix, like: frame, state: state)
                if frame.label == "connect" && n == frame.bytes.count - 1 && (frame.bytes.count == 45 || frame.bytes.count == 37) {
                    // Dropping the readOnly byte leaves a valid old-style handshake.
                    #expect(error == nil, "\(frame) truncated to \(n)")
                    continue
                }
                #expect(error is JuteError, "\(frame) truncated to \(n): \(String(describing: error))")
                checked += 1
            }
        }
        #expect(checked > 10_000)
    }

    @Test("hostile length values written over every offset of every golden frame never crash")
    func hostileLengthsEverywhere() throws {
        let hostile: [Int32] = [Int32.max, Int32.min, -2, 0x0010_0000, 0x0fff_ffff, 0x7fff_fff0]
        var rejected = 0, total = 0
        for (frame, state) in try Self.framesWithState() where frame.bytes.count >= 4 {
            for offset in 0...(frame.bytes.count - 4) {
                for v in hostile {
                    var bytes = frame.bytes
                    bytes.replaceSubrange(offset..<offset + 4, with: Self.i32(v))
                    total += 1
                    if let error = Self.attempt(bytes, like: frame, state: state) {
                        #expect(error is JuteError || error is FrameDecodeError, "\(frame) @\(offset)=\(v): \(error)")
                        rejected += 1
                    }
                }
            }
        }
        #expect(total > 100_000)
        #expect(rejected > 0)
    }

    @Test("random corruption of golden frames and random garbage never crash")
    func randomCorruption() throws {
        var rng = SplitMix64(seed: 0xC0_22A1)
        var decodedCount = 0
        for (frame, state) in try Self.framesWithState() {
            for _ in 0..<25 {
                var bytes = frame.bytes
                switch rng.next() % 4 {
                case 0: // flip a few bytes
                    for _ in 0..<(1 + rng.next() % 3) where !bytes.isEmpty {
                        bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                    }
                case 1: // truncate and append garbage
                    bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
                    bytes += (0..<(rng.next() % 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                case 2: // all 0xff from a random offset (-1 lengths, true booleans, -1 op types)
                    let from = Int(rng.next() % UInt64(bytes.count + 1))
                    for i in from..<bytes.count { bytes[i] = 0xff }
                default: // pure garbage of the same length
                    bytes = bytes.map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
                if let error = Self.attempt(bytes, like: frame, state: state) {
                    #expect(error is JuteError || error is FrameDecodeError, "\(frame): \(error)")
                } else {
                    decodedCount += 1
                }
            }
        }
        // Garbage decoded as each response op directly.
        for op in OpCode.allCases {
            for _ in 0..<200 {
                let bytes = (0..<(rng.next() % 120)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 3 == 0 ? 0xff : rng.next() % 4) }
                var r = Self.reader(bytes)
                _ = try? Response(op: op, from: &r)
                var q = Self.reader(bytes)
                _ = try? Request(op: op, from: &q)
            }
        }
        #expect(decodedCount > 0)
    }
}

/// A small deterministic PRNG for reproducible corruption.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
