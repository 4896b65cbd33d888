import CorralClient
import Testing

/// Apache 3.8's `ConnectStringParser` and chroot handling, case by case.
@Suite struct ConnectStringTests {
    @Test func hostsPortsAndDefaults() throws {
        let c = try ConnectString("h1:2181, h2 ,h3:,,[::1]:2182,[fe80::1],10.0.0.1:1")
        #expect(c.servers == [
            ServerAddress(host: "h1", port: 2181), ServerAddress(host: "h2", port: 2181),
            ServerAddress(host: "h3", port: 2181), ServerAddress(host: "::1", port: 2182),
            ServerAddress(host: "fe80::1", port: 2181), ServerAddress(host: "10.0.0.1", port: 1),
        ])
        #expect(c.chroot == nil)
        #expect(c.servers[3].description == "[::1]:2182")
    }

    @Test func chroot() throws {
        #expect(try ConnectString("h:1/app/x").chroot == "/app/x")
        #expect(try ConnectString("h:1/").chroot == nil)
        #expect(try ConnectString("h1:1,h2:2/app").servers.count == 2)
        #expect(throws: ConnectStringError.invalidChroot("/app/")) { try ConnectString("h:1/app/") }
        #expect(throws: ConnectStringError.invalidChroot("//a")) { try ConnectString("h:1//a") }
        #expect(throws: ConnectStringError.invalidChroot("/a/./b")) { try ConnectString("h:1/a/./b") }
    }

    @Test func badInput() {
        #expect(throws: ConnectStringError.invalidPort("x")) { try ConnectString("h:x") }
        #expect(throws: ConnectStringError.invalidPort("70000")) { try ConnectString("h:70000") }
        #expect(throws: ConnectStringError.invalidHost("[::1")) { try ConnectString("[::1") }
        #expect(throws: ConnectStringError.invalidHost("[::1]2181")) { try ConnectString("[::1]2181") }
        #expect(throws: ConnectStringError.invalidHost("[::1]:")) { try ConnectString("[::1]:") }
        #expect(throws: ConnectStringError.invalidHost("[]:1")) { try ConnectString("[]:1") }
        #expect(throws: ConnectStringError.noServers) { try ConnectString(" , /app") }
    }

    @Test func pathsUnderAChroot() throws {
        let c = try ConnectString("h:1/app")
        #expect(c.serverPath("/") == "/app")
        #expect(c.serverPath("/a/b") == "/app/a/b")
        #expect(c.clientPath("/app") == "/")
        #expect(c.clientPath("/app/a") == "/a")
        #expect(c.clientPath("/apple") == nil)
        #expect(c.clientPath("/") == nil)
        let plain = try ConnectString("h:1")
        #expect(plain.serverPath("/a") == "/a" && plain.clientPath("/a") == "/a")
    }
}
