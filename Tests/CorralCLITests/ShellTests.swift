@testable import CorralCLI
import Testing
import ZooKeeperProtocol

/// The shell over an in-memory client: command parsing, output and exit codes, exactly as zkCli 3.8.
@Suite("Shell (ZooKeeperMain) over a fake client")
struct ShellTests {
    private func run(_ lines: [String], _ client: FakeShellClient = FakeShellClient()) async -> (String, Int32) {
        let (shell, output) = await makeShell(client)
        for line in lines { await shell.executeLine(line) }
        return (withoutConnectEvent(output.combined), await shell.exitCode)
    }

    @Test func createGetSetDelete() async {
        let (text, code) = await run([
            "create /p", "create /p/a x", "create -s /p/s- y", "get /p", "get /p/a", "set /p/a z",
            "set -v 9 /p/a w", "delete /p", "create /p", "create /nope/x", "delete -v 0 /p/s-0000000001",
        ])
        #expect(text == """
            Created /p
            Created /p/a
            Created /p/s-0000000001
            null
            x
            version No is not valid : /p/a
            Node not empty: /p
            Node already exists: /p
            Node does not exist: /nope/x

            """)
        #expect(code == 0)
    }

    @Test func exitCodeIsTheLastCommands() async {
        #expect(await run(["get /nope"]).1 == 1)
        #expect(await run(["get /nope", "ls /"]).1 == 0)
        #expect(await run(["bogus"]).1 == 127)
        #expect(await run(["get /nope", "quit"]).1 == 1)
    }

    @Test func unknownCommandPrintsUsage() async {
        let (text, _) = await run(["bogus"])
        #expect(text.hasPrefix("ZooKeeper -server host:port -client-configuration properties-file cmd args\n"
                               + "\taddWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE]"
                               + " - default is PERSISTENT_RECURSIVE\n\taddauth scheme auth\n\tclose \n"))
        #expect(text.hasSuffix("\tversion \n\twhoami \nCommand not found: Command not found bogus\n"))
        #expect(text.components(separatedBy: "\n").count == 2 + 28 + 1)
    }

    @Test func parseErrorsAndUsages() async {
        let (text, _) = await run([
            "get -x /a", "set -v", "ls", "create", "get a", "create -c -e /c", "create -t abc /t", "create -t 0 /t",
            "create -e -t 100 /t", "create /acl x garbage", "setAcl / garbage", "getAllChildrenNumber",
            "addWatch -m foo /a", "deleteall /a -b x", "set -v abc /a y", "create /b/", "get /a//b",
        ])
        #expect(text == """
            org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x
            org.apache.commons.cli.MissingArgumentException: Missing argument for option: v
            ls [-s] [-w] [-R] path
            create [-s] [-e] [-c] [-t ttl] path [data] [acl]
            Path must start with / character
            -c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.
            -t argument must be a long value
            ttl must be positive and cannot be larger than: 1099511627775
            TTLs cannot be used with Ephemeral znodes
            garbage does not have the form scheme:id:perm
            KeeperErrorCode = InvalidACL
            Acl is not valid : null
            garbage does not have the form scheme:id:perm
            Acl is not valid : null
            getAllChildrenNumber path
            addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE
            -b argument must be an int value
            java.lang.NumberFormatException: For input string: "abc"
            Path must not end with / character
            Invalid path string "/a//b" caused by empty node name specified @3

            """)
    }

    @Test func deprecatedForms() async {
        let (text, _) = await run(["create /a x", "get /a watch", "get -s /a watch", "ls /a extra", "delete /a 5"])
        #expect(text == """
            Created /a
            'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.
            x
            'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.
            Path must start with / character
            'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.
            []
            'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.

            """)
    }

    @Test func lsVariants() async {
        useUTC()
        let (text, _) = await run([
            "create /a", "create /a/b1", "create /a/b2", "create /a/b1/c", "ls /a", "ls -R /a", "ls -R /", "ls -s /a/b2",
            "getAllChildrenNumber /a",
        ])
        #expect(text.hasPrefix("Created /a\nCreated /a/b1\nCreated /a/b2\nCreated /a/b1/c\n"))
        #expect(text.contains("[b1, b2]\n/a\n/a/b1\n/a/b2\n/a/b1/c\n/\n/a\n/a/b1\n/a/b2\n/a/b1/c\n[]\ncZxid = 0x3\n"))
        #expect(text.hasSuffix("numChildren = 0\n3\n"))
    }

    @Test func historyAndRedo() async {
        let (text, code) = await run(["create /h x", "history", "redo 1", "redo 99", "redo 2", "printwatches", "printwatches off", "printwatches"])
        #expect(text == """
            Created /h
            0 - create /h x
            1 - history
            0 - create /h x
            1 - history
            2 - history
            Command index out of range
            0 - create /h x
            1 - history
            2 - history
            3 - redo 99
            4 - history
            printwatches is on
            printwatches is off

            """)
        #expect(code == 0)
    }

    @Test func aclCommands() async {
        let (text, _) = await run([
            "create /n x world:anyone:cdr,digest:u:h:a", "getAcl /n", "setAcl /n world:anyone:r",
            "create /o x world:anyone:r", "setAcl -R / world:anyone:cdrwa", "getAcl /nope",
        ])
        #expect(text == """
            Created /n
            'world,'anyone
            : cdr
            'digest,'u:h
            : a
            Created /o
            KeeperErrorCode = NoAuth for /nKeeperErrorCode = NoAuth for /oNode does not exist: /nope

            """)
    }

    @Test func otherCommands() async {
        let (text, _) = await run([
            "create -e /e1", "getEphemerals", "sync /", "whoami", "config -c", "removewatches /x", "version", "deleteall /e1",
            "ls /",
        ])
        #expect(text == """
            Created /e1
            [/e1]
            Sync is OK
            Auth scheme: User
            ip: 127.0.0.1
            100000000 127.0.0.1:2181
            KeeperErrorCode = No such watcher for /x
            ZooKeeper CLI version: 3.8.0-corral, built on corral
            [zookeeper]

            """.replacingOccurrences(of: "[zookeeper]", with: "[]"))
    }

    @Test func closeThenNotConnected() async {
        let (text, code) = await run(["close", "get /", "history"])
        #expect(text == """

            WATCHER::

            WatchedEvent state:Closed type:None path:null
            Not connected
            0 - close
            1 - get /
            2 - history
            Not connected

            """)
        #expect(code == 0)
    }

    @Test func eventsArePrinted() async {
        let client = FakeShellClient()
        let (shell, output) = await makeShell(client)
        client.emit(ShellEvent(type: .nodeDeleted, state: .syncConnected, path: "/w"))
        await shell.quit()
        #expect(output.stdout == """

            WATCHER::

            WatchedEvent state:SyncConnected type:None path:null

            WATCHER::

            WatchedEvent state:SyncConnected type:NodeDeleted path:/w

            WATCHER::

            WatchedEvent state:Closed type:None path:null

            """)
    }
}
