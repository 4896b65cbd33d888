import ZooKeeperProtocol
/// Text conversions that reproduce, bit for bit, what Apache ZooKeeper's Java tools print for a
/// value: Java's UTF-8 decoder, `Long.toHexString`, `String.format("%#016x")`, the jute
/// `ToStringOutputArchive` escapes, `String.hashCode`, `Base64` and Jackson's JSON string quoting.
/// All functions are pure and total (no input traps).
public enum JavaText {
    // MARK: Numbers

    /// Java `Long.toHexString`: lowercase hex of the two's-complement bits, no leading zeros.
    public static func hex(_ value: Int64) -> String {
        String(UInt64(bitPattern: value), radix: 16)
    }

    /// Java `String.format("%#016x", value)`: "0x" and at least 14 hex digits (the width 16
    /// includes the prefix); negative values print all 16 digits of their two's complement.
    public static func paddedHex(_ value: Int64) -> String {
        let digits = hex(value)
        return "0x" + String(repeating: "0", count: max(0, 14 - digits.count)) + digits
    }

    /// Java `Long.parseLong(text, radix)`: an optional '+' or '-', then at least one digit, the
    /// value within the range of a signed long; nil where Java throws `NumberFormatException`.
    /// Only ASCII digits are accepted (Java also takes other Unicode decimal digits).
    public static func parseLong(_ text: Substring, radix: Int) -> Int64? {
        var digits = text
        var negative = false
        if let first = digits.first, first == "-" || first == "+" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 < 0x80 }),
              let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Java `Integer.parseInt(text)` (ASCII digits only): nil where Java throws.
    public static func parseInt(_ text: String) -> Int32? {
        guard let value = parseLong(Substring(text), radix: 10) else { return nil }
        return Int32(exactly: value)
    }

    // MARK: Strings

    /// `new String(bytes, StandardCharsets.UTF_8)` as JDK 9-25 decode it: every malformed sequence
    /// becomes U+FFFD following Java's own rules (which differ from Unicode's "maximal subpart"
    /// practice, e.g. an encoded surrogate is one U+FFFD, and a truncated 4-byte sequence at the
    /// very end stops decoding).
    public static func decodeUTF8<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: JavaUTF8Decoder.decode(Array(bytes)), as: UTF16.self)
    }

    /// Java `String.hashCode()`: `31 * h + c` over the UTF-16 code units, wrapping.
    public static func hashCode(_ s: String) -> Int32 {
        var h: Int32 = 0
        for unit in s.utf16 { h = h &* 31 &+ Int32(unit) }
        return h
    }

    /// Java `Long.hashCode(value)`: the high and low 32 bits xor-ed.
    public static func hashCode(_ value: Int64) -> Int32 {
        let bits = UInt64(bitPattern: value)
        return Int32(truncatingIfNeeded: bits ^ (bits >> 32))
    }

    /// Java `String.compareTo`: lexicographic over UTF-16 code units; only the sign matters.
    public static func compare(_ a: String, _ b: String) -> Int {
        var i = a.utf16.makeIterator(), j = b.utf16.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?) where x != y: return x < y ? -1 : 1
            default: continue
            }
        }
    }

    /// jute `ToStringOutputArchive.escapeString`: "'" then the string with NUL, LF, CR, ',', '}'
    /// and '%' written as "%00", "%0A", "%0D", "%2C", "%7D", "%25".
    public static func juteEscape(_ s: String) -> String { "'" + JuteText.escape(s) }

    /// `java.util.Base64.getEncoder().encodeToString(bytes)`: standard alphabet, '=' padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let chunk = (UInt32(bytes[i]) << 16) | (n > 1 ? UInt32(bytes[i + 1]) << 8 : 0) | (n > 2 ? UInt32(bytes[i + 2]) : 0)
            for k in 0..<4 {
                out.append(k <= n ? alphabet[Int((chunk >> (18 - 6 * UInt32(k))) & 63)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Jackson's `JsonStringEncoder.quoteAsString`: '"' and '\' escaped with a backslash, BS, TAB,
    /// LF, FF and CR as "\b", "\t", "\n", "\f", "\r", other characters below U+0020 as "\u00XX"
    /// (uppercase hex); everything else as is.
    public static func jsonQuote(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x08: out += "\\b"
            case 0x09: out += "\\t"
            case 0x0a: out += "\\n"
            case 0x0c: out += "\\f"
            case 0x0d: out += "\\r"
            case 0..<0x20:
                let digits = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// JDK's `String.decodeUTF8_UTF16` with replacement, step for step: it works on signed bytes and
/// yields UTF-16 code units.
enum JavaUTF8Decoder {
    static let replacement: UInt16 = 0xfffd

    static func decode(_ src: [UInt8]) -> [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(src.count)
        var sp = 0
        while sp < src.count {
            let b1 = src[sp]
            sp += 1
            let step: Step
            switch b1 {
            case 0..<0x80: out.append(UInt16(b1)); continue
            case 0xc2...0xdf: step = twoBytes(b1, src, &sp)
            case 0xe0...0xef: step = threeBytes(b1, src, &sp)
            case 0xf0...0xf7: step = fourBytes(b1, src, &sp)
            default: step = .units([replacement])
            }
            switch step {
            case .units(let units): out.append(contentsOf: units)
            case .stop(let units): out.append(contentsOf: units); return out
            }
        }
        return out
    }

    enum Step { case units([UInt16]), stop([UInt16]) }

    static func isContinuation(_ b: UInt8) -> Bool { b & 0xc0 == 0x80 }

    static func twoBytes(_ b1: UInt8, _ src: [UInt8], _ sp: inout Int) -> Step {
        guard sp < src.count else { return .stop([replacement]) }
        let b2 = src[sp]
        guard isContinuation(b2) else { return .units([replacement]) }
        sp += 1
        return .units([UInt16(b1 & 0x1f) << 6 | UInt16(b2 & 0x3f)])
    }

    static func threeBytes(_ b1: UInt8, _ src: [UInt8], _ sp: inout Int) -> Step {
        if sp + 1 < src.count {
            let b2 = src[sp], b3 = src[sp + 1]
            let overlong = b1 == 0xe0 && b2 & 0xe0 == 0x80
            if overlong || !isContinuation(b2) || !isContinuation(b3) {
                // malformed3: skip the lead, and b2 too when it could have continued the sequence.
                if !(overlong || !isContinuation(b2)) { sp += 1 }
                return .units([replacement])
            }
            sp += 2
            let c = UInt16(b1 & 0x0f) << 12 | UInt16(b2 & 0x3f) << 6 | UInt16(b3 & 0x3f)
            return .units([(0xd800...0xdfff).contains(c) ? replacement : c])
        }
        if sp < src.count, (b1 == 0xe0 && src[sp] & 0xe0 == 0x80) || !isContinuation(src[sp]) {
            return .units([replacement])
        }
        return .stop([replacement])
    }

    static func fourBytes(_ b1: UInt8, _ src: [UInt8], _ sp: inout Int) -> Step {
        if sp + 2 < src.count {
            let b2 = src[sp], b3 = src[sp + 1], b4 = src[sp + 2]
            let scalar = UInt32(b1 & 0x07) << 18 | UInt32(b2 & 0x3f) << 12 | UInt32(b3 & 0x3f) << 6 | UInt32(b4 & 0x3f)
            if isContinuation(b2) && isContinuation(b3) && isContinuation(b4) && (0x10000...0x10ffff).contains(scalar) {
                sp += 3
                let v = scalar - 0x10000
                return .units([0xd800 | UInt16(v >> 10), 0xdc00 | UInt16(v & 0x3ff)])
            }
            sp += malformed4Extra(b1, b2, b3)
            return .units([replacement])
        }
        if b1 > 0xf4 || (sp < src.count && badSecondOfFour(b1, src[sp])) { return .units([replacement]) }
        sp += 1
        if sp < src.count && !isContinuation(src[sp]) { return .units([replacement]) }
        return .stop([replacement])
    }

    static func badSecondOfFour(_ b1: UInt8, _ b2: UInt8) -> Bool {
        (b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 == 0xf4 && b2 & 0xf0 != 0x80) || !isContinuation(b2)
    }

    /// `malformed4` minus the lead byte: how many following bytes the replacement swallows.
    static func malformed4Extra(_ b1: UInt8, _ b2: UInt8, _ b3: UInt8) -> Int {
        if b1 > 0xf4 || badSecondOfFour(b1, b2) { return 0 }
        return isContinuation(b3) ? 2 : 1
    }
}
