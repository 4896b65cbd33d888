import CorralClient
import CorralTestSupport
import Foundation
import Testing
import ZooKeeperProtocol

/// Session life: reconnecting to another server with watches intact, expiry, close.
@Suite(.serialized) struct SessionTests {
    /// The first server is killed; the session moves to another server (one that took over the same
    /// data directory, as a restarted ensemble member would serve the session). A change made while
    /// the client was disconnected fires its watches after the reconnect (SetWatches with the last
    /// zxid), in-flight requests fail with ConnectionLoss, queued ones are sent once, ephemerals stay.
    @Test(arguments: ServerKind.available)
    func reconnectsToAnotherHostWithWatchesIntact(_ kind: ServerKind) async throws {
        let dataDir = try makeTemporaryDirectory("reconnect")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let first = try await startTestServer(kind, dataDir: dataDir)
        let secondPort = try freeLoopbackPort()
        var configuration = ClientConfiguration()
        configuration.sessionTimeout = .seconds(20)
        configuration.shuffleHosts = false
        let zk = try await ZooKeeperClient.connect("\(first.hostPort),127.0.0.1:\(secondPort)", configuration: configuration)
        var states = zk.stateChanges().makeAsyncIterator()
        #expect(await states.next() == .connected)
        let sessionId = zk.sessionId

        try await zk.create("/w", data: [0])
        try await zk.create("/e", mode: .ephemeral)
        let (_, _, dataWatch) = try await zk.watchData("/w")
        let (_, _, childWatch) = try await zk.watchChildren("/w")
        let (_, createdWatch) = try await zk.watchExists("/later")
        let persistent = try await zk.persistentWatch("/w", mode: .persistent)

        await first.stop()
        #expect(await states.next() == .disconnected)

        // Change things while the client cannot reach any server of its list.
        let side = try await startTestServer(kind, dataDir: dataDir)
        let writer = try await ZooKeeperClient.connect(side.hostPort)
        try await writer.setData("/w", data: [1])
        try await writer.create("/w/child")
        try await writer.create("/later")
        await writer.close()
        await side.stop()

        let second = try await startTestServer(kind, dataDir: dataDir, port: secondPort)
        defer { Task { await zk.close(); await second.stop() } }
        #expect(await states.next() == .connected)
        #expect(zk.sessionId == sessionId)
        #expect(zk.connectedServer == ServerAddress(host: "127.0.0.1", port: secondPort))

        #expect(try await dataWatch.event() == WatchedEvent(type: .nodeDataChanged, state: .syncConnected, path: "/w"))
        #expect(try await childWatch.event() == WatchedEvent(type: .nodeChildrenChanged, state: .syncConnected, path: "/w"))
        #expect(try await createdWatch.event() == WatchedEvent(type: .nodeCreated, state: .syncConnected, path: "/later"))
        var iterator = persistent.makeAsyncIterator()
        let firstPersistent = try await iterator.next()
        #expect(firstPersistent == WatchedEvent(type: .nodeDataChanged, state: .syncConnected, path: "/w")
                || firstPersistent == WatchedEvent(type: .nodeChildrenChanged, state: .syncConnected, path: "/w"))
        #expect(try await zk.exists("/e")?.ephemeralOwner == sessionId)
        #expect(try await zk.getData("/w").data == [1])
    }

    /// Requests asked while disconnected wait and are sent once after the reconnect; requests on the
    /// wire when the connection dropped fail with ConnectionLoss and are not re-sent.
    @Test(arguments: [ServerKind.corral])
    func requestsQueuedWhileDisconnectedAreSentOnce(_ kind: ServerKind) async throws {
        let dataDir = try makeTemporaryDirectory("queued")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let first = try await startTestServer(kind, dataDir: dataDir)
        let port = first.port
        var configuration = ClientConfiguration()
        configuration.sessionTimeout = .seconds(20)
        let zk = try await ZooKeeperClient.connect(first.hostPort, configuration: configuration)
        var states = zk.stateChanges().makeAsyncIterator()
        #expect(await states.next() == .connected)
        try await zk.create("/q")
        await first.stop()
        #expect(await states.next() == .disconnected)
        let queued = Task { try await zk.create("/q/n-", mode: .persistentSequential).path }
        try await Task.sleep(for: .milliseconds(200))
        let second = try await startTestServer(kind, dataDir: dataDir, port: port)
        defer { Task { await zk.close(); await second.stop() } }
        #expect(try await queued.value == "/q/n-0000000000")
        #expect(try await zk.getChildren("/q").children == ["n-0000000000"])
    }

    /// Another client resumes the session and closes it: the first client learns, once, that its
    /// session expired; everything afterwards fails with SessionExpired; its ephemerals are gone.
    @Test(arguments: ServerKind.available)
    func sessionExpiryIsSurfacedOnce(_ kind: ServerKind) async throws {
        try await withTestServer(kind) { server in
            var configuration = ClientConfiguration()
            configuration.sessionTimeout = .seconds(10)
            let zk = try await ZooKeeperClient.connect(server.hostPort, configuration: configuration)
            var states = zk.stateChanges().makeAsyncIterator()
            #expect(await states.next() == .connected)
            var events = zk.events().makeAsyncIterator()
            try await zk.create("/eph", mode: .ephemeral)
            let (_, _, watch) = try await zk.watchData("/eph")

            var stealer = ClientConfiguration()
            stealer.resumeSession = (zk.sessionId, zk.sessionPassword)
            let thief = try await ZooKeeperClient.connect(server.hostPort, configuration: stealer)
            #expect(thief.sessionId == zk.sessionId)
            await thief.close()

            var seen: [ConnectionState] = []
            while let state = await states.next() { seen.append(state) }
            #expect(seen == [.disconnected, .expired])
            #expect(zk.state == .expired)
            await #expect(throws: KeeperError(.sessionExpired)) { try await watch.event() }
            var stateEvents: [WatchedEvent] = []
            while let event = await events.next() { stateEvents.append(event) }
            #expect(stateEvents == [WatchedEvent(type: .none, state: .disconnected, path: nil),
                                    WatchedEvent(type: .none, state: .expired, path: nil)])
            await #expect(throws: KeeperError(.sessionExpired, path: "/eph")) { try await zk.getData("/eph") }
            let observer = try await ZooKeeperClient.connect(server.hostPort)
            #expect(try await observer.exists("/eph") == nil)
            await observer.close()
            await zk.close()
        }
    }

    /// A server that never knew the session (a fresh data directory) answers the reconnect with an
    /// expired session: the client says so once and fails what was queued meanwhile.
    @Test(arguments: ServerKind.available)
    func aServerThatNeverKnewTheSessionExpiresIt(_ kind: ServerKind) async throws {
        let first = try await startTestServer(kind)
        let port = first.port
        var configuration = ClientConfiguration()
        configuration.sessionTimeout = .seconds(10)
        let zk = try await ZooKeeperClient.connect(first.hostPort, configuration: configuration)
        var states = zk.stateChanges().makeAsyncIterator()
        #expect(await states.next() == .connected)
        await first.stop()
        #expect(await states.next() == .disconnected)
        let queued = Task { () async throws(KeeperError) -> Stat? in try await zk.exists("/") }
        let second = try await startTestServer(kind, port: port)
        defer { Task { await second.stop() } }
        #expect(await states.next() == .expired)
        #expect(await states.next() == nil)
        await #expect(throws: KeeperError(.sessionExpired, path: "/")) { try await queued.value }
    }

    @Test func refusesBadConnectStringsAndUnreachableServers() async throws {
        await #expect(throws: KeeperError(.badArguments, message: "Invalid path string \"/a/\"")) {
            try await ZooKeeperClient.connect("127.0.0.1:2181/a/")
        }
        var configuration = ClientConfiguration()
        configuration.sessionTimeout = .seconds(2)
        let port = try freeLoopbackPort()
        do throws(KeeperError) {
            _ = try await ZooKeeperClient.connect("127.0.0.1:\(port)", configuration: configuration)
            Issue.record("connected to nothing")
        } catch {
            #expect(error.code == .connectionLoss)
        }
    }
}
