import ZooKeeperProtocol

/// Who receives a watch's events: 0 is the default watcher (the `events()` streams); other ids are
/// per-call watchers (one-shot or persistent) owned by the shell.
typealias WatcherID = Int

enum WatchKind: Sendable, Equatable {
    case data, exist, child, persistent, persistentRecursive
}

/// A watch to register when its request succeeds (`exist` also when it fails with NoNode).
struct WatchRegistration: Sendable, Equatable {
    var kind: WatchKind
    /// Client-side path.
    var path: String
    var watcher: WatcherID
}

/// The client's watch table, with the rules of Apache's `ZKWatchManager`: which watchers an event
/// triggers, which of them are one-shot (removed when triggered), what is re-registered after a
/// reconnect, and what `removeWatches` removes. Pure; paths are client-side paths. A watcher appears
/// at most once per (kind, path), like Apache's `Set<Watcher>`.
struct WatchRegistry {
    private var tables: [WatchKind: [String: [WatcherID]]] = [
        .data: [:], .exist: [:], .child: [:], .persistent: [:], .persistentRecursive: [:],
    ]

    var isEmpty: Bool { tables.values.allSatisfy(\.isEmpty) }

    mutating func add(_ registration: WatchRegistration) {
        var watchers = tables[registration.kind]![registration.path, default: []]
        guard !watchers.contains(registration.watcher) else { return }
        watchers.append(registration.watcher)
        tables[registration.kind]![registration.path] = watchers
    }

    /// The watchers a node event triggers, one-shot ones removed from the table (Apache's
    /// `materialize`). Persistent watches on the path fire for every type; recursive ones on the path
    /// or an ancestor fire for every type except NodeChildrenChanged.
    mutating func trigger(_ type: EventType, path: String) -> [WatcherID] {
        var result: [WatcherID] = []
        func take(_ kind: WatchKind) {
            for id in tables[kind]!.removeValue(forKey: path) ?? [] where !result.contains(id) { result.append(id) }
        }
        switch type {
        case .nodeCreated, .nodeDataChanged: take(.data); take(.exist)
        case .nodeChildrenChanged: take(.child)
        case .nodeDeleted: take(.data); take(.exist); take(.child)
        case .none, .dataWatchRemoved, .childWatchRemoved, .persistentWatchRemoved: return []
        }
        for id in tables[.persistent]![path] ?? [] where !result.contains(id) { result.append(id) }
        guard type != .nodeChildrenChanged else { return result }
        for ancestor in Self.selfAndAncestors(path) {
            for id in tables[.persistentRecursive]![ancestor] ?? [] where !result.contains(id) { result.append(id) }
        }
        return result
    }

    /// Every registered watcher (session-state events go to all of them), in a stable order.
    func allWatchers() -> [WatcherID] {
        var result: [WatcherID] = []
        for kind in [WatchKind.data, .exist, .child, .persistent, .persistentRecursive] {
            for path in tables[kind]!.keys.sorted() {
                for id in tables[kind]![path]! where !result.contains(id) { result.append(id) }
            }
        }
        return result
    }

    mutating func removeAll() { for kind in tables.keys { tables[kind] = [:] } }

    /// Whether `removeWatches(path, type)` has anything to remove (else Apache's client throws
    /// NoWatcher without asking the server).
    func contains(path: String, type: WatcherType) -> Bool {
        Self.kinds(for: type).contains { !(tables[$0]![path]?.isEmpty ?? true) }
    }

    /// Removes every watch of `type` on `path`; returns each removed watcher with the event it gets
    /// (DataWatchRemoved, ChildWatchRemoved or PersistentWatchRemoved), as Apache's `removeWatcher`.
    mutating func remove(path: String, type: WatcherType) -> [(WatcherID, EventType)] {
        var removed: [(WatcherID, EventType)] = []
        for kind in Self.kinds(for: type) {
            let event: EventType
            switch kind {
            case .child: event = .childWatchRemoved
            case .data, .exist: event = .dataWatchRemoved
            case .persistent, .persistentRecursive: event = .persistentWatchRemoved
            }
            for id in tables[kind]!.removeValue(forKey: path) ?? []
            where !removed.contains(where: { $0.0 == id && $0.1 == event }) {
                removed.append((id, event))
            }
        }
        return removed
    }

    /// Removes one watcher everywhere (its stream was dropped by the user).
    mutating func remove(watcher: WatcherID) {
        for kind in tables.keys {
            for (path, ids) in tables[kind]! where ids.contains(watcher) {
                let rest = ids.filter { $0 != watcher }
                tables[kind]![path] = rest.isEmpty ? nil : rest
            }
        }
    }

    /// The SetWatches/SetWatches2 records that re-register every watch after a reconnect, in
    /// batches of about 128 KiB of path text as Apache's `primeConnection`. SetWatches (101) when a
    /// batch has no persistent watches, SetWatches2 (105) otherwise. `serverPath` adds the chroot.
    func setWatchesRecords(relativeZxid: Int64, serverPath: (String) -> String) -> [SetWatches] {
        let maxBatchLength = 128 * 1024
        var queue: [(WatchKind, String)] = []
        for kind in [WatchKind.data, .exist, .child, .persistent, .persistentRecursive] {
            for path in tables[kind]!.keys.sorted() { queue.append((kind, serverPath(path))) }
        }
        var records: [SetWatches] = []
        var index = 0
        while index < queue.count {
            var record = SetWatches(relativeZxid: relativeZxid)
            var length = 0
            while index < queue.count, length < maxBatchLength {
                let (kind, path) = queue[index]
                switch kind {
                case .data: record.dataWatches.append(path)
                case .exist: record.existWatches.append(path)
                case .child: record.childWatches.append(path)
                case .persistent: record.persistentWatches.append(path)
                case .persistentRecursive: record.persistentRecursiveWatches.append(path)
                }
                length += path.utf8.count
                index += 1
            }
            record.isVersion2 = !record.persistentWatches.isEmpty || !record.persistentRecursiveWatches.isEmpty
            records.append(record)
        }
        return records
    }

    static func kinds(for type: WatcherType) -> [WatchKind] {
        switch type {
        case .children: return [.child]
        case .data: return [.data, .exist]
        case .any: return [.child, .data, .exist, .persistent, .persistentRecursive]
        case .persistent: return [.persistent]
        case .persistentRecursive: return [.persistentRecursive]
        }
    }

    /// "/a/b" -> ["/a/b", "/a", "/"] (Apache's `PathParentIterator.forAll`).
    static func selfAndAncestors(_ path: String) -> [String] {
        var result = [path]
        var current = Substring(path)
        while current != "/" {
            guard let slash = current.lastIndex(of: "/") else { break }
            current = slash == current.startIndex ? "/" : current[..<slash]
            result.append(String(current))
        }
        return result
    }
}
