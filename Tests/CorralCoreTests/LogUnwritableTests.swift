import Testing
import ZooKeeperProtocol
@testable import CorralCore

/// A full or failing disk (`.logWritable(false)`): writes are refused in session order without a
/// zxid, reads go on, writes already handed out complete once the log works again.
@Suite("Unwritable log")
struct LogUnwritableTests {
    @Test func writesAreRefusedInSessionOrderAndReadsServed() {
        var h = Harness()
        let c = h.session()
        h.create(c, "/a", Array("x".utf8))                                                          // 2
        h.autoDurable = false
        let pending = h.submit(c.conn, .setData(path: "/a", data: Array("y".utf8), version: -1))  // 3, in flight
        h.feed(.logWritable(false))
        let refused = h.submit(c.conn, .create(op: .create, CreateRequest(path: "/b", data: [], acl: Ids.openACLUnsafe, flags: 0)))
        let read = h.submit(c.conn, .getData(path: "/a", watch: false))
        // Nothing overtakes the write in flight.
        #expect(h.drain(c.conn) == [])
        #expect(h.logged.count == 3)
        h.feed(.logWritable(true))
        h.makeDurable()
        let outs = h.drain(c.conn)
        #expect(outs.count == 3)
        guard outs.count == 3 else { return }
        if case .reply(let x, 3, .ok, .stat(let stat)) = outs[0] {
            #expect(x == pending && stat.version == 1)
        } else {
            Issue.record("setData: \(outs[0])")
        }
        #expect(outs[1] == .reply(xid: refused, zxid: 3, err: .throttledOp, .empty))
        if case .reply(let x, 3, .ok, .data(let data, _)) = outs[2] {
            #expect(x == read && data == Array("y".utf8))
        } else {
            Issue.record("getData: \(outs[2])")
        }
        #expect(h.core.lastPreparedZxid == 3)
    }

    @Test func whileUnwritableAnIdleSessionGetsThrottledOpAtOnceAndNewSessionsAreRefused() {
        var h = Harness()
        let c = h.session()
        h.feed(.logWritable(false))
        #expect(h.send(c, .setData(path: "/", data: [], version: -1)) == Reply(err: .throttledOp, zxid: 1, response: .empty))
        #expect(h.send(c, .multi([])).err == .throttledOp)
        #expect(h.send(c, .exists(path: "/zookeeper", watch: false)).err == .ok)
        let conn = h.open()
        #expect(h.connect(conn) == [.closed])
        h.feed(.logWritable(true))
        #expect(h.create(c, "/ok").err == .ok)
        #expect(h.logged.count == 2)
    }
}
