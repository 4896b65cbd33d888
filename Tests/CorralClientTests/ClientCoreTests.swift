import NIOCore
import Testing
import ZooKeeperProtocol
@testable import CorralClient

/// The client state machine driven by hand: exact frames out, exact effects for each input.
@Suite struct ClientCoreTests {
    typealias Core = ClientCore<Int>

    static func makeCore(hosts: Int = 1, maxInFlight: Int = 100, chroot: String = "") -> Core {
        let paths = try! ConnectString((0..<hosts).map { "h\($0):1" }.joined(separator: ",") + chroot)
        return Core(settings: .init(sessionTimeout: 9000, canBeReadOnly: false, maxInFlight: maxInFlight,
                                    hostCount: hosts, limits: .default, paths: paths))
    }

    /// Splits `outbound` into frames: (xid, opcode) of each request frame after the handshake.
    static func takeFrames(_ core: inout Core) -> [(xid: Int32, op: Int32, body: ByteBuffer)] {
        var out: [(Int32, Int32, ByteBuffer)] = []
        while let length = core.outbound.readInteger(as: Int32.self) {
            var frame = core.outbound.readSlice(length: Int(length))!
            let xid = frame.readInteger(as: Int32.self)!
            let op = frame.readInteger(as: Int32.self)!
            out.append((xid, op, frame))
        }
        core.outbound.clear()
        return out
    }

    static func connectResponse(timeout: Int32 = 9000, session: Int64 = 0x42) -> ByteBuffer {
        var b = ByteBuffer()
        ConnectResponse(timeOut: timeout, sessionId: session, passwd: Array(repeating: 7, count: 16)).encode(into: &b)
        return b
    }

    static func reply(xid: Int32, zxid: Int64 = 5, err: ErrorCode = .ok, _ body: (inout ByteBuffer) -> Void = { _ in }) -> ByteBuffer {
        var b = ByteBuffer()
        ReplyHeader(xid: xid, zxid: zxid, err: err.rawValue).encode(into: &b)
        body(&b)
        return b
    }

    /// A core with an established session; effects and outbound cleared.
    static func connected(hosts: Int = 1, maxInFlight: Int = 100) -> Core {
        var core = makeCore(hosts: hosts, maxInFlight: maxInFlight)
        core.start(now: 0)
        core.connectionOpened(now: 0)
        core.frameReceived(connectResponse(), now: 1)
        core.effects = []
        core.outbound.clear()
        return core
    }

    static func completions(_ effects: [ClientEffect<Int>]) -> [(Int, Result<Reply, KeeperError>)] {
        effects.compactMap { if case .complete(let t, let r) = $0 { return (t, r) } else { return nil } }
    }

    @Test func handshakeThenQueuedRequestsInOrder() {
        var core = Self.makeCore()
        core.start(now: 0)
        guard case .openConnection = core.effects.first else { Issue.record("\(core.effects)"); return }
        core.effects = []
        core.submit(.exists(path: "/a", watch: false), registration: nil, token: 1, now: 0)
        core.submit(.getData(path: "/b", watch: false), registration: nil, token: 2, now: 0)
        #expect(core.outbound.readableBytes == 0)
        core.connectionOpened(now: 0)
        // The handshake: protocolVersion 0, lastZxid 0, timeout 9000, session 0, 16 zero bytes, readOnly false.
        var handshake = core.outbound
        let length = handshake.readInteger(as: Int32.self)!
        #expect(length == 4 + 8 + 4 + 8 + 4 + 16 + 1)
        var reader = JuteReader(handshake.readSlice(length: Int(length))!)
        let request = try! ConnectRequest(from: &reader)
        #expect(request == ConnectRequest(timeOut: 9000))
        core.outbound.clear()
        core.frameReceived(Self.connectResponse(), now: 1)
        #expect(core.sessionId == 0x42 && core.negotiatedTimeout == 9000)
        let frames = Self.takeFrames(&core)
        #expect(frames.map(\.xid) == [1, 2])
        #expect(frames.map(\.op) == [OpCode.exists.rawValue, OpCode.getData.rawValue])
        #expect(core.publicState == .connected)
    }

    @Test func repliesCompleteInFifoOrderAndAnOutOfOrderXidDropsTheConnection() {
        var core = Self.connected()
        for token in 1...3 { core.submit(.sync(path: "/"), registration: nil, token: token, now: 2) }
        _ = Self.takeFrames(&core)
        core.frameReceived(Self.reply(xid: 1) { $0.writeJuteString("/") }, now: 3)
        let first = Self.completions(core.effects)
        #expect(first.count == 1 && first[0].0 == 1)
        core.effects = []
        core.frameReceived(Self.reply(xid: 3), now: 4)  // xid 2 expected
        guard case .closeConnection = core.effects.first else { Issue.record("\(core.effects)"); return }
        #expect(core.lastProtocolError == "Xid out of order. Got Xid 3 expected Xid 2")
        core.effects = []
        core.connectionLost(now: 5)
        let failed = Self.completions(core.effects)
        #expect(failed.map(\.0) == [2, 3])
        #expect(failed.allSatisfy { (try? $0.1.get()) == nil })
        #expect(failed.allSatisfy { if case .failure(let e) = $0.1 { return e.code == .connectionLoss } else { return false } })
        #expect(core.publicState == .disconnected)
    }

    @Test func inFlightCapHoldsRequestsUntilRepliesFreeRoom() {
        var core = Self.connected(maxInFlight: 2)
        for token in 1...5 { core.submit(.sync(path: "/"), registration: nil, token: token, now: 2) }
        #expect(Self.takeFrames(&core).map(\.xid) == [1, 2])
        #expect(core.inFlight == 2 && core.queued == 3)
        core.frameReceived(Self.reply(xid: 1) { $0.writeJuteString("/") }, now: 3)
        #expect(Self.takeFrames(&core).map(\.xid) == [3])
        #expect(core.inFlight == 2 && core.queued == 2)
    }

    /// After a reconnect: the handshake carries the session and last zxid; credentials, then
    /// watches (SetWatches, with the last zxid), then the requests queued while disconnected.
    @Test func reconnectPrimesAuthThenWatchesThenQueue() {
        var core = Self.connected(hosts: 2)
        core.addAuth(AuthPacket(scheme: "digest", auth: Array("u:p".utf8)), token: 9, now: 2)
        core.submit(.getData(path: "/w", watch: true), registration: WatchRegistration(kind: .data, path: "/w", watcher: 0),
                    token: 1, now: 2)
        #expect(Self.takeFrames(&core).map(\.xid) == [Xid.auth, 1])
        core.frameReceived(Self.reply(xid: Xid.auth, zxid: 0), now: 3)
        core.frameReceived(Self.reply(xid: 1, zxid: 0x77) { b in b.writeJuteBytes([1]); Stat().encode(into: &b) }, now: 3)
        #expect(Self.completions(core.effects).map(\.0) == [9, 1])
        core.effects = []
        core.connectionLost(now: 4)
        core.submit(.sync(path: "/"), registration: nil, token: 2, now: 4)
        core.tick(now: 4)
        guard case .openConnection = core.effects.last else { Issue.record("\(core.effects)"); return }
        core.connectionOpened(now: 5)
        var handshake = core.outbound
        let length = handshake.readInteger(as: Int32.self)!
        var reader = JuteReader(handshake.readSlice(length: Int(length))!)
        let request = try! ConnectRequest(from: &reader)
        #expect(request.sessionId == 0x42 && request.lastZxidSeen == 0x77 && request.passwd == Array(repeating: 7, count: 16))
        core.outbound.clear()
        core.frameReceived(Self.connectResponse(), now: 6)
        let frames = Self.takeFrames(&core)
        #expect(frames.map(\.xid) == [Xid.auth, Xid.setWatches, 2])
        #expect(frames[1].op == OpCode.setWatches.rawValue)
        var body = JuteReader(frames[1].body)
        let watches = try! SetWatches(from: &body, version2: false)
        #expect(watches.relativeZxid == 0x77 && watches.dataWatches == ["/w"] && watches.existWatches.isEmpty)
    }

    @Test func expiryFailsEverythingOnceAndIsTerminal() {
        var core = Self.connected()
        core.submit(.sync(path: "/"), registration: nil, token: 1, now: 2)
        _ = Self.takeFrames(&core)
        core.connectionLost(now: 3)
        core.submit(.sync(path: "/"), registration: nil, token: 2, now: 3)
        core.effects = []
        core.tick(now: 3)
        core.connectionOpened(now: 3)
        core.effects = []
        core.frameReceived(Self.connectResponse(timeout: 0), now: 4)
        let completed = Self.completions(core.effects)
        #expect(completed.map(\.0) == [2])
        #expect(completed.allSatisfy { if case .failure(let e) = $0.1 { return e.code == .sessionExpired } else { return false } })
        let states = core.effects.compactMap { if case .state(let s) = $0 { return s } else { return nil } }
        #expect(states == [.expired])
        core.effects = []
        core.connectionLost(now: 5)
        core.tick(now: 10_000)
        #expect(core.effects.isEmpty)
        core.submit(.sync(path: "/"), registration: nil, token: 3, now: 10_000)
        #expect(Self.completions(core.effects).map(\.0) == [3])
    }

    /// Pings after a third of the timeout without sending; the connection is dropped after two
    /// thirds without hearing anything (Apache's readTimeout).
    @Test func pingsWhenIdleAndDropsASilentConnection() {
        var core = Self.connected()
        core.tick(now: 2000)
        #expect(core.outbound.readableBytes == 0)
        core.tick(now: 3002)
        #expect(Self.takeFrames(&core).map(\.xid) == [Xid.ping])
        core.frameReceived(Self.reply(xid: Xid.ping), now: 3003)
        core.tick(now: 6004)
        #expect(Self.takeFrames(&core).map(\.xid) == [Xid.ping])
        core.tick(now: 9004)
        guard case .closeConnection = core.effects.last else { Issue.record("\(core.effects)"); return }
    }

    /// A slow handshake is abandoned after the connect timeout (session timeout / hosts); after a
    /// whole cycle through the hosts the next attempt waits a second.
    @Test func connectTimeoutAndRetryPacing() {
        var core = Self.makeCore(hosts: 3)
        core.start(now: 0)
        core.effects = []
        core.tick(now: 2999)
        #expect(core.effects.isEmpty)
        core.tick(now: 3000)
        guard case .closeConnection = core.effects.first else { Issue.record("\(core.effects)"); return }
        core.effects = []
        core.connectionLost(now: 3000)
        core.tick(now: 3000)  // second host at once
        guard case .openConnection = core.effects.first else { Issue.record("\(core.effects)"); return }
        core.effects = []
        core.connectionLost(now: 3001)
        core.tick(now: 3001)
        guard case .openConnection = core.effects.first else { Issue.record("\(core.effects)"); return }
        core.effects = []
        core.connectionLost(now: 3002)  // third failure: a full cycle
        core.tick(now: 3500)
        #expect(core.effects.isEmpty)
        core.tick(now: 4002)
        guard case .openConnection = core.effects.first else { Issue.record("\(core.effects)"); return }
    }

    @Test func notificationsMapThroughTheChrootAndTriggerOnlyTheirWatchers() {
        var core = Self.makeCore(chroot: "/app")
        core.start(now: 0)
        core.connectionOpened(now: 0)
        core.frameReceived(Self.connectResponse(), now: 1)
        core.submit(.getData(path: "/app/x", watch: true), registration: WatchRegistration(kind: .data, path: "/x", watcher: 5),
                    token: 1, now: 1)
        core.frameReceived(Self.reply(xid: 1) { b in b.writeJuteBytes(nil); Stat().encode(into: &b) }, now: 2)
        core.effects = []
        func notify(_ type: EventType, _ path: String) {
            var b = ByteBuffer()
            ReplyHeader(xid: Xid.notification, zxid: -1, err: 0).encode(into: &b)
            WatcherEvent(type: type, state: .syncConnected, path: path).encode(into: &b)
            core.frameReceived(b, now: 3)
        }
        notify(.nodeDataChanged, "/other")  // outside the chroot
        notify(.nodeDataChanged, "/app/y")  // nobody watches it
        #expect(core.effects.isEmpty)
        notify(.nodeDataChanged, "/app/x")
        notify(.nodeDataChanged, "/app/x")  // one-shot: already fired
        guard core.effects.count == 1, case .deliver(let event, let to) = core.effects[0] else {
            Issue.record("\(core.effects)"); return
        }
        #expect(event == WatchedEvent(type: .nodeDataChanged, state: .syncConnected, path: "/x") && to == [5])
    }

    @Test func watchRegistryFollowsApacheMaterializeRules() {
        var registry = WatchRegistry()
        registry.add(WatchRegistration(kind: .data, path: "/a", watcher: 1))
        registry.add(WatchRegistration(kind: .child, path: "/a", watcher: 2))
        registry.add(WatchRegistration(kind: .persistent, path: "/a", watcher: 3))
        registry.add(WatchRegistration(kind: .persistentRecursive, path: "/", watcher: 4))
        registry.add(WatchRegistration(kind: .data, path: "/a", watcher: 1))  // a set: once
        #expect(registry.trigger(.nodeChildrenChanged, path: "/a") == [2, 3])  // recursive: no child events
        #expect(registry.trigger(.nodeDeleted, path: "/a") == [1, 3, 4])
        #expect(registry.trigger(.nodeDataChanged, path: "/a") == [3, 4])
        #expect(registry.trigger(.nodeCreated, path: "/a/b/c") == [4])
        #expect(WatchRegistry.selfAndAncestors("/a/b") == ["/a/b", "/a", "/"])
        #expect(registry.contains(path: "/a", type: .persistent) && !registry.contains(path: "/a", type: .data))
        let records = registry.setWatchesRecords(relativeZxid: 9, serverPath: { "/chroot" + $0 })
        #expect(records.count == 1 && records[0].isVersion2)
        #expect(records[0].persistentWatches == ["/chroot/a"] && records[0].persistentRecursiveWatches == ["/chroot/"])
    }

    /// A session no server has answered for 4/3 of its timeout is expired by the client itself
    /// (Apache 3.9): the servers have expired it, and one behind the client's zxid never answers.
    @Test func expiresLocallyAfterFourThirdsOfTheTimeoutWithoutAnAnswer() {
        var core = Self.connected()
        core.submit(.sync(path: "/"), registration: nil, token: 1, now: 2)
        _ = Self.takeFrames(&core)
        core.connectionLost(now: 1000)
        core.effects = []
        for now in stride(from: Int64(1000), to: 12_001, by: 500) {
            core.tick(now: now)
            if case .openConnection = core.effects.last { core.connectionOpened(now: now); core.connectionLost(now: now + 1) }
        }
        #expect(core.publicState == .disconnected)
        core.effects = []
        core.tick(now: 12_001)  // 4/3 x 9000 ms after the last frame (at 1)
        #expect(core.publicState == .expired)
        let states = core.effects.compactMap { if case .state(let s) = $0 { return s } else { return nil } }
        #expect(states == [.expired])
    }

    /// addAuth keeps its place behind requests still waiting for room in flight (Apache queues the
    /// auth packet in order), and close() gives up 2 s after closeSession was written.
    @Test func authKeepsItsPlaceAndCloseGivesUpAfterTwoSeconds() {
        var core = Self.connected(maxInFlight: 1)
        core.submit(.sync(path: "/"), registration: nil, token: 1, now: 2)
        core.submit(.sync(path: "/"), registration: nil, token: 2, now: 2)
        core.addAuth(AuthPacket(scheme: "digest", auth: Array("u:p".utf8)), token: 3, now: 2)
        #expect(Self.takeFrames(&core).map(\.xid) == [1])
        core.frameReceived(Self.reply(xid: 1) { $0.writeJuteString("/") }, now: 3)
        #expect(Self.takeFrames(&core).map(\.xid) == [2])
        core.frameReceived(Self.reply(xid: 2) { $0.writeJuteString("/") }, now: 4)
        #expect(Self.takeFrames(&core).map(\.xid) == [Xid.auth])
        core.frameReceived(Self.reply(xid: Xid.auth, zxid: 0), now: 4)
        #expect(Self.completions(core.effects).map(\.0) == [1, 2, 3])
        core.effects = []
        core.close(token: 4, now: 10)
        #expect(Self.takeFrames(&core).map(\.op) == [OpCode.closeSession.rawValue])
        core.tick(now: 2009)
        #expect(core.publicState == .connected)
        core.tick(now: 2010)
        #expect(core.publicState == .closed)
        #expect(Self.completions(core.effects).map(\.0) == [4])
    }
}
