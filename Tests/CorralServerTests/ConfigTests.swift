import Foundation
import Testing
@testable import CorralServer

private func parse(_ text: String, files: [String: String] = [:]) throws(ConfigError) -> ServerConfig {
    try ServerConfig(parsing: text) { path in files[path] }
}

private func parseError(_ text: String, files: [String: String] = [:]) -> ConfigError? {
    do {
        _ = try parse(text, files: files)
        return nil
    } catch {
        return error
    }
}

/// zoo.cfg parsing (all suites nest here so `--filter ConfigTests` selects them).
@Suite struct ConfigTests {}

extension ConfigTests {
    @Suite struct PropertiesFormat {
        @Test func separatorsCommentsAndWhitespace() throws {
            let p = try JavaProperties(parsing: """
                # comment
                  ! another comment
                a=1
                b : 2
                  c   3
                d=
                e
                f==x
                g:=y
                tab\there
                """)
            #expect(p["a"] == "1")
            #expect(p["b"] == "2")
            #expect(p["c"] == "3")
            #expect(p["d"] == "")
            #expect(p["e"] == "")
            #expect(p["f"] == "=x")
            #expect(p["g"] == "=y")
            #expect(p["tab"] == "here")
            #expect(p.entries.count == 8)
        }

        @Test func continuationLinesAndEscapes() throws {
            let p = try JavaProperties(parsing: "list=a,\\\n    b,\\\r\n  c\nkey\\ with\\=odd\\:chars=v\\tw\\u0041\\\\\nx=1\\\\\ny=2\n")
            #expect(p["list"] == "a,b,c")
            #expect(p["key with=odd:chars"] == "v\twA\\")
            #expect(p["x"] == "1\\")
            #expect(p["y"] == "2")
        }

        @Test func commentLinesDoNotContinue() throws {
            let p = try JavaProperties(parsing: "# comment \\\na=1\nb=2\\\n#not a comment\n")
            #expect(p["a"] == "1")
            #expect(p["b"] == "2#not a comment")
        }

        @Test func laterKeysOverride() throws {
            let p = try JavaProperties(parsing: "a=1\nb=2\na=3\n")
            #expect(p["a"] == "3")
            #expect(p.entries.map(\.key) == ["a", "b"])
        }

        @Test func carriageReturnLineEndings() throws {
            let p = try JavaProperties(parsing: "a=1\rb=2\r\nc=3")
            #expect(p["a"] == "1" && p["b"] == "2" && p["c"] == "3")
        }

        @Test func malformedUnicodeEscapeIsAnError() {
            #expect(throws: ConfigError.self) { try JavaProperties(parsing: "a=\\u12g4\n") }
        }
    }
}

extension ConfigTests {
    @Suite struct Parsing {
        @Test func apacheDefaults() throws {
            let c = try parse("dataDir=/var/zk\nclientPort=2181\n")
            #expect(c.tickTime == 3000)  // ZooKeeperServer.DEFAULT_TICK_TIME when tickTime is absent
            #expect(c.minSessionTimeout == 6000 && c.maxSessionTimeout == 60000)
            #expect(c.dataLogDir == "/var/zk")
            #expect(c.clientAddress == HostPort(host: "0.0.0.0", port: 2181))
            #expect(c.secureClientAddress == nil)
            #expect(c.maxClientCnxns == 60)
            #expect(c.snapRetainCount == 3 && c.purgeInterval == 0)
            #expect(c.fourLetterWordWhitelist.words == [.srvr])
            #expect(c.admin == AdminServerSettings())
            #expect(c.juteMaxBuffer == 0xfffff && c.snapCount == 100_000 && c.globalOutstandingLimit == 1000)
            #expect(c.preAllocSizeBytes == 64 * 1024 * 1024)
            #expect(c.forceSync && !c.extendedTypesEnabled && c.digestEnabled && !c.skipACL)
            #expect(c.standaloneEnabled && !c.reconfigEnabled && !c.isDistributed)
            #expect(c.serverId == nil && c.servers.isEmpty)
            #expect(c.warnings.isEmpty)
        }

        @Test func typicalStandaloneFile() throws {
            let c = try parse("""
                tickTime = 2000
                dataDir=/var/lib/zookeeper
                dataLogDir: /var/log/zookeeper
                clientPort=2181
                clientPortAddress=127.0.0.1
                maxClientCnxns=0
                minSessionTimeout=3000
                autopurge.snapRetainCount=5
                autopurge.purgeInterval=24
                4lw.commands.whitelist=ruok, stat, mntr
                admin.enableServer=false
                admin.serverPort=9090
                admin.serverAddress=127.0.0.1
                extendedTypesEnabled=true
                forceSync=no
                jute.maxbuffer=0x400000
                DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
                globalOutstandingLimit=2000
                snapCount=50000
                preAllocSize=16384
                reconfigEnabled=true
                """)
            #expect(c.tickTime == 2000 && c.minSessionTimeout == 3000 && c.maxSessionTimeout == 40000)
            #expect(c.dataLogDir == "/var/log/zookeeper")
            #expect(c.clientAddress == HostPort(host: "127.0.0.1", port: 2181))
            #expect(c.maxClientCnxns == 0 && c.snapRetainCount == 5 && c.purgeInterval == 24)
            #expect(c.fourLetterWordWhitelist.words == [.ruok, .stat, .mntr, .srvr])
            #expect(!c.admin.enabled && c.admin.serverPort == 9090 && c.admin.serverAddress == "127.0.0.1")
            #expect(c.extendedTypesEnabled && !c.forceSync && c.reconfigEnabled)
            #expect(c.juteMaxBuffer == 0x400000)
            #expect(c.superDigest == "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")
            #expect(c.globalOutstandingLimit == 2000 && c.snapCount == 50000)
            #expect(c.preAllocSizeBytes == 16384 * 1024)
            #expect(c.warnings.isEmpty)
            #expect(c.otherProperties.isEmpty)
        }

        @Test func embeddedDefault() {
            let c = ServerConfig.embeddedDefault()
            #expect(c.clientAddress == HostPort(host: "127.0.0.1", port: 2181))
            #expect(c.tickTime == 2000 && c.minSessionTimeout == 4000 && c.maxSessionTimeout == 40000)
            #expect(c.dataDir == "./corral-data" && c.dataLogDir == "./corral-data")
            #expect(!c.isDistributed && c.warnings.isEmpty)
            #expect(ServerConfig.embeddedDefault(dataDir: "/d").dataDir == "/d")
        }

        @Test func unknownAndJavaOnlyKeysAreWarningsNotErrors() throws {
            let c = try parse("""
                dataDir=/d
                clientPort=2181
                serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory
                ssl.keyStore.location=/etc/zk/keystore.jks
                authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider
                metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
                enforceQuota=true
                someTypo=1
                readonlymode.enabled=true
                """)
            let byKey = Dictionary(uniqueKeysWithValues: c.warnings.map { ($0.key, $0.kind) })
            #expect(byKey["serverCnxnFactory"] == .javaOnly)
            #expect(byKey["ssl.keyStore.location"] == .javaOnly)
            #expect(byKey["authProvider.1"] == .javaOnly)
            #expect(byKey["metricsProvider.className"] == .javaOnly)
            #expect(byKey["enforceQuota"] == .notImplemented)
            #expect(byKey["someTypo"] == .unknownKey)
            #expect(byKey["readonlymode.enabled"] == .unknownKey)  // Apache reads zookeeper.readonlymode.enabled: nothing
            #expect(c.warnings.count == 7)
            #expect(c.otherProperties["someTypo"] == "1")
            #expect(c.otherProperties["ssl.keyStore.location"] == "/etc/zk/keystore.jks")
        }

        @Test func defaultMetricsProviderIsNotAWarning() throws {
            let c = try parse("dataDir=/d\nclientPort=1\nmetricsProvider.className=org.apache.zookeeper.metrics.impl.DefaultMetricsProvider\n")
            #expect(c.warnings.isEmpty)
        }

        @Test func malformedNumbersNameKeyAndValue() {
            #expect(parseError("dataDir=/d\nclientPort=21a81\n") == .invalidNumber(key: "clientPort", value: "21a81"))
            #expect(parseError("dataDir=/d\ntickTime=2000ms\n") == .invalidNumber(key: "tickTime", value: "2000ms"))
            #expect(parseError("dataDir=/d\nmaxClientCnxns=99999999999\n")
                    == .invalidNumber(key: "maxClientCnxns", value: "99999999999"))
            #expect(parseError("dataDir=/d\ninitLimit=0x10\n") == .invalidNumber(key: "initLimit", value: "0x10"))
            let message = parseError("dataDir=/d\nclientPort=abc\n").map { String(describing: $0) } ?? ""
            #expect(message.contains("clientPort") && message.contains("abc"))
        }

        @Test func malformedBooleansAreErrors() throws {
            #expect(parseError("dataDir=/d\nstandaloneEnabled=yes\n") == .invalidBoolean(key: "standaloneEnabled", value: "yes"))
            #expect(parseError("dataDir=/d\nreconfigEnabled=1\n") == .invalidBoolean(key: "reconfigEnabled", value: "1"))
            #expect(try parse("dataDir=/d\nreconfigEnabled=TRUE\n").reconfigEnabled)
        }

        @Test func apacheRejections() {
            #expect(parseError("clientPort=2181\n") == .missingKey("dataDir"))
            #expect(parseError("dataDir=/d\ntickTime=0\n") == .missingKey("tickTime"))
            #expect(parseError("dataDir=/d\nclientPortAddress=127.0.0.1\n")
                    == .inconsistent("clientPortAddress is set but clientPort is not set"))
            #expect(parseError("dataDir=/d\nclientPort=70000\n")
                    == .invalidValue(key: "clientPort", value: "70000", reason: "port out of range:70000"))
            #expect(parseError("dataDir=/d\nminSessionTimeout=50000\nmaxSessionTimeout=40000\n")
                    == .inconsistent("minSessionTimeout must not be larger than maxSessionTimeout"))
            #expect(parseError("dataDir=/d\nelectionAlg=1\n")
                    == .invalidValue(key: "electionAlg", value: "1", reason: "Invalid electionAlg value. Only 3 is supported."))
            #expect(parseError("dataDir=/d\npeerType=leader\n")
                    == .invalidValue(key: "peerType", value: "leader", reason: "Unrecognised peertype: leader"))
            #expect(parseError("dataDir=/d\nquorum.auth.serverRequireSasl=true\n") != nil)
            #expect(parseError("dataDir=/d\nDigestAuthenticationProvider.digestAlg=SHA-256\n") != nil)
        }

        @Test func systemPropertyKeysFallBackLikeApache() throws {
            // Integer.getInteger/Long.decode: hex and octal accepted, junk means the default.
            let c = try parse("dataDir=/d\nclientPort=1\nsnapCount=010\nglobalOutstandingLimit=lots\nadmin.serverPort=#1F90\n")
            #expect(c.snapCount == 8)
            #expect(c.globalOutstandingLimit == 1000)
            #expect(c.admin.serverPort == 8080)
            #expect(c.warnings.map(\.kind) == [.invalidValueIgnored])
            let d = try parse("dataDir=/d\nclientPort=1\nsnapCount=1\nforceSync=false\nadmin.enableServer=False\n")
            #expect(d.snapCount == 2)  // Apache raises snapCount below 2 to 2
            #expect(d.forceSync)  // only "no" disables it
            #expect(d.admin.enabled)  // only exactly "false" disables it
            #expect(d.warnings.map(\.kind) == [.adjusted, .invalidValueIgnored, .invalidValueIgnored])
        }

        @Test func snapRetainCountBelowThreeIsRaised() throws {
            let c = try parse("dataDir=/d\nclientPort=1\nautopurge.snapRetainCount=1\n")
            #expect(c.snapRetainCount == 3)
            #expect(c.warnings.map(\.kind) == [.adjusted])
        }

        @Test func relativeDataDirIsAdvice() throws {
            let c = try parse("dataDir=data\nclientPort=1\n")
            #expect(c.warnings.map(\.kind) == [.advice])
            #expect(try parse("dataDir=./data\nclientPort=1\n").warnings.isEmpty)
        }

        @Test func noClientPortIsAllowed() throws {
            let c = try parse("dataDir=/d\n")
            #expect(c.clientAddress == nil)
            #expect(c.warnings.map(\.key) == ["clientPort"])
        }
    }
}

extension ConfigTests {
    @Suite struct Quorum {
        private let ensemble = """
            tickTime=2000
            initLimit=10
            syncLimit=5
            dataDir=/zk/data
            clientPort=2181
            server.1=10.0.0.1:2888:3888
            server.2=10.0.0.2:2888:3888:participant;2182
            server.3=[fe80::3]:2888:3888;10.0.0.3:2183
            server.4=10.0.0.4:2888:3888:observer
            """

        @Test func parsesServerLines() throws {
            let c = try parse(ensemble, files: ["/zk/data/myid": "1\n"])
            #expect(c.isDistributed && c.serverId == 1)
            #expect(c.servers.map(\.id) == [1, 2, 3, 4])
            #expect(c.servers[0] == QuorumServerSpec(id: 1, quorumAddresses: [HostPort(host: "10.0.0.1", port: 2888)],
                                                     electionAddresses: [HostPort(host: "10.0.0.1", port: 3888)]))
            #expect(c.servers[1].clientAddress == HostPort(host: "0.0.0.0", port: 2182))
            #expect(c.servers[2].quorumAddresses == [HostPort(host: "fe80::3", port: 2888)])
            #expect(c.servers[2].clientAddress == HostPort(host: "10.0.0.3", port: 2183))
            #expect(c.servers[3].type == .observer)
            #expect(c.peerType == .participant)
            #expect(c.clientAddress == HostPort(host: "0.0.0.0", port: 2181))
            #expect(c.servers.map(\.apacheDescription) == [
                "10.0.0.1:2888:3888:participant", "10.0.0.2:2888:3888:participant;0.0.0.0:2182",
                "[fe80::3]:2888:3888:participant;10.0.0.3:2183", "10.0.0.4:2888:3888:observer",
            ])
        }

        @Test func clientPortMustAgreeWithThisServersLine() throws {
            // Apache compares only the port when clientPortAddress is a wildcard.
            guard case .inconsistent? = parseError(ensemble, files: ["/zk/data/myid": "2"]) else {
                Issue.record("clientPort 2181 vs server.2's 2182 must be refused")
                return
            }
            let agreeing = ensemble.replacingOccurrences(of: "clientPort=2181", with: "clientPort=2182")
            #expect(try parse(agreeing, files: ["/zk/data/myid": "2"]).clientAddress == HostPort(host: "0.0.0.0", port: 2182))
        }

        @Test func serverLineClientAddressIsUsed() throws {
            let text = ensemble.replacingOccurrences(of: "clientPort=2181\n", with: "")
            let c = try parse(text, files: ["/zk/data/myid": "3"])
            #expect(c.clientAddress == HostPort(host: "10.0.0.3", port: 2183))
            let d = try parse(text, files: ["/zk/data/myid": "1"])
            #expect(d.clientAddress == nil)
        }

        @Test func observerRoleComesFromServerList() throws {
            let c = try parse(ensemble, files: ["/zk/data/myid": "4"])
            #expect(c.peerType == .observer)
            #expect(c.warnings.contains { $0.key == "peerType" })
        }

        @Test func quorumNeedsMyidAndLimits() {
            #expect(parseError(ensemble) == .missingMyid(dataDir: "/zk/data"))
            #expect(parseError(ensemble, files: ["/zk/data/myid": "two"]) == .invalidMyid("two"))
            #expect(parseError(ensemble, files: ["/zk/data/myid": ""]) == .invalidMyid("null"))
            #expect(parseError(ensemble.replacingOccurrences(of: "initLimit=10\n", with: ""),
                               files: ["/zk/data/myid": "1"]) == .missingKey("initLimit"))
        }

        @Test func singleServerLineMeansStandalone() throws {
            let c = try parse("dataDir=/d\nclientPort=2181\nserver.1=localhost:2888:3888\n")
            #expect(!c.isDistributed)
            #expect(c.warnings.contains { $0.message.contains("only one server specified") })
            let d = try parse("dataDir=/d\nclientPort=2181\ninitLimit=5\nsyncLimit=2\nstandaloneEnabled=false\n"
                              + "server.1=localhost:2888:3888\n", files: ["/d/myid": "1"])
            #expect(d.isDistributed)
        }

        @Test func badServerLines() {
            let base = "dataDir=/d\nclientPort=2181\n"
            for line in ["server.1=host:2888", "server.1=host:2888:3888:voter", "server.1=host:2888:2888",
                         "server.1=host:28x8:3888", "server.1=a:1:2|b:3:4", "server.x=host:1:2",
                         "server.1=host:1:2;3;4", "server.1=[::1:1:2", "server.1=host:1:99999"] {
                #expect(parseError(base + line + "\n") != nil, "\(line)")
            }
            #expect(parseError(base + "server.1=a:1:2\nserver.2=b:1:2:observer\nserver.3=c:1:2:observer\n")
                    == .inconsistent("Observers w/o quorum is an invalid configuration"))
            guard case .unsupported? = parseError(base + "group.1=1:2:3\n") else {
                Issue.record("hierarchical quorums must be refused")
                return
            }
        }

        @Test func multipleAddressesNeedTheFeatureFlag() throws {
            let c = try parse("dataDir=/d\nclientPort=2181\nmultiAddress.enabled=true\nserver.1=a:1:2|b:3:4\n")
            #expect(c.servers[0].quorumAddresses.map(\.port) == [1, 3])
        }

        @Test func dynamicConfigFile() throws {
            let text = "dataDir=/d\nclientPort=2181\ninitLimit=5\nsyncLimit=2\ndynamicConfigFile=/etc/zoo.cfg.dynamic.100000000\n"
            let dynamic = "server.1=a:2888:3888;2181\nserver.2=b:2888:3888;2181\nserver.3=c:2888:3888;2181\n"
            let c = try parse(text, files: ["/etc/zoo.cfg.dynamic.100000000": dynamic, "/d/myid": "1"])
            #expect(c.dynamicConfigFile == "/etc/zoo.cfg.dynamic.100000000")
            #expect(c.servers.count == 3 && c.isDistributed)
            #expect(c.quorumVersion == 0x1_0000_0000)
            #expect(c.clientAddress == HostPort(host: "0.0.0.0", port: 2181))
            #expect(parseError(text) == .unreadable(path: "/etc/zoo.cfg.dynamic.100000000", reason: "file is missing"))
            #expect(parseError(text + "server.1=a:1:2\n", files: ["/etc/zoo.cfg.dynamic.100000000": dynamic])
                    == .inconsistent("parameter: server.1 must be in a separate dynamic config file"))
            guard case .inconsistent? = parseError(text, files: ["/etc/zoo.cfg.dynamic.100000000": dynamic + "tickTime=1\n"])
            else {
                Issue.record("a dynamic file may only hold server lines")
                return
            }
        }
    }
}

extension ConfigTests {
    @Suite struct Loading {
        @Test func loadsFileAndMyid() throws {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("corral-config-\(UInt64.random(in: 0 ... .max))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer {
                do { try FileManager.default.removeItem(atPath: directory) } catch { Issue.record(error) }
            }
            let config = """
                tickTime=2000
                initLimit=5
                syncLimit=2
                dataDir=\(directory)
                clientPort=2181
                server.1=127.0.0.1:2888:3888
                server.2=127.0.0.2:2888:3888
                server.3=127.0.0.3:2888:3888
                """
            try config.write(toFile: directory + "/zoo.cfg", atomically: true, encoding: .utf8)
            try "2\n".write(toFile: directory + "/myid", atomically: true, encoding: .utf8)
            let c = try ServerConfig.load(path: directory + "/zoo.cfg")
            #expect(c.serverId == 2 && c.isDistributed)
            #expect(throws: ConfigError.unreadable(path: directory + "/missing.cfg", reason: "file is missing")) {
                try ServerConfig.load(path: directory + "/missing.cfg")
            }
        }
    }
}
