import CorralClient
@testable import CorralRecipes
import CorralTestSupport
import Foundation
import Testing
import ZooKeeperProtocol

extension RecipeTests {
    /// `LeaderElection` (Curator `LeaderLatch` layout).
    @Suite struct Election {
        /// Five participants join in turn; each time the leader's session ends (or it resigns), the
        /// next in join order leads, and only then.
        @Test(arguments: ServerKind.available)
        func leadershipHandsOverInJoinOrder(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("election")
            let count = 5
            try await withClients(count, server) { clients in
                var elections: [LeaderElection] = []
                for (index, client) in clients.enumerated() {
                    let election = try LeaderElection(client: client, path: path, participantId: "p\(index)")
                    try await election.join()
                    elections.append(election)
                }
                let ids = try await elections[0].participants().map(\.id)
                #expect(ids == (0..<count).map { "p\($0)" })

                let waits = elections.map { election in
                    Task { try await election.waitForLeadership() }
                }
                for index in 0..<count {
                    let term = try #require(try await waits[index].value)
                    #expect(term.number == 1)
                    for other in elections.indices where other != index {
                        #expect(await elections[other].isLeader == false)
                    }
                    let participants = try await elections[index].participants()
                    #expect(participants.first == Participant(id: "p\(index)", isLeader: true, nodePath: term.nodePath))
                    #expect(participants.filter(\.isLeader).count == 1)
                    if index == 2 {
                        try await elections[index].resign()
                        let loss = await term.lost()
                        #expect(loss == .resigned)
                    } else {
                        await clients[index].close()
                        let loss = await term.lost()
                        #expect(loss == .sessionEnded(.closed))
                    }
                    #expect(await elections[index].isLeader == false)
                }
            }
        }

        /// Concurrent joins of one instance make one node; a `resign()` while `waitForLeadership()`
        /// waits makes the wait return nil instead of rejoining, so a resigned participant never leads.
        @Test(arguments: ServerKind.available)
        func concurrentJoinsShareANodeAndResignEndsAWait(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("election-reentrant")
            try await withClients(2, server) { clients in
                let first = try LeaderElection(client: clients[0], path: path, participantId: "first")
                let second = try LeaderElection(client: clients[1], path: path, participantId: "second")
                let term = try #require(try await first.waitForLeadership())
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<5 { group.addTask { try await second.join() } }
                    try await group.waitForAll()
                }
                #expect(try await first.participants().map(\.id) == ["first", "second"])
                let secondNode = try #require(await second.nodePath)

                try await second.resign()
                let waiting = Task { try await second.waitForLeadership() }
                try await eventually { try await first.participants().count == 2 }
                let waitingNode = try #require(try await first.participants().last?.nodePath)
                #expect(waitingNode != secondNode)
                try await second.resign()   // while it waits
                try await first.resign()
                #expect(await term.lost() == .resigned)
                #expect(try await waiting.value == nil)
                #expect(await second.isLeader == false)
                #expect(try await first.participants().isEmpty)
            }
        }

        /// A leader whose node someone else deletes learns it (`.nodeDeleted`) and rejoins at the end.
        @Test(arguments: ServerKind.available)
        func deletedLeaderNodeEndsTheTerm(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("election-delete")
            try await withClients(2, server) { clients in
                let first = try LeaderElection(client: clients[0], path: path, participantId: "first")
                let second = try LeaderElection(client: clients[1], path: path, participantId: "second")
                let term = try #require(try await first.waitForLeadership())
                try await second.join()
                try await clients[1].delete(term.nodePath)
                #expect(await term.lost() == .nodeDeleted)
                let secondTerm = try #require(try await second.waitForLeadership())
                #expect(try await first.waitForLeadership(timeout: .milliseconds(200)) == nil)
                #expect(try await first.participants().map(\.id) == ["second", "first"])
                try await second.resign()
                #expect(await secondTerm.lost() == .resigned)
                #expect(try await first.waitForLeadership()?.number == 2)
            }
        }

        /// The leader's server goes away: leadership becomes uncertain (`.connectionSuspended`) at the
        /// disconnect; after a restart that keeps the sessions it is regained as term 2; after a
        /// restart that loses them (a fresh server on the same port) the session is expired, the
        /// election is over for that client, and a new client can lead.
        @Test(arguments: ServerKind.available)
        func leaderSuspendsOnDisconnectAndLosesOnExpiry(_ kind: ServerKind) async throws {
            let dataDir = try makeTemporaryDirectory("recipes-election")
            let port = try freeLoopbackPort()
            let slot = ServerSlot()
            do {
                await slot.put(try await startTestServer(kind, dataDir: dataDir, port: port))
                try await withTimeLimit(.seconds(60)) {
                    try await Self.suspendRegainExpire(kind, slot: slot, dataDir: dataDir, port: port)
                }
            } catch {
                await slot.stop()
                throw error
            }
            await slot.stop()
            try? FileManager.default.removeItem(atPath: dataDir)   // temp dir cleanup; nothing to report
        }

        static func suspendRegainExpire(_ kind: ServerKind, slot: ServerSlot, dataDir: String, port: Int) async throws {
            let path = uniquePath("election-expiry")
            let server = try await slot.current()
            let leaderClient = try await connect(server, sessionTimeout: .seconds(10))
            let followerClient = try await connect(server, sessionTimeout: .seconds(10))
            let leader = try LeaderElection(client: leaderClient, path: path, participantId: "leader")
            let follower = try LeaderElection(client: followerClient, path: path, participantId: "follower")
            let first = try #require(try await leader.waitForLeadership())
            try await follower.join()

            // The connection drops: leadership is uncertain at once.
            await slot.stop()
            #expect(await first.lost() == .connectionSuspended)
            #expect(await leader.isLeader == false)

            // Back with the sessions intact: the node is still first, so leadership returns as a new term.
            await slot.put(try await startTestServer(kind, dataDir: dataDir, port: port))
            let second = try #require(try await leader.waitForLeadership())
            #expect(second.number == 2 && second.nodePath == first.nodePath)
            #expect(await follower.isLeader == false)

            // Down again, and back as a server that never knew these sessions: they are expired.
            await slot.stop()
            #expect(await second.lost() == .connectionSuspended)
            await slot.put(try await startTestServer(kind, port: port))
            // That server refuses the reconnect without an answer (the client has seen a later zxid),
            // so the client expires the session itself after 4/3 of its timeout without an answer
            // (as Apache 3.9's client does): the term is over for good.
            try await eventually(.seconds(30)) { leaderClient.state == .expired }
            await #expect { try await leader.waitForLeadership() } throws: { isSessionEnd($0) }

            let newcomerClient = try await connect(try await slot.current())
            let newcomer = try LeaderElection(client: newcomerClient, path: path, participantId: "newcomer")
            #expect(try await newcomer.waitForLeadership()?.number == 1)
            #expect(try await newcomer.participants().map(\.id) == ["newcomer"])
            for client in [leaderClient, followerClient, newcomerClient] { await client.close() }
        }
    }
}

/// The server of a test that restarts its server.
actor ServerSlot {
    private var server: (any TestServer)?

    func put(_ server: any TestServer) { self.server = server }

    func current() throws -> any TestServer { try #require(server) }

    func stop() async {
        await server?.stop()
        server = nil
    }
}
