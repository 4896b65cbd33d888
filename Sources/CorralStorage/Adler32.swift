/// Adler-32 (RFC 1950), the checksum Apache ZooKeeper puts in front of every txn log record
/// (`java.util.zip.Adler32`) and at the end of every snapshot. Pure; incremental.
public struct Adler32: Sendable, Equatable {
    private static let modulus: UInt32 = 65521
    /// The largest n such that 255 n (n + 1) / 2 + (n + 1) (modulus - 1) fits in 32 bits: sums can
    /// run this many bytes before they must be reduced.
    private static let chunk = 5552

    private var a: UInt32 = 1
    private var b: UInt32 = 0

    public init() {}

    /// The checksum so far, as Java's `Adler32.getValue()` (always in 0 ..< 2^32).
    public var value: UInt32 { (b << 16) | a }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { update(Array(bytes)) }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var a = self.a, b = self.b
        var index = 0
        let count = bytes.count
        while index < count {
            let end = min(index + Self.chunk, count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= Self.modulus
            b %= Self.modulus
        }
        self.a = a
        self.b = b
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var c = Adler32()
        c.update(bytes)
        return c.value
    }
}
