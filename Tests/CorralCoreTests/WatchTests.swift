import Testing
import ZooKeeperProtocol
@testable import CorralCore

/// Watches: event types, one-shot vs persistent, removal, setWatches replay and delivery order.
/// Event sequences were observed on Apache 3.8 for the same requests.
@Suite struct WatchTests {
    @Test func standardWatchesFireOnceWithTheRightTypes() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        h.create(a, "/w")                                                                          // 3
        #expect(h.send(b, .getData(path: "/w", watch: true)).err == .ok)
        #expect(h.children(b, "/w", watch: true) == [])
        #expect(h.send(b, .exists(path: "/w/new", watch: true)) == fail(.noNode, zxid: 3))
        _ = h.drain(b.conn)
        h.create(a, "/w/new")                                                                      // 4
        #expect(h.events(b) == [.event(.nodeCreated, "/w/new", zxid: 4), .event(.nodeChildrenChanged, "/w", zxid: 4)])
        h.create(a, "/w/new2")                                                                     // 5
        #expect(h.events(b) == [])
        #expect(h.setData(a, "/w", bytes("1")) == ok(.stat(S("cz=3 mz=6 pz=5 v=1 cv=2 av=0 eo=0 dl=1 nc=2")), zxid: 6))
        h.setData(a, "/w", bytes("2"))                                                             // 7
        #expect(h.events(b) == [.event(.nodeDataChanged, "/w", zxid: 6)])
        // No watchers remain.
        #expect(h.core.dataWatches.watchCount == 0)
        #expect(h.core.childWatches.watchCount == 0)
    }

    @Test func deleteFiresNodeDeletedOnceToDataAndChildWatchers() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        let c = h.session()
        h.create(a, "/w")                                                                          // 4
        h.create(a, "/w/new")                                                                      // 5
        #expect(h.send(b, .getData(path: "/w/new", watch: true)).err == .ok)
        #expect(h.send(b, .exists(path: "/w/new", watch: true)).err == .ok)
        #expect(h.children(b, "/w/new", watch: true) == [])
        #expect(h.children(b, "/w", watch: true) == ["new"])
        #expect(h.children(c, "/w/new", watch: true) == [])
        _ = h.drain(b.conn); _ = h.drain(c.conn)
        h.delete(a, "/w/new")                                                                      // 6
        #expect(h.events(b) == [.event(.nodeDeleted, "/w/new", zxid: 6), .event(.nodeChildrenChanged, "/w", zxid: 6)])
        #expect(h.events(c) == [.event(.nodeDeleted, "/w/new", zxid: 6)])
        #expect(h.send(b, .checkWatches(path: "/w/new", type: WatcherType.data.rawValue)) == fail(.noWatcher, zxid: 6))
        #expect(h.send(b, .checkWatches(path: "/w/new", type: WatcherType.any.rawValue)) == fail(.noWatcher, zxid: 6))
    }

    @Test func checkAndRemoveWatches() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        h.create(a, "/w")                                                                          // 3
        #expect(h.send(b, .exists(path: "/w", watch: true)).err == .ok)
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.data.rawValue)) == ok(.empty, zxid: 3))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.children.rawValue)) == fail(.noWatcher, zxid: 3))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.any.rawValue)) == ok(.empty, zxid: 3))
        // Another connection's watch is not ours.
        #expect(h.send(a, .checkWatches(path: "/w", type: WatcherType.any.rawValue)) == fail(.noWatcher, zxid: 3))
        #expect(h.send(b, .removeWatches(path: "/w", type: WatcherType.children.rawValue)) == fail(.noWatcher, zxid: 3))
        #expect(h.send(b, .removeWatches(path: "/w", type: WatcherType.data.rawValue)) == ok(.empty, zxid: 3))
        #expect(h.send(b, .removeWatches(path: "/w", type: WatcherType.data.rawValue)) == fail(.noWatcher, zxid: 3))
        _ = h.drain(b.conn)
        h.setData(b, "/w", bytes("x"))                                                             // 4
        #expect(h.events(b) == [])

        #expect(h.children(b, "/w", watch: true) == [])
        #expect(h.send(b, .getData(path: "/w", watch: true)).err == .ok)
        #expect(h.send(b, .removeWatches(path: "/w", type: WatcherType.any.rawValue)) == ok(.empty, zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.any.rawValue)) == fail(.noWatcher, zxid: 4))
        // Persistent watches: the Persistent type removes both tables' entries; Data does not touch them.
        #expect(h.send(b, .addWatch(path: "/w", mode: AddWatchMode.persistent.rawValue)) == ok(.number(0), zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.data.rawValue)) == fail(.noWatcher, zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.persistent.rawValue)) == ok(.empty, zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.persistentRecursive.rawValue)) == fail(.noWatcher, zxid: 4))
        #expect(h.send(b, .removeWatches(path: "/w", type: WatcherType.persistent.rawValue)) == ok(.empty, zxid: 4))
        #expect(h.core.dataWatches.watchCount == 0)
        #expect(h.core.childWatches.watchCount == 0)
        #expect(h.send(b, .addWatch(path: "/w", mode: AddWatchMode.persistentRecursive.rawValue)) == ok(.number(0), zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.persistentRecursive.rawValue)) == ok(.empty, zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.children.rawValue)) == fail(.noWatcher, zxid: 4))
        #expect(h.send(b, .removeWatches(path: "/w", type: WatcherType.persistentRecursive.rawValue)) == ok(.empty, zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/w", type: WatcherType.any.rawValue)) == fail(.noWatcher, zxid: 4))
    }

    /// getData/getChildren check READ before registering a watch: no READ, no watch. exists has no
    /// READ check in Apache 3.8.0, so its watch is registered (events are filtered on delivery).
    @Test func watchesNeedReadPermission() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        #expect(h.auth(a, "u1:p1").err == .ok)
        h.create(a, "/d", acl: Ids.creatorAllACL)                                                  // 3
        let dStat = h.stat(a, "/d")!
        #expect(h.send(b, .getData(path: "/d", watch: true)) == fail(.noAuth, zxid: 3))
        #expect(h.send(b, .getChildren(op: .getChildren2, path: "/d", watch: true)) == fail(.noAuth, zxid: 3))
        #expect(h.core.dataWatches.watchCount == 0)
        #expect(h.core.childWatches.watchCount == 0)
        #expect(h.send(b, .exists(path: "/d", watch: true)) == ok(.stat(dStat), zxid: 3))
        #expect(h.send(b, .checkWatches(path: "/d", type: WatcherType.data.rawValue)) == ok(.empty, zxid: 3))
        #expect(h.send(b, .removeWatches(path: "/d", type: WatcherType.data.rawValue)) == ok(.empty, zxid: 3))
        // addWatch has no ACL check (events are filtered on delivery instead).
        #expect(h.send(b, .addWatch(path: "/d", mode: AddWatchMode.persistent.rawValue)) == ok(.number(0), zxid: 3))
    }

    /// Unknown addWatch modes and watcher types make Apache throw a non-Keeper exception, which
    /// FinalRequestProcessor answers with MarshallingError.
    @Test func invalidWatchModesAreMarshallingErrors() {
        var h = Harness()
        let a = h.session()
        #expect(h.send(a, .addWatch(path: "/", mode: 2)) == fail(.marshallingError, zxid: 1))
        #expect(h.send(a, .checkWatches(path: "/", type: 6)) == fail(.marshallingError, zxid: 1))
        #expect(h.send(a, .removeWatches(path: "/", type: 0)) == fail(.marshallingError, zxid: 1))
        #expect(h.core.dataWatches.watchCount == 0)
    }

    @Test func persistentAndRecursiveWatches() {
        var h = Harness()
        let a = h.session()                                                                        // 1
        let b = h.session()                                                                        // 2
        h.create(a, "/p")                                                                          // 3
        #expect(h.send(b, .addWatch(path: "/p", mode: AddWatchMode.persistent.rawValue)) == ok(.number(0), zxid: 3))
        let c = h.session()                                                                        // 4
        #expect(h.send(c, .addWatch(path: "/p", mode: AddWatchMode.persistentRecursive.rawValue)) == ok(.number(0), zxid: 4))
        _ = h.drain(b.conn); _ = h.drain(c.conn)
        h.create(a, "/p/x")                                                                        // 5
        h.create(a, "/p/x/y")                                                                      // 6
        h.setData(a, "/p", bytes("1"))                                                             // 7
        h.setData(a, "/p", bytes("2"))                                                             // 8
        h.setData(a, "/p/x/y", bytes("2"))                                                         // 9
        h.delete(a, "/p/x/y")                                                                      // 10
        h.delete(a, "/p/x")                                                                        // 11
        #expect(h.events(b) == [
            .event(.nodeChildrenChanged, "/p", zxid: 5), .event(.nodeDataChanged, "/p", zxid: 7),
            .event(.nodeDataChanged, "/p", zxid: 8), .event(.nodeChildrenChanged, "/p", zxid: 11),
        ])
        #expect(h.events(c) == [
            .event(.nodeCreated, "/p/x", zxid: 5), .event(.nodeCreated, "/p/x/y", zxid: 6),
            .event(.nodeDataChanged, "/p", zxid: 7), .event(.nodeDataChanged, "/p", zxid: 8),
            .event(.nodeDataChanged, "/p/x/y", zxid: 9), .event(.nodeDeleted, "/p/x/y", zxid: 10),
            .event(.nodeDeleted, "/p/x", zxid: 11),
        ])
        h.delete(a, "/p")                                                                          // 12
        h.create(a, "/p")                                                                          // 13
        #expect(h.events(b) == [.event(.nodeDeleted, "/p", zxid: 12), .event(.nodeCreated, "/p", zxid: 13)])
        #expect(h.events(c) == [.event(.nodeDeleted, "/p", zxid: 12), .event(.nodeCreated, "/p", zxid: 13)])
        // Closing the connection drops its watches.
        h.feed(.connectionClosed(c.conn))
        #expect(h.core.dataWatches.watchCount == 1)
        #expect(h.core.childWatches.watchCount == 1)
    }

    /// A standard and a persistent watch of one connection on one path: one event per change,
    /// and the standard one is consumed while the persistent one stays (Apache's WatchStats).
    @Test func standardAndPersistentOnOnePathDeliverOneEvent() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        h.create(a, "/p")                                                                          // 3
        #expect(h.send(b, .addWatch(path: "/p", mode: AddWatchMode.persistentRecursive.rawValue)).err == .ok)
        #expect(h.send(b, .getData(path: "/p", watch: true)).err == .ok)
        _ = h.drain(b.conn)
        h.setData(a, "/p", bytes("1"))                                                             // 4
        #expect(h.events(b) == [.event(.nodeDataChanged, "/p", zxid: 4)])
        #expect(h.send(b, .checkWatches(path: "/p", type: WatcherType.data.rawValue)) == fail(.noWatcher, zxid: 4))
        #expect(h.send(b, .checkWatches(path: "/p", type: WatcherType.persistentRecursive.rawValue)) == ok(.empty, zxid: 4))
    }

    /// Apache delivers an event only to connections that may READ the node it is about (the
    /// parent for NodeChildrenChanged); a standard watch is consumed even when its event is
    /// filtered. Observed on Apache 3.8: b gets [NodeChildrenChanged /, NodeCreated /sec/k,
    /// NodeDataChanged /sec/k].
    @Test func eventsAreFilteredByReadPermission() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        #expect(h.auth(a, "u1:p1").err == .ok)
        #expect(h.send(b, .exists(path: "/sec", watch: true)) == fail(.noNode, zxid: 2))
        #expect(h.send(b, .addWatch(path: "/", mode: AddWatchMode.persistentRecursive.rawValue)).err == .ok)
        #expect(h.children(b, "/", watch: true) == ["zookeeper"])
        _ = h.drain(b.conn)
        h.create(a, "/sec", acl: Ids.creatorAllACL)                                                // 3
        h.create(a, "/sec/k")                                                                      // 4
        h.setData(a, "/sec", bytes("1"))                                                           // 5
        h.setData(a, "/sec/k", bytes("1"))                                                         // 6
        #expect(h.events(b) == [.event(.nodeChildrenChanged, "/", zxid: 3), .event(.nodeCreated, "/sec/k", zxid: 4),
                                .event(.nodeDataChanged, "/sec/k", zxid: 6)])
        #expect(h.send(b, .checkWatches(path: "/sec", type: WatcherType.data.rawValue)) == fail(.noWatcher, zxid: 6))
        // The owner hears about everything.
        #expect(h.send(a, .addWatch(path: "/sec", mode: AddWatchMode.persistentRecursive.rawValue)).err == .ok)
        _ = h.drain(a.conn)
        h.delete(a, "/sec/k")                                                                      // 7
        h.delete(a, "/sec")                                                                        // 8
        #expect(h.events(a) == [.event(.nodeDeleted, "/sec/k", zxid: 7), .event(.nodeDeleted, "/sec", zxid: 8)])
        #expect(h.events(b) == [.event(.nodeDeleted, "/sec/k", zxid: 7)])
    }

    @Test func setWatchesReplaysAgainstRelativeZxid() {
        var h = Harness()
        let a = h.session()
        h.create(a, "/same")                                                                       // 2
        h.create(a, "/changed")                                                                    // 3
        h.create(a, "/parent")                                                                     // 4
        h.create(a, "/quiet")                                                                      // 5
        h.create(a, "/exists")                                                                     // 6
        h.setData(a, "/changed", bytes("x"))                                                       // 7
        h.create(a, "/parent/k")                                                                   // 8
        let b = h.session()                                                                        // 9
        _ = h.drain(b.conn)
        h.submit(b.conn, .setWatches(SetWatches(
            relativeZxid: 6,
            dataWatches: ["/same", "/changed", "/gone"],
            existWatches: ["/exists", "/absent"],
            childWatches: ["/quiet", "/parent", "/gone2"],
            persistentWatches: ["/pp"],
            persistentRecursiveWatches: ["/pr"])), xid: Xid.setWatches)
        // Events for what changed come first, without a zxid (-1), then the reply (xid -8).
        #expect(h.drain(b.conn) == [
            .event(.nodeDataChanged, "/changed", zxid: -1),
            .event(.nodeDeleted, "/gone", zxid: -1),
            .event(.nodeCreated, "/exists", zxid: -1),
            .event(.nodeChildrenChanged, "/parent", zxid: -1),
            .event(.nodeDeleted, "/gone2", zxid: -1),
            .reply(xid: Xid.setWatches, zxid: 9, err: .ok, .empty),
        ])
        // Registered: data /same, exist /absent, child /quiet, persistent /pp, recursive /pr.
        h.setData(a, "/same", bytes("1"))                                                          // 10
        h.create(a, "/absent")                                                                     // 11
        h.create(a, "/quiet/k")                                                                    // 12
        h.create(a, "/pp")                                                                         // 13
        h.create(a, "/pr")                                                                         // 14
        h.create(a, "/pr/k")                                                                       // 15
        h.setData(a, "/changed", bytes("y"))                                                       // 16
        #expect(h.events(b) == [
            .event(.nodeDataChanged, "/same", zxid: 10), .event(.nodeCreated, "/absent", zxid: 11),
            .event(.nodeChildrenChanged, "/quiet", zxid: 12), .event(.nodeCreated, "/pp", zxid: 13),
            .event(.nodeCreated, "/pr", zxid: 14), .event(.nodeCreated, "/pr/k", zxid: 15),
        ])
    }

    /// The ordering guarantee: a client sees the watch event before any reply showing the change.
    @Test func watchEventPrecedesTheReplyThatShowsTheChange() {
        var h = Harness()
        let a = h.session()
        let b = h.session()
        h.create(a, "/o")                                                                          // 3
        #expect(h.send(a, .getData(path: "/o", watch: true)).err == .ok)
        #expect(h.send(b, .getData(path: "/o", watch: true)).err == .ok)
        _ = h.drain(a.conn); _ = h.drain(b.conn)
        h.autoDurable = false
        let x = h.submit(a.conn, .setData(path: "/o", data: bytes("1"), version: -1))              // 4
        let y = h.submit(a.conn, .getData(path: "/o", watch: false))
        // b reads before the write is durable: the old data, no event yet.
        let z = h.submit(b.conn, .getData(path: "/o", watch: false))
        #expect(h.drain(b.conn) == [.reply(xid: z, zxid: 3, err: .ok, .data([], S("cz=3 mz=3 pz=3 v=0 cv=0 av=0 eo=0 dl=0 nc=0")))])
        #expect(h.drain(a.conn) == [])
        h.makeDurable()
        let newStat = S("cz=3 mz=4 pz=3 v=1 cv=0 av=0 eo=0 dl=1 nc=0")
        #expect(h.drain(a.conn) == [
            .event(.nodeDataChanged, "/o", zxid: 4),
            .reply(xid: x, zxid: 4, err: .ok, .stat(newStat)),
            .reply(xid: y, zxid: 4, err: .ok, .data(bytes("1"), newStat)),
        ])
        #expect(h.drain(b.conn) == [.event(.nodeDataChanged, "/o", zxid: 4)])
        // Globally, b's event was emitted before a's reply too.
        let order = h.history.suffix(4).map { $0.0 }
        #expect(order == [a.conn, b.conn, a.conn, a.conn])
    }
}
