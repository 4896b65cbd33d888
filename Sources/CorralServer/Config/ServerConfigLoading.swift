import Foundation

extension ServerConfig {
    /// Reads and parses the `zoo.cfg` at `path`, the dynamic configuration file it names (if
    /// any) and `<dataDir>/myid` (if it is a regular file). Relative paths inside the file are
    /// relative to the working directory, as in Apache. Text is read as UTF-8, or as ISO-8859-1
    /// (Java's `Properties` encoding) when it is not valid UTF-8.
    public static func load(path: String) throws(ConfigError) -> ServerConfig {
        guard let text = try readRegularFile(path) else {
            throw .unreadable(path: path, reason: "file is missing")
        }
        return try ServerConfig(parsing: text, readFile: readRegularFile)
    }

    /// The contents of the regular file at `path`, nil when there is no regular file there.
    static func readRegularFile(_ path: String) throws(ConfigError) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
        else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: String(describing: error))
        }
        if let text = String(data: data, encoding: .utf8) { return text }
        return String(decoding: data.map { UInt16($0) }, as: UTF16.self)
    }
}
