import NIOCore
import Testing
@testable import ZooKeeperProtocol

/// What Apache 3.8 answers: multi results (including failed multis), error replies, notifications,
/// special xids.
@Suite("Golden frames: replies")
struct GoldenReplyTests {
    static func exchanges(_ file: String) throws -> [Exchange] {
        try Golden.connections(file).flatMap { try $0.exchanges() }
    }

    static func multiExchange(_ file: String, where match: ([MultiOp]) -> Bool) throws -> Exchange {
        let found = try exchanges(file).first { ex in
            switch ex.body {
            case .multi(let ops), .multiRead(let ops): return match(ops)
            default: return false
            }
        }
        return try #require(found)
    }

    static func results(_ ex: Exchange) throws -> [MultiResult] {
        guard case .multi(let results) = try #require(ex.response) else {
            Issue.record("not a multi response: \(ex.replyFrame)")
            return []
        }
        return results
    }

    /// Body bytes after the 16-byte ReplyHeader.
    static func body(_ frame: GoldenFrame) -> [UInt8] { Array(frame.bytes.dropFirst(16)) }

    @Test("a multi whose 2nd of 3 ops fails: header err 0, results OK / error / RUNTIMEINCONSISTENCY")
    func failedMultiSecondOfThree() throws {
        let ex = try Self.multiExchange("java-api") { $0.first?.path == "/j/f1" }
        #expect(ex.body == .multi([
            .create(op: .create, CreateRequest(path: "/j/f1", data: Array("f".utf8), acl: Ids.openACLUnsafe, flags: 0)),
            .delete(path: "/j/nonexistent", version: -1),
            .setData(path: "/j/c2", data: Array("f".utf8), version: -1),
        ]))
        // The reply header does not carry the failure; only the per-op results do.
        #expect(ex.reply.err == 0)
        #expect(try Self.results(ex) == [.error(.ok), .error(.noNode), .error(.runtimeInconsistency)])
        // Byte for byte: each result is MultiHeader(type -1, done false, err) + ErrorResponse(err),
        // then the MultiHeader(-1, true, -1) terminator.
        let expected = "ffffffff" + "00" + "00000000" + "00000000"
            + "ffffffff" + "00" + "ffffff9b" + "ffffff9b"
            + "ffffffff" + "00" + "fffffffe" + "fffffffe"
            + "ffffffff" + "01" + "ffffffff"
        #expect(Self.body(ex.replyFrame).hex == expected)
        var b = ByteBufferAllocator().buffer(capacity: 64)
        Response.multi([.error(.ok), .error(.noNode), .error(.runtimeInconsistency)]).encode(into: &b)
        #expect(Array(b.readableBytesView).hex == expected)
    }

    @Test("a failed multi still consumes a zxid")
    func failedMultiConsumesZxid() throws {
        let all = try Self.exchanges("java-api")
        let i = try #require(all.firstIndex { ex in
            if case .multi(let ops) = ex.body { return ops.first?.path == "/j/f1" } else { return false }
        })
        #expect(all[i].reply.zxid == all[i - 1].reply.zxid + 1)
    }

    @Test("other failing multis: the failing op's code, OK before, RUNTIMEINCONSISTENCY after")
    func otherFailedMultis() throws {
        let check = try Self.multiExchange("java-api") { $0.count == 4 && $0[1] == .check(path: "/j/c2", version: 99) }
        #expect(check.reply.err == 0)
        #expect(try Self.results(check) == [.error(.ok), .error(.badVersion), .error(.runtimeInconsistency), .error(.runtimeInconsistency)])
        let first = try Self.multiExchange("java-api") { $0.count == 2 && $0[1].path == "/j/h" }
        #expect(try Self.results(first) == [.error(.nodeExists), .error(.runtimeInconsistency)])
        let kazoo = try Self.multiExchange("kazoo") { $0.first?.path == "/k/t2" }
        #expect(kazoo.reply.err == 0)
        #expect(try Self.results(kazoo) == [.error(.ok), .error(.badVersion), .error(.runtimeInconsistency)])
    }

    @Test("a successful multi: create -> path, container and TTL creates -> create2 with Stat")
    func successfulMulti() throws {
        let ex = try Self.multiExchange("java-api") { $0.first?.path == "/j/m1" }
        let ops: [OpCode] = { if case .multi(let o) = ex.body { return o.map(\.opCode) } else { return [] } }()
        #expect(ops == [.create, .create, .createContainer, .createTTL, .setData, .check, .delete])
        let results = try Self.results(ex)
        #expect(results.count == 7)
        #expect(results[0] == .create(path: "/j/m1"))
        guard case .create(let seq) = results[1] else { Issue.record("\(results[1])"); return }
        #expect(seq.hasPrefix("/j/mseq-") && seq.count == "/j/mseq-".count + 10)
        guard case .create2(let cpath, let cstat) = results[2], case .create2(let tpath, let tstat) = results[3] else {
            Issue.record("container/TTL creates in a multi should answer create2: \(results)"); return
        }
        #expect(cpath == "/j/mcont" && tpath == "/j/mttl")
        // Container and TTL nodes report ephemeralOwner 0.
        #expect(cstat.ephemeralOwner == 0 && tstat.ephemeralOwner == 0)
        guard case .setData(let st) = results[4] else { Issue.record("\(results[4])"); return }
        #expect(st.version == 1)
        #expect(results[5] == .check && results[6] == .delete)
    }

    @Test("multiRead: a failing read is an error result in place; the others still answer")
    func multiRead() throws {
        let ok = try Self.multiExchange("java-api") { $0 == [.getChildren(path: "/j"), .getData(path: "/j/c2")] }
        #expect(ok.request.type == OpCode.multiRead.rawValue)
        let okResults = try Self.results(ok)
        guard case .getChildren(let children) = okResults[0], case .getData(let data, _) = okResults[1] else {
            Issue.record("\(okResults)"); return
        }
        #expect(children.contains("c2"))
        #expect(data == Array("two".utf8))
        let partial = try Self.multiExchange("java-api") { $0.count == 3 && $0[1] == .getData(path: "/j/missing") }
        #expect(partial.reply.err == 0)
        let r = try Self.results(partial)
        #expect(r.count == 3)
        #expect(r[1] == .error(.noNode))
        #expect(r[2] == .getChildren(["child"]))
        if case .getData = r[0] {} else { Issue.record("expected getData result, got \(r[0])") }
    }

    @Test("an empty multi and an empty multiRead answer just the terminator")
    func emptyMulti() throws {
        let raw = try Self.exchanges("raw")
        let empties = raw.filter { $0.body == .multi([]) || $0.body == .multiRead([]) }
        #expect(empties.count == 2)
        for ex in empties {
            #expect(Array(ex.requestFrame.bytes.dropFirst(8)).hex == "ffffffff01ffffffff")
            #expect(ex.response == .multi([]))
            #expect(Self.body(ex.replyFrame).hex == "ffffffff01ffffffff")
        }
    }

    @Test("error replies are a bare ReplyHeader with a known code")
    func errorReplies() throws {
        var seen = Set<ErrorCode>()
        for file in Golden.files {
            for ex in try Self.exchanges(file) where ex.reply.err != 0 {
                #expect(ex.replyFrame.bytes.count == 16, "\(ex.replyFrame)")
                let code = try #require(ErrorCode(rawValue: ex.reply.err), "\(ex.replyFrame)")
                seen.insert(code)
            }
        }
        let expected: Set<ErrorCode> = [
            .noNode, .nodeExists, .badVersion, .notEmpty, .noChildrenForEphemerals, .invalidACL, .noAuth,
            .noWatcher, .badArguments, .reconfigDisabled, .authFailed,
        ]
        #expect(expected.subtracting(seen).isEmpty, "not observed: \(expected.subtracting(seen))")
        // NONODE for getData, byte for byte: xid, the server's last zxid, -101.
        let missing = try #require(try Self.exchanges("java-api").first { $0.body == .getData(path: "/j/missing", watch: false) })
        #expect(missing.reply.err == ErrorCode.noNode.rawValue)
        #expect(missing.replyFrame.bytes.hex.hasSuffix("ffffff9b"))
        #expect(missing.response == nil)
    }

    @Test("special xids: ping -2, auth -4 (zxid 0); setWatches/setWatches2; AUTHFAILED on a bad scheme")
    func specialXids() throws {
        var pings = 0, setWatches = Set<Int32>()
        for file in Golden.files {
            for ex in try Self.exchanges(file) {
                switch ex.body {
                case .ping:
                    pings += 1
                    #expect(ex.request.xid == Xid.ping && ex.reply.xid == Xid.ping)
                    #expect(ex.requestFrame.bytes.hex == "fffffffe0000000b")
                    #expect(ex.replyFrame.bytes.count == 16 && ex.reply.err == 0)
                case .auth(let a):
                    #expect(ex.request.xid == Xid.auth)
                    // Apache answers auth with zxid 0, not the last zxid.
                    #expect(ex.reply.zxid == 0)
                    if a.scheme == "digest" {
                        #expect(a.auth == Array("golden:secret".utf8) && ex.reply.err == 0)
                    } else {
                        #expect(ex.reply.err == ErrorCode.authFailed.rawValue)
                        #expect(ex.replyFrame.bytes.hex == "fffffffc" + "0000000000000000" + "ffffff8d")
                    }
                case .setWatches(let sw):
                    setWatches.insert(ex.request.type)
                    // The Java client overwrites SET_WATCHES_XID (-8) with its next ordinary xid.
                    if file == "java-api" { #expect(ex.request.xid > 0) }
                    // The C client keeps it.
                    if file == "c-cli" { #expect(ex.request.xid == Xid.setWatches) }
                    #expect(ex.response == .empty)
                    #expect(sw.isVersion2 == (ex.request.type == OpCode.setWatches2.rawValue))
                default: break
                }
            }
        }
        #expect(pings > 5)
        #expect(setWatches == [OpCode.setWatches.rawValue, OpCode.setWatches2.rawValue])
        let cSetWatches = try Self.exchanges("c-cli").compactMap { ex -> SetWatches? in
            if case .setWatches(let s) = ex.body { return s } else { return nil }
        }
        #expect(cSetWatches.count == 1)
        let sw = try #require(cSetWatches.first)
        #expect(!sw.isVersion2 && sw.relativeZxid > 0)
        #expect(sw.dataWatches == ["/zookeeper/config", "/c/none"])
        #expect(sw.existWatches == ["/c/later"] && sw.childWatches == ["/c/cont"])
    }

    @Test("the Java client's reconnects replay watches: SetWatches, then SetWatches2 once persistent watches exist")
    func setWatchesOnReconnect() throws {
        let conns = try Golden.connections("java-api")
        func firstSetWatches(_ c: GoldenConnection) throws -> SetWatches? {
            for (_, d) in try c.decoded() { if case .request(_, .setWatches(let s)) = d { return s } }
            return nil
        }
        let v1 = try #require(try firstSetWatches(conns[1]))
        #expect(!v1.isVersion2)
        #expect(v1.dataWatches == ["/j/c2"] && v1.existWatches == ["/j/missing"] && v1.childWatches == ["/j/cont"])
        let v2 = try #require(try firstSetWatches(conns[2]))
        #expect(v2.isVersion2)
        #expect(v2.persistentWatches == ["/j/c2"] && v2.persistentRecursiveWatches == ["/j"])
        #expect(v2.existWatches == ["/j/later"])
        #expect(v2.relativeZxid > v1.relativeZxid)
    }

    @Test("notifications: xid -1, zxid -1, err 0, then a WatcherEvent")
    func notifications() throws {
        var types = Set<Int32>()
        var count = 0
        for file in Golden.files {
            for conn in try Golden.connections(file) {
                for (frame, d) in try conn.decoded() {
                    guard case .notification(let h, let e) = d else { continue }
                    count += 1
                    #expect(h == ReplyHeader(xid: -1, zxid: -1, err: 0), "\(frame)")
                    #expect(e.state == KeeperState.syncConnected.rawValue)
                    #expect(e.path.hasPrefix("/"))
                    types.insert(e.type)
                }
            }
        }
        #expect(count >= 10)
        let expected = Set([EventType.nodeCreated, .nodeDeleted, .nodeDataChanged, .nodeChildrenChanged].map(\.rawValue))
        #expect(types == expected)
        // Byte for byte, the C client's NodeDataChanged on /c.
        let c = try Golden.frames("c-cli").first { $0.label.hasPrefix("notification") }
        #expect(c?.bytes.hex == "ffffffff" + "ffffffffffffffff" + "00000000" + "00000003" + "00000003" + "00000002" + "2f63")
        var b = ByteBufferAllocator().buffer(capacity: 32)
        ReplyHeader(xid: -1, zxid: -1, err: 0).encode(into: &b)
        WatcherEvent(type: .nodeDataChanged, state: .syncConnected, path: "/c").encode(into: &b)
        #expect(Array(b.readableBytesView) == c?.bytes)
    }

    @Test("whoAmI, getEphemerals, getAllChildrenNumber, getACL bodies")
    func miscBodies() throws {
        let raw = try Self.exchanges("raw")
        let who = raw.filter { $0.body == .whoAmI }
        #expect(who.count == 2)
        #expect(who[0].response == .whoAmI([ClientInfo(authScheme: "ip", user: "127.0.0.1")]))
        #expect(who[1].response == .whoAmI([ClientInfo(authScheme: "digest", user: "golden"),
                                            ClientInfo(authScheme: "ip", user: "127.0.0.1")]))
        let api = try Self.exchanges("java-api")
        let eph = try #require(api.first { $0.body == .getEphemerals(prefixPath: "/j") })
        guard case .strings(let paths) = try #require(eph.response) else { Issue.record("\(eph.replyFrame)"); return }
        #expect(paths.contains("/j/eph"))
        let n = try #require(api.first { $0.body == .getAllChildrenNumber(path: "/j") })
        #expect(n.response == .number(8))
        // getACL before and after authenticating: the digest is redacted without ADMIN.
        let acls = api.filter { $0.body == .getACL(path: "/j/acl") }.compactMap { ex -> [ACL]? in
            if case .acl(let a, _) = ex.response { return a } else { return nil }
        }
        #expect(acls.count >= 2)
        #expect(acls[0][0].id == Id(scheme: "digest", id: "golden:x"))
        #expect(acls[1][0].id == Id(scheme: "digest", id: "golden:xWIAyp+iipmRz+wIMl/M3rwWQD4="))
    }

    @Test("addWatch is answered with an ErrorResponse(0) body; a standalone check only when it fails")
    func addWatchAndCheckReplies() throws {
        let raw = try Self.exchanges("raw")
        let add = try #require(raw.first { $0.body == .addWatch(path: "/raw", mode: AddWatchMode.persistent.rawValue) })
        #expect(add.replyFrame.bytes.count == 20)
        #expect(add.response == .number(0))
        // A successful standalone check (opcode 13) makes Apache 3.8 throw a NullPointerException
        // while serializing its reply: no reply at all. A failing one is a bare error header.
        let checks = raw.filter { if case .check = $0.body { return true } else { return false } }
        #expect(checks.count == 1)
        #expect(checks.first?.body == .check(path: "/raw", version: 7))
        #expect(checks.first?.reply.err == ErrorCode.badVersion.rawValue)
    }

    @Test("requests Apache rejects are rejected by the codec too")
    func invalidRequests() throws {
        let conns = try Golden.connections(Golden.invalidFile)
        #expect(conns.count == 2)
        var replies: [ReplyHeader] = []
        for conn in conns {
            var r = ConnectionDecoder()
            for frame in conn.frames {
                if frame.label == "connect" || frame.label.hasPrefix("closeSession") {
                    _ = try r.decode(frame)
                    continue
                }
                if frame.direction == .toServer {
                    #expect(throws: (any Error).self, "\(frame)") { _ = try r.decode(frame) }
                    var reader = JuteReader(frame.buffer)
                    let h = try RequestHeader(from: &reader)
                    if let op = OpCode(rawValue: h.type) {
                        #expect(throws: JuteError.self) { _ = try Request(op: op, from: &reader) }
                    }
                } else {
                    let h = try ReplyHeader.decode(frame.buffer)
                    #expect(frame.bytes.count == 16)
                    replies.append(h)
                }
            }
        }
        // Unknown opcode: UNIMPLEMENTED with zxid -1 (then Apache closes the connection).
        #expect(replies[0] == ReplyHeader(xid: 1, zxid: -1, err: ErrorCode.unimplemented.rawValue))
        // A multi mixing a read and a write: MARSHALLINGERROR, and the connection stays usable.
        #expect(replies[1].err == ErrorCode.marshallingError.rawValue)
    }
}
