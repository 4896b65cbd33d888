import ZooKeeperProtocol

/// Identifies one client connection to the shell. Watches belong to connections, as in Apache.
public typealias ConnectionID = UInt64

/// The modes a connection may hold on one path in one watch table (a bit set, like Apache's WatchStats).
public struct WatchModes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let standard = WatchModes(rawValue: 1)
    public static let persistent = WatchModes(rawValue: 2)
    public static let persistentRecursive = WatchModes(rawValue: 4)
}

/// One of Apache's two watch tables (data watches, child watches). Standard watches fire once;
/// persistent ones stay; recursive ones also fire for events on descendants.
public struct WatchTable: Sendable {
    /// path -> connection -> modes.
    public private(set) var byPath: [String: [ConnectionID: WatchModes]] = [:]
    /// connection -> path -> modes (to drop a connection's watches and for wchc).
    public private(set) var byConnection: [ConnectionID: [String: WatchModes]] = [:]
    private(set) var recursiveCount = 0

    public init() {}

    public var watchCount: Int { byConnection.values.reduce(0) { $0 + $1.count } }
    public var pathCount: Int { byPath.count }

    public mutating func add(_ path: String, _ conn: ConnectionID, _ mode: WatchModes) {
        let old = byConnection[conn]?[path] ?? []
        guard !old.contains(mode) else { return }
        byPath[path, default: [:]][conn] = old.union(mode)
        byConnection[conn, default: [:]][path] = old.union(mode)
        if mode == .persistentRecursive { recursiveCount += 1 }
    }

    public func contains(_ path: String, _ conn: ConnectionID, _ mode: WatchModes?) -> Bool {
        guard let modes = byConnection[conn]?[path] else { return false }
        guard let mode else { return !modes.isEmpty }
        return modes.contains(mode)
    }

    /// Removes `mode` (or every mode when nil); true if something was removed.
    @discardableResult
    public mutating func remove(_ path: String, _ conn: ConnectionID, _ mode: WatchModes?) -> Bool {
        guard let old = byConnection[conn]?[path] else { return false }
        let removing = mode.map { old.intersection($0) } ?? old
        guard !removing.isEmpty else { return false }
        if removing.contains(.persistentRecursive) { recursiveCount -= 1 }
        set(path, conn, old.subtracting(removing))
        return true
    }

    public mutating func removeConnection(_ conn: ConnectionID) {
        guard let paths = byConnection.removeValue(forKey: conn) else { return }
        for (path, modes) in paths {
            byPath[path]?[conn] = nil
            if byPath[path]?.isEmpty == true { byPath[path] = nil }
            if modes.contains(.persistentRecursive) { recursiveCount -= 1 }
        }
    }

    private mutating func set(_ path: String, _ conn: ConnectionID, _ modes: WatchModes) {
        if modes.isEmpty {
            byPath[path]?[conn] = nil
            if byPath[path]?.isEmpty == true { byPath[path] = nil }
            byConnection[conn]?[path] = nil
            if byConnection[conn]?.isEmpty == true { byConnection[conn] = nil }
        } else {
            byPath[path]![conn] = modes
            byConnection[conn]![path] = modes
        }
    }

    /// The connections to notify of an event on `path`, consuming standard watches (Apache's
    /// `WatchManager.triggerWatch`). Recursive watches on ancestors match too. Sorted for determinism.
    public mutating func trigger(_ path: String) -> [ConnectionID] {
        var hit: Set<ConnectionID> = []
        if let watchers = byPath[path] {
            for (conn, modes) in watchers {
                hit.insert(conn)
                if modes.contains(.standard) { set(path, conn, modes.subtracting(.standard)) }
            }
        }
        if recursiveCount > 0 {
            var p = path
            while p != "/", let (parent, _) = ZNodePath.split(p) {
                p = parent
                guard let watchers = byPath[p] else { continue }
                for (conn, modes) in watchers where modes.contains(.persistentRecursive) { hit.insert(conn) }
            }
        }
        return hit.sorted()
    }
}
