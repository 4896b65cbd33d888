/// A four-letter-word command on the client port (Apache `FourLetterCommands`).
///
/// Apache reads the first 4 bytes of a new connection as a big-endian `Int32` frame length and,
/// before treating the frame as a `ConnectRequest`, checks whether that integer is the code of a
/// known command. `FourLetterWord(code:)` performs exactly that check.
public enum FourLetterWord: String, CaseIterable, Sendable, Hashable {
    case conf, cons, crst, dirs, dump, envi, gtmk, ruok, stmk, srst, srvr, stat, wchc, wchp, wchs, mntr,
         isro, hash
    /// The bytes `FF F4 FF FD` that telnet sends when it closes; Apache knows it as "telnet close".
    case telnetClose = "telnet close"

    /// The Apache command name, as used in `4lw.commands.whitelist` and in the whitelist error text.
    public var name: String { rawValue }

    /// The command's big-endian `Int32` code: its 4 ASCII bytes read as a frame length.
    public var code: Int32 {
        if self == .telnetClose { return Int32(bitPattern: 0xfff4_fffd) }
        return rawValue.utf8.reduce(Int32(0)) { ($0 << 8) | Int32($1) }
    }

    /// Returns the command whose code is `code`, or nil when `code` is no known command (then the
    /// 4 bytes are an ordinary frame length).
    public init?(code: Int32) {
        guard let word = FourLetterWord.byCode[code] else { return nil }
        self = word
    }

    /// Returns the command spelled by the first 4 bytes of `bytes`, or nil when fewer than 4 bytes
    /// are given or they are no known command. Bytes after the fourth are ignored.
    public init?<Bytes: Sequence>(firstBytesOf bytes: Bytes) where Bytes.Element == UInt8 {
        var code: Int32 = 0
        var count = 0
        for byte in bytes.prefix(4) {
            code = (code << 8) | Int32(byte)
            count += 1
        }
        guard count == 4 else { return nil }
        self.init(code: code)
    }

    /// Returns the command named `name` (as in the whitelist), or nil for an unknown name.
    public init?(name: String) {
        self.init(rawValue: name)
    }

    /// How many bytes the command reads after its 4-byte code: `stmk` is followed by an 8-byte
    /// big-endian trace mask; every other command by nothing.
    public var argumentLength: Int { self == .stmk ? 8 : 0 }

    private static let byCode: [Int32: FourLetterWord] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0.code, $0) })
}

/// The set of four-letter words a server executes (Apache `zookeeper.4lw.commands.whitelist`).
///
/// Guarantees, as in Apache 3.8 `FourLetterCommands.isEnabled`: `srvr` is always enabled; `*`
/// enables every known command (including `telnet close`); names are trimmed and empty names
/// skipped; with no setting at all only `srvr` is enabled.
public struct FourLetterWordWhitelist: Sendable, Hashable {
    /// The enabled commands.
    public private(set) var words: Set<FourLetterWord>
    /// Names in the setting that are no known command (Apache keeps and ignores them).
    public private(set) var unknownNames: [String]

    /// Apache's default when `4lw.commands.whitelist` is absent: only `srvr`.
    public static let apacheDefault = FourLetterWordWhitelist(words: [.srvr])

    /// Every known command.
    public static let all = FourLetterWordWhitelist(words: Set(FourLetterWord.allCases))

    /// A whitelist of exactly `words` plus `srvr`.
    public init(words: Set<FourLetterWord>) {
        self.words = words.union([.srvr])
        self.unknownNames = []
    }

    /// Parses the comma-separated setting exactly as Apache does (see the type's guarantees).
    /// `readOnlyModeEnabled` mirrors Apache's `readonlymode.enabled`, which also enables `isro`.
    public init(parsing setting: String, readOnlyModeEnabled: Bool = false) {
        var words: Set<FourLetterWord> = [.srvr]
        var unknown: [String] = []
        for item in setting.split(separator: ",", omittingEmptySubsequences: false) {
            let name = javaTrim(String(item))
            if name == "*" {
                words.formUnion(FourLetterWord.allCases)
                break
            }
            if name.isEmpty { continue }
            if let word = FourLetterWord(name: name) { words.insert(word) } else { unknown.append(name) }
        }
        if readOnlyModeEnabled { words.insert(.isro) }
        self.words = words
        self.unknownNames = unknown
    }

    /// Whether `word` may be executed.
    public func allows(_ word: FourLetterWord) -> Bool { words.contains(word) }
}

/// Java's `String.trim()`: strips every character <= U+0020 from both ends.
func javaTrim(_ string: String) -> String {
    let scalars = string.unicodeScalars
    guard let first = scalars.firstIndex(where: { $0.value > 0x20 }),
          let last = scalars.lastIndex(where: { $0.value > 0x20 })
    else { return "" }
    return String(scalars[first...last])
}
