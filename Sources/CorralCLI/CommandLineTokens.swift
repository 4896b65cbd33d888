/// Splitting a shell line into words, and the launch options, exactly as Apache 3.8's
/// `ZooKeeperMain.MyCommandOptions` does.
public enum CommandLineTokens {
    /// Splits `line` the way `ZooKeeperMain.MyCommandOptions.parseCommand` does: successive `find()`s
    /// of `\s*([^"']\S*|"[^"]*"|'[^']*')\s*`, with one pair of surrounding quotes removed.
    ///
    /// Guarantees Apache's corner cases too: an unclosed quote is skipped (`"abc` -> `abc`), a line of
    /// blanks gives one blank word, and a line of just `"` gives no words at all.
    public static func split(_ line: String) -> [String] {
        let s = Array(line.unicodeScalars)
        var words: [String] = []
        var position = 0
        while let (word, end) = find(s, from: position) {
            words.append(stripQuotes(word))
            position = end
        }
        return words
    }

    /// `Matcher.find()`: the first match at or after `start`.
    private static func find(_ s: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        var p = start
        while p <= s.count {
            if let m = match(s, at: p) { return m }
            p += 1
        }
        return nil
    }

    /// The pattern anchored at `p`, with the backtracking of the leading greedy `\s*`.
    private static func match(_ s: [Unicode.Scalar], at p: Int) -> (String, Int)? {
        var blanks = 0
        while p + blanks < s.count, isJavaSpace(s[p + blanks]) { blanks += 1 }
        var k = blanks
        while k >= 0 {
            if let groupEnd = group(s, at: p + k) {
                var end = groupEnd
                while end < s.count, isJavaSpace(s[end]) { end += 1 }
                return (String(String.UnicodeScalarView(s[(p + k)..<groupEnd])), end)
            }
            k -= 1
        }
        return nil
    }

    /// `[^"']\S*|"[^"]*"|'[^']*'` at `i`; returns the end of the group.
    private static func group(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard i < s.count else { return nil }
        let c = s[i]
        if c != "\"" && c != "'" {
            var j = i + 1
            while j < s.count, !isJavaSpace(s[j]) { j += 1 }
            return j
        }
        var j = i + 1
        while j < s.count, s[j] != c { j += 1 }
        return j < s.count ? j + 1 : nil
    }

    private static func stripQuotes(_ word: String) -> String {
        let u = Array(word.unicodeScalars)
        guard u.count >= 2, let first = u.first, first == "\"" || first == "'", u.last == first,
              !u.dropFirst().dropLast().contains(where: { $0 == "\n" || $0 == "\r" })
        else { return word }
        return String(String.UnicodeScalarView(u[1..<(u.count - 1)]))
    }

    /// Java's `\s`: `[ \t\n\x0B\f\r]`.
    static func isJavaSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\u{0B}" || c == "\u{0C}" || c == "\r"
    }
}

/// The process arguments of `corral cli`, parsed like `MyCommandOptions.parseOptions`:
/// `-server host:port`, `-timeout ms`, `-r`, `-client-configuration file`, `-waitforconnection`,
/// other `-x` words ignored, and the first word not starting with `-` begins the command.
public struct LaunchOptions: Sendable, Equatable {
    public var server = "localhost:2181"
    public var timeoutText = "30000"
    public var readOnly = false
    public var waitForConnection = false
    public var clientConfiguration: String?
    /// The command and its arguments (`nil`: interactive or script mode).
    public var command: [String]?

    public init() {}

    /// Parses `arguments`; throws the message Apache prints ("Error: no argument found for option
    /// -server") when an option lacks its value. (Apache then carries on with the defaults; so do we.)
    public static func parse(_ arguments: [String]) -> (options: LaunchOptions, error: String?) {
        var o = LaunchOptions()
        var it = arguments.makeIterator()
        while let opt = it.next() {
            let needsValue = ["-server", "-timeout", "-client-configuration"].contains(opt)
            if needsValue {
                guard let value = it.next() else { return (o, "Error: no argument found for option \(opt)") }
                switch opt {
                case "-server": o.server = value
                case "-timeout": o.timeoutText = value
                default: o.clientConfiguration = value
                }
            } else if opt == "-r" {
                o.readOnly = true
            } else if opt == "-waitforconnection" {
                o.waitForConnection = true
            }
            if !opt.hasPrefix("-") {
                var command = [opt]
                while let rest = it.next() { command.append(rest) }
                o.command = command
                return (o, nil)
            }
        }
        return (o, nil)
    }
}
