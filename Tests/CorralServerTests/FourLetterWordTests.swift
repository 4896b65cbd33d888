import Testing
import ZooKeeperProtocol
@testable import CorralServer

// Golden texts below were captured from Apache ZooKeeper 3.8.0 (Debian package) started with
// `4lw.commands.whitelist=*`: a standalone server with two kazoo sessions (ephemerals, data and
// child watches) and a 3-server ensemble on loopback. Each test fills a snapshot with the values
// Apache reported and expects byte-identical output.

private let version = "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC"
private let sessionA: Int64 = 0x1000_0067_9f90_000
private let sessionB: Int64 = 0x1000_0067_9f90_001

private func standalone() -> ServerStatusSnapshot {
    var s = ServerStatusSnapshot(version: version)
    s.statistics.latency = LatencyStatistics(count: 19, total: 19, min: 0, max: 4)
    s.statistics.packetsReceived = 32
    s.statistics.packetsSent = 36
    s.statistics.aliveConnections = 3
    s.statistics.lastProcessedZxid = 7
    s.statistics.nodeCount = 10
    return s
}

private func connection(_ port: Int, ops: Int32, recved: Int64, sent: Int64) -> ConnectionInfo {
    var c = ConnectionInfo(remoteAddress: JavaFormat.socketAddress(ip: "127.0.0.1", port: port))
    c.interestOps = ops
    c.packetsReceived = recved
    c.packetsSent = sent
    return c
}

private func sessionConnection(_ port: Int, session: Int64, recved: Int64, sent: Int64, est: Int64, to: Int32,
                               lresp: Int64, llat: Int64, latency: LatencyStatistics) -> ConnectionInfo {
    var c = connection(port, ops: 1, recved: recved, sent: sent)
    c.sessionId = session
    c.lastOperation = ConnectionInfo.lastOperationName(for: .ping)
    c.establishedEpochMilliseconds = est
    c.sessionTimeout = to
    c.lastZxid = 7
    c.lastResponseTime = lresp
    c.lastLatency = llat
    c.latency = latency
    return c
}

/// Four-letter words (all suites nest here so `--filter FourLetterWordTests` selects them).
@Suite struct FourLetterWordTests {}

extension FourLetterWordTests {
    @Suite struct Codes {
        @Test func everyWordIsRecognisedByItsFirstFourBytes() {
            for word in FourLetterWord.allCases where word != .telnetClose {
                #expect(FourLetterWord(firstBytesOf: Array(word.name.utf8)) == word)
                #expect(FourLetterWord(code: word.code) == word)
            }
            #expect(FourLetterWord.allCases.count == 19)
            #expect(FourLetterWord.ruok.code == 0x72756f6b)
        }

        @Test func telnetCloseIsAKnownCode() {
            #expect(FourLetterWord(firstBytesOf: [0xff, 0xf4, 0xff, 0xfd]) == .telnetClose)
            #expect(FourLetterWord(code: Int32(bitPattern: 0xfff4_fffd)) == .telnetClose)
            #expect(FourLetterWord.telnetClose.name == "telnet close")
        }

        @Test func frameLengthsAndShortInputAreNotWords() {
            #expect(FourLetterWord(firstBytesOf: [0, 0, 0, 0x2c]) == nil)  // a ConnectRequest length
            #expect(FourLetterWord(firstBytesOf: Array("abcd".utf8)) == nil)
            #expect(FourLetterWord(firstBytesOf: Array("ruo".utf8)) == nil)
            #expect(FourLetterWord(firstBytesOf: Array("ruokXYZ".utf8)) == .ruok)
            #expect(FourLetterWord(name: "RUOK") == nil)
        }

        @Test func onlyStmkTakesAnArgument() {
            #expect(FourLetterWord.stmk.argumentLength == 8)
            #expect(FourLetterWord.allCases.filter { $0.argumentLength != 0 } == [.stmk])
        }
    }
}

extension FourLetterWordTests {
    @Suite struct Whitelist {
        @Test func apacheDefaultEnablesOnlySrvr() {
            #expect(FourLetterWordWhitelist.apacheDefault.words == [.srvr])
        }

        @Test func starEnablesEverything() {
            #expect(FourLetterWordWhitelist(parsing: "*").words == Set(FourLetterWord.allCases))
            #expect(FourLetterWordWhitelist(parsing: "ruok, *").words == Set(FourLetterWord.allCases))
        }

        @Test func listIsTrimmedAndAlwaysIncludesSrvr() {
            let list = FourLetterWordWhitelist(parsing: " ruok , stat,,mntr ,bogus")
            #expect(list.words == [.ruok, .stat, .mntr, .srvr])
            #expect(list.unknownNames == ["bogus"])
            #expect(FourLetterWordWhitelist(parsing: "").words == [.srvr])
            #expect(FourLetterWordWhitelist(parsing: "ruok", readOnlyModeEnabled: true).words == [.ruok, .srvr, .isro])
        }

        @Test func refusedWordGetsApacheText() {
            // Captured from Apache 3.8 with no whitelist configured.
            let s = standalone()
            for (word, text) in [(FourLetterWord.ruok, "ruok is not executed because it is not in the whitelist.\n"),
                                 (.stat, "stat is not executed because it is not in the whitelist.\n"),
                                 (.telnetClose, "telnet close is not executed because it is not in the whitelist.\n")] {
                #expect(FourLetterWordFormatter.reply(to: word, whitelist: .apacheDefault, snapshot: s) == .text(text))
            }
            #expect(FourLetterWordFormatter.reply(to: .telnetClose, whitelist: .all, snapshot: s) == .close)
            #expect(FourLetterWordFormatter.reply(to: .ruok, whitelist: .all, snapshot: s) == .text("imok"))
        }
    }
}

extension FourLetterWordTests {
    @Suite struct Output {
        @Test func srvr() {
            let expected = """
                Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC
                Latency min/avg/max: 0/1.0/4
                Received: 32
                Sent: 36
                Connections: 3
                Outstanding: 0
                Zxid: 0x7
                Mode: standalone
                Node count: 10

                """
            #expect(FourLetterWordFormatter.output(of: .srvr, snapshot: standalone()) == expected)
        }

        @Test func stat() {
            var s = standalone()
            s.statistics.packetsReceived = 31
            s.statistics.packetsSent = 35
            s.connections = [connection(35372, ops: 1, recved: 13, sent: 13), connection(35384, ops: 1, recved: 6, sent: 6),
                             connection(36852, ops: 0, recved: 1, sent: 0)]
            let expected = """
                Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC
                Clients:
                 /127.0.0.1:35372[1](queued=0,recved=13,sent=13)
                 /127.0.0.1:35384[1](queued=0,recved=6,sent=6)
                 /127.0.0.1:36852[0](queued=0,recved=1,sent=0)

                Latency min/avg/max: 0/1.0/4
                Received: 31
                Sent: 35
                Connections: 3
                Outstanding: 0
                Zxid: 0x7
                Mode: standalone
                Node count: 10

                """
            #expect(FourLetterWordFormatter.output(of: .stat, snapshot: s) == expected)
        }

        @Test func srvrOnLeaderAddsProposalSizes() {
            var s = ServerStatusSnapshot(version: version)
            s.state = .leader
            (s.statistics.packetsReceived, s.statistics.packetsSent) = (4, 5)
            (s.statistics.aliveConnections, s.statistics.lastProcessedZxid, s.statistics.nodeCount) = (1, 0x1_0000_0000, 5)
            let expected = """
                Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC
                Latency min/avg/max: 0/0.0/0
                Received: 4
                Sent: 5
                Connections: 1
                Outstanding: 0
                Zxid: 0x100000000
                Mode: leader
                Node count: 5
                Proposal sizes last/min/max: -1/-1/-1

                """
            #expect(FourLetterWordFormatter.output(of: .srvr, snapshot: s) == expected)
        }

        @Test func cons() {
            var s = standalone()
            s.connections = [
                connection(36776, ops: 0, recved: 1, sent: 0),
                sessionConnection(35372, session: sessionA, recved: 13, sent: 13, est: 1_795_825_187_741, to: 10000,
                                  lresp: 480_580, llat: 0, latency: LatencyStatistics(count: 13, total: 5, min: 0, max: 4)),
                sessionConnection(35384, session: sessionB, recved: 6, sent: 6, est: 1_795_825_187_803, to: 20000,
                                  lresp: 475_555, llat: 1, latency: LatencyStatistics(count: 6, total: 6, min: 0, max: 4)),
            ]
            let expected = """
                 /127.0.0.1:36776[0](queued=0,recved=1,sent=0)
                 /127.0.0.1:35372[1](queued=0,recved=13,sent=13,sid=0x100000679f90000,lop=PING,est=1795825187741,\
                to=10000,lzxid=0x7,lresp=480580,llat=0,minlat=0,avglat=0,maxlat=4)
                 /127.0.0.1:35384[1](queued=0,recved=6,sent=6,sid=0x100000679f90001,lop=PING,est=1795825187803,\
                to=20000,lzxid=0x7,lresp=475555,llat=1,minlat=0,avglat=1,maxlat=4)


                """
            #expect(FourLetterWordFormatter.output(of: .cons, snapshot: s) == expected)
        }

        @Test func consPrintsLastCxidWhenKnown() {
            var c = sessionConnection(35372, session: sessionA, recved: 11, sent: 11, est: 1_795_825_187_741, to: 10000,
                                      lresp: 439_871, llat: 0, latency: LatencyStatistics(count: 11, total: 77, min: 0, max: 26))
            c.lastCxid = 9
            #expect(FourLetterWordFormatter.connectionLine(c, brief: false) == """
                 /127.0.0.1:35372[1](queued=0,recved=11,sent=11,sid=0x100000679f90000,lop=PING,est=1795825187741,\
                to=10000,lcxid=0x9,lzxid=0x7,lresp=439871,llat=0,minlat=0,avglat=7,maxlat=26)
                """)
        }

        @Test func dumpStandalone() {
            var s = standalone()
            let empty = [1_795_825_232_000, 1_795_825_234_000, 1_795_825_236_000, 1_795_825_238_000, 1_795_825_240_000]
            s.sessionTracker = .expiryQueue(
                [ExpiryBucket(expiresAtEpochMilliseconds: 1_795_825_246_000, elements: [ExpiryBucket.sessionElement(sessionB)]),
                 ExpiryBucket(expiresAtEpochMilliseconds: 1_795_825_242_000, elements: [ExpiryBucket.sessionElement(sessionA)])]
                    + empty.map { ExpiryBucket(expiresAtEpochMilliseconds: Int64($0), elements: []) })
            s.ephemerals = [SessionEphemerals(sessionId: sessionB, paths: ["/beph"]),
                            SessionEphemerals(sessionId: sessionA, paths: ["/app/eph1", "/app/eph2"])]
            var pending = ConnectionInfo(remoteAddress: "/127.0.0.1:36790")
            pending.sessionId = 0
            var a = ConnectionInfo(remoteAddress: "/127.0.0.1:35372")
            a.sessionId = sessionA
            var b = ConnectionInfo(remoteAddress: "/127.0.0.1:35384")
            b.sessionId = sessionB
            s.connectionExpiry = [
                ExpiryBucket(expiresAtEpochMilliseconds: 1_795_825_250_123,
                             elements: [b.expiryQueueEntry, a.expiryQueueEntry, pending.expiryQueueEntry]),
                ExpiryBucket(expiresAtEpochMilliseconds: 1_795_825_240_999, elements: []),
            ]
            let expected = """
                SessionTracker dump:
                Session Sets (7)/(2):
                0 expire at Sat Nov 28 00:20:32 UTC 2026:
                0 expire at Sat Nov 28 00:20:34 UTC 2026:
                0 expire at Sat Nov 28 00:20:36 UTC 2026:
                0 expire at Sat Nov 28 00:20:38 UTC 2026:
                0 expire at Sat Nov 28 00:20:40 UTC 2026:
                1 expire at Sat Nov 28 00:20:42 UTC 2026:
                \t0x100000679f90000
                1 expire at Sat Nov 28 00:20:46 UTC 2026:
                \t0x100000679f90001
                ephemeral nodes dump:
                Sessions with Ephemerals (2):
                0x100000679f90001:
                \t/beph
                0x100000679f90000:
                \t/app/eph1
                \t/app/eph2
                Connections dump:
                Connections Sets (2)/(3):
                0 expire at Sat Nov 28 00:20:40 UTC 2026:
                3 expire at Sat Nov 28 00:20:50 UTC 2026:
                \tip: /127.0.0.1:35384 sessionId: 0x100000679f90001
                \tip: /127.0.0.1:35372 sessionId: 0x100000679f90000
                \tip: /127.0.0.1:36790 sessionId: 0x0

                """
            #expect(FourLetterWordFormatter.output(of: .dump, snapshot: s) == expected)
        }

        @Test func dumpOnFollower() {
            var s = ServerStatusSnapshot(version: version)
            s.state = .follower
            s.sessionTracker = .learner(local: nil, global: [])
            s.connectionExpiry = [ExpiryBucket(expiresAtEpochMilliseconds: 1_795_825_280_000,
                                               elements: ["ip: /127.0.0.1:52372 sessionId: 0x0"])]
            let expected = """
                SessionTracker dump:
                Global Sessions(0):
                ephemeral nodes dump:
                Sessions with Ephemerals (0):
                Connections dump:
                Connections Sets (1)/(1):
                1 expire at Sat Nov 28 00:21:20 UTC 2026:
                \tip: /127.0.0.1:52372 sessionId: 0x0

                """
            #expect(FourLetterWordFormatter.output(of: .dump, snapshot: s) == expected)
            s.sessionTracker = .learner(local: nil, global: [SessionTimeout(sessionId: sessionB, timeoutMilliseconds: 20000),
                                                             SessionTimeout(sessionId: sessionA, timeoutMilliseconds: 10000)])
            #expect(FourLetterWordFormatter.output(of: .dump, snapshot: s).hasPrefix("""
                SessionTracker dump:
                Global Sessions(2):
                0x100000679f90000\t10000ms
                0x100000679f90001\t20000ms
                ephemeral nodes dump:
                """))
        }

        private func watched() -> ServerStatusSnapshot {
            var s = standalone()
            s.dataWatches = [WatchRegistration(sessionId: sessionA, path: "/app/x"),
                             WatchRegistration(sessionId: sessionB, path: "/app/x"),
                             WatchRegistration(sessionId: sessionB, path: "/nonexist")]
            return s
        }

        @Test func wchs() {
            #expect(FourLetterWordFormatter.output(of: .wchs, snapshot: watched())
                    == "2 connections watching 2 paths\nTotal watches:3\n")
        }

        @Test func wchc() {
            #expect(FourLetterWordFormatter.output(of: .wchc, snapshot: watched())
                    == "0x100000679f90000\n\t/app/x\n0x100000679f90001\n\t/app/x\n\t/nonexist\n\n")
        }

        @Test func wchp() {
            #expect(FourLetterWordFormatter.output(of: .wchp, snapshot: watched())
                    == "/app/x\n\t0x100000679f90000\n\t0x100000679f90001\n/nonexist\n\t0x100000679f90001\n\n")
        }

        @Test func dirsAndConfStandalone() throws {
            var s = standalone()
            (s.txnLogDirectorySize, s.snapshotDirectorySize) = (67_109_337, 67_109_337)
            let config = try ServerConfig(parsing: "tickTime=2000\ndataDir=data\nclientPort=48421\n")
            s.configuration = ConfInfo(config: config, clientPort: 48421, workingDirectory: "/tmp/zkrun")
            #expect(FourLetterWordFormatter.output(of: .dirs, snapshot: s) == "datadir_size: 67109337\nlogdir_size: 67109337\n")
            let expected = """
                clientPort=48421
                secureClientPort=-1
                dataDir=/tmp/zkrun/data/version-2
                dataDirSize=67109337
                dataLogDir=/tmp/zkrun/data/version-2
                dataLogSize=67109337
                tickTime=2000
                maxClientCnxns=60
                minSessionTimeout=4000
                maxSessionTimeout=40000
                clientPortListenBacklog=-1
                serverId=0

                """
            #expect(FourLetterWordFormatter.output(of: .conf, snapshot: s) == expected)
        }

        @Test func dirsKeepsApachesCrossedNames() {
            var s = standalone()
            (s.txnLogDirectorySize, s.snapshotDirectorySize) = (100, 7)
            #expect(FourLetterWordFormatter.output(of: .dirs, snapshot: s) == "datadir_size: 100\nlogdir_size: 7\n")
        }

        @Test func confOnQuorumLeader() throws {
            let cfg = """
                tickTime=2000
                initLimit=10
                syncLimit=5
                dataDir=/tmp/zkq/d3
                clientPort=57353
                clientPortAddress=127.0.0.1
                server.1=127.0.0.1:33363:39561
                server.2=127.0.0.1:49295:45109
                server.3=127.0.0.1:36217:37085
                """
            let config = try ServerConfig(parsing: cfg) { path in path == "/tmp/zkq/d3/myid" ? "3\n" : nil }
            var s = ServerStatusSnapshot(version: version)
            s.state = .leader
            (s.txnLogDirectorySize, s.snapshotDirectorySize) = (597, 597)
            s.configuration = ConfInfo(config: config, clientPort: 57353, workingDirectory: "/")
            let expected = """
                clientPort=57353
                secureClientPort=-1
                dataDir=/tmp/zkq/d3/version-2
                dataDirSize=597
                dataLogDir=/tmp/zkq/d3/version-2
                dataLogSize=597
                tickTime=2000
                maxClientCnxns=60
                minSessionTimeout=4000
                maxSessionTimeout=40000
                clientPortListenBacklog=-1
                serverId=3
                initLimit=10
                syncLimit=5
                electionAlg=3
                electionPort=37085
                quorumPort=36217
                peerType=0
                membership:\u{20}
                server.1=127.0.0.1:33363:39561:participant
                server.2=127.0.0.1:49295:45109:participant
                server.3=127.0.0.1:36217:37085:participant
                version=0
                """
            #expect(FourLetterWordFormatter.output(of: .conf, snapshot: s) == expected)
        }

        @Test func smallWords() {
            var s = standalone()
            #expect(FourLetterWordFormatter.output(of: .ruok, snapshot: s) == "imok")
            #expect(FourLetterWordFormatter.output(of: .isro, snapshot: s) == "rw")
            #expect(FourLetterWordFormatter.output(of: .gtmk, snapshot: s) == "306")
            #expect(FourLetterWordFormatter.output(of: .stmk, snapshot: s, traceMaskArgument: 306) == "306")
            #expect(FourLetterWordFormatter.output(of: .crst, snapshot: s) == "Connection stats reset.\n")
            #expect(FourLetterWordFormatter.output(of: .srst, snapshot: s) == "Server stats reset.\n")
            #expect(FourLetterWordFormatter.output(of: .hash, snapshot: s) == "")
            s.digests = [ZxidDigest(zxid: 0x80, digest: 8_497_002_517)]
            #expect(FourLetterWordFormatter.output(of: .hash, snapshot: s) == "80: 8497002517\n")
            s.state = .readOnly
            #expect(FourLetterWordFormatter.output(of: .isro, snapshot: s) == "ro")
        }

        @Test func effectsOfResetWords() {
            #expect(FourLetterWord.crst.effect() == .resetConnectionStatistics)
            #expect(FourLetterWord.srst.effect() == .resetServerStatistics)
            #expect(FourLetterWord.stmk.effect(traceMaskArgument: 5) == .setTraceMask(5))
            #expect(FourLetterWord.stat.effect() == nil)
        }

        @Test func notServing() {
            var s = standalone()
            s.isServing = false
            let text = "This ZooKeeper instance is not currently serving requests\n"
            for word in [FourLetterWord.srvr, .stat, .cons, .conf, .dump, .wchs, .wchc, .wchp, .dirs, .mntr, .crst, .srst] {
                #expect(FourLetterWordFormatter.output(of: word, snapshot: s) == text, "\(word)")
            }
            #expect(FourLetterWordFormatter.output(of: .hash, snapshot: s) == String(text.dropLast()))
            #expect(FourLetterWordFormatter.output(of: .isro, snapshot: s) == "null")
            #expect(FourLetterWordFormatter.output(of: .ruok, snapshot: s) == "imok")
        }

        @Test func enviHasApacheShape() {
            var s = standalone()
            s.environment = EnvironmentEntry.apacheShaped(["zookeeper.version": version, "host.name": "localhost",
                                                           "os.name": "Linux", "user.dir": "/tmp/zkrun"])
            let lines = FourLetterWordFormatter.output(of: .envi, snapshot: s).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "Environment:")
            #expect(lines.last == "")
            // Keys and order as Apache 3.8 printed them.
            #expect(lines.dropFirst().dropLast().map { String($0.split(separator: "=")[0]) } == [
                "zookeeper.version", "host.name", "java.version", "java.vendor", "java.home", "java.class.path",
                "java.library.path", "java.io.tmpdir", "java.compiler", "os.name", "os.arch", "os.version",
                "user.name", "user.home", "user.dir", "os.memory.free", "os.memory.max", "os.memory.total",
            ])
            #expect(lines[1] == "zookeeper.version=\(version)")
            #expect(lines[9] == "java.compiler=<NA>")
        }
    }
}

extension FourLetterWordTests {
    @Suite struct Monitor {
        private func standaloneMonitor() -> ServerStatusSnapshot {
            var s = standalone()
            (s.statistics.packetsReceived, s.statistics.packetsSent) = (33, 37)
            var m = MonitorValues()
            (m.ephemeralsCount, m.globalSessions, m.watchCount, m.approximateDataSize) = (3, 2, 4, 82)
            (m.maxFileDescriptorCount, m.openFileDescriptorCount, m.uptimeMilliseconds) = (20000, 268, 56503)
            m.clientResponseSizes = BufferSizeStatistics(last: 16, min: 16, max: 16)
            m.counters = ["bytes_received_count": 284, "prep_processor_request_queued": 19,
                          "sync_processor_request_queued": 19]
            let count19 = SummaryValues(count: 19, total: 0, min: 0, max: 0)
            m.summaries = [
                "proposal_process_time": count19, "sync_processor_queue_size": count19,
                "prep_processor_queue_size": count19, "prep_process_time": count19,
                "prep_processor_queue_time_ms": SummaryValues(count: 19, total: 9, min: 0, max: 4, p95: 4, p99: 4, p999: 4),
                "request_throttle_queue_time_ms": SummaryValues(count: 19, total: 5, min: 0, max: 1, p95: 1, p99: 1, p999: 1),
                "readlatency": SummaryValues(count: 19, total: 19, min: 0, max: 4, p50: 1, p95: 4, p99: 4, p999: 4),
                "sync_processor_queue_time_ms": SummaryValues(count: 19, total: 2, min: 0, max: 1, p95: 1, p99: 1, p999: 1),
            ]
            m.basicSummarySets = ["app_read_per_namespace", "app_write_per_namespace", "beph_write_per_namespace"]
                .map { NamedSummary(name: $0, values: SummaryValues()) }
            s.monitor = m
            return s
        }

        @Test func mntrStandaloneMatchesApache() {
            let output = FourLetterWordFormatter.output(of: .mntr, snapshot: standaloneMonitor())
            #expect(output == apacheStandaloneMntr)
            if output != apacheStandaloneMntr {  // point at the first differing line
                let (mine, theirs) = (output.split(separator: "\n"), apacheStandaloneMntr.split(separator: "\n"))
                let index = zip(mine, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(mine.count, theirs.count)
                Issue.record("line \(index): \(index < mine.count ? mine[index] : "<end>") vs \(index < theirs.count ? theirs[index] : "<end>")")
            }
        }

        private func keys(_ text: String) -> [String] {
            text.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        }

        /// The counters and summaries every Apache 3.8 server prints after its gauges.
        private var apacheMetricKeys: [String] {
            let all = keys(apacheStandaloneMntr)
            return Array(all[26..<(all.count - 15)])
        }

        @Test func mntrLeaderKeyOrderMatchesApache() {
            var s = ServerStatusSnapshot(version: version)
            s.state = .leader
            s.monitor.peerState = "leading - broadcast"
            s.monitor.quorumSize = 3
            s.monitor.leader = LeaderMonitorValues()
            s.monitor.openFileDescriptorCount = 271
            s.monitor.maxFileDescriptorCount = 20000
            s.monitor.basicSummarySets = ["1_learner_handler_qp_size", "2_learner_handler_qp_size", "zookeeper_write_per_namespace"]
                .map { NamedSummary(name: $0, values: SummaryValues()) }
            s.monitor.percentileSummarySets = ["1_learner_handler_qp_time_ms", "2_learner_handler_qp_time_ms"]
                .map { NamedSummary(name: $0, values: SummaryValues()) }
            let gauges = [
                "version", "server_state", "peer_state", "ephemerals_count", "num_alive_connections", "avg_latency",
                "min_proposal_size", "outstanding_requests", "znode_count", "global_sessions", "non_mtls_remote_conn_count",
                "last_client_response_size", "packets_sent", "packets_received", "max_proposal_size",
                "max_client_response_size", "synced_followers", "connection_drop_probability", "watch_count",
                "synced_non_voting_followers", "synced_observers", "auth_failed_count", "min_latency",
                "max_file_descriptor_count", "approximate_data_size", "open_file_descriptor_count", "last_proposal_size",
                "pending_syncs", "leader_uptime", "local_sessions", "uptime", "max_latency", "outstanding_tls_handshake",
                "learners", "min_client_response_size", "non_mtls_local_conn_count", "quorum_size",
            ].map { "zk_" + $0 }
            let sets = ["1_learner_handler_qp_size", "2_learner_handler_qp_size", "zookeeper_write_per_namespace"]
                .flatMap { name in ["avg", "min", "max", "cnt", "sum"].map { "zk_\($0)_\(name)" } }
                + ["1_learner_handler_qp_time_ms", "2_learner_handler_qp_time_ms"]
                .flatMap { name in ["avg", "min", "max", "cnt", "sum", "p50", "p95", "p99", "p999"].map { "zk_\($0)_\(name)" } }
            let output = FourLetterWordFormatter.output(of: .mntr, snapshot: s)
            #expect(keys(output) == gauges + apacheMetricKeys + sets)
            #expect(output.contains("zk_peer_state\tleading - broadcast\n"))
            #expect(output.contains("zk_min_proposal_size\t-1\n"))
        }

        @Test func mntrFollowerKeyOrderMatchesApache() {
            var s = ServerStatusSnapshot(version: version)
            s.state = .follower
            s.monitor.peerState = "following - broadcast"
            s.monitor.quorumSize = 3
            s.monitor.openFileDescriptorCount = 269
            s.monitor.maxFileDescriptorCount = 20000
            let standaloneGauges = Array(keys(apacheStandaloneMntr)[2..<26])
            #expect(keys(FourLetterWordFormatter.output(of: .mntr, snapshot: s))
                    == ["zk_version", "zk_server_state", "zk_peer_state"] + standaloneGauges + ["zk_quorum_size"] + apacheMetricKeys)
        }

        @Test func nullGaugesAreOmitted() {
            let output = FourLetterWordFormatter.output(of: .mntr, snapshot: standalone())
            #expect(!output.contains("zk_open_file_descriptor_count"))
            #expect(output.hasPrefix("zk_version\t\(version)\nzk_server_state\tstandalone\nzk_ephemerals_count\t0\n"))
        }
    }
}

extension FourLetterWordTests {
    @Suite struct JavaFormatting {
        @Test func doubles() {
            let cases: [(Double, String)] = [
                (0, "0.0"), (1, "1.0"), (0.2, "0.2"), (1.1176, "1.1176"), (0.4737, "0.4737"), (155, "155.0"),
                (1e-3, "0.001"), (9.999e-4, "9.999E-4"), (1e-4, "1.0E-4"), (1234567.5, "1234567.5"),
                (1e7, "1.0E7"), (12345678.9, "1.23456789E7"), (-2.5, "-2.5"), (.infinity, "Infinity"), (.nan, "NaN"),
            ]
            for (value, text) in cases { #expect(JavaFormat.double(value) == text, "\(value)") }
        }

        @Test func roundedAverageIsHalfUpToFourPlaces() {
            #expect(JavaFormat.roundedAverage(total: 9, count: 19) == 0.4737)
            #expect(JavaFormat.roundedAverage(total: 5, count: 19) == 0.2632)
            #expect(JavaFormat.roundedAverage(total: 2, count: 19) == 0.1053)
            #expect(JavaFormat.roundedAverage(total: 19, count: 17) == 1.1176)
            #expect(JavaFormat.roundedAverage(total: 2, count: 3) == 0.6667)
            #expect(JavaFormat.roundedAverage(total: 1, count: 20000) == 0.0001)  // 0.00005 is just above half
            #expect(JavaFormat.roundedAverage(total: 1, count: 0) == 0)
            #expect(JavaFormat.roundedAverage(total: 7, count: 1) == 7)
        }

        @Test func hexIsUnsigned() {
            #expect(JavaFormat.hex(0) == "0")
            #expect(JavaFormat.hex(-1) == "ffffffffffffffff")
            #expect(JavaFormat.hex(0x1000_0067_9f90_000) == "100000679f90000")
        }

        @Test func dates() {
            #expect(JavaFormat.date(epochMilliseconds: 1_795_825_232_000) == "Sat Nov 28 00:20:32 UTC 2026")
            #expect(JavaFormat.date(epochMilliseconds: 0) == "Thu Jan 01 00:00:00 UTC 1970")
            #expect(JavaFormat.date(epochMilliseconds: 951_782_400_000) == "Tue Feb 29 00:00:00 UTC 2000")
            #expect(JavaFormat.date(epochMilliseconds: -1) == "Wed Dec 31 23:59:59 UTC 1969")
        }

        @Test func socketAddresses() {
            #expect(JavaFormat.socketAddress(ip: "127.0.0.1", port: 2181) == "/127.0.0.1:2181")
            #expect(JavaFormat.socketAddress(ip: "::1", port: 2181) == "/[0:0:0:0:0:0:0:1]:2181")
            #expect(JavaFormat.socketAddress(ip: "fe80::1%eth0", port: 1) == "/[fe80:0:0:0:0:0:0:1%eth0]:1")
            #expect(JavaFormat.socketAddress(ip: "::ffff:10.0.0.1", port: 5) == "/10.0.0.1:5")
        }

        @Test func lastOperationNames() {
            #expect(ConnectionInfo.lastOperationName(for: .getData) == "GETD")
            #expect(ConnectionInfo.lastOperationName(for: .create2) == "CREA")
            #expect(ConnectionInfo.lastOperationName(for: .getAllChildrenNumber) == "GETACN")
            #expect(ConnectionInfo.lastOperationName(for: .auth) == "NA")
        }
    }
}

/// `mntr` from Apache 3.8.0 standalone, verbatim.
private let apacheStandaloneMntr = """
    zk_version\t3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC
    zk_server_state\tstandalone
    zk_ephemerals_count\t3
    zk_num_alive_connections\t3
    zk_avg_latency\t1.0
    zk_outstanding_requests\t0
    zk_znode_count\t10
    zk_global_sessions\t2
    zk_non_mtls_remote_conn_count\t0
    zk_last_client_response_size\t16
    zk_packets_sent\t37
    zk_packets_received\t33
    zk_max_client_response_size\t16
    zk_connection_drop_probability\t0.0
    zk_watch_count\t4
    zk_auth_failed_count\t0
    zk_min_latency\t0
    zk_max_file_descriptor_count\t20000
    zk_approximate_data_size\t82
    zk_open_file_descriptor_count\t268
    zk_local_sessions\t0
    zk_uptime\t56503
    zk_max_latency\t4
    zk_outstanding_tls_handshake\t0
    zk_min_client_response_size\t16
    zk_non_mtls_local_conn_count\t0
    zk_proposal_count\t0
    zk_watch_bytes\t0
    zk_outstanding_changes_removed\t0
    zk_throttled_ops\t0
    zk_stale_requests_dropped\t0
    zk_large_requests_rejected\t0
    zk_insecure_admin_count\t0
    zk_connection_rejected\t0
    zk_cnxn_closed_without_zk_server_running\t0
    zk_sessionless_connections_expired\t0
    zk_looking_count\t0
    zk_dead_watchers_queued\t0
    zk_stale_requests\t0
    zk_connection_drop_count\t0
    zk_learner_proposal_received_count\t0
    zk_digest_mismatches_count\t0
    zk_dead_watchers_cleared\t0
    zk_response_packet_cache_hits\t0
    zk_bytes_received_count\t284
    zk_add_dead_watcher_stall_time\t0
    zk_request_throttle_wait_count\t0
    zk_requests_not_forwarded_to_commit_processor\t0
    zk_response_packet_cache_misses\t0
    zk_ensemble_auth_success\t0
    zk_prep_processor_request_queued\t19
    zk_learner_commit_received_count\t0
    zk_stale_replies\t0
    zk_connection_request_count\t0
    zk_response_bytes\t0
    zk_ensemble_auth_fail\t0
    zk_diff_count\t0
    zk_response_packet_get_children_cache_misses\t0
    zk_connection_revalidate_count\t0
    zk_quit_leading_due_to_disloyal_voter\t0
    zk_snap_count\t0
    zk_unrecoverable_error_count\t0
    zk_unsuccessful_handshake\t0
    zk_commit_count\t0
    zk_stale_sessions_expired\t0
    zk_response_packet_get_children_cache_hits\t0
    zk_sync_processor_request_queued\t19
    zk_outstanding_changes_queued\t0
    zk_request_commit_queued\t0
    zk_ensemble_auth_skip\t0
    zk_skip_learner_request_to_next_processor_count\t0
    zk_tls_handshake_exceeded\t0
    zk_revalidate_count\t0
    zk_avg_socket_closing_time\t0.0
    zk_min_socket_closing_time\t0
    zk_max_socket_closing_time\t0
    zk_cnt_socket_closing_time\t0
    zk_sum_socket_closing_time\t0
    zk_avg_proposal_process_time\t0.0
    zk_min_proposal_process_time\t0
    zk_max_proposal_process_time\t0
    zk_cnt_proposal_process_time\t19
    zk_sum_proposal_process_time\t0
    zk_avg_leader_unavailable_time\t0.0
    zk_min_leader_unavailable_time\t0
    zk_max_leader_unavailable_time\t0
    zk_cnt_leader_unavailable_time\t0
    zk_sum_leader_unavailable_time\t0
    zk_avg_node_created_watch_count\t0.0
    zk_min_node_created_watch_count\t0
    zk_max_node_created_watch_count\t0
    zk_cnt_node_created_watch_count\t0
    zk_sum_node_created_watch_count\t0
    zk_avg_session_queues_drained\t0.0
    zk_min_session_queues_drained\t0
    zk_max_session_queues_drained\t0
    zk_cnt_session_queues_drained\t0
    zk_sum_session_queues_drained\t0
    zk_avg_write_commit_proc_req_queued\t0.0
    zk_min_write_commit_proc_req_queued\t0
    zk_max_write_commit_proc_req_queued\t0
    zk_cnt_write_commit_proc_req_queued\t0
    zk_sum_write_commit_proc_req_queued\t0
    zk_avg_connection_token_deficit\t0.0
    zk_min_connection_token_deficit\t0
    zk_max_connection_token_deficit\t0
    zk_cnt_connection_token_deficit\t0
    zk_sum_connection_token_deficit\t0
    zk_avg_read_commit_proc_req_queued\t0.0
    zk_min_read_commit_proc_req_queued\t0
    zk_max_read_commit_proc_req_queued\t0
    zk_cnt_read_commit_proc_req_queued\t0
    zk_sum_read_commit_proc_req_queued\t0
    zk_avg_node_deleted_watch_count\t0.0
    zk_min_node_deleted_watch_count\t0
    zk_max_node_deleted_watch_count\t0
    zk_cnt_node_deleted_watch_count\t0
    zk_sum_node_deleted_watch_count\t0
    zk_avg_startup_txns_load_time\t0.0
    zk_min_startup_txns_load_time\t0
    zk_max_startup_txns_load_time\t0
    zk_cnt_startup_txns_load_time\t0
    zk_sum_startup_txns_load_time\t0
    zk_avg_sync_processor_queue_size\t0.0
    zk_min_sync_processor_queue_size\t0
    zk_max_sync_processor_queue_size\t0
    zk_cnt_sync_processor_queue_size\t19
    zk_sum_sync_processor_queue_size\t0
    zk_avg_follower_sync_time\t0.0
    zk_min_follower_sync_time\t0
    zk_max_follower_sync_time\t0
    zk_cnt_follower_sync_time\t0
    zk_sum_follower_sync_time\t0
    zk_avg_prep_processor_queue_size\t0.0
    zk_min_prep_processor_queue_size\t0
    zk_max_prep_processor_queue_size\t0
    zk_cnt_prep_processor_queue_size\t19
    zk_sum_prep_processor_queue_size\t0
    zk_avg_fsynctime\t0.0
    zk_min_fsynctime\t0
    zk_max_fsynctime\t0
    zk_cnt_fsynctime\t0
    zk_sum_fsynctime\t0
    zk_avg_inflight_snap_count\t0.0
    zk_min_inflight_snap_count\t0
    zk_max_inflight_snap_count\t0
    zk_cnt_inflight_snap_count\t0
    zk_sum_inflight_snap_count\t0
    zk_avg_reads_issued_from_session_queue\t0.0
    zk_min_reads_issued_from_session_queue\t0
    zk_max_reads_issued_from_session_queue\t0
    zk_cnt_reads_issued_from_session_queue\t0
    zk_sum_reads_issued_from_session_queue\t0
    zk_avg_learner_request_processor_queue_size\t0.0
    zk_min_learner_request_processor_queue_size\t0
    zk_max_learner_request_processor_queue_size\t0
    zk_cnt_learner_request_processor_queue_size\t0
    zk_sum_learner_request_processor_queue_size\t0
    zk_avg_snapshottime\t0.0
    zk_min_snapshottime\t0
    zk_max_snapshottime\t0
    zk_cnt_snapshottime\t0
    zk_sum_snapshottime\t0
    zk_avg_unavailable_time\t0.0
    zk_min_unavailable_time\t0
    zk_max_unavailable_time\t0
    zk_cnt_unavailable_time\t0
    zk_sum_unavailable_time\t0
    zk_avg_startup_txns_loaded\t0.0
    zk_min_startup_txns_loaded\t0
    zk_max_startup_txns_loaded\t0
    zk_cnt_startup_txns_loaded\t0
    zk_sum_startup_txns_loaded\t0
    zk_avg_reads_after_write_in_session_queue\t0.0
    zk_min_reads_after_write_in_session_queue\t0
    zk_max_reads_after_write_in_session_queue\t0
    zk_cnt_reads_after_write_in_session_queue\t0
    zk_sum_reads_after_write_in_session_queue\t0
    zk_avg_requests_in_session_queue\t0.0
    zk_min_requests_in_session_queue\t0
    zk_max_requests_in_session_queue\t0
    zk_cnt_requests_in_session_queue\t0
    zk_sum_requests_in_session_queue\t0
    zk_avg_write_commit_proc_issued\t0.0
    zk_min_write_commit_proc_issued\t0
    zk_max_write_commit_proc_issued\t0
    zk_cnt_write_commit_proc_issued\t0
    zk_sum_write_commit_proc_issued\t0
    zk_avg_prep_process_time\t0.0
    zk_min_prep_process_time\t0
    zk_max_prep_process_time\t0
    zk_cnt_prep_process_time\t19
    zk_sum_prep_process_time\t0
    zk_avg_pending_session_queue_size\t0.0
    zk_min_pending_session_queue_size\t0
    zk_max_pending_session_queue_size\t0
    zk_cnt_pending_session_queue_size\t0
    zk_sum_pending_session_queue_size\t0
    zk_avg_time_waiting_empty_pool_in_commit_processor_read_ms\t0.0
    zk_min_time_waiting_empty_pool_in_commit_processor_read_ms\t0
    zk_max_time_waiting_empty_pool_in_commit_processor_read_ms\t0
    zk_cnt_time_waiting_empty_pool_in_commit_processor_read_ms\t0
    zk_sum_time_waiting_empty_pool_in_commit_processor_read_ms\t0
    zk_avg_commit_process_time\t0.0
    zk_min_commit_process_time\t0
    zk_max_commit_process_time\t0
    zk_cnt_commit_process_time\t0
    zk_sum_commit_process_time\t0
    zk_avg_dbinittime\t0.0
    zk_min_dbinittime\t0
    zk_max_dbinittime\t0
    zk_cnt_dbinittime\t0
    zk_sum_dbinittime\t0
    zk_avg_inflight_diff_count\t0.0
    zk_min_inflight_diff_count\t0
    zk_max_inflight_diff_count\t0
    zk_cnt_inflight_diff_count\t0
    zk_sum_inflight_diff_count\t0
    zk_avg_netty_queued_buffer_capacity\t0.0
    zk_min_netty_queued_buffer_capacity\t0
    zk_max_netty_queued_buffer_capacity\t0
    zk_cnt_netty_queued_buffer_capacity\t0
    zk_sum_netty_queued_buffer_capacity\t0
    zk_avg_election_time\t0.0
    zk_min_election_time\t0
    zk_max_election_time\t0
    zk_cnt_election_time\t0
    zk_sum_election_time\t0
    zk_avg_commit_commit_proc_req_queued\t0.0
    zk_min_commit_commit_proc_req_queued\t0
    zk_max_commit_commit_proc_req_queued\t0
    zk_cnt_commit_commit_proc_req_queued\t0
    zk_sum_commit_commit_proc_req_queued\t0
    zk_avg_sync_processor_batch_size\t0.0
    zk_min_sync_processor_batch_size\t0
    zk_max_sync_processor_batch_size\t0
    zk_cnt_sync_processor_batch_size\t0
    zk_sum_sync_processor_batch_size\t0
    zk_avg_node_children_watch_count\t0.0
    zk_min_node_children_watch_count\t0
    zk_max_node_children_watch_count\t0
    zk_cnt_node_children_watch_count\t0
    zk_sum_node_children_watch_count\t0
    zk_avg_write_batch_time_in_commit_processor\t0.0
    zk_min_write_batch_time_in_commit_processor\t0
    zk_max_write_batch_time_in_commit_processor\t0
    zk_cnt_write_batch_time_in_commit_processor\t0
    zk_sum_write_batch_time_in_commit_processor\t0
    zk_avg_read_commit_proc_issued\t0.0
    zk_min_read_commit_proc_issued\t0
    zk_max_read_commit_proc_issued\t0
    zk_cnt_read_commit_proc_issued\t0
    zk_sum_read_commit_proc_issued\t0
    zk_avg_concurrent_request_processing_in_commit_processor\t0.0
    zk_min_concurrent_request_processing_in_commit_processor\t0
    zk_max_concurrent_request_processing_in_commit_processor\t0
    zk_cnt_concurrent_request_processing_in_commit_processor\t0
    zk_sum_concurrent_request_processing_in_commit_processor\t0
    zk_avg_observer_sync_time\t0.0
    zk_min_observer_sync_time\t0
    zk_max_observer_sync_time\t0
    zk_cnt_observer_sync_time\t0
    zk_sum_observer_sync_time\t0
    zk_avg_node_changed_watch_count\t0.0
    zk_min_node_changed_watch_count\t0
    zk_max_node_changed_watch_count\t0
    zk_cnt_node_changed_watch_count\t0
    zk_sum_node_changed_watch_count\t0
    zk_avg_sync_process_time\t0.0
    zk_min_sync_process_time\t0
    zk_max_sync_process_time\t0
    zk_cnt_sync_process_time\t0
    zk_sum_sync_process_time\t0
    zk_avg_startup_snap_load_time\t0.0
    zk_min_startup_snap_load_time\t0
    zk_max_startup_snap_load_time\t0
    zk_cnt_startup_snap_load_time\t0
    zk_sum_startup_snap_load_time\t0
    zk_avg_prep_processor_queue_time_ms\t0.4737
    zk_min_prep_processor_queue_time_ms\t0
    zk_max_prep_processor_queue_time_ms\t4
    zk_cnt_prep_processor_queue_time_ms\t19
    zk_sum_prep_processor_queue_time_ms\t9
    zk_p50_prep_processor_queue_time_ms\t0
    zk_p95_prep_processor_queue_time_ms\t4
    zk_p99_prep_processor_queue_time_ms\t4
    zk_p999_prep_processor_queue_time_ms\t4
    zk_avg_jvm_pause_time_ms\t0.0
    zk_min_jvm_pause_time_ms\t0
    zk_max_jvm_pause_time_ms\t0
    zk_cnt_jvm_pause_time_ms\t0
    zk_sum_jvm_pause_time_ms\t0
    zk_p50_jvm_pause_time_ms\t0
    zk_p95_jvm_pause_time_ms\t0
    zk_p99_jvm_pause_time_ms\t0
    zk_p999_jvm_pause_time_ms\t0
    zk_avg_close_session_prep_time\t0.0
    zk_min_close_session_prep_time\t0
    zk_max_close_session_prep_time\t0
    zk_cnt_close_session_prep_time\t0
    zk_sum_close_session_prep_time\t0
    zk_p50_close_session_prep_time\t0
    zk_p95_close_session_prep_time\t0
    zk_p99_close_session_prep_time\t0
    zk_p999_close_session_prep_time\t0
    zk_avg_read_commitproc_time_ms\t0.0
    zk_min_read_commitproc_time_ms\t0
    zk_max_read_commitproc_time_ms\t0
    zk_cnt_read_commitproc_time_ms\t0
    zk_sum_read_commitproc_time_ms\t0
    zk_p50_read_commitproc_time_ms\t0
    zk_p95_read_commitproc_time_ms\t0
    zk_p99_read_commitproc_time_ms\t0
    zk_p999_read_commitproc_time_ms\t0
    zk_avg_updatelatency\t0.0
    zk_min_updatelatency\t0
    zk_max_updatelatency\t0
    zk_cnt_updatelatency\t0
    zk_sum_updatelatency\t0
    zk_p50_updatelatency\t0
    zk_p95_updatelatency\t0
    zk_p99_updatelatency\t0
    zk_p999_updatelatency\t0
    zk_avg_local_write_committed_time_ms\t0.0
    zk_min_local_write_committed_time_ms\t0
    zk_max_local_write_committed_time_ms\t0
    zk_cnt_local_write_committed_time_ms\t0
    zk_sum_local_write_committed_time_ms\t0
    zk_p50_local_write_committed_time_ms\t0
    zk_p95_local_write_committed_time_ms\t0
    zk_p99_local_write_committed_time_ms\t0
    zk_p999_local_write_committed_time_ms\t0
    zk_avg_request_throttle_queue_time_ms\t0.2632
    zk_min_request_throttle_queue_time_ms\t0
    zk_max_request_throttle_queue_time_ms\t1
    zk_cnt_request_throttle_queue_time_ms\t19
    zk_sum_request_throttle_queue_time_ms\t5
    zk_p50_request_throttle_queue_time_ms\t0
    zk_p95_request_throttle_queue_time_ms\t1
    zk_p99_request_throttle_queue_time_ms\t1
    zk_p999_request_throttle_queue_time_ms\t1
    zk_avg_readlatency\t1.0
    zk_min_readlatency\t0
    zk_max_readlatency\t4
    zk_cnt_readlatency\t19
    zk_sum_readlatency\t19
    zk_p50_readlatency\t1
    zk_p95_readlatency\t4
    zk_p99_readlatency\t4
    zk_p999_readlatency\t4
    zk_avg_quorum_ack_latency\t0.0
    zk_min_quorum_ack_latency\t0
    zk_max_quorum_ack_latency\t0
    zk_cnt_quorum_ack_latency\t0
    zk_sum_quorum_ack_latency\t0
    zk_p50_quorum_ack_latency\t0
    zk_p95_quorum_ack_latency\t0
    zk_p99_quorum_ack_latency\t0
    zk_p999_quorum_ack_latency\t0
    zk_avg_om_commit_process_time_ms\t0.0
    zk_min_om_commit_process_time_ms\t0
    zk_max_om_commit_process_time_ms\t0
    zk_cnt_om_commit_process_time_ms\t0
    zk_sum_om_commit_process_time_ms\t0
    zk_p50_om_commit_process_time_ms\t0
    zk_p95_om_commit_process_time_ms\t0
    zk_p99_om_commit_process_time_ms\t0
    zk_p999_om_commit_process_time_ms\t0
    zk_avg_read_final_proc_time_ms\t0.0
    zk_min_read_final_proc_time_ms\t0
    zk_max_read_final_proc_time_ms\t0
    zk_cnt_read_final_proc_time_ms\t0
    zk_sum_read_final_proc_time_ms\t0
    zk_p50_read_final_proc_time_ms\t0
    zk_p95_read_final_proc_time_ms\t0
    zk_p99_read_final_proc_time_ms\t0
    zk_p999_read_final_proc_time_ms\t0
    zk_avg_commit_propagation_latency\t0.0
    zk_min_commit_propagation_latency\t0
    zk_max_commit_propagation_latency\t0
    zk_cnt_commit_propagation_latency\t0
    zk_sum_commit_propagation_latency\t0
    zk_p50_commit_propagation_latency\t0
    zk_p95_commit_propagation_latency\t0
    zk_p99_commit_propagation_latency\t0
    zk_p999_commit_propagation_latency\t0
    zk_avg_dead_watchers_cleaner_latency\t0.0
    zk_min_dead_watchers_cleaner_latency\t0
    zk_max_dead_watchers_cleaner_latency\t0
    zk_cnt_dead_watchers_cleaner_latency\t0
    zk_sum_dead_watchers_cleaner_latency\t0
    zk_p50_dead_watchers_cleaner_latency\t0
    zk_p95_dead_watchers_cleaner_latency\t0
    zk_p99_dead_watchers_cleaner_latency\t0
    zk_p999_dead_watchers_cleaner_latency\t0
    zk_avg_write_final_proc_time_ms\t0.0
    zk_min_write_final_proc_time_ms\t0
    zk_max_write_final_proc_time_ms\t0
    zk_cnt_write_final_proc_time_ms\t0
    zk_sum_write_final_proc_time_ms\t0
    zk_p50_write_final_proc_time_ms\t0
    zk_p95_write_final_proc_time_ms\t0
    zk_p99_write_final_proc_time_ms\t0
    zk_p999_write_final_proc_time_ms\t0
    zk_avg_proposal_ack_creation_latency\t0.0
    zk_min_proposal_ack_creation_latency\t0
    zk_max_proposal_ack_creation_latency\t0
    zk_cnt_proposal_ack_creation_latency\t0
    zk_sum_proposal_ack_creation_latency\t0
    zk_p50_proposal_ack_creation_latency\t0
    zk_p95_proposal_ack_creation_latency\t0
    zk_p99_proposal_ack_creation_latency\t0
    zk_p999_proposal_ack_creation_latency\t0
    zk_avg_proposal_latency\t0.0
    zk_min_proposal_latency\t0
    zk_max_proposal_latency\t0
    zk_cnt_proposal_latency\t0
    zk_sum_proposal_latency\t0
    zk_p50_proposal_latency\t0
    zk_p95_proposal_latency\t0
    zk_p99_proposal_latency\t0
    zk_p999_proposal_latency\t0
    zk_avg_om_proposal_process_time_ms\t0.0
    zk_min_om_proposal_process_time_ms\t0
    zk_max_om_proposal_process_time_ms\t0
    zk_cnt_om_proposal_process_time_ms\t0
    zk_sum_om_proposal_process_time_ms\t0
    zk_p50_om_proposal_process_time_ms\t0
    zk_p95_om_proposal_process_time_ms\t0
    zk_p99_om_proposal_process_time_ms\t0
    zk_p999_om_proposal_process_time_ms\t0
    zk_avg_sync_processor_queue_and_flush_time_ms\t0.0
    zk_min_sync_processor_queue_and_flush_time_ms\t0
    zk_max_sync_processor_queue_and_flush_time_ms\t0
    zk_cnt_sync_processor_queue_and_flush_time_ms\t0
    zk_sum_sync_processor_queue_and_flush_time_ms\t0
    zk_p50_sync_processor_queue_and_flush_time_ms\t0
    zk_p95_sync_processor_queue_and_flush_time_ms\t0
    zk_p99_sync_processor_queue_and_flush_time_ms\t0
    zk_p999_sync_processor_queue_and_flush_time_ms\t0
    zk_avg_propagation_latency\t0.0
    zk_min_propagation_latency\t0
    zk_max_propagation_latency\t0
    zk_cnt_propagation_latency\t0
    zk_sum_propagation_latency\t0
    zk_p50_propagation_latency\t0
    zk_p95_propagation_latency\t0
    zk_p99_propagation_latency\t0
    zk_p999_propagation_latency\t0
    zk_avg_server_write_committed_time_ms\t0.0
    zk_min_server_write_committed_time_ms\t0
    zk_max_server_write_committed_time_ms\t0
    zk_cnt_server_write_committed_time_ms\t0
    zk_sum_server_write_committed_time_ms\t0
    zk_p50_server_write_committed_time_ms\t0
    zk_p95_server_write_committed_time_ms\t0
    zk_p99_server_write_committed_time_ms\t0
    zk_p999_server_write_committed_time_ms\t0
    zk_avg_sync_processor_queue_time_ms\t0.1053
    zk_min_sync_processor_queue_time_ms\t0
    zk_max_sync_processor_queue_time_ms\t1
    zk_cnt_sync_processor_queue_time_ms\t19
    zk_sum_sync_processor_queue_time_ms\t2
    zk_p50_sync_processor_queue_time_ms\t0
    zk_p95_sync_processor_queue_time_ms\t1
    zk_p99_sync_processor_queue_time_ms\t1
    zk_p999_sync_processor_queue_time_ms\t1
    zk_avg_sync_processor_queue_flush_time_ms\t0.0
    zk_min_sync_processor_queue_flush_time_ms\t0
    zk_max_sync_processor_queue_flush_time_ms\t0
    zk_cnt_sync_processor_queue_flush_time_ms\t0
    zk_sum_sync_processor_queue_flush_time_ms\t0
    zk_p50_sync_processor_queue_flush_time_ms\t0
    zk_p95_sync_processor_queue_flush_time_ms\t0
    zk_p99_sync_processor_queue_flush_time_ms\t0
    zk_p999_sync_processor_queue_flush_time_ms\t0
    zk_avg_write_commitproc_time_ms\t0.0
    zk_min_write_commitproc_time_ms\t0
    zk_max_write_commitproc_time_ms\t0
    zk_cnt_write_commitproc_time_ms\t0
    zk_sum_write_commitproc_time_ms\t0
    zk_p50_write_commitproc_time_ms\t0
    zk_p95_write_commitproc_time_ms\t0
    zk_p99_write_commitproc_time_ms\t0
    zk_p999_write_commitproc_time_ms\t0
    zk_avg_app_read_per_namespace\t0.0
    zk_min_app_read_per_namespace\t0
    zk_max_app_read_per_namespace\t0
    zk_cnt_app_read_per_namespace\t0
    zk_sum_app_read_per_namespace\t0
    zk_avg_app_write_per_namespace\t0.0
    zk_min_app_write_per_namespace\t0
    zk_max_app_write_per_namespace\t0
    zk_cnt_app_write_per_namespace\t0
    zk_sum_app_write_per_namespace\t0
    zk_avg_beph_write_per_namespace\t0.0
    zk_min_beph_write_per_namespace\t0
    zk_max_beph_write_per_namespace\t0
    zk_cnt_beph_write_per_namespace\t0
    zk_sum_beph_write_per_namespace\t0

    """
