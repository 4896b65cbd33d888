import CorralClient
@testable import CorralRecipes
import CorralTestSupport
import Testing
import ZooKeeperProtocol

extension RecipeTests {
    /// `GroupMember`/`GroupMembership`, `ConfigurationStore` (ready znode) and `Rendezvous`.
    @Suite struct MembershipConfigRendezvous {
        static let clients = 10

        @Test(arguments: ServerKind.available)
        func groupMembershipFollowsSessions(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("group")
            try await withClients(Self.clients + 1, server) { clients in
                let observer = try GroupMembership(client: clients[0], groupPath: path)
                var changes = observer.changes().makeAsyncIterator()
                #expect(try await changes.next() == [])
                let ids = (1...Self.clients).map { String(format: "m%02d", $0) }
                let joined = try zip(ids, clients.dropFirst()).map { id, client in
                    try GroupMember(client: client, groupPath: path, memberId: id, payload: Array(id.utf8))
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for member in joined {
                        group.addTask { try await member.join() }
                    }
                    try await group.waitForAll()
                }
                var seen = try #require(try await changes.next())
                while seen != ids { seen = try #require(try await changes.next()) }
                let members = try await observer.members()
                #expect(members.count == Self.clients && members.allSatisfy { $0.value == Array($0.key.utf8) })

                // The same id from another session is refused; three sessions end; one member leaves.
                await #expect(throws: RecipeError.memberIdInUse(path: path + "/m01")) {
                    try await GroupMember(client: clients[0], groupPath: path, memberId: "m01").join()
                }
                // ... and so is it from another instance on the same session (no adopting its node).
                let duplicate = try GroupMember(client: clients[4], groupPath: path, memberId: "m04")
                await #expect(throws: RecipeError.memberIdInUse(path: path + "/m04")) { try await duplicate.join() }
                #expect(await duplicate.nodePath == nil)
                for client in clients[1...3] { await client.close() }
                let leaver = joined[3]
                try await leaver.join()   // already joined: does nothing
                try await leaver.leave()
                let remaining = Array(ids.dropFirst(4))
                while seen != remaining { seen = try #require(try await changes.next()) }
                #expect(try await observer.memberIds() == remaining)

                // A member without an id gets a protected sequential name.
                let anonymous = try GroupMember(client: clients[0], groupPath: path, memberId: nil)
                try await anonymous.join()
                let node = try #require(await anonymous.nodePath)
                #expect(RecipePath.name(of: node).hasPrefix("_c_") && node.contains("-member-"))
            }
        }

        /// A writer publishes twenty generations while five readers read: every snapshot a reader
        /// gets is one whole generation, and generations never go back.
        @Test(arguments: ServerKind.available)
        func readyZnodeGivesWholeConfigurations(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("config")
            let generations = 20, readers = 5
            try await withClients(readers + 1, server) { clients in
                func configuration(_ n: Int) -> [String: [UInt8]] {
                    var entries = ["a": Array("\(n)".utf8), "b": Array("\(n)".utf8), "c": Array("\(n)".utf8)]
                    if n % 2 == 1 { entries["odd"] = Array("\(n)".utf8) }   // entries come and go
                    return entries
                }
                let writer = try ConfigurationStore(client: clients[0], path: path)
                try await writer.publish(configuration(0))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in clients.dropFirst() {
                        group.addTask {
                            let store = try ConfigurationStore(client: client, path: path)
                            var last = -1, lastGeneration = Int64.min
                            while last < generations {
                                let snapshot = try #require(try await store.read())
                                let values = Set(snapshot.entries.values.map { String(decoding: $0, as: UTF8.self) })
                                #expect(values.count == 1)
                                let n = Int(try #require(values.first)) ?? -1
                                #expect(snapshot.entries == configuration(n))
                                #expect(n >= last && snapshot.generation >= lastGeneration)
                                last = n
                                lastGeneration = snapshot.generation
                            }
                        }
                    }
                    for n in 1...generations { try await writer.publish(configuration(n)) }
                    try await group.waitForAll()
                }

                // updates(): the current configuration, then the next publication.
                var updates = try ConfigurationStore(client: clients[1], path: path).updates().makeAsyncIterator()
                #expect(try await updates.next()?.entries == configuration(generations))
                try await writer.publish(["only": [1]])
                #expect(try await updates.next()?.entries == ["only": [1]])

                // While a publication is under way (ready deleted), readers wait; a reader whose
                // session ends then learns it.
                try await clients[0].delete(path + "/ready")
                #expect(try await ConfigurationStore(client: clients[2], path: path).read(timeout: .milliseconds(100)) == nil)
                let doomed = Task { try await ConfigurationStore(client: clients[2], path: path).read() }
                await clients[2].close()
                await #expect { _ = try await doomed.value } throws: { isSessionEnd($0) }
            }
        }

        @Test(arguments: ServerKind.available)
        func rendezvousReachesEveryWorker(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("rendezvous") + "/zr"
            let info = Array("master at 10.0.0.1:7000".utf8)
            try await withClients(Self.clients + 2, server) { clients in
                let creator = try Rendezvous(client: clients[0], path: path)
                let early = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                    for client in clients[2...] {
                        group.addTask { try await Rendezvous(client: client, path: path).waitForInfo() }
                    }
                    #expect(try await Rendezvous(client: clients[2], path: path).waitForInfo(timeout: .milliseconds(50)) == nil)
                    try await creator.create(ephemeral: true)
                    try await Rendezvous(client: clients[1], path: path).publish(info)
                    var all: [[UInt8]?] = []
                    for try await result in group { all.append(result) }
                    return all
                }
                #expect(early == Array(repeating: info, count: Self.clients))
                #expect(try await Rendezvous(client: clients[3], path: path).waitForInfo() == info)

                // The creator's session ends: the ephemeral rendezvous goes, and every worker sees it.
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for client in clients[2...] {
                        group.addTask { try await Rendezvous(client: client, path: path).waitUntilGone() }
                    }
                    try await eventually { dataWatchers(on: server, under: path).map { $0[path] == Self.clients } ?? true }
                    await clients[0].close()
                    for try await gone in group { #expect(gone) }
                }
            }
        }
    }
}
