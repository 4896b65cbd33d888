import CorralStorage
import Testing

@Suite struct Adler32Tests {
    /// The straightforward definition, reducing after every byte.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in bytes { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return (b << 16) | a
    }

    @Test func knownValues() {
        #expect(Adler32.checksum([UInt8]()) == 1)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Adler32.checksum(Array("abc".utf8)) == 0x024D_0127)
    }

    @Test func longRunsOfHighBytesMatchTheDefinition() {
        // All 0xff stresses the deferred modulo; lengths straddle the 5552-byte reduction block.
        for n in [5551, 5552, 5553, 11104, 100_000] {
            let bytes = [UInt8](repeating: 0xff, count: n)
            #expect(Adler32.checksum(bytes) == Self.reference(bytes), "n=\(n)")
        }
        let mixed = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        #expect(Adler32.checksum(mixed) == Self.reference(mixed))
    }

    @Test func incrementalEqualsOneShot() {
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 17) }
        var c = Adler32()
        c.update(bytes[0..<7])
        c.update(bytes[7..<9000])
        c.update(bytes[9000...])
        #expect(c.value == Adler32.checksum(bytes))
    }
}
