import ZooKeeperProtocol

/// Request preparation (Apache's `PrepRequestProcessor`): validate against the tree plus pending
/// changes and turn each write into a txn. A failed write still becomes a txn (an error txn) with
/// its own zxid, as in Apache, so zxids match for the same sequence of requests.
extension ServerCore {
    mutating func prepareWrite(_ conn: ConnectionID, sid: Int64, xid: Int32, _ request: Request,
                               _ effects: inout [CoreEffect]) {
        let zxid = nextZxid()
        let authInfo = connections[conn]!.authInfo
        var header = TxnHeader(clientId: sid, cxid: xid, zxid: zxid, time: now, type: request.opCode)
        let body: TxnBody
        if case .multi(let ops) = request {
            body = prepareMulti(ops, sid: sid, zxid: zxid, authInfo: authInfo)
        } else {
            do throws(ErrorCode) {
                body = try prepareSingle(request, sid: sid, zxid: zxid, authInfo: authInfo)
            } catch {
                body = .error(error)
            }
        }
        if case .error = body { header.type = .error }
        submit(Txn(header: header, body: body), origin: .client(conn, xid: xid, op: request.opCode), &effects)
    }

    /// A write other than multi; its error becomes the body of an error txn.
    mutating func prepareSingle(_ request: Request, sid: Int64, zxid: Int64, authInfo: [Id]) throws(ErrorCode) -> TxnBody {
        switch request {
        case .reconfig:
            // Apache: ReconfigDisabled unless reconfigEnabled; standalone then says Unimplemented.
            throw config.reconfigEnabled ? .unimplemented : .reconfigDisabled
        case .setACL(let path, let acl, let version):
            return try prepareSetACL(path, acl, version: version, zxid: zxid, authInfo: authInfo)
        case .deleteContainer(let path):
            return try prepareDeleteContainer(path, zxid: zxid, clientRequest: true)
        default:
            guard let op = request.asMultiOp else { throw .unimplemented }
            return try prepareOp(op, sid: sid, zxid: zxid, authInfo: authInfo)
        }
    }

    /// The ops' pending changes stay recorded (later requests must see them) unless an op fails,
    /// which rolls back all of them (Apache's rollbackPendingChanges).
    mutating func prepareMulti(_ ops: [MultiOp], sid: Int64, zxid: Int64, authInfo: [Id]) -> TxnBody {
        let savepoint = pending.savepoint
        var subs: [SubTxn] = []
        var failed = false
        for op in ops.map(Self.asApacheDecodesIt) {
            if failed {
                subs.append(SubTxn(type: .error, body: .error(.runtimeInconsistency)))
                continue
            }
            do throws(ErrorCode) {
                let body = try prepareOp(op, sid: sid, zxid: zxid, authInfo: authInfo)
                subs.append(SubTxn(type: op.opCode, body: body))
            } catch {
                failed = true
                pending.rollback(to: savepoint)
                subs.append(SubTxn(type: .error, body: .error(error)))
            }
        }
        return .multi(subs)
    }

    /// Apache decodes a multi's create, create2 and createContainer ops alike (`Op.create(path, data,
    /// acl, flags)`), so the op's type comes from its flags: createContainer for the container flag,
    /// create otherwise. A create2 inside a multi is therefore logged as a create and answered with a
    /// CreateResult without Stat.
    static func asApacheDecodesIt(_ op: MultiOp) -> MultiOp {
        guard case .create(let code, let c) = op, code == .create || code == .create2 || code == .createContainer else {
            return op
        }
        return .create(op: c.flags == CreateMode.container.rawValue ? .createContainer : .create, c)
    }

    /// Prepares one op against tree + pending changes and records its pending change.
    mutating func prepareOp(_ op: MultiOp, sid: Int64, zxid: Int64, authInfo: [Id]) throws(ErrorCode) -> TxnBody {
        switch op {
        case .create(let code, let c): return try prepareCreate(code, c, sid: sid, zxid: zxid, authInfo: authInfo)
        case .delete(let path, let version):
            return try prepareDelete(path, version: version, zxid: zxid, authInfo: authInfo)
        case .setData(let path, let data, let version):
            guard ZNodePath.isValid(path) else { throw .badArguments }
            var node = try record(path)
            try checkACL(node.acl, Perms.write, authInfo)
            let newVersion = try nextVersion(node.stat!.version, expected: version)
            node.zxid = zxid
            node.stat!.version = newVersion
            node.stat!.mtime = now
            node.stat!.mzxid = zxid
            pending.add(path, node)
            return .setData(path: path, data: data, version: newVersion)
        case .check(let path, let version):
            guard ZNodePath.isValid(path) else { throw .badArguments }
            let node = try record(path)
            try checkACL(node.acl, Perms.read, authInfo)
            return .check(path: path, version: try nextVersion(node.stat!.version, expected: version))
        case .getChildren, .getData:
            throw .badArguments
        }
    }

    mutating func prepareCreate(_ code: OpCode, _ c: CreateRequest, sid: Int64, zxid: Int64,
                                authInfo: [Id]) throws(ErrorCode) -> TxnBody {
        guard let mode = CreateMode(rawValue: c.flags) else { throw .badArguments }
        if mode.isTTL && !config.extendedTypesEnabled { throw .unimplemented }
        let ttl: Int64 = code == .createTTL ? c.ttl : -1
        if mode.isTTL {
            guard EphemeralOwner.ttlOwner(ttl) != nil else { throw .badArguments }
        } else if ttl >= 0 {
            throw .badArguments
        }
        guard let (parentPath, _) = ZNodePath.split(c.path), !c.path.utf8.contains(0) else { throw .badArguments }
        let acl = try fixupACL(c.acl, authInfo)
        var parent = try record(parentPath)
        try checkACL(parent.acl, Perms.create, authInfo)
        let parentCVersion = parent.stat!.cversion
        var path = c.path
        if mode.isSequential { path += sequenceSuffix(parentCVersion) }
        guard ZNodePath.isValid(path) else { throw .badArguments }
        if pending.byPath[path].map({ $0.stat != nil }) ?? (tree.node(path) != nil) { throw .nodeExists }
        if EphemeralOwner.kind(parent.stat!.ephemeralOwner, extendedTypesEnabled: config.extendedTypesEnabled) == .session {
            throw .noChildrenForEphemerals
        }
        let newCVersion = parentCVersion &+ 1
        let owner: Int64
        let body: TxnBody
        switch code {
        case .createContainer:
            owner = EphemeralOwner.container
            body = .createContainer(path: path, data: c.data, acl: acl, parentCVersion: newCVersion)
        case .createTTL:
            // A non-TTL mode with ttl -1 passes validateTTL; Apache then fails applying the txn.
            guard let ttlOwner = EphemeralOwner.ttlOwner(ttl) else { throw .badArguments }
            owner = ttlOwner
            body = .createTTL(path: path, data: c.data, acl: acl, parentCVersion: newCVersion, ttl: ttl)
        default:
            owner = mode.isEphemeral ? sid : 0
            body = .create(path: path, data: c.data, acl: acl, ephemeral: mode.isEphemeral, parentCVersion: newCVersion)
        }
        parent.zxid = zxid
        parent.childCount += 1
        parent.stat!.cversion = newCVersion
        parent.stat!.pzxid = zxid
        pending.add(parentPath, parent)
        let stat = StoredStat(czxid: zxid, mzxid: zxid, ctime: now, mtime: now, version: 0, cversion: 0,
                              aversion: 0, ephemeralOwner: owner, pzxid: zxid)
        pending.add(path, ChangeRecord(zxid: zxid, stat: stat, childCount: 0, acl: acl))
        return body
    }

    mutating func prepareDelete(_ path: String, version: Int32, zxid: Int64, authInfo: [Id]) throws(ErrorCode) -> TxnBody {
        guard let (parentPath, _) = ZNodePath.split(path), !path.utf8.contains(0),
              !ZNodePath.special.contains(path) else { throw .badArguments }
        var parent = try record(parentPath)
        try checkACL(parent.acl, Perms.delete, authInfo)
        let node = try record(path)
        _ = try nextVersion(node.stat!.version, expected: version)
        guard node.childCount == 0 else { throw .notEmpty }
        recordDelete(path, parentPath: parentPath, parent: &parent, zxid: zxid)
        return .delete(path: path)
    }

    mutating func recordDelete(_ path: String, parentPath: String, parent: inout ChangeRecord, zxid: Int64) {
        parent.zxid = zxid
        parent.childCount -= 1
        parent.stat!.pzxid = zxid
        pending.add(parentPath, parent)
        pending.add(path, ChangeRecord(zxid: zxid, stat: nil, childCount: -1, acl: []))
    }

    /// A deleteContainer txn issued by the server's container/TTL check (no ACL check, no version).
    mutating func prepareServerDelete(_ path: String, _ effects: inout [CoreEffect]) {
        let zxid = nextZxid()
        var header = TxnHeader(clientId: 0, cxid: 0, zxid: zxid, time: now, type: .deleteContainer)
        var body: TxnBody
        do throws(ErrorCode) {
            body = try prepareDeleteContainer(path, zxid: zxid, clientRequest: false)
        } catch {
            header.type = .error
            body = .error(error)
        }
        submit(Txn(header: header, body: body), origin: .server, &effects)
    }

    /// Apache's deleteContainer preparation: no ACL or version check; refuses nodes with children and
    /// session ephemerals (BadVersion, as Apache answers).
    mutating func prepareDeleteContainer(_ path: String, zxid: Int64, clientRequest: Bool) throws(ErrorCode) -> TxnBody {
        guard let (parentPath, _) = ZNodePath.split(path), !path.utf8.contains(0),
              !ZNodePath.special.contains(path) else { throw .badArguments }
        let node = try record(path)
        guard node.childCount == 0 else { throw .notEmpty }
        let kind = EphemeralOwner.kind(node.stat!.ephemeralOwner, extendedTypesEnabled: config.extendedTypesEnabled)
        guard kind != .session else { throw .badVersion }
        var parent = try record(parentPath)
        recordDelete(path, parentPath: parentPath, parent: &parent, zxid: zxid)
        return .delete(path: path)
    }

    mutating func prepareSetACL(_ path: String, _ acl: [ACL], version: Int32, zxid: Int64,
                                authInfo: [Id]) throws(ErrorCode) -> TxnBody {
        guard ZNodePath.isValid(path) else { throw .badArguments }
        let fixed = try fixupACL(acl, authInfo)
        var node = try record(path)
        try checkACL(node.acl, Perms.admin, authInfo)
        let newVersion = try nextVersion(node.stat!.aversion, expected: version)
        node.zxid = zxid
        node.stat!.aversion = newVersion
        node.acl = fixed
        pending.add(path, node)
        return .setACL(path: path, acl: fixed, version: newVersion)
    }

    /// closeSession: the txn lists the ephemerals to delete, including pending ones (Apache's logic).
    mutating func prepareCloseSession(_ sid: Int64, cxid: Int32, origin: TxnOrigin, _ effects: inout [CoreEffect]) {
        let zxid = nextZxid()
        var paths = tree.ephemerals[sid] ?? []
        for (path, change) in pending.byPath {
            if change.stat == nil { paths.remove(path) } else if change.stat!.ephemeralOwner == sid { paths.insert(path) }
        }
        let sorted = paths.sorted()
        for path in sorted {
            guard let (parentPath, _) = ZNodePath.split(path), var parent = recordIfPresent(parentPath) else { continue }
            recordDelete(path, parentPath: parentPath, parent: &parent, zxid: zxid)
        }
        sessions.setClosing(sid)
        let header = TxnHeader(clientId: sid, cxid: cxid, zxid: zxid, time: now, type: .closeSession)
        submit(Txn(header: header, body: .closeSession(ephemerals: sorted)), origin: origin, &effects)
    }

    // MARK: - Helpers

    func record(_ path: String) throws(ErrorCode) -> ChangeRecord {
        guard let r = recordIfPresent(path) else { throw .noNode }
        return r
    }

    func recordIfPresent(_ path: String) -> ChangeRecord? {
        if let r = pending.byPath[path] { return r.stat == nil ? nil : r }
        return tree.node(path).map { ChangeRecord(zxid: -1, stat: $0.stat, childCount: $0.children.count, acl: tree.acl(of: $0)) }
    }

    func checkACL(_ acl: [ACL], _ perm: Int32, _ ids: [Id]) throws(ErrorCode) {
        guard Auth.allows(acl, perm: perm, ids: ids) else { throw .noAuth }
    }

    /// Apache's `checkAndIncVersion`: -1 matches any version; the version after MAX wraps past -1 to 0.
    func nextVersion(_ current: Int32, expected: Int32) throws(ErrorCode) -> Int32 {
        guard expected == -1 || expected == current else { throw .badVersion }
        let next = current &+ 1
        return next == -1 ? 0 : next
    }

    /// Apache's `fixupACL`: drop duplicates, require at least one entry, expand `auth` to the
    /// caller's authenticated ids, and validate every id.
    func fixupACL(_ acl: [ACL], _ authInfo: [Id]) throws(ErrorCode) -> [ACL] {
        var unique: [ACL] = []
        for a in acl where !unique.contains(a) { unique.append(a) }
        guard !unique.isEmpty else { throw .invalidACL }
        var out: [ACL] = []
        for a in unique {
            if a.id.scheme == "world" && a.id.id == "anyone" {
                out.append(a)
            } else if a.id.scheme == "auth" {
                // Only ids whose provider reports isAuthenticated() (digest, sasl; not ip, not super).
                let ids = authInfo.filter { $0.scheme == "digest" || $0.scheme == "sasl" }
                guard !ids.isEmpty else { throw .invalidACL }
                for id in ids { out.append(ACL(perms: a.perms, id: id)) }
            } else {
                guard Auth.isValidACLId(scheme: a.id.scheme, id: a.id.id) else { throw .invalidACL }
                out.append(a)
            }
        }
        return out
    }

    /// Java's `String.format("%010d", n)`: at least 10 characters, the sign included.
    func sequenceSuffix(_ n: Int32) -> String {
        let digits = String(n.magnitude)
        let width = n < 0 ? 9 : 10
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return n < 0 ? "-" + padded : padded
    }

    /// Empty containers that once had children (or outlived maxNeverUsedInterval) and expired TTL nodes.
    func containerCandidates() -> [String] {
        var out: [String] = []
        for path in tree.containers {
            guard let n = tree.node(path), n.children.isEmpty else { continue }
            if n.stat.cversion > 0 {
                out.append(path)
            } else if config.containerMaxNeverUsedInterval != 0, now - n.stat.mtime > config.containerMaxNeverUsedInterval {
                out.append(path)
            }
        }
        for path in tree.ttls {
            guard let n = tree.node(path), n.children.isEmpty else { continue }
            let ttl = EphemeralOwner.ttlValue(n.stat.ephemeralOwner)
            if ttl != 0 && now - n.stat.mtime > ttl { out.append(path) }
        }
        return out.sorted()
    }
}

extension Request {
    /// The write requests that share the multi-op preparation path.
    var asMultiOp: MultiOp? {
        switch self {
        case .create(let op, let c): return .create(op: op, c)
        case .delete(let p, let v): return .delete(path: p, version: v)
        case .setData(let p, let d, let v): return .setData(path: p, data: d, version: v)
        case .check(let p, let v): return .check(path: p, version: v)
        default: return nil
        }
    }
}
