import CorralCore
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ZooKeeperProtocol

/// Turns a zoo.cfg (or the embedded default) into `ServerOptions`.
public enum ServerLauncher {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads `configPath` (or the embedded default when nil), logs each config warning once, and
    /// derives the options of a standalone server.
    public static func options(configPath: String?, logger: Logger) throws -> ServerOptions {
        let config: ServerConfig
        if let configPath {
            do throws(ConfigError) {
                config = try ServerConfig.load(path: configPath)
            } catch {
                throw LaunchError(description: "Invalid config \(configPath): \(error)")
            }
        } else {
            config = ServerConfig.embeddedDefault()
        }
        for warning in config.warnings { logger.warning("\(warning.message)") }
        if config.isDistributed {
            logger.warning("Ensemble configuration found; this release runs standalone only (quorum is a later issue)")
        }
        var options = try options(from: config)
        options.driver.saslUsers = try saslUsers(jvmFlags: environment("SERVER_JVMFLAGS"), config: config)
        if options.driver.saslUsers != nil { logger.info("SASL DIGEST-MD5 authentication enabled") }
        return options
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    public static func options(from config: ServerConfig) throws -> ServerOptions {
        guard let address = config.clientAddress else {
            throw LaunchError(description: "clientPort is not set")
        }
        var options = ServerOptions()
        options.host = address.host
        options.port = address.port
        options.config = config
        var core = CoreConfig(tickTime: config.tickTime, minSessionTimeout: config.minSessionTimeout,
                              maxSessionTimeout: config.maxSessionTimeout)
        // Apache's standalone server creates session ids with server id 1 whatever myid says.
        core.serverId = config.isDistributed ? (config.serverId ?? 0) : 1
        core.extendedTypesEnabled = config.extendedTypesEnabled
        core.superDigest = config.superDigest
        core.reconfigEnabled = config.reconfigEnabled
        if let v = config.otherProperties["znode.container.checkIntervalMs"].flatMap({ Int64($0) }) {
            core.containerCheckInterval = v
        }
        if let v = config.otherProperties["znode.container.maxPerMinute"].flatMap({ Int($0) }) {
            core.containerMaxPerMinute = v
        }
        if let v = config.otherProperties["znode.container.maxNeverUsedIntervalMs"].flatMap({ Int64($0) }) {
            core.containerMaxNeverUsedInterval = v
        }
        options.core = core
        options.driver.maxClientConnectionsPerHost = Int(config.maxClientCnxns)
        options.limits = JuteLimits(maxBuffer: Int(config.juteMaxBuffer))
        options.fourLetterWordWhitelist = config.fourLetterWordWhitelist
        options.storage = storageOptions(from: config)
        return options
    }

    static func storageOptions(from config: ServerConfig) -> StorageOptions {
        var storage = StorageOptions(dataDir: config.dataDir,
                                     dataLogDir: config.dataLogDir.isEmpty ? nil : config.dataLogDir)
        storage.log.forceSync = config.forceSync
        storage.log.snapCount = Int(config.snapCount)
        storage.log.preAllocSize = config.preAllocSizeBytes
        storage.trustEmptySnapshot = config.otherProperties["snapshot.trust.empty"] == "true"
        storage.snapRetainCount = Int(config.snapRetainCount)
        storage.purgeIntervalHours = Int(config.purgeInterval)
        return storage
    }

    /// DIGEST-MD5 users from the JAAS file named in `jvmFlags` (zkServer.sh's SERVER_JVMFLAGS,
    /// `-Djava.security.auth.login.config=...`). Nil when no JAAS file is named or its server
    /// section is absent; an unreadable or malformed file is an error, as in Apache.
    public static func saslUsers(jvmFlags: String?, config: ServerConfig) throws -> [String: String]? {
        guard let jvmFlags, let path = JAASConfig.loginConfigPath(fromJVMFlags: jvmFlags) else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LaunchError(description: "cannot read JAAS config \(path): \(error)")
        }
        let jaas: JAASConfig
        do throws(JAASConfigError) {
            jaas = try JAASConfig(parsing: text, systemProperties: JAASConfig.systemProperties(fromJVMFlags: jvmFlags))
        } catch {
            throw LaunchError(description: "invalid JAAS config \(path): \(error)")
        }
        let superPassword = config.otherProperties["SASLAuthenticationProvider.superPassword"]
        return jaas.digestMD5Users(section: JAASConfig.serverSection(fromJVMFlags: jvmFlags), superPassword: superPassword)
    }
}
