import ZooKeeperProtocol

/// Reads and session-local requests, answered from the local tree in the session's FIFO order
/// (Apache's `FinalRequestProcessor` for non-txn requests).
extension ServerCore {
    mutating func answerRead(_ conn: ConnectionID, xid: Int32, _ request: Request, _ effects: inout [CoreEffect]) {
        let ids = connections[conn]?.authInfo ?? []
        var response = Response.empty
        var code = ErrorCode.ok
        do throws(ErrorCode) {
            response = try read(conn, request, ids: ids, &effects)
        } catch {
            code = error
        }
        let replyXid: Int32
        switch request {
        case .ping: replyXid = Xid.ping
        case .setWatches: replyXid = Xid.setWatches
        default: replyXid = xid
        }
        effects.append(.reply(conn, ReplyHeader(xid: replyXid, zxid: lastAppliedZxid, err: code.rawValue), response))
    }

    mutating func read(_ conn: ConnectionID, _ request: Request, ids: [Id], _ effects: inout [CoreEffect]) throws(ErrorCode) -> Response {
        switch request {
        case .ping:
            return .empty
        case .sync(let path):
            return .path(path)
        case .exists(let path, let watch):
            guard !path.utf8.contains(0) else { throw .badArguments }
            // Apache 3.8 (the reference release) answers exists without a READ check; 3.9 added
            // one. A watch is set even for a missing node.
            if watch { dataWatches.add(path, conn, .standard) }
            guard let n = tree.node(path) else { throw .noNode }
            return .stat(tree.stat(of: n))
        case .getData(let path, let watch):
            let n = try readable(path, ids)
            if watch { dataWatches.add(path, conn, .standard) }
            return .data(n.data, tree.stat(of: n))
        case .getChildren(let op, let path, let watch):
            let n = try readable(path, ids)
            if watch { childWatches.add(path, conn, .standard) }
            return op == .getChildren2 ? .children2(Array(n.children), tree.stat(of: n)) : .children(Array(n.children))
        case .getACL(let path):
            guard let n = tree.node(path) else { throw .noNode }
            let acl = tree.acl(of: n)
            try checkACL(acl, Perms.read | Perms.admin, ids)
            if Auth.allows(acl, perm: Perms.admin, ids: ids) { return .acl(acl, tree.stat(of: n)) }
            return .acl(acl.map(redacted), tree.stat(of: n))
        case .getAllChildrenNumber(let path):
            _ = try readable(path, ids)
            return .number(Int32(clamping: tree.descendantCount(path)))
        case .getEphemerals(let prefix):
            let sid = connections[conn]?.sessionId ?? 0
            let all = (tree.ephemerals[sid] ?? []).sorted()
            let trimmed = prefix.trimmingSpaces
            if trimmed.isEmpty || trimmed == "/" { return .strings(all) }
            return .strings(all.filter { $0.hasPrefix(prefix) })
        case .multiRead(let ops):
            return .multi(ops.map { op in multiReadOne(op, ids) })
        case .whoAmI:
            return .whoAmI(ids.map { ClientInfo(authScheme: $0.scheme, user: userName($0)) })
        case .setWatches(let s):
            setWatches(conn, s, &effects)
            return .empty
        case .addWatch(let path, let mode):
            switch AddWatchMode(rawValue: mode) {
            case .persistent:
                dataWatches.add(path, conn, .persistent)
                childWatches.add(path, conn, .persistent)
            case .persistentRecursive:
                dataWatches.add(path, conn, .persistentRecursive)
            case nil:
                // WatcherMode.fromZooDef throws IllegalArgumentException: Apache answers MarshallingError.
                throw .marshallingError
            }
            return .number(0)
        case .checkWatches(let path, let type):
            guard try watchQuery(conn, path, type, remove: false) else { throw .noWatcher }
            return .empty
        case .removeWatches(let path, let type):
            guard try watchQuery(conn, path, type, remove: true) else { throw .noWatcher }
            return .empty
        case .sasl:
            throw .authFailed
        default:
            throw .unimplemented
        }
    }

    func readable(_ path: String, _ ids: [Id]) throws(ErrorCode) -> ZNode {
        guard let n = tree.node(path) else { throw .noNode }
        try checkACL(tree.acl(of: n), Perms.read, ids)
        return n
    }

    func multiReadOne(_ op: MultiOp, _ ids: [Id]) -> MultiResult {
        do throws(ErrorCode) {
            switch op {
            case .getData(let path):
                let n = try readable(path, ids)
                return .getData(data: n.data, stat: tree.stat(of: n))
            case .getChildren(let path):
                return .getChildren(Array(try readable(path, ids).children))
            default:
                return .error(.badArguments)
            }
        } catch {
            return .error(error)
        }
    }

    /// Digest ids shown to a caller without ADMIN: "user:x" (Apache's getACL redaction).
    func redacted(_ a: ACL) -> ACL {
        guard a.id.scheme == "digest" else { return a }
        let user = a.id.id.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return ACL(perms: a.perms, id: Id(scheme: "digest", id: user + ":x"))
    }

    func userName(_ id: Id) -> String {
        id.scheme == "digest" ? String(id.id.split(separator: ":", omittingEmptySubsequences: false)[0]) : id.id
    }

    /// checkWatches / removeWatches by Apache's `WatcherType`.
    mutating func watchQuery(_ conn: ConnectionID, _ path: String, _ rawType: Int32, remove: Bool) throws(ErrorCode) -> Bool {
        // WatcherType.fromInt throws a RuntimeException: Apache answers MarshallingError.
        guard let type = WatcherType(rawValue: rawType) else { throw .marshallingError }
        let (child, data): (WatchModes?, WatchModes?)
        switch type {
        case .children: (child, data) = (.standard, nil)
        case .data: (child, data) = (nil, .standard)
        case .persistent: (child, data) = (.persistent, .persistent)
        case .persistentRecursive: (child, data) = (nil, .persistentRecursive)
        case .any:
            if !remove { return childWatches.contains(path, conn, nil) || dataWatches.contains(path, conn, nil) }
            let c = childWatches.remove(path, conn, nil)
            let d = dataWatches.remove(path, conn, nil)
            return c || d
        }
        if !remove {
            if let data { return dataWatches.contains(path, conn, data) }
            return childWatches.contains(path, conn, child!)
        }
        var removed = false
        if let child, childWatches.remove(path, conn, child) { removed = true }
        if let data, dataWatches.remove(path, conn, data) { removed = true }
        return removed
    }

    /// Re-registers watches after a reconnect; fires at once for what changed after `relativeZxid`.
    mutating func setWatches(_ conn: ConnectionID, _ s: SetWatches, _ effects: inout [CoreEffect]) {
        func fire(_ type: EventType, _ path: String) {
            effects.append(.watchEvent(conn, WatcherEvent(type: type, state: .syncConnected, path: path), zxid: -1))
        }
        for path in s.dataWatches {
            if let n = tree.node(path) {
                if n.stat.mzxid > s.relativeZxid { fire(.nodeDataChanged, path) } else { dataWatches.add(path, conn, .standard) }
            } else {
                fire(.nodeDeleted, path)
            }
        }
        for path in s.existWatches {
            if tree.node(path) != nil { fire(.nodeCreated, path) } else { dataWatches.add(path, conn, .standard) }
        }
        for path in s.childWatches {
            if let n = tree.node(path) {
                if n.stat.pzxid > s.relativeZxid { fire(.nodeChildrenChanged, path) } else { childWatches.add(path, conn, .standard) }
            } else {
                fire(.nodeDeleted, path)
            }
        }
        for path in s.persistentWatches {
            childWatches.add(path, conn, .persistent)
            dataWatches.add(path, conn, .persistent)
        }
        for path in s.persistentRecursiveWatches {
            dataWatches.add(path, conn, .persistentRecursive)
        }
    }
}

extension String {
    /// Java's `String.trim()`: strips characters <= U+0020 at both ends.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0.unicodeScalars.allSatisfy { $0.value <= 0x20 } }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return self[start...end]
    }
}
