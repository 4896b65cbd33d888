/// A JAAS login configuration file (the text `-Djava.security.auth.login.config=<path>`
/// points at), parsed the way the JDK's `sun.security.provider.ConfigFile` does:
///
///     Server {
///         org.apache.zookeeper.server.auth.DigestLoginModule required
///         user_super="super_secret"
///         user_jaasuser="jaas_password";
///     };
///
/// Tokens follow `java.io.StreamTokenizer` as ConfigFile sets it up: words are letters,
/// `$ _ - *`, characters from U+00A0 up, and (after the first character) digits and `.`;
/// strings are double-quoted with Java escapes (`\n`, `\t`, `\"`, octal, ...) and end at a
/// line break; `//`, `/* */` and a lone `/` start comments. A token starting with a digit,
/// `.` or `-` is a number, which ConfigFile rejects everywhere, as it rejects single-quoted
/// strings. Option values get `${property}` expansion (`${/}` is `/`, `${{...}}` is kept
/// as is, an unknown property or a value expanding to "" is an error). Section names are
/// case-sensitive and may not repeat.
///
/// Apache ZooKeeper (`ServerCnxnFactory.configureSaslLogin`) reads the section named by
/// the system property `zookeeper.sasl.serverconfig` (default `Server`) and takes every
/// `user_<name>` option of every login module in it as a DIGEST-MD5 user and password.
public struct JAASConfig: Sendable, Equatable {
    public enum ControlFlag: String, Sendable, Equatable {
        case required = "REQUIRED", requisite = "REQUISITE", sufficient = "SUFFICIENT", optional = "OPTIONAL"
    }

    /// One `<LoginModuleClass> <flag> key=value ... ;` line of a section.
    public struct ModuleEntry: Sendable, Equatable {
        public var loginModule: String
        public var controlFlag: ControlFlag
        public var options: [String: String]

        public init(loginModule: String, controlFlag: ControlFlag, options: [String: String]) {
            self.loginModule = loginModule
            self.controlFlag = controlFlag
            self.options = options
        }
    }

    /// Sections by name, each with its login modules in file order.
    public var sections: [String: [ModuleEntry]]

    /// `zookeeper.sasl.serverconfig`'s default.
    public static let defaultServerSection = "Server"
    public static let serverSectionProperty = "zookeeper.sasl.serverconfig"
    public static let loginConfigProperty = "java.security.auth.login.config"
    /// When set and the JAAS users include `super`, this is `super`'s password instead.
    public static let superPasswordProperty = "zookeeper.SASLAuthenticationProvider.superPassword"
    /// The JAAS option prefix Apache's ServerCnxnFactory treats as a DIGEST-MD5 user.
    public static let digestUserPrefix = "user_"

    public init(sections: [String: [ModuleEntry]]) {
        self.sections = sections
    }

    /// Parses JAAS login configuration text. `systemProperties` feeds `${name}` expansion in
    /// option values (the JVM's own properties are not known here; pass what the server was
    /// given, e.g. `JAASConfig.systemProperties(fromJVMFlags:)`).
    public init(parsing text: String, systemProperties: [String: String] = [:]) throws(JAASConfigError) {
        var parser = JAASParser(text: text, systemProperties: systemProperties)
        self.sections = try parser.parse()
    }

    /// The login modules of `section`, or nil when the section is absent or empty (Apache then
    /// runs without SASL: `Configuration.getAppConfigurationEntry` answers null).
    public func entries(section: String = JAASConfig.defaultServerSection) -> [ModuleEntry]? {
        guard let list = sections[section], !list.isEmpty else { return nil }
        return list
    }

    /// The DIGEST-MD5 users (name -> password) of `section`: every `user_<name>` option of every
    /// login module in it, later ones winning, as `ServerCnxnFactory.getDigestMd5Credentials`
    /// collects them. With `superPassword` (the `zookeeper.SASLAuthenticationProvider.superPassword`
    /// property) an existing `super` user authenticates with that password instead, as
    /// `SaslServerCallbackHandler` does. Nil when the section is absent or empty.
    public func digestMD5Users(section: String = JAASConfig.defaultServerSection, superPassword: String? = nil)
        -> [String: String]?
    {
        guard let list = entries(section: section) else { return nil }
        var users: [String: String] = [:]
        for entry in list {
            // Java iterates a HashMap; within one module the keys are distinct anyway.
            for (key, value) in entry.options where key.hasPrefix(Self.digestUserPrefix) {
                users[String(key.dropFirst(Self.digestUserPrefix.count))] = value
            }
        }
        if let superPassword, users["super"] != nil {
            users["super"] = superPassword
        }
        return users
    }

    // MARK: JVM flags

    /// The `-Dname=value` system properties in a JVM flags string such as `SERVER_JVMFLAGS`.
    /// zkServer.sh expands that variable unquoted, so the string is split at whitespace with no
    /// quote handling. `-Dname` alone sets "" ; later flags win, as on the java command line.
    public static func systemProperties(fromJVMFlags flags: String) -> [String: String] {
        var properties: [String: String] = [:]
        for word in flags.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            guard word.hasPrefix("-D"), word.count > 2 else { continue }
            let body = word.dropFirst(2)
            if let eq = body.firstIndex(of: "=") {
                let name = String(body[..<eq])
                guard !name.isEmpty else { continue }
                properties[name] = String(body[body.index(after: eq)...])
            } else {
                properties[String(body)] = ""
            }
        }
        return properties
    }

    /// The JAAS file path from `-Djava.security.auth.login.config=...` in a JVM flags string, or
    /// nil. A leading `=` (the JDK's "use only this file" form) is dropped, `${property}` is
    /// expanded with the other `-D` flags, and a `file:` URL becomes its (percent-decoded) path.
    public static func loginConfigPath(fromJVMFlags flags: String) -> String? {
        let properties = systemProperties(fromJVMFlags: flags)
        guard var value = properties[loginConfigProperty] else { return nil }
        if value.hasPrefix("=") { value.removeFirst() }
        do {
            value = try expandProperties(value, properties)
        } catch {
            // An unterminated or unknown ${...} stays literal, as the JDK leaves the path as written.
        }
        if value.hasPrefix("file:") {
            var path = Substring(value.dropFirst("file:".count))
            if path.hasPrefix("//") {
                // file://host/path: keep the path (an empty or localhost host is the usual case).
                let rest = path.dropFirst(2)
                path = rest.firstIndex(of: "/").map { rest[$0...] } ?? ""
            }
            value = percentDecoded(String(path))
        }
        return value.isEmpty ? nil : value
    }

    /// The JAAS section Apache's server reads: `-Dzookeeper.sasl.serverconfig=...` or `Server`.
    public static func serverSection(fromJVMFlags flags: String) -> String {
        systemProperties(fromJVMFlags: flags)[serverSectionProperty] ?? defaultServerSection
    }

    /// `sun.security.util.PropertyExpander.expand`: `${name}` from `properties`, `${/}` is "/",
    /// `${{...}}` stays literal, an unterminated `${` is literal text; an unknown name throws.
    static func expandProperties(_ value: String, _ properties: [String: String]) throws(JAASConfigError) -> String {
        let chars = Array(value.unicodeScalars)
        func find(_ pattern: [Unicode.Scalar], from start: Int) -> Int? {
            guard pattern.count <= chars.count, start <= chars.count - pattern.count else { return nil }
            var i = start
            while i <= chars.count - pattern.count {
                if Array(chars[i..<(i + pattern.count)]) == pattern { return i }
                i += 1
            }
            return nil
        }
        guard var p = find(["$", "{"], from: 0) else { return value }
        var out = String.UnicodeScalarView()
        var i = 0
        let max = chars.count
        while p < max {
            if p > i { out.append(contentsOf: chars[i..<p]) }
            var pe = p + 2
            if pe < max && chars[pe] == "{" {
                guard let close = find(["}", "}"], from: pe), close + 2 != max else {
                    out.append(contentsOf: chars[p...])
                    break
                }
                pe = close + 1
                out.append(contentsOf: chars[p...pe])
            } else {
                while pe < max && chars[pe] != "}" { pe += 1 }
                if pe == max {
                    out.append(contentsOf: chars[p..<pe])
                    break
                }
                let name = String(String.UnicodeScalarView(chars[(p + 2)..<pe]))
                if name == "/" {
                    out.append("/")
                } else if let v = properties[name] {
                    out.append(contentsOf: v.unicodeScalars)
                } else {
                    throw JAASConfigError(line: nil, message: "unable to expand property \(name)")
                }
            }
            i = pe + 1
            guard let next = find(["$", "{"], from: i) else {
                if i < max { out.append(contentsOf: chars[i...]) }
                break
            }
            p = next
        }
        return String(out)
    }

    private static func percentDecoded(_ s: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(s.utf8)
        var i = 0
        func hexValue(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%"), i + 2 < utf8.count,
                let hi = hexValue(utf8[i + 1]), let lo = hexValue(utf8[i + 2])
            {
                bytes.append(hi << 4 | lo)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A JAAS configuration the JDK would reject (Apache then refuses to start: "No JAAS
/// configuration section named 'Server' was found in '<file>'").
public struct JAASConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the offending token, when known.
    public var line: Int?
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "JAAS configuration error, line \(line): \(message)" }
        return "JAAS configuration error: \(message)"
    }
}

// MARK: - Tokenizer and parser

private enum JAASToken: Equatable {
    case word(String)
    case quoted(String)
    /// A `'...'` string: StreamTokenizer reads it, ConfigFile's `match` rejects it.
    case singleQuoted
    /// A number (`1`, `.5`, `-2`), which ConfigFile's `match` never accepts.
    case number
    case symbol(Unicode.Scalar)
    case eof

    var text: String? {
        switch self {
        case .word(let s), .quoted(let s): s
        default: nil
        }
    }

    var display: String {
        switch self {
        case .word(let s): s
        case .quoted(let s): "\"\(s)\""
        case .singleQuoted: "'...'"
        case .number: "number"
        case .symbol(let c): String(Character(c))
        case .eof: "end of file"
        }
    }
}

private struct JAASParser {
    let chars: [Unicode.Scalar]
    let systemProperties: [String: String]
    var pos = 0
    var line = 1
    var lookahead: JAASToken = .eof
    var tokenLine = 1

    init(text: String, systemProperties: [String: String]) {
        self.chars = Array(text.unicodeScalars)
        self.systemProperties = systemProperties
    }

    // StreamTokenizer character classes as ConfigFile configures them.
    private static func isWhitespace(_ c: Unicode.Scalar) -> Bool { c.value <= 32 }
    private static func isDigitClass(_ c: Unicode.Scalar) -> Bool {
        (c >= "0" && c <= "9") || c == "." || c == "-"
    }
    private static func isAlphaClass(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c.value >= 160
            || c == "$" || c == "_" || c == "-" || c == "*"
    }

    private func peekChar(_ offset: Int = 0) -> Unicode.Scalar? {
        pos + offset < chars.count ? chars[pos + offset] : nil
    }

    private mutating func skipToEndOfLine() {
        while let c = peekChar(), c != "\n", c != "\r" { pos += 1 }
    }

    /// The next token (line ends are insignificant: ConfigFile skips TT_EOL).
    private mutating func nextToken() -> JAASToken {
        while true {
            guard let c = peekChar() else { return .eof }
            if Self.isWhitespace(c) {
                if c == "\n" || (c == "\r" && peekChar(1) != "\n") { line += 1 }
                pos += 1
                continue
            }
            tokenLine = line
            if Self.isDigitClass(c) {
                if c == "-", let n = peekChar(1), !(n == "." || (n >= "0" && n <= "9")) {
                    pos += 1
                    return .symbol("-")
                }
                pos += 1
                var seenDot = c == "."
                while let n = peekChar() {
                    if n == "." && !seenDot {
                        seenDot = true
                    } else if !(n >= "0" && n <= "9") {
                        break
                    }
                    pos += 1
                }
                return .number
            }
            if Self.isAlphaClass(c) {
                var word = String.UnicodeScalarView()
                while let n = peekChar(), Self.isAlphaClass(n) || Self.isDigitClass(n) {
                    word.append(n)
                    pos += 1
                }
                return .word(String(word))
            }
            if c == "\"" || c == "'" {
                pos += 1
                let value = readQuoted(terminator: c)
                return c == "\"" ? .quoted(value) : .singleQuoted
            }
            if c == "/" {
                pos += 1
                if peekChar() == "*" {
                    pos += 1
                    var closed = false
                    while let n = peekChar() {
                        if n == "\n" || (n == "\r" && peekChar(1) != "\n") { line += 1 }
                        if n == "*" && peekChar(1) == "/" {
                            pos += 2
                            closed = true
                            break
                        }
                        pos += 1
                    }
                    if !closed { return .eof }
                    continue
                }
                // `//` and a lone `/` (StreamTokenizer's comment character) run to the line end;
                // StreamTokenizer swallows the character after the `/` first, even a line break.
                if peekChar() != nil { pos += 1 }
                skipToEndOfLine()
                continue
            }
            pos += 1
            return .symbol(c)
        }
    }

    /// A quoted string after its opening quote, with StreamTokenizer's escapes; it ends at the
    /// matching quote (consumed) or before a line break or the end of input (not an error).
    private mutating func readQuoted(terminator: Unicode.Scalar) -> String {
        var out = String.UnicodeScalarView()
        while let d = peekChar(), d != terminator, d != "\n", d != "\r" {
            pos += 1
            guard d == "\\" else {
                out.append(d)
                continue
            }
            guard let e = peekChar() else { break }
            pos += 1
            if e >= "0" && e <= "7" {
                var value = e.value - 48
                if let e2 = peekChar(), e2 >= "0" && e2 <= "7" {
                    pos += 1
                    value = value << 3 + (e2.value - 48)
                    if let e3 = peekChar(), e3 >= "0" && e3 <= "7", e <= "3" {
                        pos += 1
                        value = value << 3 + (e3.value - 48)
                    }
                }
                out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                continue
            }
            switch e {
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            default: out.append(e)
            }
        }
        if peekChar() == terminator { pos += 1 }
        return String(out)
    }

    private func error(_ message: String) -> JAASConfigError {
        JAASConfigError(line: tokenLine, message: message)
    }

    private mutating func advance() { lookahead = nextToken() }

    /// ConfigFile.match for the word-valued expectations.
    private mutating func matchText(_ expect: String) throws(JAASConfigError) -> String {
        guard let text = lookahead.text else {
            if lookahead == .eof { throw error("expected [\(expect)], read [end of file]") }
            throw error("expected [\(expect)], found [\(lookahead.display)]")
        }
        advance()
        return text
    }

    private mutating func matchSymbol(_ symbol: Unicode.Scalar) throws(JAASConfigError) {
        guard lookahead == .symbol(symbol) else {
            if lookahead == .eof { throw error("expected [\(Character(symbol))], read [end of file]") }
            throw error("expected [\(Character(symbol))], found [\(lookahead.display)]")
        }
        advance()
    }

    mutating func parse() throws(JAASConfigError) -> [String: [JAASConfig.ModuleEntry]] {
        var sections: [String: [JAASConfig.ModuleEntry]] = [:]
        advance()
        while lookahead != .eof {
            // ConfigFile takes the current token's text as the name without checking its kind.
            guard let name = lookahead.text else {
                throw error("expected [application name], found [\(lookahead.display)]")
            }
            advance()
            try matchSymbol("{")
            var modules: [JAASConfig.ModuleEntry] = []
            while lookahead != .symbol("}") {
                let module = try matchText("module class name")
                let flagText = try matchText("controlFlag")
                guard let flag = JAASConfig.ControlFlag(rawValue: flagText.uppercased()) else {
                    throw error("Invalid control flag, \(flagText)")
                }
                var options: [String: String] = [:]
                while lookahead != .symbol(";") {
                    let key = try matchText("option key")
                    try matchSymbol("=")
                    let raw = try matchText("option value")
                    var value = raw
                    if !raw.isEmpty {
                        do {
                            value = try JAASConfig.expandProperties(raw, systemProperties)
                        } catch {
                            throw JAASConfigError(line: tokenLine, message: error.message)
                        }
                        if value.isEmpty {
                            throw self.error("system property [\(raw)] expanded to empty value")
                        }
                    }
                    options[key] = value
                }
                advance()  // the ';'
                modules.append(.init(loginModule: module, controlFlag: flag, options: options))
            }
            try matchSymbol("}")
            try matchSymbol(";")
            if sections[name] != nil {
                throw error("Can not specify multiple entries for \(name)")
            }
            sections[name] = modules
        }
        return sections
    }
}
