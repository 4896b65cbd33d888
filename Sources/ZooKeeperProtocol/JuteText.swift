/// Text forms of jute records, as Apache's jute runtime writes them.
public enum JuteText {
    /// `ToStringOutputArchive.escapeString` without its leading "'": NUL, LF, CR, ',', '}' and '%'
    /// written as "%00", "%0A", "%0D", "%2C", "%7D", "%25".
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\0": out += "%00"
            case "\n": out += "%0A"
            case "\r": out += "%0D"
            case ",": out += "%2C"
            case "}": out += "%7D"
            case "%": out += "%25"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
