/// How Apache ZooKeeper's `persistence.Util` reads zxids out of file names.
public enum ApacheFileName {
    /// `Util.getZxidFromName(name, prefix)`: the name split at every "." (Java's `String.split`,
    /// which drops trailing empty parts); if there are at least two parts and the first is
    /// `prefix`, the second parsed as a signed hex long (`Long.parseLong(_, 16)`, so "-5" is -5 and
    /// "ffffffffffffffff" is out of range); -1 otherwise. "log.1f.bak" gives 0x1f, "log.zz" -1.
    public static func zxid(fromName name: String, prefix: String) -> Int64 {
        let parts = javaSplitOnDots(name)
        guard parts.count >= 2, parts[0] == prefix else { return -1 }
        return JavaText.parseLong(parts[1], radix: 16) ?? -1
    }

    /// Java's `name.split("\\.")`.
    static func javaSplitOnDots(_ name: String) -> [Substring] {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 1 {
            while let last = parts.last, last.isEmpty { parts.removeLast() }
        }
        return parts
    }
}
