import CorralClient
@testable import CorralRecipes
import CorralTestSupport
import Testing
import ZooKeeperProtocol

extension RecipeTests {
    /// `SharedCount` (Curator `SharedCount`) and `DistributedSemaphore` (Curator `InterProcessSemaphoreV2`).
    @Suite struct CounterAndSemaphore {
        static let clients = 10

        @Test(arguments: ServerKind.available)
        func sharedCountLosesNoIncrement(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("count")
            let adds = 8
            try await withClients(Self.clients, server) { clients in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in clients {
                        group.addTask {
                            let count = try SharedCount(client: client, path: path, seed: 5)
                            for _ in 0..<adds { try await count.add(1) }
                        }
                    }
                    try await group.waitForAll()
                }
                let count = try SharedCount(client: clients[0], path: path, seed: 5)
                let final = try await count.get()
                #expect(final.value == Int32(5 + Self.clients * adds))
                #expect(final.version == Int32(Self.clients * adds))
                #expect(try await clients[0].getData(path).data == SharedCount.encode(final.value))

                // Compare-and-set: a stale version loses, the current one wins.
                let stale = VersionedCount(value: final.value, version: final.version - 1)
                #expect(try await count.trySet(0, expected: stale) == false)
                #expect(try await count.trySet(-7, expected: final))
                #expect(try await count.get() == VersionedCount(value: -7, version: final.version + 1))

                // A client whose session ended cannot change it; the value is untouched.
                let other = try SharedCount(client: clients[1], path: path)
                await clients[1].close()
                await #expect { try await other.add(1) } throws: { isSessionEnd($0) }
                #expect(try await count.get().value == -7)

                try await clients[0].create(path + "-bad", data: [1, 2])
                await #expect(throws: RecipeError.malformedData(path: path + "-bad", reason: "expected 4 bytes, found 2")) {
                    try await SharedCount(client: clients[0], path: path + "-bad").get()
                }
            }
        }

        @Test(arguments: ServerKind.available)
        func sharedCountReportsChanges(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("count-watch")
            try await withClients(2, server) { clients in
                let writer = try SharedCount(client: clients[0], path: path)
                var values = try SharedCount(client: clients[1], path: path).values().makeAsyncIterator()
                #expect(try await values.next() == 0)
                try await writer.set(42)
                #expect(try await values.next() == 42)
                await clients[1].close()
                await #expect { _ = try await values.next() } throws: { isSessionEnd($0) }
            }
        }

        /// Ten clients, three leases: never more than three holders at once.
        @Test(arguments: ServerKind.available)
        func semaphoreNeverExceedsItsLeases(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("semaphore")
            let detector = OverlapDetector()
            let rounds = 2
            try await withClients(Self.clients, server) { clients in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in clients {
                        group.addTask {
                            let semaphore = try DistributedSemaphore(client: client, path: path, maxLeases: 3)
                            for _ in 0..<rounds {
                                let lease = try #require(try await semaphore.acquire())
                                await detector.enter()
                                try await Task.sleep(for: .milliseconds(5))
                                await detector.exit()
                                try await lease.release()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await DistributedSemaphore(client: clients[0], path: path, maxLeases: 3).leaseNodes() == [])
            }
            #expect(await detector.maxInside <= 3)
            #expect(await detector.entries == Self.clients * rounds)
        }

        /// A lease whose holder's session ends is returned; a waiter gets it.
        @Test(arguments: ServerKind.available)
        func semaphoreLeaseReturnsOnSessionLoss(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("semaphore-loss")
            try await withClients(3, server) { clients in
                let semaphores = try clients.map { try DistributedSemaphore(client: $0, path: path, maxLeases: 2) }
                let first = try #require(try await semaphores[0].acquire())
                _ = try #require(try await semaphores[1].acquire())
                #expect(try await semaphores[2].acquire(timeout: .milliseconds(100)) == nil)
                #expect(try await semaphores[2].leaseNodes().count == 2)
                let waiting = Task { try await semaphores[2].acquire() }
                await clients[1].close()
                let third = try #require(try await waiting.value)
                let leases = try await semaphores[0].leaseNodes()
                #expect(Set(leases) == Set([first.nodePath, third.nodePath].map { RecipePath.name(of: $0) }))
                #expect(leases.allSatisfy { $0.hasPrefix("_c_") && $0.contains("-lease-") })
                try await first.release()
                try await third.release()
                #expect(try await semaphores[0].leaseNodes() == [])
            }
        }
    }
}
