import CorralClient
@testable import CorralRecipes
import CorralTestSupport
import Testing
import ZooKeeperProtocol

extension RecipeTests {
    /// `Barrier` (Curator `DistributedBarrier`, kazoo `Barrier`) and `DoubleBarrier`
    /// (Curator `DistributedDoubleBarrier`).
    @Suite struct Barriers {
        static let clients = 10

        /// Ten waiters, all watching the barrier node; one deletion releases every one of them, and
        /// none is released before it.
        @Test(arguments: ServerKind.available)
        func barrierReleasesAllWaitersAtOnce(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("barrier")
            let opened = Flag()
            let releasedAfterOpening = Log<Bool>()
            let waiting = Log<Void>()
            try await withClients(Self.clients + 1, server) { clients in
                let controller = try Barrier(client: clients[0], path: path)
                try await controller.close()
                try await controller.close()   // idempotent
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in clients.dropFirst() {
                        group.addTask {
                            let barrier = try Barrier(client: client, path: path)
                            #expect(try await barrier.wait(timeout: .milliseconds(20)) == false)
                            await waiting.append(())
                            let released = try await barrier.wait()
                            let wasOpened = await opened.isSet
                            await releasedAfterOpening.append(released && wasOpened)
                        }
                    }
                    // Every waiter has seen the barrier closed (and, where the server tells, watches it).
                    try await eventually { await waiting.items.count == Self.clients }
                    try await eventually { dataWatchers(on: server, under: path).map { $0[path] == Self.clients } ?? true }
                    #expect(await releasedAfterOpening.items.isEmpty)
                    await opened.set()
                    #expect(try await controller.open())
                    try await group.waitForAll()
                }
                #expect(await releasedAfterOpening.items == Array(repeating: true, count: Self.clients))
                #expect(try await controller.open() == false)
                #expect(try await Barrier(client: clients[1], path: path).wait(timeout: .milliseconds(10)))
            }
        }

        @Test(arguments: ServerKind.available)
        func barrierWaiterLearnsOfItsSessionEnd(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("barrier-loss")
            try await withClients(3, server) { clients in
                let controller = try Barrier(client: clients[0], path: path)
                try await controller.close()
                let doomed = Task { try await Barrier(client: clients[1], path: path).wait() }
                let survivor = Task { try await Barrier(client: clients[2], path: path).wait() }
                #expect(try await Barrier(client: clients[1], path: path).wait(timeout: .milliseconds(100)) == false)
                try await eventually { dataWatchers(on: server, under: path).map { $0[path] == 2 } ?? true }
                await clients[1].close()
                await #expect { try await doomed.value } throws: { isSessionEnd($0) }
                try await controller.open()
                #expect(try await survivor.value)
            }
        }

        /// Ten members: nobody is through `enter` before all ten called it, nobody is through `leave`
        /// before all ten called it; then the barrier is clean and reusable.
        @Test(arguments: ServerKind.available)
        func doubleBarrierSynchronisesEntryAndExit(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("double")
            let arrived = Log<Int>(), entered = Log<Int>(), leaving = Log<Int>(), left = Log<Int>()
            try await withClients(Self.clients, server) { clients in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, client) in clients.enumerated() {
                        group.addTask {
                            let barrier = try DoubleBarrier(client: client, path: path, memberCount: Self.clients)
                            await arrived.append(index)
                            #expect(try await barrier.enter())
                            #expect(await arrived.items.count == Self.clients)
                            await entered.append(index)
                            await leaving.append(index)
                            #expect(try await barrier.leave())
                            #expect(await leaving.items.count == Self.clients)
                            await left.append(index)
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(await entered.items.count == Self.clients)
                #expect(await left.items.count == Self.clients)
                #expect(try await clients[0].getChildren(path).children == [])
            }
        }

        /// A member whose session ends before the barrier is ready drops out of the count.
        @Test(arguments: ServerKind.available)
        func doubleBarrierCountsOnlyLiveMembers(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("double-loss")
            try await withClients(4, server) { clients in
                let members = try clients.map { try DoubleBarrier(client: $0, path: path, memberCount: 3) }
                let first = Task { try await members[0].enter() }
                let doomed = Task { try await members[1].enter() }
                try await eventually { try await childCount(clients[0], path) == 2 }
                await clients[1].close()
                await #expect { try await doomed.value } throws: { isSessionEnd($0) }
                #expect(try await clients[0].getChildren(path).children.count == 1)
                #expect(try await members[2].enter(timeout: .milliseconds(100)) == false)   // 2 live members
                let fourth = Task { try await members[3].enter() }
                #expect(try await first.value)
                #expect(try await fourth.value)
                // The third timed out but its node stayed: it is a member and passes at once now.
                let third = members[2]
                await #expect(throws: RecipeError.alreadyInUse("double barrier \(path)")) { try await third.enter() }
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for member in [members[0], members[2], members[3]] { group.addTask { try await member.leave() } }
                    for try await done in group { #expect(done) }
                }
                #expect(try await clients[0].getChildren(path).children == [])
            }
        }
    }
}
