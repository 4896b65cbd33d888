import CorralCore

/// Answers four-letter words from the driver's live state, honouring `4lw.commands.whitelist`.
struct FourLetterWordResponder: Sendable {
    let whitelist: FourLetterWordWhitelist

    func isFourLetterWord(_ word: String) -> Bool {
        FourLetterWord(name: word) != nil
    }

    func respond(_ word: String, driver: ServerDriver) -> String {
        guard let w = FourLetterWord(name: word), whitelist.allows(w) else {
            return "\(word) is not executed because it is not in the whitelist.\n"
        }
        switch word {
        case "ruok": return "imok"
        case "isro": return "rw"
        default: return ""
        }
    }
}
