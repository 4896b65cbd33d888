import CorralClient
import ZooKeeperProtocol

/// Path helpers for the layouts recipes build under their base path.
enum RecipePath {
    /// `parent` + "/" + `name` (no doubled slash under the root).
    static func child(_ parent: String, _ name: String) -> String {
        parent == "/" ? "/" + name : parent + "/" + name
    }

    /// The last segment of `path`: "c" for "/a/b/c".
    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The parent of `path`: "/a/b" for "/a/b/c", "/" for "/a".
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// Throws `RecipeError.invalidArgument` unless `path` is a valid absolute znode path other than "/".
    static func validate(_ path: String) throws(RecipeError) {
        guard path != "/", ZNodePath.isValid(path) else {
            throw RecipeError.invalidArgument("\"\(path)\" is not a valid znode path for a recipe")
        }
    }
}

extension ZooKeeperClient {
    /// Creates `path` and any missing ancestors as empty persistent znodes (kazoo's `ensure_path`,
    /// Curator's `creatingParentsIfNeeded`). Existing nodes are left alone. Idempotent, so each
    /// step is retried on ConnectionLoss.
    func ensurePath(_ path: String, retry: RetryPolicy) async throws {
        guard path != "/" else { return }
        do {
            try await createPersistentIfAbsent(path, retry: retry)
        } catch let error as KeeperError where error.code == .noNode {
            try await ensurePath(RecipePath.parent(of: path), retry: retry)
            try await createPersistentIfAbsent(path, retry: retry)
        }
    }

    /// Creates an empty persistent `path` unless it exists; true when this call created it.
    /// (A retried create that meets NodeExists reports false even if its first attempt made the node:
    /// for a persistent node nobody owns that difference does not matter.)
    @discardableResult
    func createPersistentIfAbsent(_ path: String, data: [UInt8]? = nil, retry: RetryPolicy) async throws -> Bool {
        do {
            _ = try await retry.run { try await create(path, data: data, mode: .persistent) }
            return true
        } catch let error as KeeperError where error.code == .nodeExists {
            return false
        }
    }

    /// Deletes `path` (at `version`, -1 for any); true when it was there. A retry after
    /// ConnectionLoss that finds no node counts as deleted (this call's first attempt or someone
    /// else removed it; either way it is gone).
    @discardableResult
    func deleteIfPresent(_ path: String, version: Int32 = -1, retry: RetryPolicy) async throws -> Bool {
        do {
            try await retry.run { try await delete(path, version: version) }
            return true
        } catch let error as KeeperError where error.code == .noNode {
            return false
        }
    }

    /// The children of `path`, retried on ConnectionLoss.
    func children(of path: String, retry: RetryPolicy) async throws -> [String] {
        try await retry.run { try await getChildren(path).children }
    }

    /// True once the session is over for good (expired, closed or auth failed): no retry can help.
    var sessionIsOver: Bool {
        switch state {
        case .expired, .closed, .authFailed: return true
        case .connecting, .connected, .connectedReadOnly, .disconnected: return false
        }
    }
}
