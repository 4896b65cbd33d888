import CorralCore
@testable import CorralStorage
import NIOCore
import Testing
import ZooKeeperProtocol

@Suite struct TxnCodecTests {
    @Test func everyBodyRoundTripsWithAndWithoutDigest() throws {
        for digests in [false, true] {
            for logged in Samples.txns(digests: digests) {
                let bytes = try TxnCodec.encoded(logged)
                let decoded = try TxnCodec.decode(bytes)
                #expect(decoded == logged, "\(logged.txn.header.type)")
                #expect(try TxnCodec.encoded(decoded) == bytes)
            }
        }
    }

    @Test func headerLayoutAndSizes() throws {
        let header = TxnHeader(clientId: 0x0102_0304_0506_0708, cxid: 0x0a0b_0c0d, zxid: 0x1112_1314_1516_1718,
                               time: 0x2122_2324_2526_2728, type: .createSession)
        let plain = try TxnCodec.encoded(Txn(header: header, body: .createSession(timeout: 10000)))
        #expect(Array(plain.readableBytesView) == [1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d,
                                                   0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
                                                   0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
                                                   0xff, 0xff, 0xff, 0xf6, 0, 0, 0x27, 0x10])
        let withDigest = try TxnCodec.encoded(Txn(header: header, body: .createSession(timeout: 10000)),
                                              digest: TxnDigest(treeDigest: 0x51c6_d660))
        #expect(withDigest.readableBytes == 48)
        #expect(Array(withDigest.readableBytesView.suffix(12)) == [0, 0, 0, 2, 0, 0, 0, 0, 0x51, 0xc6, 0xd6, 0x60])
    }

    @Test func multiSubTxnsAreTypeAndLengthPrefixedBuffers() throws {
        let header = TxnHeader(clientId: 1, cxid: 1, zxid: 1, time: 0, type: .multi)
        let body = TxnBody.multi([SubTxn(type: .delete, body: .delete(path: "/x")),
                                  SubTxn(type: .error, body: .error(.runtimeInconsistency))])
        var b = try TxnCodec.encoded(Txn(header: header, body: body))
        b.moveReaderIndex(forwardBy: TxnCodec.headerSize)
        #expect(Array(b.readableBytesView) == [0, 0, 0, 2,
                                               0, 0, 0, 2, 0, 0, 0, 6, 0, 0, 0, 2, 0x2f, 0x78,
                                               0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe])
    }

    @Test func legacyCloseSessionWithoutBody() throws {
        let header = TxnHeader(clientId: 5, cxid: 2, zxid: 9, time: 3, type: .closeSession)
        for digest in [nil, TxnDigest(treeDigest: 77)] {
            var bytes = ByteBuffer()
            TxnCodec.encodeHeader(header, into: &bytes)
            digest?.encode(into: &bytes)
            let decoded = try TxnCodec.decode(bytes)
            #expect(decoded.txn.body == .closeSession(ephemerals: []))
            #expect(decoded.layout == .closeSessionWithoutBody)
            #expect(decoded.digest == digest)
            #expect(try TxnCodec.encoded(decoded) == bytes)
        }
        // The current layout with an empty path list is 4 bytes longer.
        let current = try TxnCodec.encoded(Txn(header: header, body: .closeSession(ephemerals: [])))
        #expect(current.readableBytes == TxnCodec.headerSize + 4)
        #expect(try TxnCodec.decode(current).layout == .current)
    }

    @Test func legacyCreateV0() throws {
        let header = TxnHeader(clientId: 5, cxid: 2, zxid: 9, time: 3, type: .create)
        var bytes = ByteBuffer()
        TxnCodec.encodeHeader(header, into: &bytes)
        bytes.writeJuteString("/old"); bytes.writeJuteBytes([1]); bytes.writeJuteVector(Ids.openACLUnsafe); bytes.writeJuteBool(true)
        let decoded = try TxnCodec.decode(bytes)
        #expect(decoded.layout == .createV0)
        #expect(decoded.txn.body == .create(path: "/old", data: [1], acl: Ids.openACLUnsafe, ephemeral: true, parentCVersion: -1))
        #expect(try TxnCodec.encoded(decoded) == bytes)
    }

    @Test func encodingRefusesWhatCannotBeReadBack() {
        func attempt(_ type: OpCode, _ body: TxnBody, layout: LoggedTxn.Layout = .current) -> TxnCodecError? {
            let txn = Txn(header: TxnHeader(clientId: 1, cxid: 1, zxid: 1, time: 1, type: type), body: body)
            do { _ = try TxnCodec.encoded(LoggedTxn(txn, layout: layout)); return nil } catch { return error }
        }
        #expect(attempt(.create, .delete(path: "/a")) == .bodyMismatch(type: .create, body: "delete"))
        #expect(attempt(.setData, .createSession(timeout: 1)) == .bodyMismatch(type: .setData, body: "createSession"))
        #expect(attempt(.ping, .delete(path: "/a")) == .unsupportedType(OpCode.ping.rawValue, inMulti: false))
        #expect(attempt(.multi, .multi([SubTxn(type: .createSession, body: .createSession(timeout: 1))]))
                == .unsupportedType(OpCode.createSession.rawValue, inMulti: true))
        #expect(attempt(.multi, .multi([SubTxn(type: .multi, body: .multi([]))])) == .unsupportedType(OpCode.multi.rawValue, inMulti: true))
        #expect(attempt(.multi, .multi([SubTxn(type: .setData, body: .delete(path: "/x"))])) == .bodyMismatch(type: .setData, body: "delete"))
        #expect(attempt(.closeSession, .closeSession(ephemerals: ["/e"]), layout: .closeSessionWithoutBody) != nil)
        #expect(attempt(.create2, .create(path: "/a", data: nil, acl: [], ephemeral: false, parentCVersion: -1), layout: .createV0) != nil)
        #expect(attempt(.create, .create(path: "/a", data: nil, acl: [], ephemeral: false, parentCVersion: -1), layout: .createV0) == nil)
    }

    @Test func decodingRejectsBadInputPrecisely() throws {
        let ok = try TxnCodec.encoded(Samples.txns(digests: true)[0])
        // Unknown header type.
        var unknown = ok
        unknown.setInteger(Int32(999), at: 28, endianness: .big)
        #expect(throws: TxnCodecError.unsupportedType(999, inMulti: false)) { try TxnCodec.decode(unknown) }
        // A type that is never logged.
        var ping = ok
        ping.setInteger(OpCode.getData.rawValue, at: 28, endianness: .big)
        #expect(throws: TxnCodecError.unsupportedType(OpCode.getData.rawValue, inMulti: false)) { try TxnCodec.decode(ping) }
        // Extra bytes after the digest, and bytes too few to be a digest.
        for extra in [1, 5, 11, 12, 13] {
            var long = ok
            long.writeBytes([UInt8](repeating: 0, count: extra))
            #expect(throws: TxnCodecError.trailingBytes(extra)) { try TxnCodec.decode(long) }
        }
        for extra in [1, 11] {
            var short = try TxnCodec.encoded(Samples.txns(digests: false)[0])
            short.writeBytes([UInt8](repeating: 0, count: extra))
            #expect(throws: TxnCodecError.trailingBytes(extra)) { try TxnCodec.decode(short) }
        }
        // An ErrorTxn with an unknown code.
        var error = ByteBuffer()
        TxnCodec.encodeHeader(TxnHeader(clientId: 1, cxid: 1, zxid: 1, time: 1, type: .error), into: &error)
        error.writeJuteInt(-12345)
        #expect(throws: TxnCodecError.malformed(.badValue(field: "ErrorTxn.err", value: -12345))) { try TxnCodec.decode(error) }
        // A sub-txn that may not appear in a multi.
        var multi = ByteBuffer()
        TxnCodec.encodeHeader(TxnHeader(clientId: 1, cxid: 1, zxid: 1, time: 1, type: .multi), into: &multi)
        multi.writeJuteInt(1); multi.writeJuteInt(OpCode.closeSession.rawValue); multi.writeJuteBytes([0, 0, 0, 0])
        #expect(throws: TxnCodecError.unsupportedType(OpCode.closeSession.rawValue, inMulti: true)) { try TxnCodec.decode(multi) }
        // A multi count larger than the bytes present.
        var huge = ByteBuffer()
        TxnCodec.encodeHeader(TxnHeader(clientId: 1, cxid: 1, zxid: 1, time: 1, type: .multi), into: &huge)
        huge.writeJuteInt(Int32.max)
        #expect(throws: TxnCodecError.malformed(.badLength(field: "MultiTxn.txns", length: Int32.max))) { try TxnCodec.decode(huge) }
    }

    /// Every prefix and every single-byte change of every sample decodes or throws; none traps.
    @Test func truncationsAndMutationsNeverTrap() throws {
        var rng = SplitMix64(seed: 42)
        for logged in Samples.txns(digests: true) {
            let bytes = try TxnCodec.encoded(logged)
            if bytes.readableBytes > 4096 { continue }   // the 100 KB create: covered by the log tests
            let all = Array(bytes.readableBytesView)
            for n in 0..<all.count {
                _ = try? TxnCodec.decode(ByteBuffer(bytes: all[0..<n]))
            }
            for _ in 0..<200 {
                var m = all
                m[Int(rng.next() % UInt64(m.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                _ = try? TxnCodec.decode(ByteBuffer(bytes: m))
            }
        }
    }
}

/// A small seeded generator so fuzz cases are reproducible.
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
