import ZooKeeperProtocol

/// One op of `multi` (create, delete, setData, check) or `multiRead` (getChildren, getData).
/// Paths are client paths.
public enum Op: Sendable, Equatable {
    case create(String, data: [UInt8]? = nil, acl: [ACL] = Ids.openACLUnsafe, mode: CreateMode = .persistent, ttl: Int64 = 0)
    case delete(String, version: Int32 = -1)
    case setData(String, data: [UInt8]?, version: Int32 = -1)
    case check(String, version: Int32)
    case getChildren(String)
    case getData(String)

    var path: String {
        switch self {
        case .create(let p, _, _, _, _), .delete(let p, _), .setData(let p, _, _), .check(let p, _),
             .getChildren(let p), .getData(let p):
            return p
        }
    }
}

extension ZooKeeperClient {
    /// Creates a node; returns its actual path (with the sequence suffix) and its Stat. Uses
    /// create2, createContainer or createTTL as the mode needs (`ttl` in ms, only for TTL modes).
    @discardableResult
    public func create(_ path: String, data: [UInt8]? = nil, acl: [ACL] = Ids.openACLUnsafe,
                       mode: CreateMode = .persistent, ttl: Int64 = 0) async throws(KeeperError) -> (path: String, stat: Stat) {
        try validate(path, sequential: mode.isSequential)
        let (op, request) = createRequest(path, data: data, acl: acl, mode: mode, ttl: ttl)
        let reply = try await call(.create(op: op, request), path: path)
        guard case .pathStat(let created, let stat) = reply.response else { throw unexpected(path) }
        return (clientPath(created), stat)
    }

    public func delete(_ path: String, version: Int32 = -1) async throws(KeeperError) {
        try validate(path)
        _ = try await call(.delete(path: serverPath(path), version: version), path: path)
    }

    /// The node's Stat, nil when it does not exist. With `watch`, sets a watch for the default
    /// watcher (`events()`): NodeCreated if absent, NodeDataChanged/NodeDeleted if present.
    public func exists(_ path: String, watch: Bool = false) async throws(KeeperError) -> Stat? {
        try await existsCall(path, registration: watch ? WatchRegistration(kind: .exist, path: path, watcher: 0) : nil)
    }

    public func getData(_ path: String, watch: Bool = false) async throws(KeeperError) -> (data: [UInt8]?, stat: Stat) {
        try await getDataCall(path, registration: watch ? WatchRegistration(kind: .data, path: path, watcher: 0) : nil)
    }

    @discardableResult
    public func setData(_ path: String, data: [UInt8]?, version: Int32 = -1) async throws(KeeperError) -> Stat {
        try validate(path)
        let reply = try await call(.setData(path: serverPath(path), data: data, version: version), path: path)
        guard case .stat(let stat) = reply.response else { throw unexpected(path) }
        return stat
    }

    /// Children names (unsorted, as the server sends them) and the node's Stat (getChildren2).
    public func getChildren(_ path: String, watch: Bool = false) async throws(KeeperError) -> (children: [String], stat: Stat) {
        try await getChildrenCall(path, registration: watch ? WatchRegistration(kind: .child, path: path, watcher: 0) : nil)
    }

    public func getACL(_ path: String) async throws(KeeperError) -> (acl: [ACL], stat: Stat) {
        try validate(path)
        let reply = try await call(.getACL(path: serverPath(path)), path: path)
        guard case .acl(let acl, let stat) = reply.response else { throw unexpected(path) }
        return (acl, stat)
    }

    @discardableResult
    public func setACL(_ path: String, acl: [ACL], version: Int32 = -1) async throws(KeeperError) -> Stat {
        try validate(path)
        let reply = try await call(.setACL(path: serverPath(path), acl: acl, version: version), path: path)
        guard case .stat(let stat) = reply.response else { throw unexpected(path) }
        return stat
    }

    /// The number of descendants of `path` (not counting itself).
    public func getAllChildrenNumber(_ path: String) async throws(KeeperError) -> Int32 {
        try validate(path)
        let reply = try await call(.getAllChildrenNumber(path: serverPath(path)), path: path)
        guard case .number(let n) = reply.response else { throw unexpected(path) }
        return n
    }

    /// This session's ephemeral nodes whose path starts with `prefixPath` (client paths).
    public func getEphemerals(_ prefixPath: String = "/") async throws(KeeperError) -> [String] {
        try validate(prefixPath)
        let reply = try await call(.getEphemerals(prefixPath: serverPath(prefixPath)), path: prefixPath)
        guard case .strings(let paths) = reply.response else { throw unexpected(prefixPath) }
        return paths.compactMap { self.paths.clientPath($0) }
    }

    /// Waits until this server has applied every write committed before the sync; a read after it
    /// (on this client) sees them. Returns the path.
    @discardableResult
    public func sync(_ path: String) async throws(KeeperError) -> String {
        try validate(path)
        let reply = try await call(.sync(path: serverPath(path)), path: path)
        guard case .path(let synced) = reply.response else { throw unexpected(path) }
        return clientPath(synced)
    }

    /// Applies all ops atomically or none. On failure throws the first failing op's error with
    /// `results` set: OK for the ops before it, its error, RuntimeInconsistency after it.
    @discardableResult
    public func multi(_ ops: [Op]) async throws(KeeperError) -> [MultiResult] {
        let results = try await multiCall(ops, read: false)
        for result in results {
            if case .error(let code) = result, code != .ok {
                throw KeeperError(code, path: nil, results: results)
            }
        }
        return results
    }

    /// Sends each op as its own request (create2, delete, setData, check, getChildren2, getData),
    /// back to back in exactly this order without waiting between them, and returns each result in
    /// the same order: `.create2`, `.delete`, `.setData`, `.check`, `.getChildren`, `.getData`, or
    /// `.error(code)` for a failed op. Unlike `multi` the ops are independent: a failure does not
    /// stop the ones after it. This is the client's pipelining at its simplest (Apache's async API).
    public func pipeline(_ ops: [Op]) async throws(KeeperError) -> [MultiResult] {
        var requests: [Request] = []
        requests.reserveCapacity(ops.count)
        for op in ops {
            try validate(op.path, sequential: { if case .create(_, _, _, let m, _) = op { return m.isSequential }; return false }())
            requests.append(singleRequest(op))
        }
        let results = await callPipelined(requests)
        return zip(ops, results).map { op, result in
            switch result {
            case .failure(let error): return .error(error.code)
            case .success(let reply): return singleResult(op, reply.response)
            }
        }
    }

    /// The request an op makes on its own: a multi op's request, but getChildren2 and getData
    /// for the reads (so results carry a Stat as the multiRead ones do).
    private func singleRequest(_ op: Op) -> Request {
        switch multiOp(op) {
        case .create(let code, let request): return .create(op: code, request)
        case .delete(let path, let version): return .delete(path: path, version: version)
        case .setData(let path, let data, let version): return .setData(path: path, data: data, version: version)
        case .check(let path, let version): return .check(path: path, version: version)
        case .getChildren(let path): return .getChildren(op: .getChildren2, path: path, watch: false)
        case .getData(let path): return .getData(path: path, watch: false)
        }
    }

    private func singleResult(_ op: Op, _ response: Response) -> MultiResult {
        switch (op, response) {
        case (.create, .pathStat(let path, let stat)): return .create2(path: clientPath(path), stat: stat)
        case (.delete, _): return .delete
        case (.setData, .stat(let stat)): return .setData(stat)
        case (.check, _): return .check
        case (.getChildren, .children2(let children, _)): return .getChildren(children)
        case (.getData, .data(let data, let stat)): return .getData(data: data, stat: stat)
        default: return .error(.marshallingError)
        }
    }

    /// Reads several nodes in one request; a failing op's result is `.error(code)`.
    public func multiRead(_ ops: [Op]) async throws(KeeperError) -> [MultiResult] {
        try await multiCall(ops, read: true)
    }

    /// Adds credentials to the session (kept and re-sent after reconnects) and waits for the
    /// server's answer. A refusal ends the session: `.authFailed`, state `.authFailed`.
    public func addAuth(scheme: String, auth: [UInt8]) async throws(KeeperError) {
        try await authenticate(AuthPacket(type: 0, scheme: scheme, auth: auth))
    }

    /// The identities the server associates with this session.
    public func whoAmI() async throws(KeeperError) -> [ClientInfo] {
        let reply = try await call(.whoAmI, path: nil)
        guard case .whoAmI(let infos) = reply.response else { throw unexpected(nil) }
        return infos
    }

    /// Adds a persistent (or persistent recursive) watch for the default watcher (`events()`).
    public func addWatch(_ path: String, mode: AddWatchMode) async throws(KeeperError) {
        try await addWatchCall(path, mode: mode, watcher: 0)
    }

    /// Removes every watch of `type` this client has on `path` (Apache's `removeAllWatches`); each
    /// removed watcher gets DataWatchRemoved/ChildWatchRemoved/PersistentWatchRemoved. With `local`
    /// the server is not asked (and not told). Throws `.noWatcher` when there is none.
    public func removeWatches(_ path: String, type: WatcherType, local: Bool = false) async throws(KeeperError) {
        try validate(path)
        let present = await onLoop { $0.core.hasWatches(path: path, type: type) }
        guard present else { throw KeeperError(.noWatcher, path: path) }
        if !local {
            _ = try await call(.removeWatches(path: serverPath(path), type: type.rawValue), path: path)
        }
        await onLoop { client in
            for (watcher, event) in client.core.removeLocalWatches(path: path, type: type) {
                client.deliverNow(WatchedEvent(type: event, state: .syncConnected, path: path), to: watcher)
            }
        }
    }

    /// Changes the ensemble (dynamic reconfiguration); returns the new config znode's data and Stat.
    public func reconfig(joining: String?, leaving: String?, newMembers: String?, fromConfig: Int64 = -1)
        async throws(KeeperError) -> (data: [UInt8]?, stat: Stat) {
        let reply = try await call(.reconfig(joiningServers: joining, leavingServers: leaving, newMembers: newMembers,
                                             curConfigId: fromConfig), path: nil)
        guard case .data(let data, let stat) = reply.response else { throw unexpected(nil) }
        return (data, stat)
    }

    /// The ensemble configuration (`/zookeeper/config`, read outside the chroot as Apache does).
    public func getConfig(watch: Bool = false) async throws(KeeperError) -> (data: [UInt8]?, stat: Stat) {
        let configPath = "/zookeeper/config"
        let registration = watch ? WatchRegistration(kind: .data, path: configPath, watcher: 0) : nil
        let reply = try await call(.getData(path: configPath, watch: watch), path: configPath, registration: registration)
        guard case .data(let data, let stat) = reply.response else { throw unexpected(configPath) }
        return (data, stat)
    }

    // MARK: watch-returning reads

    public func watchExists(_ path: String) async throws(KeeperError) -> (stat: Stat?, watch: OneShotWatch) {
        let (id, watch) = await newOneShot()
        do {
            let stat = try await existsCall(path, registration: WatchRegistration(kind: .exist, path: path, watcher: id))
            return (stat, watch)
        } catch {
            await dropWatcher(id)
            throw error
        }
    }

    public func watchData(_ path: String) async throws(KeeperError) -> (data: [UInt8]?, stat: Stat, watch: OneShotWatch) {
        let (id, watch) = await newOneShot()
        do {
            let (data, stat) = try await getDataCall(path, registration: WatchRegistration(kind: .data, path: path, watcher: id))
            return (data, stat, watch)
        } catch {
            await dropWatcher(id)
            throw error
        }
    }

    public func watchChildren(_ path: String) async throws(KeeperError) -> (children: [String], stat: Stat, watch: OneShotWatch) {
        let (id, watch) = await newOneShot()
        do {
            let (children, stat) = try await getChildrenCall(
                path, registration: WatchRegistration(kind: .child, path: path, watcher: id))
            return (children, stat, watch)
        } catch {
            await dropWatcher(id)
            throw error
        }
    }

    /// Adds a persistent watch with its own event sequence.
    public func persistentWatch(_ path: String, mode: AddWatchMode) async throws(KeeperError) -> PersistentWatch {
        let (stream, continuation) = AsyncThrowingStream<WatchedEvent, Error>.makeStream()
        let id = await onLoop { client in
            let id = client.nextWatcherID
            client.nextWatcherID += 1
            client.sinks[id] = .persistent(continuation)
            return id
        }
        do {
            try await addWatchCall(path, mode: mode, watcher: id)
            return PersistentWatch(stream: stream)
        } catch {
            await dropWatcher(id)
            continuation.finish(throwing: error)
            throw error
        }
    }

    // MARK: internals

    private func existsCall(_ path: String, registration: WatchRegistration?) async throws(KeeperError) -> Stat? {
        try validate(path)
        do throws(KeeperError) {
            let reply = try await call(.exists(path: serverPath(path), watch: registration != nil), path: path,
                                       registration: registration)
            guard case .stat(let stat) = reply.response else { throw unexpected(path) }
            return stat
        } catch {
            if error.code == .noNode { return nil }
            throw error
        }
    }

    private func getDataCall(_ path: String, registration: WatchRegistration?) async throws(KeeperError) -> (data: [UInt8]?, stat: Stat) {
        try validate(path)
        let reply = try await call(.getData(path: serverPath(path), watch: registration != nil), path: path,
                                   registration: registration)
        guard case .data(let data, let stat) = reply.response else { throw unexpected(path) }
        return (data, stat)
    }

    private func getChildrenCall(_ path: String, registration: WatchRegistration?) async throws(KeeperError) -> (children: [String], stat: Stat) {
        try validate(path)
        let reply = try await call(.getChildren(op: .getChildren2, path: serverPath(path), watch: registration != nil),
                                   path: path, registration: registration)
        guard case .children2(let children, let stat) = reply.response else { throw unexpected(path) }
        return (children, stat)
    }

    private func addWatchCall(_ path: String, mode: AddWatchMode, watcher: WatcherID) async throws(KeeperError) {
        try validate(path)
        let kind: WatchKind = mode == .persistent ? .persistent : .persistentRecursive
        let reply = try await call(.addWatch(path: serverPath(path), mode: mode.rawValue), path: path,
                                   registration: WatchRegistration(kind: kind, path: path, watcher: watcher))
        if case .number(let err) = reply.response, err != 0 {
            throw KeeperError(ErrorCode(rawValue: err) ?? .systemError, path: path)
        }
    }

    private func multiCall(_ ops: [Op], read: Bool) async throws(KeeperError) -> [MultiResult] {
        var wire: [MultiOp] = []
        wire.reserveCapacity(ops.count)
        for op in ops {
            try validate(op.path, sequential: { if case .create(_, _, _, let m, _) = op { return m.isSequential }; return false }())
            wire.append(multiOp(op))
        }
        let reply = try await call(read ? .multiRead(wire) : .multi(wire), path: nil)
        guard case .multi(let results) = reply.response else { throw unexpected(nil) }
        return results.map { result in
            switch result {
            case .create(let p): return .create(path: clientPath(p))
            case .create2(let p, let stat): return .create2(path: clientPath(p), stat: stat)
            default: return result
            }
        }
    }

    private func multiOp(_ op: Op) -> MultiOp {
        switch op {
        case .create(let path, let data, let acl, let mode, let ttl):
            let (code, request) = createRequest(path, data: data, acl: acl, mode: mode, ttl: ttl)
            return .create(op: code, request)
        case .delete(let path, let version): return .delete(path: serverPath(path), version: version)
        case .setData(let path, let data, let version): return .setData(path: serverPath(path), data: data, version: version)
        case .check(let path, let version): return .check(path: serverPath(path), version: version)
        case .getChildren(let path): return .getChildren(path: serverPath(path))
        case .getData(let path): return .getData(path: serverPath(path))
        }
    }

    private func createRequest(_ path: String, data: [UInt8]?, acl: [ACL], mode: CreateMode, ttl: Int64)
        -> (OpCode, CreateRequest) {
        let op: OpCode = mode.isContainer ? .createContainer : mode.isTTL ? .createTTL : .create2
        return (op, CreateRequest(path: serverPath(path), data: data, acl: acl, flags: mode.rawValue,
                                  ttl: mode.isTTL ? ttl : 0))
    }

    func serverPath(_ path: String) -> String { paths.serverPath(path) }

    func clientPath(_ path: String) -> String { paths.clientPath(path) ?? path }

    /// Apache's `PathUtils.validatePath` (a sequential create may end with "/").
    private func validate(_ path: String, sequential: Bool = false) throws(KeeperError) {
        let checked = sequential ? path + "1" : path
        guard ZNodePath.isValid(checked) else { throw KeeperError.invalidPath(path) }
    }

    private func unexpected(_ path: String?) -> KeeperError {
        KeeperError(.marshallingError, path: path, message: "reply does not match the request")
    }

    func newOneShot() async -> (WatcherID, OneShotWatch) {
        let box = OneShotWatch.Box()
        let id = await onLoop { client in
            let id = client.nextWatcherID
            client.nextWatcherID += 1
            client.sinks[id] = .oneShot(box)
            return id
        }
        return (id, OneShotWatch(box: box))
    }

    func dropWatcher(_ id: WatcherID) async {
        await onLoop { client in
            client.sinks[id] = nil
            client.core.forget(watcher: id)
        }
    }

    func deliverNow(_ event: WatchedEvent, to watcher: WatcherID) {
        if watcher == 0 {
            deliverToDefault(event)
        } else if let sink = sinks[watcher], sink.receive(event) {
            sinks[watcher] = nil
        }
    }

    /// Runs `body` on the client's event loop and returns its result.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (ZooKeeperClient) -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            loop.execute { continuation.resume(returning: body(self)) }
        }
    }
}
