import NIOCore
import Testing
@testable import ZooKeeperProtocol

/// Every frame recorded between Apache's clients and Apache ZooKeeper 3.8 decodes and re-encodes to
/// the identical bytes.
@Suite("Golden frames: decode and re-encode byte for byte")
struct GoldenRoundTripTests {
    @Test("every frame round-trips", arguments: Golden.files)
    func everyFrameRoundTrips(file: String) throws {
        let connections = try Golden.connections(file)
        #expect(!connections.isEmpty)
        var count = 0
        for conn in connections {
            for (frame, decoded) in try conn.decoded() {
                let again = decoded.encoded()
                #expect(again == frame.bytes, "\(frame)\n  golden  \(frame.bytes.hex)\n  encoded \(again.hex)")
                count += 1
            }
        }
        #expect(count > 10)
    }

    @Test("every request op a client sends is covered by the fixtures")
    func opcodeCoverage() throws {
        var requestOps = Set<OpCode>()
        var replyOps = Set<OpCode>()
        for conn in try Golden.allConnections() {
            for (_, d) in try conn.decoded() {
                switch d {
                case .request(_, let r): requestOps.insert(r.opCode)
                case .reply(let h, let op, _) where h.err == 0: replyOps.insert(op)
                default: break
                }
            }
        }
        let expected: Set<OpCode> = [
            .create, .delete, .exists, .getData, .setData, .getACL, .setACL, .getChildren, .sync, .ping,
            .getChildren2, .check, .multi, .create2, .reconfig, .checkWatches, .removeWatches, .createContainer,
            .deleteContainer, .createTTL, .multiRead, .auth, .setWatches, .getEphemerals,
            .getAllChildrenNumber, .setWatches2, .addWatch, .whoAmI, .closeSession,
        ]
        #expect(expected.subtracting(requestOps).isEmpty, "no golden request for \(expected.subtracting(requestOps))")
        // Successful replies (with bodies) for every op that has a body on success.
        let withBodies: Set<OpCode> = [
            .create, .create2, .createContainer, .createTTL, .exists, .getData, .setData, .getACL, .setACL,
            .getChildren, .getChildren2, .sync, .multi, .multiRead, .getEphemerals, .getAllChildrenNumber, .whoAmI,
        ]
        #expect(withBodies.subtracting(replyOps).isEmpty, "no golden reply for \(withBodies.subtracting(replyOps))")
    }

    @Test("requests decode to the values the clients meant")
    func requestValues() throws {
        let api = try Golden.connections("java-api")[0].decoded()
        let requests = api.compactMap { (_, d) -> Request? in
            if case .request(_, let r) = d { return r } else { return nil }
        }
        // Golden.java's first calls, in order.
        let open = Ids.openACLUnsafe
        #expect(requests[0] == .create(op: .create, CreateRequest(path: "/j", data: Array("root".utf8), acl: open, flags: 0)))
        #expect(requests[1] == .create(op: .create2, CreateRequest(path: "/j/c2", data: Array("two".utf8), acl: open, flags: 0)))
        #expect(requests[2] == .create(op: .createTTL, CreateRequest(path: "/j/ttl", data: Array("t".utf8), acl: open,
                                                                         flags: CreateMode.persistentWithTTL.rawValue, ttl: 60000)))
        #expect(requests[3] == .create(op: .createTTL, CreateRequest(path: "/j/ttlseq-", data: Array("t".utf8), acl: open,
                                                                         flags: CreateMode.persistentSequentialWithTTL.rawValue, ttl: 60000)))
        #expect(requests[4] == .create(op: .createContainer, CreateRequest(path: "/j/cont", data: Array("c".utf8), acl: open,
                                                                               flags: CreateMode.container.rawValue)))
        // Java sends null data as -1, and it survives the round trip as nil.
        #expect(requests[5] == .create(op: .create, CreateRequest(path: "/j/cont/child", data: nil, acl: open, flags: 0)))
        #expect(requests[9] == .getChildren(op: .getChildren2, path: "/j", watch: false))
        #expect(requests[10] == .getChildren(op: .getChildren, path: "/j", watch: false))
    }

    @Test("a frame built by hand equals the Java client's frame")
    func handBuiltFramesMatchJava() throws {
        // Java: zk.getData("/j/c2", false, stat) at xid 12 of the first java-api connection.
        let frames = try Golden.connections("java-api")[0].frames
        let golden = try #require(frames.first { $0.label == "getData:xid=12" })
        var b = ByteBufferAllocator().buffer(capacity: 32)
        RequestHeader(xid: 12, type: OpCode.getData.rawValue).encode(into: &b)
        Request.getData(path: "/j/c2", watch: false).encode(into: &b)
        #expect(Array(b.readableBytesView) == golden.bytes)
        #expect(golden.bytes.hex == "0000000c00000004000000052f6a2f633200")
    }
}
