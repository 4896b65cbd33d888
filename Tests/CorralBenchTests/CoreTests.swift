import NIOCore
import Testing
import ZooKeeperProtocol

@testable import CorralBench

@Suite struct OpSequenceTests {
    let mix = try! OpMix(parsing: "getData=2,create=3,delete=3,multi=1")

    @Test func sameSeedAndSessionGiveTheSameOps() {
        var a = OpSequence(mix: mix, nodeCount: 10, seed: 7, sessionIndex: 1)
        var b = OpSequence(mix: mix, nodeCount: 10, seed: 7, sessionIndex: 1)
        var c = OpSequence(mix: mix, nodeCount: 10, seed: 7, sessionIndex: 2)
        let first = (0..<200).map { _ in a.next() }
        #expect(first == (0..<200).map { _ in b.next() })
        #expect(first != (0..<200).map { _ in c.next() })
    }

    @Test func deletesNeverOutnumberCreatesAndNodesStayInRange() {
        var s = OpSequence(mix: mix, nodeCount: 10, seed: 1, sessionIndex: 0)
        var balance = 0
        var seen = Set<BenchOp>()
        for _ in 0..<10_000 {
            let d = s.next()
            seen.insert(d.op)
            if d.op == .create { #expect(d.tracksName); balance += 1 }
            if d.op == .delete { balance -= 1 }
            #expect(balance >= 0)
            #expect((0..<10).contains(d.node))
            #expect(d.node == 0 || d.op.targetsDataNode)
        }
        #expect(seen == [.getData, .create, .delete, .multi])
        #expect(balance == s.deletable)
    }

    @Test func createsAreNotTrackedWithoutDeletesInTheMix() throws {
        var s = OpSequence(mix: try OpMix(parsing: "create=1"), nodeCount: 1, seed: 1, sessionIndex: 0)
        #expect(s.next() == OpDraw(op: .create, node: 0, tracksName: false))
    }

    @Test func weightsAreFollowed() throws {
        var s = OpSequence(mix: try OpMix(parsing: "getData=3,exists=1"), nodeCount: 5, seed: 3, sessionIndex: 0)
        let gets = (0..<40_000).filter { _ in s.next().op == .getData }.count
        #expect((29_000...31_000).contains(gets))
    }
}

@Suite struct RequestFrameTests {
    let tree = BenchTree(base: "/b")
    let digits = (0..<100).map(BenchTree.packedDigits)

    func frames(ephemeral: Bool = false) -> RequestFrames {
        RequestFrames(tree: tree, session: 3, payload: [1, 2, 3], ephemeral: ephemeral, nodeDigits: digits)
    }

    func written(_ op: BenchOp, node: Int, xid: Int32) -> [UInt8] {
        var out = ByteBuffer()
        frames().write(op, node: node, xid: xid, into: &out)
        return Array(out.readableBytesView)
    }

    @Test func nodeNamesHaveEightDigits() {
        #expect(tree.dataNode(42) == "/b/n-00000042")
        #expect(tree.createPrefix(session: 3) == "/b/c-3-")
        #expect(BenchTree.packedDigits(42) == 0x3030_3030_3030_3432)
    }

    @Test func patchedFramesEqualFreshlyEncodedOnes() {
        let node = "/b/n-00000042"
        let expected: [(BenchOp, Request)] = [
            (.getData, .getData(path: node, watch: false)),
            (.exists, .exists(path: node, watch: false)),
            (.getChildren, .getChildren(op: .getChildren, path: node, watch: false)),
            (.setData, .setData(path: node, data: [1, 2, 3], version: -1)),
            (.multi, .multi([.check(path: node, version: -1), .setData(path: node, data: [1, 2, 3], version: -1)])),
            (.create, .create(op: .create, CreateRequest(path: "/b/c-3-", data: [1, 2, 3], acl: Ids.openACLUnsafe,
                                                         flags: CreateMode.persistentSequential.rawValue))),
        ]
        for (op, request) in expected {
            #expect(written(op, node: 42, xid: 77) == RequestFrames.frame(request, xid: 77), "\(op)")
        }
    }

    @Test func ephemeralCreatesUseTheEphemeralSequentialFlag() {
        var out = ByteBuffer()
        frames(ephemeral: true).write(.create, node: 0, xid: 1, into: &out)
        #expect(Array(out.readableBytesView) == RequestFrames.frame(
            .create(op: .create, CreateRequest(path: "/b/c-3-", data: [1, 2, 3], acl: Ids.openACLUnsafe,
                                               flags: CreateMode.ephemeralSequential.rawValue)), xid: 1))
    }

    @Test func deleteFramesNameTheCreatedNode() {
        var out = ByteBuffer()
        frames().writeDelete(suffix: "0000000012", xid: 5, into: &out)
        #expect(Array(out.readableBytesView) == RequestFrames.frame(.delete(path: "/b/c-3-0000000012", version: -1), xid: 5))
    }
}

@Suite struct SessionCoreTests {
    func core(depth: Int, mix: OpMix = try! OpMix(parsing: "getData=1,create=1")) -> SessionCore {
        let tree = BenchTree(base: "/b")
        let frames = RequestFrames(tree: tree, session: 0, payload: [], ephemeral: false, nodeDigits: [BenchTree.packedDigits(0)])
        return SessionCore(frames: frames, sequence: OpSequence(mix: mix, nodeCount: 1, seed: 1, sessionIndex: 0),
                           mix: mix, depth: depth, replyTimeoutMs: 1000)
    }

    /// Requests in `out` as (xid, opcode, path) triples.
    func requests(_ out: inout ByteBuffer) -> [(Int32, Int32, String)] {
        var result: [(Int32, Int32, String)] = []
        while let length = out.readInteger(endianness: .big, as: Int32.self), var frame = out.readSlice(length: Int(length)) {
            let xid = frame.readInteger(endianness: .big, as: Int32.self) ?? 0
            let type = frame.readInteger(endianness: .big, as: Int32.self) ?? 0
            var reader = JuteReader(frame)
            result.append((xid, type, type == OpCode.closeSession.rawValue ? "" : ((try? reader.string("path")) ?? "?")))
        }
        return result
    }

    func reply(xid: Int32, err: Int32 = 0, path: String? = nil) -> ByteBuffer {
        var b = ByteBuffer()
        ReplyHeader(xid: xid, zxid: 1, err: err).encode(into: &b)
        if let path { b.writeJuteString(path) }
        return b
    }

    func handshaken(depth: Int, mix: OpMix = try! OpMix(parsing: "getData=1,create=1")) throws -> SessionCore {
        var c = core(depth: depth, mix: mix)
        try c.receive(ConnectResponse(timeOut: 1000, sessionId: 9, passwd: [UInt8](repeating: 0, count: 16)).encoded(), now: 0)
        #expect(c.phase == .ready)
        #expect(c.sessionId == 9)
        return c
    }

    @Test func refusedHandshakeFails() {
        var c = core(depth: 1)
        #expect(throws: SessionFailure.sessionRefused) {
            try c.receive(ConnectResponse(timeOut: 0, sessionId: 0, passwd: []).encoded(), now: 0)
        }
    }

    @Test func keepsDepthInFlightMatchesRepliesInOrderAndCloses() throws {
        var c = try handshaken(depth: 3)
        c.start(RunSchedule(measureStart: 100, measureEnd: nil, quota: 4), now: 100)
        var out = ByteBuffer()
        c.fill(into: &out, now: 100)
        let first = requests(&out)
        #expect(first.map(\.0) == [1, 2, 3])
        // Replies: notifications and pings are ignored; others must come in xid order.
        try c.receive(reply(xid: Xid.notification), now: 150)
        for (xid, type, _) in first {
            try c.receive(reply(xid: xid, path: type == OpCode.create.rawValue ? "/b/c-0-0000000007" : nil), now: 150)
        }
        c.fill(into: &out, now: 200)
        let second = requests(&out)
        #expect(second.count == 1)  // the quota of 4 measured requests
        if second[0].1 == OpCode.delete.rawValue { #expect(second[0].2.hasPrefix("/b/c-0-")) }
        try c.receive(reply(xid: second[0].0, path: second[0].1 == OpCode.create.rawValue ? "/b/c-0-0000000008" : nil), now: 260)
        c.fill(into: &out, now: 300)
        let close = requests(&out)
        #expect(close.map(\.1) == [OpCode.closeSession.rawValue])
        #expect(c.phase == .closing)
        try c.receive(reply(xid: close[0].0), now: 310)
        #expect(c.phase == .finished)
        #expect(c.stats.total.count == 4)
        #expect(c.stats.total.latencyNanos.max == 60)
        #expect(c.stats.firstMeasuredSend == 100)
        #expect(c.stats.lastMeasuredReply == 260)
    }

    @Test func deletesOnlyNodesWhoseCreateWasAnswered() throws {
        var c = try handshaken(depth: 4, mix: try OpMix(parsing: "create=1,delete=1"))
        c.start(RunSchedule(measureStart: 0, measureEnd: nil, quota: 400), now: 0)
        var out = ByteBuffer()
        var existing = Set<String>()
        var sequenceNumber = 0
        var deletes = 0
        for step in 1...1000 where c.phase == .running {
            c.fill(into: &out, now: UInt64(step))
            let sent = requests(&out)
            #expect(!sent.isEmpty)
            for (xid, type, path) in sent {
                var name: String?
                if type == OpCode.create.rawValue {
                    sequenceNumber += 1
                    name = "/b/c-0-" + BenchTree.digits(sequenceNumber) + "00"
                    existing.insert(name!)
                } else {
                    #expect(type == OpCode.delete.rawValue)
                    #expect(existing.remove(path) != nil, "deleted \(path), which is not there")
                    deletes += 1
                }
                try c.receive(reply(xid: xid, path: name), now: UInt64(step))
            }
        }
        #expect(c.stats.total.count == 400)
        #expect(UInt64(deletes) == c.stats[.delete]?.count)
        #expect(deletes > 150)
    }

    @Test func outOfOrderReplyFails() throws {
        var c = try handshaken(depth: 2)
        c.start(RunSchedule(measureStart: 0, measureEnd: nil, quota: 2), now: 0)
        var out = ByteBuffer()
        c.fill(into: &out, now: 0)
        #expect(throws: SessionFailure.unexpectedXid(expected: 1, got: 2)) { try c.receive(reply(xid: 2), now: 1) }
    }

    @Test func errorsAreCountedByCode() throws {
        var c = try handshaken(depth: 1)
        c.start(RunSchedule(measureStart: 0, measureEnd: nil, quota: 1), now: 0)
        var out = ByteBuffer()
        c.fill(into: &out, now: 0)
        let sent = requests(&out)
        try c.receive(reply(xid: sent[0].0, err: ErrorCode.noNode.rawValue), now: 5)
        #expect(c.stats.total.errors == 1)
        #expect(c.stats.total.errorCodes == [ErrorCode.noNode.rawValue: 1])
    }

    @Test func repliesOutsideTheMeasuredWindowAreNotCounted() throws {
        var c = try handshaken(depth: 1)
        c.start(RunSchedule(measureStart: 50, measureEnd: 100, quota: nil), now: 0)
        var out = ByteBuffer()
        c.fill(into: &out, now: 10)  // warm-up request
        try c.receive(reply(xid: requests(&out)[0].0, path: "/b/c-0-0000000001"), now: 60)
        c.fill(into: &out, now: 60)  // measured
        try c.receive(reply(xid: requests(&out)[0].0, path: "/b/c-0-0000000002"), now: 70)
        c.fill(into: &out, now: 90)  // sent in time, answered too late
        try c.receive(reply(xid: requests(&out)[0].0, path: "/b/c-0-0000000003"), now: 120)
        c.fill(into: &out, now: 120)
        #expect(requests(&out).map(\.1) == [OpCode.closeSession.rawValue])
        #expect(c.stats.total.count == 1)
    }

    @Test func createReplyWithAForeignPathFails() throws {
        #expect(throws: SessionFailure.unexpectedCreatePath) {
            try SessionCore.createdSuffix(reply(xid: 1, path: "/other/c-0-1"), prefix: Array("/b/c-0-".utf8))
        }
        #expect(try SessionCore.createdSuffix(reply(xid: 1, path: "/b/c-0-0000000001"), prefix: Array("/b/c-0-".utf8))
            == "0000000001")
    }

    @Test func stalledServerIsReported() throws {
        var c = try handshaken(depth: 1)
        c.start(RunSchedule(measureStart: 0, measureEnd: nil, quota: 1), now: 0)
        var out = ByteBuffer()
        c.fill(into: &out, now: 0)
        try c.checkProgress(now: 1_000_000_000)
        #expect(throws: SessionFailure.noReply(milliseconds: 1000)) { try c.checkProgress(now: 1_000_000_001) }
    }
}
