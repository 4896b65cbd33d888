import CorralClient
import ZooKeeperProtocol

/// Errors a recipe raises itself. ZooKeeper errors reach the caller unchanged as `KeeperError`
/// (after the recipe's retries on ConnectionLoss, see `RetryPolicy`); a cancelled wait throws
/// `CancellationError`. A wait that runs out of time is not an error: it returns `false` or `nil`.
public enum RecipeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// This contender's own znode is gone although the recipe still needs it: its session ended,
    /// or someone deleted the node.
    case ownNodeMissing(path: String)
    /// `acquire`/`enter`/`join` on an instance that already holds or is already waiting. Recipe
    /// instances are not re-entrant: use one instance per concurrent user.
    case alreadyInUse(String)
    /// `release`/`leave`/`resign` on an instance that does not hold the lock, barrier or membership.
    case notHeld(String)
    /// A queue's claiming delete met ConnectionLoss and its retry found the element gone: either the
    /// first delete was applied (the element is this caller's) or another consumer took it. The
    /// element's data is attached; the caller decides between at-least-once and at-most-once.
    case uncertainDelivery(path: String, data: [UInt8]?)
    /// A group member id is held by another member: another session's, or another `GroupMember` on
    /// the same client.
    case memberIdInUse(path: String)
    /// A precondition on an argument does not hold.
    case invalidArgument(String)
    /// A znode's data is not in the layout the recipe expects.
    case malformedData(path: String, reason: String)

    public var description: String {
        switch self {
        case .ownNodeMissing(let path): return "own znode \(path) is gone (session ended or node deleted)"
        case .alreadyInUse(let what): return "\(what) is already held or being acquired by this instance"
        case .notHeld(let what): return "\(what) is not held by this instance"
        case .uncertainDelivery(let path, _): return "delivery of \(path) is uncertain: ConnectionLoss during the claiming delete"
        case .memberIdInUse(let path): return "group member \(path) belongs to another member"
        case .invalidArgument(let why): return "invalid argument: \(why)"
        case .malformedData(let path, let reason): return "malformed data at \(path): \(reason)"
        }
    }
}

extension KeeperError {
    /// True for the errors after which the same request may be sent again on the same session:
    /// the connection dropped (the request may or may not have been applied) or timed out.
    var isRetryable: Bool { code == .connectionLoss || code == .operationTimeout }
}
