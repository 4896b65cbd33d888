@testable import CorralCLI
import Testing
import ZooKeeperProtocol

@Suite("zkCli text (StatPrinter, ACLs, messages)")
struct FormattingTests {
    @Test func statPrinter() {
        useUTC()
        var s = Stat()
        s.czxid = 0x2; s.mzxid = 0x1a; s.pzxid = 0x10; s.cversion = -2; s.version = 3; s.aversion = 1
        s.ephemeralOwner = 0x1000_0ab_cdef; s.dataLength = 5; s.numChildren = 2
        s.ctime = 0; s.mtime = 1_800_000_000_123
        #expect(JavaText.stat(s) == """
            cZxid = 0x2
            ctime = Thu Jan 01 00:00:00 UTC 1970
            mZxid = 0x1a
            mtime = Fri Jan 15 08:00:00 UTC 2027
            pZxid = 0x10
            cversion = -2
            dataVersion = 3
            aclVersion = 1
            ephemeralOwner = 0x10000abcdef
            dataLength = 5
            numChildren = 2

            """)
        #expect(JavaText.hex(-1) == "ffffffffffffffff")
    }

    @Test func aclLines() {
        #expect(JavaText.aclEntry(ACL(perms: Perms.all, id: Ids.anyoneIdUnsafe)) == "'world,'anyone\n: cdrwa\n")
        #expect(JavaText.aclEntry(ACL(perms: Perms.read | Perms.create, id: Id(scheme: "digest", id: "u:x")))
                == "'digest,'u:x\n: cr\n")
        #expect(JavaText.aclEntry(ACL(perms: 0, id: Id(scheme: "x", id: "a,b%}"))) == "'x,'a%2Cb%25%7D\n: \n")
    }

    @Test func aclParser() {
        let (acl, warnings) = AclText.parse("world:anyone:r,bad,digest:u:h=:cdxa")
        #expect(acl == [ACL(perms: Perms.read, id: Ids.anyoneIdUnsafe),
                        ACL(perms: Perms.create | Perms.delete | Perms.admin, id: Id(scheme: "digest", id: "u:h="))])
        #expect(warnings == ["bad does not have the form scheme:id:perm", "Unknown perm type: x"])
        #expect(AclText.parse("garbage").acl.isEmpty)
        #expect(AclText.parse("auth::cdrwa").acl == [ACL(perms: Perms.all, id: Id(scheme: "auth", id: ""))])
    }

    @Test func pathValidation() {
        #expect(JavaPath.validate("/a/b") == nil)
        #expect(JavaPath.validate("/") == nil)
        #expect(JavaPath.validate("a") == "Path must start with / character")
        #expect(JavaPath.validate("") == "Path length must be > 0")
        #expect(JavaPath.validate("/a/") == "Path must not end with / character")
        #expect(JavaPath.validate("/b/", sequential: true) == nil)
        #expect(JavaPath.validate("/a//b") == "Invalid path string \"/a//b\" caused by empty node name specified @3")
        #expect(JavaPath.validate("/a/../b") == "Invalid path string \"/a/../b\" caused by relative paths not allowed @4")
        #expect(JavaPath.validate("/a/.") == "Invalid path string \"/a/.\" caused by relative paths not allowed @3")
        #expect(JavaPath.validate("/a\u{1}") == "Invalid path string \"/a\u{1}\" caused by invalid character @2")
    }

    @Test func errorMessages() {
        #expect(JavaText.cliMessage(ShellKeeperError(.noNode, path: "/a")) == "Node does not exist: /a")
        #expect(JavaText.cliMessage(ShellKeeperError(.nodeExists, path: "/a")) == "Node already exists: /a")
        #expect(JavaText.cliMessage(ShellKeeperError(.badVersion, path: "/a")) == "version No is not valid : /a")
        #expect(JavaText.cliMessage(ShellKeeperError(.noAuth, path: "/a")) == "Insufficient permission : /a")
        #expect(JavaText.cliMessage(ShellKeeperError(.notEmpty, path: "/a")) == "Node not empty: /a")
        #expect(JavaText.cliMessage(ShellKeeperError(.badArguments, path: "/")) == "Arguments are not valid : /")
        #expect(JavaText.cliMessage(ShellKeeperError(.noChildrenForEphemerals, path: "/e/c"))
                == "Ephemerals cannot have children: /e/c")
        #expect(JavaText.cliMessage(ShellKeeperError(.invalidACL)) == "Acl is not valid : null")
        #expect(JavaText.cliMessage(ShellKeeperError(.connectionLoss, path: "/a")) == "KeeperErrorCode = ConnectionLoss for /a")
        #expect(JavaText.cliMessage(ShellKeeperError(.noWatcher, path: "/w")) == "KeeperErrorCode = No such watcher for /w")
        #expect(ShellKeeperError(.sessionExpired).keeperMessage == "KeeperErrorCode = Session expired")
    }

    @Test func eventText() {
        #expect(ShellEvent(type: .nodeDataChanged, state: .syncConnected, path: "/w").text
                == "WatchedEvent state:SyncConnected type:NodeDataChanged path:/w")
        #expect(ShellEvent(type: .none, state: .closed, path: nil).text == "WatchedEvent state:Closed type:None path:null")
    }

    @Test func lists() {
        #expect(JavaText.list([]) == "[]")
        #expect(JavaText.list(JavaText.javaSorted(["b", "a", "Z", "a0"])) == "[Z, a, a0, b]")
        #expect(JavaText.data(nil) == "null")
        #expect(ConfigText.clientConfig("server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=100000000")
                == "100000000 127.0.0.1:2181")
        #expect(JavaInteger.decode("0x1f") == 31 && JavaInteger.decode("010") == 8 && JavaInteger.decode("-3") == -3)
        #expect(JavaInteger.decode("x") == nil)
    }
}
