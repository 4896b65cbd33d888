import NIOCore

/// Why a jute record could not be decoded. Every decoder in this module checks lengths against the
/// bytes actually present (and against `JuteLimits`) before it allocates anything.
public enum JuteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The record ends before all of its fields were read.
    case truncated(field: String)
    /// A string, buffer or vector length is negative (other than the -1 that encodes null) or larger
    /// than the bytes left in the frame or the configured maximum.
    case badLength(field: String, length: Int32)
    /// A field holds a value the protocol does not define (an unknown opcode, a bad multi header...).
    case badValue(field: String, value: Int64)

    public var description: String {
        switch self {
        case .truncated(let field): return "record truncated while reading \(field)"
        case .badLength(let field, let length): return "invalid length \(length) for \(field)"
        case .badValue(let field, let value): return "invalid value \(value) for \(field)"
        }
    }
}

/// Bounds applied while decoding. `maxBuffer` mirrors Apache's `jute.maxbuffer` (default 0xfffff).
public struct JuteLimits: Sendable, Equatable {
    public var maxBuffer: Int
    public init(maxBuffer: Int = 0xfffff) { self.maxBuffer = maxBuffer }
    public static let `default` = JuteLimits()
}

/// Reads big-endian jute primitives from a `ByteBuffer`. A reader never allocates for a length it
/// has not first checked against the readable bytes.
public struct JuteReader {
    public var buffer: ByteBuffer
    public let limits: JuteLimits

    public init(_ buffer: ByteBuffer, limits: JuteLimits = .default) {
        self.buffer = buffer
        self.limits = limits
    }

    public var isAtEnd: Bool { buffer.readableBytes == 0 }

    @inlinable
    public mutating func int(_ field: StaticString) throws(JuteError) -> Int32 {
        guard let v = buffer.readInteger(endianness: .big, as: Int32.self) else {
            throw .truncated(field: String(describing: field))
        }
        return v
    }

    @inlinable
    public mutating func long(_ field: StaticString) throws(JuteError) -> Int64 {
        guard let v = buffer.readInteger(endianness: .big, as: Int64.self) else {
            throw .truncated(field: String(describing: field))
        }
        return v
    }

    @inlinable
    public mutating func bool(_ field: StaticString) throws(JuteError) -> Bool {
        guard let v = buffer.readInteger(as: UInt8.self) else {
            throw .truncated(field: String(describing: field))
        }
        return v != 0
    }

    /// A length prefix for a string, buffer or vector whose elements take at least `minElementSize`
    /// bytes each. Returns nil for the -1 that encodes null.
    @usableFromInline
    mutating func length(_ field: StaticString, minElementSize: Int) throws(JuteError) -> Int? {
        let n = try int(field)
        if n == -1 { return nil }
        guard n >= 0, Int(n) <= limits.maxBuffer,
              Int(n) * minElementSize <= buffer.readableBytes
        else { throw .badLength(field: String(describing: field), length: n) }
        return Int(n)
    }

    /// A jute `buffer`; -1 decodes as nil.
    public mutating func bytes(_ field: StaticString) throws(JuteError) -> [UInt8]? {
        guard let n = try length(field, minElementSize: 1) else { return nil }
        return buffer.readBytes(length: n)!
    }

    /// A jute `ustring`; -1 (null) decodes as nil.
    public mutating func optionalString(_ field: StaticString) throws(JuteError) -> String? {
        guard let n = try length(field, minElementSize: 1) else { return nil }
        return buffer.readString(length: n)!
    }

    /// A jute `ustring` where null is read as the empty string (what Apache's server does with paths).
    public mutating func string(_ field: StaticString) throws(JuteError) -> String {
        try optionalString(field) ?? ""
    }

    /// A jute `vector`; -1 (null) decodes as an empty array.
    public mutating func vector<T>(
        _ field: StaticString, minElementSize: Int,
        _ element: (inout JuteReader) throws(JuteError) -> T
    ) throws(JuteError) -> [T] {
        guard let n = try length(field, minElementSize: minElementSize) else { return [] }
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }

    public mutating func stringVector(_ field: StaticString) throws(JuteError) -> [String] {
        try vector(field, minElementSize: 4) { (r: inout JuteReader) throws(JuteError) in try r.string(field) }
    }

    public mutating func record<R: JuteRecord>(_: R.Type = R.self) throws(JuteError) -> R {
        try R(from: &self)
    }
}

/// Writes big-endian jute primitives straight into the outgoing `ByteBuffer`.
extension ByteBuffer {
    @inlinable public mutating func writeJuteInt(_ v: Int32) { writeInteger(v, endianness: .big) }
    @inlinable public mutating func writeJuteLong(_ v: Int64) { writeInteger(v, endianness: .big) }
    @inlinable public mutating func writeJuteBool(_ v: Bool) { writeInteger(v ? UInt8(1) : UInt8(0)) }

    public mutating func writeJuteBytes(_ v: [UInt8]?) {
        guard let v else { writeJuteInt(-1); return }
        writeJuteInt(Int32(v.count))
        writeBytes(v)
    }

    public mutating func writeJuteString(_ v: String?) {
        guard let v else { writeJuteInt(-1); return }
        let lengthIndex = writerIndex
        writeJuteInt(0)
        let n = writeString(v)
        setInteger(Int32(n), at: lengthIndex, endianness: .big)
    }

    public mutating func writeJuteStrings(_ v: [String]) {
        writeJuteInt(Int32(v.count))
        for s in v { writeJuteString(s) }
    }

    public mutating func writeJuteVector<R: JuteRecord>(_ v: [R]?) {
        guard let v else { writeJuteInt(-1); return }
        writeJuteInt(Int32(v.count))
        for r in v { r.encode(into: &self) }
    }

    public mutating func writeJute<R: JuteRecord>(_ r: R) { r.encode(into: &self) }
}

/// A jute record: decodes from and encodes to the exact bytes Apache ZooKeeper uses.
public protocol JuteRecord: Sendable, Equatable {
    init(from reader: inout JuteReader) throws(JuteError)
    func encode(into buffer: inout ByteBuffer)
}

extension JuteRecord {
    /// Decodes a whole record from `buffer`; trailing bytes are allowed (Apache ignores them too).
    public static func decode(_ buffer: ByteBuffer, limits: JuteLimits = .default) throws(JuteError) -> Self {
        var r = JuteReader(buffer, limits: limits)
        return try Self(from: &r)
    }

    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var b = allocator.buffer(capacity: 64)
        encode(into: &b)
        return b
    }
}
