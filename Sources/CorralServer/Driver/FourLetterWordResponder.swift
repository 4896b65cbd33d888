import CorralCore

/// Answers four-letter words from the driver's live state, honouring `4lw.commands.whitelist`.
struct FourLetterWordResponder: Sendable {
    let whitelist: Set<String>

    func isFourLetterWord(_ word: String) -> Bool {
        FourLetterWord(name: word) != nil
    }

    func respond(_ word: String, driver: ServerDriver) -> String {
        guard whitelist.contains("*") || whitelist.contains(word) else {
            return "\(word) is not executed because it is not in the whitelist.\n"
        }
        switch word {
        case "ruok": return "imok"
        case "isro": return "rw"
        default: return ""
        }
    }
}
