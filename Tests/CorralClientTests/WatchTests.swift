import CorralClient
import CorralTestSupport
import Testing
import ZooKeeperProtocol

/// Watches of every kind against a live server (Corral and Apache ZooKeeper 3.8).
@Suite(.serialized) struct WatchTests {
    static func connect(_ server: any TestServer) async throws -> ZooKeeperClient {
        var configuration = ClientConfiguration()
        configuration.sessionTimeout = .seconds(10)
        return try await ZooKeeperClient.connect(server.hostPort, configuration: configuration)
    }

    static func event(_ type: EventType, _ path: String) -> WatchedEvent {
        WatchedEvent(type: type, state: .syncConnected, path: path)
    }

    @Test(arguments: ServerKind.available)
    func oneShotWatchesFireOnceWithTheRightType(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            let other = try await Self.connect(server)
            defer { Task { await zk.close(); await other.close() } }

            let (absent, created) = try await zk.watchExists("/w")
            #expect(absent == nil)
            try await other.create("/w", data: [1])
            #expect(try await created.event() == Self.event(.nodeCreated, "/w"))

            let (_, _, changed) = try await zk.watchData("/w")
            let (_, _, children) = try await zk.watchChildren("/w")
            try await other.setData("/w", data: [2])
            #expect(try await changed.event() == Self.event(.nodeDataChanged, "/w"))
            #expect(children.firedEvent == nil)
            try await other.create("/w/c")
            #expect(try await children.event() == Self.event(.nodeChildrenChanged, "/w"))

            // One-shot: a second change after the event fires nothing more on that watch, and a
            // watch set again sees the deletion.
            let (_, deleted) = try await zk.watchExists("/w/c")
            try await other.setData("/w", data: [3])
            try await other.delete("/w/c")
            #expect(try await deleted.event() == Self.event(.nodeDeleted, "/w/c"))
        }
    }

    /// A client sees the notification before the data that caused it (the paper's ordering).
    @Test(arguments: ServerKind.available)
    func notificationArrivesBeforeTheNewData(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            let other = try await Self.connect(server)
            defer { Task { await zk.close(); await other.close() } }
            try await zk.create("/cfg", data: Array("v0".utf8))
            for round in 1...20 {
                let (_, _, watch) = try await zk.watchData("/cfg")
                try await other.setData("/cfg", data: Array("v\(round)".utf8))
                // Poll with reads until the new value shows; the event must be there by then.
                while try await zk.getData("/cfg").data != Array("v\(round)".utf8) {}
                #expect(watch.firedEvent == Self.event(.nodeDataChanged, "/cfg"))
            }
        }
    }

    @Test(arguments: ServerKind.available)
    func defaultWatcherGetsWatchTrueEventsAndStateEvents(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            let other = try await Self.connect(server)
            defer { Task { await other.close() } }
            var events = zk.events().makeAsyncIterator()
            #expect(try await zk.exists("/d", watch: true) == nil)
            try await other.create("/d")
            #expect(await events.next() == Self.event(.nodeCreated, "/d"))
            _ = try await zk.getData("/d", watch: true)
            _ = try await zk.getChildren("/d", watch: true)
            try await other.create("/d/x")
            #expect(await events.next() == Self.event(.nodeChildrenChanged, "/d"))
            try await other.delete("/d/x")
            try await other.delete("/d")
            #expect(await events.next() == Self.event(.nodeDeleted, "/d"))
            await zk.close()
            #expect(await events.next() == WatchedEvent(type: .none, state: .closed, path: nil))
            #expect(await events.next() == nil)
        }
    }

    /// A persistent watch sees every event on its node; a recursive one every event below it except
    /// NodeChildrenChanged. (On one path and one session Apache keeps a single watch mode, the last
    /// one set, so the two kinds watch different nodes here.) Removing them ends their sequences
    /// after PersistentWatchRemoved.
    @Test(arguments: ServerKind.available)
    func persistentAndRecursiveWatches(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            let other = try await Self.connect(server)
            defer { Task { await zk.close(); await other.close() } }
            try await zk.create("/r")
            try await zk.create("/t")
            let node = try await zk.persistentWatch("/r", mode: .persistent)
            let tree = try await zk.persistentWatch("/t", mode: .persistentRecursive)
            for root in ["/r", "/t"] {
                try await other.setData(root, data: [1])
                try await other.create(root + "/a")
                try await other.create(root + "/a/b")
                try await other.setData(root + "/a/b", data: [2])
                try await other.delete(root + "/a/b")
            }
            // WatcherType 4/5 (persistent, persistentRecursive) are 3.9's; 3.8 removes persistent
            // watches with Any.
            try await zk.removeWatches("/r", type: .any)
            try await zk.removeWatches("/t", type: .any)

            var nodeEvents: [WatchedEvent] = []
            for try await e in node { nodeEvents.append(e) }
            #expect(nodeEvents == [Self.event(.nodeDataChanged, "/r"), Self.event(.nodeChildrenChanged, "/r"),
                                   Self.event(.persistentWatchRemoved, "/r")])
            var treeEvents: [WatchedEvent] = []
            for try await e in tree { treeEvents.append(e) }
            #expect(treeEvents == [Self.event(.nodeDataChanged, "/t"), Self.event(.nodeCreated, "/t/a"),
                                   Self.event(.nodeCreated, "/t/a/b"), Self.event(.nodeDataChanged, "/t/a/b"),
                                   Self.event(.nodeDeleted, "/t/a/b"), Self.event(.persistentWatchRemoved, "/t")])
        }
    }

    @Test(arguments: ServerKind.available)
    func removeWatchesDeliversRemovalAndRefusesWhenNone(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            defer { Task { await zk.close() } }
            try await zk.create("/x")
            let (_, _, data) = try await zk.watchData("/x")
            let (_, _, children) = try await zk.watchChildren("/x")
            try await zk.removeWatches("/x", type: .data)
            #expect(try await data.event() == Self.event(.dataWatchRemoved, "/x"))
            #expect(children.firedEvent == nil)
            try await zk.removeWatches("/x", type: .any)
            #expect(try await children.event() == Self.event(.childWatchRemoved, "/x"))
            await #expect(throws: KeeperError(.noWatcher, path: "/x")) { try await zk.removeWatches("/x", type: .any) }
            #expect(KeeperError(.noWatcher, path: "/x").description == "KeeperErrorCode = No such watcher for /x")
        }
    }

    /// addWatch for the default watcher, the config node and reconfig (refused on a standalone
    /// server without reconfigEnabled: ReconfigDisabled, from both servers).
    @Test(arguments: ServerKind.available)
    func addWatchConfigAndReconfig(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            let zk = try await Self.connect(server)
            let other = try await Self.connect(server)
            defer { Task { await zk.close(); await other.close() } }
            var events = zk.events().makeAsyncIterator()
            try await zk.addWatch("/aw", mode: .persistentRecursive)
            try await other.create("/aw")
            try await other.create("/aw/x")
            #expect(await events.next() == Self.event(.nodeCreated, "/aw"))
            #expect(await events.next() == Self.event(.nodeCreated, "/aw/x"))
            let (config, stat) = try await zk.getConfig()
            #expect(stat.czxid == 0 && (config ?? []).isEmpty == (stat.dataLength == 0))
            await #expect(throws: KeeperError(.reconfigDisabled)) {
                try await zk.reconfig(joining: "server.2=127.0.0.1:2888:3888", leaving: nil, newMembers: nil)
            }
        }
    }
}
