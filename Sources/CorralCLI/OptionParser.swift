/// The subset of Apache commons-cli 1.5 `DefaultParser` that zkCli's commands use: short options
/// without long names, each with or without one argument, options and arguments in any order,
/// `--` ending options, negative numbers accepted as option values.
struct OptionSpec: Sendable {
    let name: String
    let takesArgument: Bool
    init(_ name: String, argument: Bool = false) { self.name = name; self.takesArgument = argument }
}

/// What a command line parsed into: the options in order (with their values) and the other words
/// (the command name first).
struct ParsedOptions: Sendable, Equatable {
    var options: [Pair] = []
    var args: [String] = []
    struct Pair: Sendable, Equatable { var name: String; var value: String? }

    func has(_ name: String) -> Bool { options.contains { $0.name == name } }
    /// The value of the first occurrence of `name` (commons-cli `getOptionValue`).
    func value(_ name: String) -> String? { options.first { $0.name == name }?.value }
}

/// commons-cli's `ParseException`s; `message` is what zkCli prints (the exception's `toString()`).
enum OptionParseError: Error, Equatable {
    case unrecognized(String)
    case missingArgument(String)

    var message: String {
        switch self {
        case .unrecognized(let token):
            return "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: \(token)"
        case .missingArgument(let name):
            return "org.apache.commons.cli.MissingArgumentException: Missing argument for option: \(name)"
        }
    }
}

struct OptionParser {
    let specs: [OptionSpec]

    init(_ specs: [OptionSpec]) { self.specs = specs }

    /// Parses `tokens` as `DefaultParser.parse(options, tokens)` does.
    func parse(_ tokens: [String]) throws(OptionParseError) -> ParsedOptions {
        var state = State()
        for token in tokens { try handle(token, &state) }
        try checkRequiredArgument(state)
        return state.result
    }

    private struct State {
        var result = ParsedOptions()
        var pending: Int?          // index of an option still waiting for its value
        var skipParsing = false
    }

    private func handle(_ token: String, _ state: inout State) throws(OptionParseError) {
        if state.skipParsing {
            state.result.args.append(token)
        } else if token == "--" {
            state.skipParsing = true
        } else if let p = state.pending, isArgument(token) {
            state.result.options[p].value = token
            state.pending = nil
        } else if token.hasPrefix("--") {
            throw .unrecognized(token)     // no command has long options
        } else if token.hasPrefix("-") && token != "-" {
            try handleShort(token, &state)
        } else {
            state.result.args.append(token)
        }
    }

    private func handleShort(_ token: String, _ state: inout State) throws(OptionParseError) {
        let t = String(token.dropFirst())
        if let eq = t.firstIndex(of: "=") {
            let name = String(t[..<eq])
            guard name.count == 1, let spec = spec(name), spec.takesArgument else { throw .unrecognized(token) }
            try add(spec, &state)
            state.result.options[state.result.options.count - 1].value = String(t[t.index(after: eq)...])
            state.pending = nil
        } else if let spec = spec(t) {
            try add(spec, &state)
        } else if t.count == 1 {
            throw .unrecognized(token)
        } else {
            try handleConcatenated(token, &state)
        }
    }

    private func handleConcatenated(_ token: String, _ state: inout State) throws(OptionParseError) {
        let chars = Array(token)
        for i in 1..<chars.count {
            guard let spec = spec(String(chars[i])) else { throw .unrecognized(token) }
            try add(spec, &state)
            if state.pending != nil && i + 1 != chars.count {
                state.result.options[state.result.options.count - 1].value = String(chars[(i + 1)...])
                state.pending = nil
                break
            }
        }
    }

    private func add(_ spec: OptionSpec, _ state: inout State) throws(OptionParseError) {
        try checkRequiredArgument(state)
        state.result.options.append(.init(name: spec.name, value: nil))
        state.pending = spec.takesArgument ? state.result.options.count - 1 : nil
    }

    private func checkRequiredArgument(_ state: State) throws(OptionParseError) {
        if let p = state.pending { throw .missingArgument(state.result.options[p].name) }
    }

    /// `Options.hasShortOption` (leading hyphens stripped).
    private func spec(_ name: String) -> OptionSpec? {
        var n = Substring(name)
        if n.hasPrefix("--") { n = n.dropFirst(2) } else if n.hasPrefix("-") { n = n.dropFirst() }
        return specs.first { $0.name == n }
    }

    private func isArgument(_ token: String) -> Bool { !isShortOption(token) || isJavaDouble(token) }

    private func isShortOption(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return false }
        let body = token.dropFirst()
        let name = body.firstIndex(of: "=").map { String(body[..<$0]) } ?? String(body)
        if spec(name) != nil { return true }
        return name.first.map { spec(String($0)) != nil } ?? false
    }
}

/// Whether Java's `Double.parseDouble` accepts `text` (decimal forms, NaN, Infinity, f/d suffix).
func isJavaDouble(_ text: String) -> Bool {
    var s = Substring(text)
    while let f = s.first, f.unicodeScalars.first!.value <= 0x20 { s = s.dropFirst() }
    while let l = s.last, l.unicodeScalars.first!.value <= 0x20 { s = s.dropLast() }
    if s.first == "+" || s.first == "-" { s = s.dropFirst() }
    if s == "NaN" || s == "Infinity" { return true }
    if let l = s.last, "fFdD".contains(l) { s = s.dropLast() }
    var mantissa = s
    var exponent: Substring?
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = s[..<e]
        exponent = s[s.index(after: e)...]
    }
    let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let digits = parts.allSatisfy { $0.allSatisfy(\.isASCIIDigit) }
    guard digits, parts.contains(where: { !$0.isEmpty }), parts.count <= 2 else { return false }
    guard var exp = exponent else { return true }
    if exp.first == "+" || exp.first == "-" { exp = exp.dropFirst() }
    return !exp.isEmpty && exp.allSatisfy(\.isASCIIDigit)
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
