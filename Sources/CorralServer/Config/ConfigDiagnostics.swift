/// A configuration Apache ZooKeeper would refuse to start with (or Corral cannot honour safely).
/// Every case names the offending key and value where there is one.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// Java `Properties.load` rejected the text (bad `\uXXXX` escape).
    case malformedProperties(reason: String)
    /// Not a Java `int`/`long` (Apache: NumberFormatException).
    case invalidNumber(key: String, value: String)
    /// Not `true`/`false` (Apache: "Invalid option ... Choose 'true' or 'false.'").
    case invalidBoolean(key: String, value: String)
    /// A value Apache rejects for another reason (port out of range, unknown peerType, ...).
    case invalidValue(key: String, value: String, reason: String)
    /// A required key is absent (dataDir; tickTime; initLimit/syncLimit in a quorum).
    case missingKey(String)
    /// A quorum configuration without a myid file in dataDir.
    case missingMyid(dataDir: String)
    /// The myid file's first line is not a number.
    case invalidMyid(String)
    /// Keys that are individually valid but contradict each other.
    case inconsistent(String)
    /// A valid Apache setting Corral cannot run with (e.g. hierarchical quorums).
    case unsupported(key: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .malformedProperties(let reason): return "malformed properties file: \(reason)"
        case .invalidNumber(let key, let value): return "\(key)=\(value): '\(value)' is not a valid number"
        case .invalidBoolean(let key, let value):
            return "\(key)=\(value): Invalid option \(value) for \(key). Choose 'true' or 'false.'"
        case .invalidValue(let key, let value, let reason): return "\(key)=\(value): \(reason)"
        case .missingKey(let key): return "\(key) is not set"
        case .missingMyid(let dataDir): return "myid file is missing (expected \(dataDir)/myid)"
        case .invalidMyid(let contents): return "serverid \(contents) is not a number"
        case .inconsistent(let reason): return reason
        case .unsupported(let key, let reason): return "\(key): \(reason)"
        }
    }
}

/// Something in the configuration Corral ignores or adjusted. Never fatal; the shell logs each
/// warning once.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A key neither Apache nor Corral knows.
        case unknownKey
        /// A setting that only means something to the Java implementation (JVM, JKS keystores,
        /// SASL/Kerberos, Java class names, ...).
        case javaOnly
        /// An Apache setting Corral does not implement; it is ignored.
        case notImplemented
        /// A malformed value Apache silently replaces with its default; Corral does the same.
        case invalidValueIgnored
        /// A value Apache adjusts (e.g. autopurge.snapRetainCount below 3 becomes 3).
        case adjusted
        /// Advice Apache also logs (relative paths, single-server quorum, ...).
        case advice
    }

    public var kind: Kind
    /// The key concerned ("" when none).
    public var key: String
    public var message: String

    public init(kind: Kind, key: String, message: String) {
        self.kind = kind
        self.key = key
        self.message = message
    }

    public var description: String { message }
}
