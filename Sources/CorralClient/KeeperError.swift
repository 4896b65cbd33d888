import ZooKeeperProtocol

/// An operation's failure, carrying Apache's `KeeperException.Code`.
///
/// Errors the server sends carry its code and the path of the request. Errors made by the client
/// itself use the codes Apache's client uses: `.connectionLoss` for a request that was in flight
/// when the connection dropped (it may or may not have been applied), `.sessionExpired` once the
/// session is gone or the client was closed, `.badArguments` with a `message` for a request the
/// client refuses to send (an invalid path, as Apache's `IllegalArgumentException`),
/// `.marshallingError` for a reply that cannot be decoded.
public struct KeeperError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    /// The client-side path the operation was about, when there is one.
    public var path: String?
    /// For a failed multi: one result per op, as Apache's `KeeperException.getResults()`.
    public var results: [MultiResult]?
    /// A client-side explanation (argument errors); replaces the code text in `description`.
    public var message: String?

    public init(_ code: ErrorCode, path: String? = nil, results: [MultiResult]? = nil, message: String? = nil) {
        self.code = code; self.path = path; self.results = results; self.message = message
    }

    /// Apache's `KeeperException.getMessage()`: "KeeperErrorCode = NoNode for /a".
    public var description: String {
        if let message { return message }
        guard let path, !path.isEmpty else { return "KeeperErrorCode = \(Self.codeName(code))" }
        return "KeeperErrorCode = \(Self.codeName(code)) for \(path)"
    }

    /// Apache's `KeeperException.getCodeMessage(code)`.
    public static func codeName(_ code: ErrorCode) -> String {
        switch code {
        case .ok: return "ok"
        case .systemError: return "SystemError"
        case .runtimeInconsistency: return "RuntimeInconsistency"
        case .dataInconsistency: return "DataInconsistency"
        case .connectionLoss: return "ConnectionLoss"
        case .marshallingError: return "MarshallingError"
        case .newConfigNoQuorum: return "NewConfigNoQuorum"
        case .reconfigInProgress: return "ReconfigInProgress"
        case .unimplemented: return "Unimplemented"
        case .operationTimeout: return "OperationTimeout"
        case .badArguments: return "BadArguments"
        case .apiError: return "APIError"
        case .noNode: return "NoNode"
        case .noAuth: return "NoAuth"
        case .badVersion: return "BadVersion"
        case .noChildrenForEphemerals: return "NoChildrenForEphemerals"
        case .nodeExists: return "NodeExists"
        case .invalidACL: return "InvalidACL"
        case .authFailed: return "AuthFailed"
        case .notEmpty: return "Directory not empty"
        case .sessionExpired: return "Session expired"
        case .invalidCallback: return "Invalid callback"
        case .sessionMoved: return "Session moved"
        case .notReadOnly: return "Not a read-only call"
        case .ephemeralOnLocalSession: return "Ephemeral node on local session"
        case .noWatcher: return "No such watcher"
        case .reconfigDisabled: return "Reconfig is disabled"
        case .sessionClosedRequireSaslAuth: return "Session closed because client failed to authenticate"
        case .quotaExceeded: return "Quota has exceeded"
        case .throttledOp: return "Op throttled due to high load"
        case .unknownSession: return "Unknown error UNKNOWNSESSION"
        case .requestTimeout: return "Unknown error REQUESTTIMEOUT"
        }
    }

    /// An invalid client path, worded as Apache's `PathUtils.validatePath`.
    static func invalidPath(_ path: String) -> KeeperError {
        KeeperError(.badArguments, path: path, message: "Invalid path string \"\(path)\"")
    }
}
