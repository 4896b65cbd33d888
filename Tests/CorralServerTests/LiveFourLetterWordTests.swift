import Logging
import NIOCore
import Testing
import ZooKeeperProtocol
@testable import CorralServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Four-letter words answered by a running `StandaloneServer` (127.0.0.1, port 0) with live
/// values: sessions, ephemerals and watches made over a raw protocol connection.
@Suite struct LiveFourLetterWordTests {
    /// Every word except wchp (to see the refusal) and telnet close.
    static let whitelist = FourLetterWordWhitelist(
        parsing: "ruok, stat, mntr, conf, cons, crst, srst, envi, dump, wchs, wchc, dirs, isro, hash, gtmk, stmk")

    @Test func wordsReportLiveState() async throws {
        try await withServer(whitelist: Self.whitelist) { port in try wordsReportLiveState(port: port) }
    }

    private func wordsReportLiveState(port: Int) throws {

        #expect(try word("ruok", port: port) == "imok")
        let envi = try word("envi", port: port)
        #expect(envi.hasPrefix("Environment:\nzookeeper.version=3.9.3-corral"))
        // kazoo's server_version(): the digits before the first "-" of zookeeper.version.
        let version = envi.split(separator: "\n").first { $0.hasPrefix("zookeeper.version=") }?
            .dropFirst("zookeeper.version=".count).split(separator: "-").first
        #expect(version == "3.9.3")
        #expect(envi.contains("\njava.compiler=<NA>\nos.name="))

        // A fresh tree: Apache counts its root twice (5 nodes).
        #expect(try word("srvr", port: port).contains("Zxid: 0x0\nMode: standalone\nNode count: 5\n"))

        let client = try RawSession(port: port, timeout: 10_000)
        defer { client.close() }
        try client.create("/app", mode: .persistent)
        try client.create("/app/e1", data: Array("hello".utf8), mode: .ephemeral)
        try client.getData("/app", watch: true)
        let sid = "0x" + String(UInt64(bitPattern: client.sessionId), radix: 16)

        let srvr = try word("srvr", port: port)
        #expect(srvr.hasPrefix("Zookeeper version: 3.9.3-corral"))
        #expect(srvr.contains("\nConnections: 2\nOutstanding: 0\nZxid: 0x3\nMode: standalone\nNode count: 7\n"))

        let stat = try word("stat", port: port)
        #expect(stat.contains("Clients:\n"))
        #expect(stat.contains("[1](queued=0,recved=4,sent=4)\n"))  // connect + 3 requests
        #expect(stat.contains("[0](queued=0,recved=1,sent=0)\n"))  // this word's own connection
        #expect(stat.hasSuffix("Node count: 7\n"))

        let mntr = try word("mntr", port: port)
        #expect(mntr.hasPrefix("zk_version\t3.9.3-corral"))
        for line in ["zk_server_state\tstandalone", "zk_znode_count\t7",
                     "zk_ephemerals_count\t1", "zk_global_sessions\t1", "zk_watch_count\t1",
                     "zk_num_alive_connections\t2", "zk_outstanding_requests\t0"] {
            #expect(mntr.contains(line + "\n"), "\(line)")
        }

        let cons = try word("cons", port: port)
        #expect(cons.contains(",sid=\(sid),lop=GETD,"))
        #expect(cons.contains(",to=10000,lcxid=0x3,lzxid=0x3,"))

        #expect(try word("wchs", port: port) == "1 connections watching 1 paths\nTotal watches:1\n")
        #expect(try word("wchc", port: port) == "\(sid)\n\t/app\n\n")
        #expect(try word("wchp", port: port) == "wchp is not executed because it is not in the whitelist.\n")

        let dump = try word("dump", port: port)
        #expect(dump.hasPrefix("SessionTracker dump:\nSession Sets (1)/(1):\n"))
        #expect(dump.contains("Sessions with Ephemerals (1):\n\(sid):\n\t/app/e1\n"))
        #expect(dump.contains("\tip: /127.0.0.1:\(client.localPort) sessionId: \(sid)\n"))

        #expect(try word("conf", port: port).hasPrefix("clientPort=\(port)\nsecureClientPort=-1\n"))
        #expect(try word("isro", port: port) == "rw")

        #expect(try word("crst", port: port) == "Connection stats reset.\n")
        #expect(try word("cons", port: port).contains("(queued=0,recved=0,sent=0,sid=\(sid),lop=NA,"))
        #expect(try word("srst", port: port) == "Server stats reset.\n")
        // Apache counts the word as received before it runs, and srst's own output after the reset.
        #expect(try word("srvr", port: port).contains("Latency min/avg/max: 0/0.0/0\nReceived: 1\nSent: 1\n"))

        #expect(try word("stmk", argument: 1234, port: port) == "1234")
        #expect(try word("gtmk", port: port) == "1234")
        // Telnet's close bytes are no UTF-8 but still a known command.
        #expect(try send([0xff, 0xf4, 0xff, 0xfd], port: port)
                == "telnet close is not executed because it is not in the whitelist.\n")

        // The session still works after all that.
        try client.getData("/app/e1", watch: false)
    }

    @Test func defaultWhitelistRefusesAllButSrvr() async throws {
        try await withServer(whitelist: .apacheDefault) { (port: Int) throws in
            #expect(try word("ruok", port: port) == "ruok is not executed because it is not in the whitelist.\n")
            #expect(try word("mntr", port: port) == "mntr is not executed because it is not in the whitelist.\n")
            #expect(try word("srvr", port: port).contains("Mode: standalone\nNode count: 5\n"))
        }
    }
}

/// Runs `body` against a server on 127.0.0.1 (port 0), shutting it down afterwards.
private func withServer(whitelist: FourLetterWordWhitelist, _ body: (Int) throws -> Void) async throws {
    var options = ServerOptions()
    options.host = "127.0.0.1"
    options.port = 0
    options.fourLetterWordWhitelist = whitelist
    let server = try await StandaloneServer.start(options, logger: Logger(label: "live-4lw-test"))
    do {
        try body(try #require(server.localAddress?.port))
    } catch {
        try? await server.shutdown()
        throw error
    }
    try await server.shutdown()
}

// MARK: - A blocking loopback client

struct SocketError: Error, CustomStringConvertible {
    let description: String
}

/// Connects to 127.0.0.1:`port` with a 5 s receive timeout.
private func connectSocket(port: Int) throws -> Int32 {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw SocketError(description: "socket failed") }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
        close(fd)
        throw SocketError(description: "connect to \(port) failed")
    }
    return fd
}

private func closeSocket(_ fd: Int32) {
    _ = close(fd)
}

private func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw SocketError(description: "send failed") }
        offset += n
    }
}

/// Reads exactly `count` bytes, or fewer when the peer closes first.
private func receive(_ fd: Int32, upTo count: Int) throws -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while result.count < count {
        let want = min(chunk.count, count - result.count)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, want, 0) }
        if n == 0 { break }
        guard n > 0 else { throw SocketError(description: "recv failed or timed out") }
        result += chunk[..<n]
    }
    return result
}

/// Sends `bytes` on a new connection and returns everything the server writes before closing.
private func send(_ bytes: [UInt8], port: Int) throws -> String {
    let fd = try connectSocket(port: port)
    defer { close(fd) }
    try sendAll(fd, bytes)
    return String(decoding: try receive(fd, upTo: Int.max), as: UTF8.self)
}

private func word(_ name: String, argument: Int64? = nil, port: Int) throws -> String {
    var bytes = Array(name.utf8)
    if let argument { withUnsafeBytes(of: argument.bigEndian) { bytes += $0 } }
    return try send(bytes, port: port)
}

/// A session over a raw connection: one request at a time, notifications skipped.
private final class RawSession {
    let fd: Int32
    let sessionId: Int64
    let localPort: Int
    private var xid: Int32 = 0

    init(port: Int, timeout: Int32) throws {
        let fd = try connectSocket(port: port)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        var buffer = ByteBuffer()
        ConnectRequest(timeOut: timeout).encode(into: &buffer)
        try Self.sendFrame(fd, buffer)
        var reader = JuteReader(try Self.readFrame(fd))
        self.fd = fd
        self.localPort = Int(UInt16(bigEndian: address.sin_port))
        self.sessionId = try ConnectResponse(from: &reader).sessionId
    }

    func close() {
        closeSocket(fd)
    }

    func create(_ path: String, data: [UInt8] = [], mode: CreateMode) throws {
        let request = CreateRequest(path: path, data: data, acl: Ids.openACLUnsafe, flags: mode.rawValue)
        try call(.create(op: .create, request))
    }

    func getData(_ path: String, watch: Bool) throws {
        try call(.getData(path: path, watch: watch))
    }

    private func call(_ request: Request) throws {
        xid += 1
        var buffer = ByteBuffer()
        RequestHeader(xid: xid, type: request.opCode.rawValue).encode(into: &buffer)
        request.encode(into: &buffer)
        try Self.sendFrame(fd, buffer)
        while true {
            var reader = JuteReader(try Self.readFrame(fd))
            let header = try ReplyHeader(from: &reader)
            guard header.xid == xid else { continue }
            guard header.err == 0 else { throw SocketError(description: "\(request.opCode) failed: \(header.err)") }
            return
        }
    }

    static func sendFrame(_ fd: Int32, _ body: ByteBuffer) throws {
        var frame = ByteBuffer()
        frame.writeInteger(Int32(body.readableBytes))
        frame.writeImmutableBuffer(body)
        try sendAll(fd, Array(frame.readableBytesView))
    }

    static func readFrame(_ fd: Int32) throws -> ByteBuffer {
        let prefix = try receive(fd, upTo: 4)
        guard prefix.count == 4 else { throw SocketError(description: "connection closed") }
        let length = Int(prefix.withUnsafeBytes { $0.loadUnaligned(as: Int32.self).bigEndian })
        let body = try receive(fd, upTo: length)
        guard body.count == length else { throw SocketError(description: "connection closed") }
        return ByteBuffer(bytes: body)
    }
}
