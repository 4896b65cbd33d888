import ZooKeeperProtocol

/// A tree change with the ACLs Apache's watch triggers carry: an event is delivered only to
/// connections that may READ the node (the parent, for NodeChildrenChanged).
struct Notice {
    var change: TreeChange
    var acl: [ACL]
    var parentACL: [ACL]
}

/// The outcome of applying one txn (Apache's `ProcessTxnResult`).
struct ApplyResult {
    var error: ErrorCode = .ok
    var path: String = ""
    var stat: Stat?
    var multi: [MultiResult] = []
    /// For closeSession: the connection that owned the session.
    var closedConnection: ConnectionID?

    func response(for op: OpCode) -> Response {
        switch op {
        case .create: return .path(path)
        case .create2, .createContainer, .createTTL: return .pathStat(path, stat ?? Stat())
        case .setData, .setACL, .check: return .stat(stat ?? Stat())
        case .multi: return .multi(multi)
        default: return .empty
        }
    }
}

extension ServerCore {
    /// Applies a durable txn to the tree, emits the watch events it triggers, and returns the result.
    mutating func apply(_ txn: Txn, _ effects: inout [CoreEffect]) -> ApplyResult {
        var changes: [Notice] = []
        var result = ApplyResult()
        switch txn.body {
        case .multi(let subs):
            result.multi = applyMulti(subs, header: txn.header, &changes)
        default:
            result = applyOne(txn.body, header: txn.header, &changes)
        }
        lastAppliedZxid = max(lastAppliedZxid, txn.header.zxid)
        deliver(changes, zxid: txn.header.zxid, &effects)
        return result
    }

    mutating func applyMulti(_ subs: [SubTxn], header: TxnHeader, _ changes: inout [Notice]) -> [MultiResult] {
        let failed = subs.contains { $0.type == .error }
        if failed {
            var postFailed = false
            return subs.map { sub in
                if case .error(let e) = sub.body { postFailed = true; return .error(e) }
                return .error(postFailed ? .runtimeInconsistency : .ok)
            }
        }
        return subs.map { sub in
            let r = applyOne(sub.body, header: header, &changes)
            if r.error != .ok { return .error(r.error) }
            switch sub.type {
            case .create: return .create(path: r.path)
            case .create2, .createContainer, .createTTL: return .create2(path: r.path, stat: r.stat ?? Stat())
            case .delete, .deleteContainer: return .delete
            case .setData: return .setData(r.stat ?? Stat())
            default: return .check
            }
        }
    }

    mutating func applyOne(_ body: TxnBody, header: TxnHeader, _ changes: inout [Notice]) -> ApplyResult {
        var r = ApplyResult()
        let zxid = header.zxid
        switch body {
        case .createSession(let timeout):
            if sessions.sessions[header.clientId] == nil { sessions.add(id: header.clientId, timeout: timeout, now: now) }
        case .closeSession(let paths):
            for path in paths { deleteNode(path, zxid: zxid, &changes) }
            r.closedConnection = sessions.sessions[header.clientId]?.connection
            sessions.remove(header.clientId)
            tree.forgetSession(header.clientId)
            sessionQueues[header.clientId] = nil
        case .create(let path, let data, let acl, let ephemeral, let cv):
            r = create(path, data, acl, owner: ephemeral ? header.clientId : 0, cv, header, &changes)
        case .createContainer(let path, let data, let acl, let cv):
            r = create(path, data, acl, owner: EphemeralOwner.container, cv, header, &changes)
        case .createTTL(let path, let data, let acl, let cv, let ttl):
            r = create(path, data, acl, owner: EphemeralOwner.ttlOwner(ttl) ?? 0, cv, header, &changes)
        case .delete(let path):
            r.path = path
            if !deleteNode(path, zxid: zxid, &changes) { r.error = .noNode }
        case .setData(let path, let data, let version):
            r.path = path
            if tree.setData(path: path, data: data, version: version, zxid: zxid, time: header.time) {
                let node = tree.node(path)!
                r.stat = tree.stat(of: node)
                changes.append(Notice(change: .dataChanged(path: path), acl: tree.acl(of: node), parentACL: []))
            } else {
                r.error = .noNode
            }
        case .setACL(let path, let acl, let version):
            r.path = path
            if tree.setACL(path: path, acl: acl, version: version) {
                r.stat = tree.stat(of: tree.node(path)!)
            } else {
                r.error = .noNode
            }
        case .check(let path, _):
            r.path = path
            r.stat = tree.node(path).map { tree.stat(of: $0) }
        case .multi:
            assertionFailure("a multi inside a multi")
            r.error = .marshallingError
        case .error(let e):
            r.error = e
        }
        return r
    }

    mutating func create(_ path: String, _ data: [UInt8]?, _ acl: [ACL], owner: Int64, _ cv: Int32,
                         _ header: TxnHeader, _ changes: inout [Notice]) -> ApplyResult {
        var r = ApplyResult()
        r.path = path
        if tree.createNode(path: path, data: data, acl: acl, ephemeralOwner: owner, parentCVersion: cv,
                           zxid: header.zxid, time: header.time) {
            let node = tree.node(path)!
            let parent = ZNodePath.split(path)!.parent
            r.stat = tree.stat(of: node)
            changes.append(Notice(change: .created(path: path, parent: parent), acl: tree.acl(of: node),
                                  parentACL: tree.node(parent).map { tree.acl(of: $0) } ?? []))
        } else if tree.node(path) == nil {
            r.error = .noNode
        } else {
            r.error = .nodeExists
            // Only replay over a fuzzy snapshot gets here (prepare refuses existing paths): the
            // node was captured after this txn, its parent maybe before (Apache's ZOOKEEPER-1046).
            if let parent = ZNodePath.split(path)?.parent {
                tree.advanceChildVersion(of: parent, to: cv, zxid: header.zxid)
            }
        }
        return r
    }

    /// Deletes `path` and records the change with the node's and its parent's ACLs.
    @discardableResult
    mutating func deleteNode(_ path: String, zxid: Int64, _ changes: inout [Notice]) -> Bool {
        let acl = tree.node(path).map { tree.acl(of: $0) } ?? []
        guard tree.deleteNode(path: path, zxid: zxid) else { return false }
        let parent = ZNodePath.split(path)!.parent
        changes.append(Notice(change: .deleted(path: path, parent: parent), acl: acl,
                              parentACL: tree.node(parent).map { tree.acl(of: $0) } ?? []))
        return true
    }

    /// Turns tree changes into watch events, in Apache's trigger order. Standard watches are
    /// consumed even when the event is withheld for lack of READ permission, as in Apache.
    mutating func deliver(_ changes: [Notice], zxid: Int64, _ effects: inout [CoreEffect]) {
        for notice in changes {
            let acl = notice.acl
            switch notice.change {
            case .created(let path, let parent):
                notify(dataWatches.trigger(path), acl, .nodeCreated, path, zxid, &effects)
                notify(childWatches.trigger(parent), notice.parentACL, .nodeChildrenChanged, parent, zxid, &effects)
            case .deleted(let path, let parent):
                let data = dataWatches.trigger(path)
                notify(data, acl, .nodeDeleted, path, zxid, &effects)
                let child = childWatches.trigger(path).filter { !data.contains($0) }
                notify(child, acl, .nodeDeleted, path, zxid, &effects)
                notify(childWatches.trigger(parent), notice.parentACL, .nodeChildrenChanged, parent, zxid, &effects)
            case .dataChanged(let path):
                notify(dataWatches.trigger(path), acl, .nodeDataChanged, path, zxid, &effects)
            }
        }
    }

    func notify(_ conns: [ConnectionID], _ acl: [ACL], _ type: EventType, _ path: String, _ zxid: Int64,
                _ effects: inout [CoreEffect]) {
        for conn in conns where Auth.allows(acl, perm: Perms.read, ids: connections[conn]?.authInfo ?? []) {
            effects.append(.watchEvent(conn, WatcherEvent(type: type, state: .syncConnected, path: path), zxid: zxid))
        }
    }
}
