/// A parser for Java `.properties` text, the format of `zoo.cfg` (Java `Properties.load`).
///
/// Guarantees, as in Java: natural lines end at `\n`, `\r` or `\r\n`; a line whose first
/// non-blank character is `#` or `!` is a comment; a line ending in an odd number of backslashes
/// continues on the next line, whose leading blanks are dropped; the key ends at the first
/// unescaped `=`, `:` or blank, and one `=`/`:` between blanks is the separator; escapes `\t`,
/// `\n`, `\r`, `\f`, `\uXXXX` and `\<other>` are decoded; a later duplicate key replaces an
/// earlier one. Blanks are space, tab and form feed.
public struct JavaProperties: Sendable, Equatable {
    /// Entries in order of first appearance; a later duplicate replaced the value in place.
    public private(set) var entries: [(key: String, value: String)] = []
    private var indexByKey: [String: Int] = [:]

    /// Parses `text`. Throws `ConfigError.malformedProperties` for a bad `\uXXXX` escape (Java
    /// throws IllegalArgumentException there; Apache reports the file as unprocessable).
    public init(parsing text: String) throws(ConfigError) {
        for line in JavaProperties.logicalLines(text) {
            let (key, value) = try JavaProperties.split(line)
            set(key, value)
        }
    }

    /// The value of `key`, if present.
    public subscript(key: String) -> String? {
        indexByKey[key].map { entries[$0].value }
    }

    public static func == (lhs: JavaProperties, rhs: JavaProperties) -> Bool {
        lhs.entries.map(\.key) == rhs.entries.map(\.key) && lhs.entries.map(\.value) == rhs.entries.map(\.value)
    }

    private mutating func set(_ key: String, _ value: String) {
        if let index = indexByKey[key] {
            entries[index].value = value
        } else {
            indexByKey[key] = entries.count
            entries.append((key, value))
        }
    }

    private static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\u{0C}" }

    /// Joins continuation lines and drops blank and comment lines.
    static func logicalLines(_ text: String) -> [[Character]] {
        var result: [[Character]] = []
        var current: [Character]? = nil
        for natural in naturalLines(text) {
            let stripped = Array(natural.drop(while: isBlank))
            if current == nil {
                if stripped.isEmpty || stripped[0] == "#" || stripped[0] == "!" { continue }
            }
            var line = (current ?? []) + stripped
            let continues = trailingBackslashes(line) % 2 == 1
            if continues { line.removeLast() }
            current = continues ? line : nil
            if !continues { result.append(line) }
        }
        if let pending = current, !pending.isEmpty { result.append(pending) }
        return result
    }

    /// Splits on `\r\n`, `\r` and `\n`. (Swift treats `\r\n` as one Character.)
    private static func naturalLines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    }

    private static func trailingBackslashes(_ line: [Character]) -> Int {
        line.reversed().prefix(while: { $0 == "\\" }).count
    }

    /// Splits a logical line into its decoded key and value.
    private static func split(_ line: [Character]) throws(ConfigError) -> (String, String) {
        var keyEnd = line.count
        var valueStart = line.count
        var hasSeparator = false
        var escaped = false
        for (index, c) in line.enumerated() {
            if !escaped && (c == "=" || c == ":") {
                (keyEnd, valueStart, hasSeparator) = (index, index + 1, true)
                break
            }
            if !escaped && isBlank(c) {
                (keyEnd, valueStart) = (index, index + 1)
                break
            }
            escaped = c == "\\" ? !escaped : false
        }
        while valueStart < line.count {
            let c = line[valueStart]
            if !isBlank(c) {
                guard !hasSeparator && (c == "=" || c == ":") else { break }
                hasSeparator = true
            }
            valueStart += 1
        }
        return (try unescape(line[..<keyEnd]), try unescape(line[valueStart...]))
    }

    /// Decodes Java properties escapes.
    private static func unescape(_ chars: ArraySlice<Character>) throws(ConfigError) -> String {
        var out = ""
        var index = chars.startIndex
        while index < chars.endIndex {
            let c = chars[index]
            index += 1
            guard c == "\\" else { out.append(c); continue }
            guard index < chars.endIndex else { break }
            let next = chars[index]
            index += 1
            switch next {
            case "t": out.append("\t")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "f": out.append("\u{0C}")
            case "u":
                let hex = String(chars[index..<min(index + 4, chars.endIndex)])
                guard hex.count == 4, hex.allSatisfy(\.isHexDigit), let code = UInt32(hex, radix: 16),
                      let scalar = Unicode.Scalar(code)
                else { throw .malformedProperties(reason: "Malformed \\uxxxx encoding: \\u\(hex)") }
                out.unicodeScalars.append(scalar)
                index += 4
            default: out.append(next)
            }
        }
        return out
    }
}
