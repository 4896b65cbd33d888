import CorralCore
import Logging
import ZooKeeperProtocol

/// Turns a zoo.cfg (or the embedded default) into `ServerOptions`.
public enum ServerLauncher {
    public static func options(configPath: String?, logger: Logger) throws -> ServerOptions {
        var options = ServerOptions()
        guard let configPath else { return options }
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        var props: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            props[trimmed[..<eq].trimmingCharacters(in: .whitespaces)] = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        let tick = Int32(props["tickTime"] ?? "") ?? 2000
        options.core = CoreConfig(tickTime: tick, minSessionTimeout: props["minSessionTimeout"].flatMap { Int32($0) },
                                  maxSessionTimeout: props["maxSessionTimeout"].flatMap { Int32($0) })
        options.core.extendedTypesEnabled = props["extendedTypesEnabled"] == "true"
        options.core.superDigest = props["DigestAuthenticationProvider.superDigest"]
        if let p = props["clientPort"].flatMap({ Int($0) }) { options.port = p }
        if let a = props["clientPortAddress"] { options.host = a }
        if let m = props["maxClientCnxns"].flatMap({ Int($0) }) { options.driver.maxClientConnectionsPerHost = m }
        if let w = props["4lw.commands.whitelist"] {
            options.fourLetterWordWhitelist = Set(w.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        if let b = props["jute.maxbuffer"].flatMap({ Int($0) }) { options.limits = JuteLimits(maxBuffer: b) }
        return options
    }
}
