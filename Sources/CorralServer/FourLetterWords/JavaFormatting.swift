import CorralStorage

/// Text conversions that reproduce how Apache's Java code prints values, so four-letter-word
/// output is byte-identical to Apache's for the same values.
public enum JavaFormat {
    /// Java `Long.toHexString`: lowercase hex of the two's-complement bits, no leading zeros.
    public static func hex(_ value: Int64) -> String {
        String(UInt64(bitPattern: value), radix: 16)
    }

    /// Java `Double.toString`: plain decimal with at least one fractional digit for
    /// 10^-3 <= |d| < 10^7 (`1.0`, `0.2`, `1234567.5`), otherwise `d.dddE[-]n` (`1.0E7`,
    /// `1.5E-4`); `NaN`, `Infinity`, `-Infinity`, `0.0`, `-0.0`. Digits are the shortest that
    /// round-trip (Java 17 agrees on all values Apache prints: averages rounded to 4 places).
    public static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let sign = value < 0 ? "-" : ""
        let (digits, exponent) = shortestDigits(abs(value))
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e7 {
            return sign + plainDecimal(digits: digits, exponent: exponent)
        }
        let fraction = digits.count > 1 ? String(digits.dropFirst()) : "0"
        return sign + String(digits.first!) + "." + fraction + "E" + String(exponent)
    }

    /// Java `Date.toString()` for a wall-clock time in UTC: `EEE MMM dd HH:mm:ss zzz yyyy`, e.g.
    /// `Sat Nov 28 00:19:58 UTC 2026`. `zoneName` is printed as the zone (the time is always UTC).
    public static func date(epochMilliseconds: Int64, zoneName: String = "UTC") -> String {
        JavaDateText.dateToString(epochMilliseconds, in: .fixed(name: zoneName, offsetSeconds: 0))
    }

    /// Java `InetSocketAddress.toString()` for a resolved address without a known host name:
    /// `/127.0.0.1:2181`, `/[0:0:0:0:0:0:0:1]:2181`. IPv6 text in any valid form is expanded to
    /// Java's uncompressed form; IPv4-mapped IPv6 becomes plain IPv4 as in Java. Text that is no
    /// IP literal is printed as given.
    public static func socketAddress(ip: String, port: Int) -> String {
        "/" + javaHostAddress(ip) + ":" + String(port)
    }

    /// Apache's average as `AvgMinMaxCounter.getAvg` computes it: `total / count` as a double,
    /// rounded to 4 decimal places half-up on its exact binary value; 0 when `count` is 0.
    public static func roundedAverage(total: Int64, count: Int64) -> Double {
        guard count > 0 else { return 0 }
        let average = Double(total) / Double(count)
        return roundHalfUpTo4Places(average)
    }

    // MARK: - Helpers

    /// The shortest round-tripping significant digits of a positive finite double and the
    /// decimal exponent of the first digit (value = 0.d1d2... * 10^(exponent+1)).
    private static func shortestDigits(_ value: Double) -> (digits: [Character], exponent: Int) {
        // Swift's description is shortest round-trip; it is either plain ("123.45", "0.001")
        // or exponential ("1.2345e-05", "1e+16").
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!  // Swift always prints a valid exponent
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts[0]
        let fractionPart = parts.count > 1 ? parts[1] : ""
        var digits = Array(integerPart + fractionPart)
        var pointPosition = integerPart.count + exponent  // digits before the decimal point
        while digits.first == "0" && digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        return (digits, pointPosition - 1)
    }

    private static func plainDecimal(digits: [Character], exponent: Int) -> String {
        let pointPosition = exponent + 1
        if pointPosition <= 0 {
            return "0." + String(repeating: "0", count: -pointPosition) + String(digits)
        }
        if pointPosition >= digits.count {
            return String(digits) + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        }
        return String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }

    /// `BigDecimal(value).setScale(4, HALF_UP).doubleValue()` for a non-negative finite value,
    /// computed exactly on the binary significand.
    private static func roundHalfUpTo4Places(_ value: Double) -> Double {
        guard value.isFinite, value > 0 else { return value }
        let significand = value.significandBitPattern | (value.isNormal ? 1 << 52 : 0)
        let shift = 52 - Int(value.isNormal ? value.exponent : -1022)  // value = sig / 2^shift
        if shift <= 0 { return value }  // an integer already
        let product = significand.multipliedFullWidth(by: 10_000)
        // At or above 2^64 / 10^4 a double has at most 2 fractional bits: already exact.
        if shift < 64 && product.high >> UInt64(shift) != 0 { return value }
        let (quotient, roundUp) = shiftRightRoundingHalfUp(high: product.high, low: product.low,
                                                           by: shift)
        return Double(quotient + (roundUp ? 1 : 0)) / 10_000
    }

    /// (high:low) >> shift, and whether the discarded bits are >= half of 2^shift.
    private static func shiftRightRoundingHalfUp(high: UInt64, low: UInt64, by shift: Int)
        -> (UInt64, Bool) {
        func bit(_ index: Int) -> Bool {  // bit `index` of the 128-bit value
            if index >= 128 { return false }
            return index >= 64 ? (high >> UInt64(index - 64)) & 1 == 1 : (low >> UInt64(index)) & 1 == 1
        }
        let quotient: UInt64
        if shift >= 128 {
            quotient = 0
        } else if shift >= 64 {
            quotient = high >> UInt64(shift - 64)
        } else {
            quotient = (low >> UInt64(shift)) | (high << UInt64(64 - shift))
        }
        return (quotient, bit(shift - 1))
    }

    /// Java's `InetAddress.getHostAddress()` text for an IP literal, bracketed for IPv6 as
    /// `InetSocketAddress.toString()` prints it.
    private static func javaHostAddress(_ ip: String) -> String {
        var address = ip
        var scope = ""
        if let percent = ip.firstIndex(of: "%") {
            address = String(ip[..<percent])
            scope = String(ip[percent...])
        }
        guard address.contains(":"), let groups = ipv6Groups(address) else { return ip }
        let isV4Mapped = groups[0..<5].allSatisfy { $0 == 0 } && groups[5] == 0xffff
        if isV4Mapped {
            return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff]
                .map { String($0) }.joined(separator: ".")
        }
        return "[" + groups.map { String($0, radix: 16) }.joined(separator: ":") + scope + "]"
    }

    /// The eight 16-bit groups of an IPv6 literal (with `::` and a trailing dotted IPv4 part
    /// allowed), or nil if `text` is not one.
    private static func ipv6Groups(_ text: String) -> [UInt16]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func parse(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var groups: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    let octets = piece.split(separator: ".").compactMap { UInt8($0) }
                    guard octets.count == 4 else { return nil }
                    groups.append(UInt16(octets[0]) << 8 | UInt16(octets[1]))
                    groups.append(UInt16(octets[2]) << 8 | UInt16(octets[3]))
                } else {
                    guard piece.count <= 4, let group = UInt16(piece, radix: 16) else { return nil }
                    groups.append(group)
                }
            }
            return groups
        }
        guard let head = parse(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = parse(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
