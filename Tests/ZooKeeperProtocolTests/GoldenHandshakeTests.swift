import NIOCore
import Testing
@testable import ZooKeeperProtocol

/// The connect handshake as Apache's Java client, the C client, kazoo and an old (pre-readOnly)
/// client send it, and as Apache 3.8 answers it.
@Suite("Golden frames: connect handshake")
struct GoldenHandshakeTests {
    struct Handshake {
        let request: ConnectRequest
        let response: ConnectResponse
        let requestFrame: GoldenFrame
        let responseFrame: GoldenFrame
    }

    static func handshakes(_ file: String) throws -> [Handshake] {
        try Golden.connections(file).map { conn in
            let decoded = try conn.decoded()
            guard case .connectRequest(let req) = decoded[0].decoded,
                  let respIndex = decoded.firstIndex(where: { $0.frame.direction == .toClient }),
                  case .connectResponse(let resp) = decoded[respIndex].decoded
            else { throw FrameDecodeError(frame: conn.id, reason: "no handshake") }
            return Handshake(request: req, response: resp, requestFrame: decoded[0].frame,
                             responseFrame: decoded[respIndex].frame)
        }
    }

    @Test("every stock client sends the readOnly byte; the server mirrors the form",
          arguments: ["java-cli", "java-api", "c-cli", "kazoo"])
    func stockClientsSendReadOnly(file: String) throws {
        for h in try Self.handshakes(file) {
            #expect(h.request.hasReadOnly, "\(h.requestFrame)")
            #expect(h.requestFrame.bytes.count == 45, "\(h.requestFrame)")
            #expect(h.response.hasReadOnly, "\(h.responseFrame)")
            #expect(h.responseFrame.bytes.count == 37, "\(h.responseFrame)")
            // A standalone read-write server never answers readOnly = true.
            #expect(h.response.readOnly == false)
            #expect(h.request.protocolVersion == 0 && h.response.protocolVersion == 0)
            #expect(h.request.passwd.count == 16 && h.response.passwd.count == 16)
        }
    }

    @Test("readOnly = true: Java -r / canBeReadOnly, cli_mt -r, kazoo read_only=True")
    func readOnlyRequested() throws {
        let javaCLI = try Self.handshakes("java-cli")
        #expect(javaCLI.map(\.request.readOnly) == [false, true])
        let cCLI = try Self.handshakes("c-cli")
        #expect(cCLI.map(\.request.readOnly) == [false, false, true])   // the 2nd is a reconnect
        #expect(cCLI[0].request.timeOut == 30000)              // cli_mt's hard-coded session timeout
        let kazoo = try Self.handshakes("kazoo")
        #expect(kazoo.map(\.request.readOnly) == [false, false, true])
        let api = try Self.handshakes("java-api")
        #expect(api.map(\.request.readOnly) == [false, false, false, true, false, false])
    }

    @Test("a new session from the Java client is exactly ConnectRequest(timeOut:) with defaults")
    func defaultConnectRequestMatchesJava() throws {
        let h = try Self.handshakes("java-api")[0]
        #expect(h.request == ConnectRequest(timeOut: 4000))
        #expect(ConnectRequest(timeOut: 4000).encoded().readableBytesView.elementsEqual(h.requestFrame.bytes))
        #expect(h.requestFrame.bytes.hex ==
                "00000000" + "0000000000000000" + "00000fa0" + "0000000000000000" + "00000010" + String(repeating: "00", count: 16) + "00")
        #expect(h.response.timeOut == 4000)
        #expect(h.response.sessionId != 0)
    }

    @Test("a reconnect carries the session id, password and last zxid; the server keeps the session")
    func reconnectResumesSession() throws {
        let api = try Self.handshakes("java-api")
        let first = api[0], again = api[1], third = api[2]
        for h in [again, third] {
            #expect(h.request.sessionId == first.response.sessionId)
            #expect(h.request.passwd == first.response.passwd)
            #expect(h.request.lastZxidSeen > 0)
            #expect(h.response.sessionId == first.response.sessionId)
            #expect(h.response.passwd == first.response.passwd)
            #expect(h.response.timeOut == first.response.timeOut)
        }
        #expect(third.request.lastZxidSeen > again.request.lastZxidSeen)
        let kazoo = try Self.handshakes("kazoo")
        #expect(kazoo[1].request.sessionId == kazoo[0].response.sessionId)
        #expect(kazoo[1].response.sessionId == kazoo[0].response.sessionId)
        let c = try Self.handshakes("c-cli")
        #expect(c[1].request.sessionId == c[0].response.sessionId && c[1].request.passwd == c[0].response.passwd)
        #expect(c[1].response.sessionId == c[0].response.sessionId)
    }

    @Test("an old client without the readOnly byte gets a response without it")
    func oldClientWithoutReadOnly() throws {
        let raw = try Self.handshakes("raw")
        let old = raw[0]
        #expect(old.requestFrame.bytes.count == 44)
        #expect(!old.request.hasReadOnly)
        #expect(old.responseFrame.bytes.count == 36)
        #expect(!old.response.hasReadOnly)
        #expect(old.response.timeOut == 4000 && old.response.sessionId != 0)
        // Re-encoding keeps the short form.
        #expect(Array(old.request.encoded().readableBytesView) == old.requestFrame.bytes)
        #expect(Array(old.response.encoded().readableBytesView) == old.responseFrame.bytes)
        // And the short form is the long form minus its last byte.
        var long = old.response
        long.hasReadOnly = true
        #expect(Array(long.encoded().readableBytesView) == old.responseFrame.bytes + [0])
    }

    @Test("a closed session or a wrong password: timeOut 0, sessionId 0, 16 zero bytes, both forms")
    func invalidSessionResponses() throws {
        let raw = try Self.handshakes("raw")
        let expiredOld = raw[1], expiredNew = raw[2], badPassword = raw[4]
        #expect(expiredOld.request.sessionId == raw[0].response.sessionId)
        #expect(!expiredOld.request.hasReadOnly && !expiredOld.response.hasReadOnly)
        #expect(expiredNew.request.hasReadOnly && expiredNew.response.hasReadOnly)
        #expect(badPassword.request.sessionId == raw[3].response.sessionId)
        #expect(badPassword.request.passwd == [UInt8](repeating: 1, count: 16))
        for h in [expiredOld, expiredNew, badPassword] {
            let expected = ConnectResponse(timeOut: 0, sessionId: 0, passwd: [UInt8](repeating: 0, count: 16),
                                           hasReadOnly: h.request.hasReadOnly)
            #expect(h.response == expected, "\(h.responseFrame)")
            #expect(Array(expected.encoded().readableBytesView) == h.responseFrame.bytes)
        }
        #expect(expiredOld.responseFrame.bytes.hex ==
                "00000000" + "00000000" + "0000000000000000" + "00000010" + String(repeating: "00", count: 16))
    }
}
