/// Path rules of Apache's `PathUtils.validatePath` and the parent/child split of `DataTree`.
public enum ZNodePath {
    /// The znodes every server has and no client may delete (Apache's `DataTree.isSpecialPath`).
    public static let special: Set<String> = ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]
    public static let configNode = "/zookeeper/config"

    /// True when Apache's `PathUtils.validatePath` accepts `path`.
    public static func isValid(_ path: String) -> Bool {
        var scalars = path.unicodeScalars.makeIterator()
        guard scalars.next() == "/" else { return false }
        if path.utf8.count == 1 { return true }
        guard path.utf8.last != UInt8(ascii: "/") else { return false }
        // Walk segments: no empty segment, no "." or "..", no forbidden characters.
        var segmentLength = 0
        var segmentDots = 0
        while let c = scalars.next() {
            if c == "/" {
                if segmentLength == 0 || segmentLength == segmentDots && segmentDots <= 2 { return false }
                segmentLength = 0; segmentDots = 0
                continue
            }
            guard isAllowed(c) else { return false }
            segmentLength += 1
            if c == "." { segmentDots += 1 }
        }
        return !(segmentLength == segmentDots && segmentDots <= 2)
    }

    /// Java checks UTF-16 code units: control characters, 0x7f-0x9f, surrogates and the private-use
    /// area (0xd800-0xf8ff), and 0xfff0-0xffff are rejected; characters outside the BMP arrive as
    /// surrogate pairs and are rejected too.
    static func isAllowed(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v == 0 || v <= 0x1f { return false }
        if v >= 0x7f && v <= 0x9f { return false }
        if v >= 0xd800 && v <= 0xf8ff { return false }
        if v >= 0xfff0 { return false }
        return true
    }

    /// Splits "/a/b" into ("/a", "b") and "/a" into ("/", "a"). Precondition: `path` contains a "/".
    public static func split(_ path: String) -> (parent: String, name: Substring)? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        return (parent, path[path.index(after: slash)...])
    }

    /// Joins a parent path and a child name.
    public static func child(_ parent: String, _ name: Substring) -> String {
        parent == "/" ? "/" + name : parent + "/" + name
    }
}
