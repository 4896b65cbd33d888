/// The kinds of request `corral bench` sends. Every kind but `create` and `delete` targets one of
/// the `--nodes` data nodes created in setup; `create` makes a sequential child (ephemeral with
/// `--ephemeral`) and `delete` removes one this session created earlier.
public enum BenchOp: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// getData of a data node.
    case getData
    /// exists of a data node.
    case exists
    /// getChildren of a data node (a leaf: the reply is an empty list, so this measures the
    /// request path rather than list encoding).
    case getChildren
    /// setData of the `--payload` bytes on a data node, any version.
    case setData
    /// create of a sequential child `<path>/c-<session>-NNNNNNNNNN` holding the payload.
    case create
    /// delete (any version) of the oldest child this session created and has not deleted yet.
    case delete
    /// multi of check(any version) + setData on the same data node.
    case multi

    /// The name used in `--mix`, the report and the JSON (ZooKeeper's API names).
    public var name: String {
        switch self {
        case .getData: return "getData"
        case .exists: return "exists"
        case .getChildren: return "getChildren"
        case .setData: return "setData"
        case .create: return "create"
        case .delete: return "delete"
        case .multi: return "multi"
        }
    }

    public var description: String { name }

    /// The op named `name`, compared without regard to case; nil for an unknown name.
    public init?(name: Substring) {
        guard let op = BenchOp.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = op
    }

    /// Whether the op targets one of the pre-created data nodes.
    var targetsDataNode: Bool {
        switch self {
        case .getData, .exists, .getChildren, .setData, .multi: return true
        case .create, .delete: return false
        }
    }
}
