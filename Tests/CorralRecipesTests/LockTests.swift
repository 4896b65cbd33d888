import CorralClient
@testable import CorralRecipes
import CorralTestSupport
import Foundation
import Testing
import ZooKeeperProtocol

extension RecipeTests {
    /// `DistributedLock` (Curator `InterProcessMutex` layout), `SimpleLock` and `ReadWriteLock`.
    @Suite struct Locks {
        static let clients = 10

        @Test(arguments: ServerKind.available)
        func mutexExcludesUnderContention(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let lockPath = uniquePath("mutex"), counterPath = lockPath + "-counter"
            let rounds = 4
            let detector = OverlapDetector()
            try await withClients(Self.clients, server) { clients in
                try await clients[0].create(counterPath, data: Array("0".utf8))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in clients {
                        group.addTask {
                            let lock = try DistributedLock(client: client, path: lockPath)
                            for _ in 0..<rounds {
                                try await lock.withLock { try await incrementUnsafely(client, counterPath, detector: detector) }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await readCounter(clients[0], counterPath) == Self.clients * rounds)
                #expect(try await clients[0].getChildren(lockPath).children == [])
            }
            #expect(await detector.overlaps == 0)
            #expect(await detector.entries == Self.clients * rounds)
        }

        /// Ten contenders queue up; each release wakes exactly one waiter: the server holds one data
        /// watch per waiter, each on a different node, and every waiter is woken exactly once.
        @Test(arguments: ServerKind.available)
        func mutexReleaseWakesExactlyOneWaiter(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let lockPath = uniquePath("herd")
            let order = Log<String>()
            try await withClients(Self.clients, server) { clients in
                let locks = try clients.map { try DistributedLock(client: $0, path: lockPath) }
                try await locks[0].acquire()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for lock in locks.dropFirst() {
                        group.addTask {
                            try await lock.acquire()
                            await order.append(try #require(await lock.heldNodePath))
                            try await lock.release()
                        }
                    }
                    // Every waiter is queued and watching its predecessor before the first release.
                    let waiters = Array(locks.dropFirst())
                    try await eventually {
                        var watching = 0
                        for lock in waiters where await lock.awaitedNode != nil { watching += 1 }
                        return watching == waiters.count
                    }
                    let queue = try await locks[0].participantNodes()
                    #expect(queue.count == Self.clients)
                    var awaited: [String] = []
                    for lock in waiters { awaited.append(try #require(await lock.awaitedNode)) }
                    #expect(Set(awaited) == Set(queue.dropLast()))
                    // The server agrees, where it tells: one session watching each of those nodes.
                    if let watchers = dataWatchers(on: server, under: lockPath) {
                        #expect(watchers == Dictionary(uniqueKeysWithValues: queue.dropLast().map { ($0, 1) }))
                    }
                    try await locks[0].release()
                    try await group.waitForAll()
                    // FIFO: the lock went down the queue in node order.
                    #expect(await order.items == Array(queue.dropFirst()))
                }
                var wakeups: [Int] = []
                for lock in locks { wakeups.append(await lock.watchEventCount) }
                #expect(wakeups == [0] + Array(repeating: 1, count: Self.clients - 1))
            }
        }

        /// A waiter whose session ends drops out; a holder whose session ends releases the lock.
        @Test(arguments: ServerKind.available)
        func mutexSurvivesSessionLoss(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let lockPath = uniquePath("mutex-loss")
            try await withClients(3, server) { clients in
                let (holder, leaving, next) = try (DistributedLock(client: clients[0], path: lockPath),
                                                   DistributedLock(client: clients[1], path: lockPath),
                                                   DistributedLock(client: clients[2], path: lockPath))
                try await holder.acquire()
                let leavingWait = Task { try await leaving.acquire() }
                try await eventually { try await holder.participantNodes().count == 2 }
                let nextWait = Task { try await next.acquire() }
                try await eventually { try await holder.participantNodes().count == 3 }

                await clients[1].close()
                await #expect { try await leavingWait.value } throws: { isSessionEnd($0) }
                #expect(try await holder.participantNodes().count == 2)
                #expect(await next.isHeld == false)

                await clients[0].close()
                try await nextWait.value
                #expect(await next.isHeld)
                #expect(try await next.participantNodes() == [try #require(await next.heldNodePath)])
            }
        }

        @Test(arguments: ServerKind.available)
        func mutexTimeoutAndCancellationLeaveNoNode(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let lockPath = uniquePath("mutex-timeout")
            try await withClients(2, server) { clients in
                let holder = try DistributedLock(client: clients[0], path: lockPath)
                let waiter = try DistributedLock(client: clients[1], path: lockPath)
                try await holder.acquire()
                #expect(try await waiter.acquire(timeout: .milliseconds(200)) == false)
                #expect(try await holder.participantNodes().count == 1)

                let cancelled = Task { try await waiter.acquire() }
                try await eventually { try await holder.participantNodes().count == 2 }
                cancelled.cancel()
                await #expect(throws: CancellationError.self) { try await cancelled.value }
                #expect(try await holder.participantNodes() == [try #require(await holder.heldNodePath)])

                await #expect(throws: RecipeError.alreadyInUse("lock \(lockPath)")) { try await holder.acquire() }
                try await holder.release()
                await #expect(throws: RecipeError.notHeld("lock \(lockPath)")) { try await holder.release() }
                #expect(try await waiter.acquire(timeout: .seconds(10)))
            }
        }

        /// A create lost to ConnectionLoss but applied on the server is adopted, not duplicated.
        @Test(arguments: ServerKind.available)
        func protectedCreateAdoptsItsEarlierNode(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let lockPath = uniquePath("protected")
            try await withClients(1, server) { clients in
                let zk = clients[0]
                let name = ProtectedName()
                try await zk.create(lockPath)
                let applied = try await zk.create(lockPath + "/" + name.nodeName(base: "lock-"), mode: .ephemeralSequential).path
                let adopted = try await createProtectedNode(client: zk, parent: lockPath, base: "lock-", data: nil,
                                                            mode: .ephemeralSequential, retry: .standard, name: name,
                                                            afterLostCreate: true)
                #expect(lockPath + "/" + adopted == applied)
                #expect(try await zk.getChildren(lockPath).children == [adopted])
                // Without an earlier node, the same call creates one.
                let fresh = try await createProtectedNode(client: zk, parent: lockPath, base: "lock-", data: nil,
                                                          mode: .ephemeralSequential, retry: .standard,
                                                          afterLostCreate: true)
                #expect(try await zk.getChildren(lockPath).children.sorted() == [adopted, fresh].sorted())
                // The guaranteed delete after a failed call removes exactly the nodes with its prefix.
                #expect(try await deleteProtectedNodes(client: zk, parent: lockPath, name: name, retry: .standard) == 1)
                #expect(try await zk.getChildren(lockPath).children == [fresh])
                #expect(try await deleteProtectedNodes(client: zk, parent: lockPath + "-none", name: name,
                                                       retry: .standard) == 0)
            }
        }

        /// Contention across a server restart (the sessions survive, every in-flight request fails with
        /// ConnectionLoss and is retried or resolved): still no overlap, no lost update, no phantom node.
        @Test(arguments: ServerKind.available)
        func mutexRidesOutConnectionLoss(_ kind: ServerKind) async throws {
            let dataDir = try makeTemporaryDirectory("recipes-restart")
            let port = try freeLoopbackPort()
            var server = try await startTestServer(kind, dataDir: dataDir, port: port)
            let lockPath = uniquePath("mutex-restart"), counterPath = lockPath + "-counter"
            let detector = OverlapDetector()
            let clients = 5, rounds = 6
            let restarted = Flag()
            do {
                let zks = try await (0..<clients).asyncMap { _ in try await connect(server, sessionTimeout: .seconds(20)) }
                try await zks[0].create(counterPath, data: Array("0".utf8))
                let contention = Task {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for zk in zks {
                            group.addTask {
                                let lock = try DistributedLock(client: zk, path: lockPath)
                                for _ in 0..<rounds {
                                    try await lock.acquire()
                                    try await incrementAcrossRestarts(zk, counterPath, detector: detector)
                                    try await lock.release()
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                }
                try await eventually { try await readCounter(zks[0], counterPath) >= 4 }
                await server.stop()
                server = try await startTestServer(kind, dataDir: dataDir, port: port)
                await restarted.set()
                try await withTimeLimit { try await contention.value }
                #expect(try await readCounter(zks[0], counterPath) == clients * rounds)
                #expect(try await zks[0].getChildren(lockPath).children == [])
                for zk in zks { await zk.close() }
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
            try? FileManager.default.removeItem(atPath: dataDir)   // cleanup of a temp dir; nothing to report
            #expect(await detector.overlaps == 0)
            #expect(await restarted.isSet)
        }

        @Test(arguments: ServerKind.available)
        func simpleLockExcludesAndFreesOnSessionLoss(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let lockPath = uniquePath("simple"), counterPath = lockPath + "-counter"
            let detector = OverlapDetector()
            try await withClients(Self.clients, server) { clients in
                try await clients[0].create(counterPath, data: Array("0".utf8))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in clients {
                        group.addTask {
                            let lock = try SimpleLock(client: client, path: lockPath)
                            for _ in 0..<3 {
                                #expect(try await lock.acquire())
                                try await incrementUnsafely(client, counterPath, detector: detector)
                                try await lock.release()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await readCounter(clients[0], counterPath) == Self.clients * 3)

                let holder = try SimpleLock(client: clients[0], path: lockPath)
                let waiter = try SimpleLock(client: clients[1], path: lockPath)
                #expect(try await holder.acquire())
                // Another instance on the holder's own client (same session) does not get it either.
                let sibling = try SimpleLock(client: clients[0], path: lockPath)
                #expect(try await sibling.acquire(timeout: .zero) == false)
                #expect(await sibling.isHeld == false)
                #expect(try await waiter.acquire(timeout: .milliseconds(100)) == false)
                let waiting = Task { try await waiter.acquire() }
                await clients[0].close()
                #expect(try await waiting.value)
                #expect(try await clients[1].exists(lockPath)?.ephemeralOwner == clients[1].sessionId)
            }
            #expect(await detector.overlaps == 0)
        }

        @Test(arguments: ServerKind.available)
        func readWriteLockSharesReadsAndExcludesWrites(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let lockPath = uniquePath("rwlock")
            let detector = ReadWriteDetector()
            try await withClients(Self.clients, server) { clients in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, client) in clients.enumerated() {
                        group.addTask {
                            let lock = try ReadWriteLock(client: client, path: lockPath)
                            let isWriter = index % 3 == 0
                            for _ in 0..<3 {
                                if isWriter {
                                    try await lock.writeLock.acquire()
                                    await detector.enterWrite()
                                    try await Task.sleep(for: .milliseconds(2))
                                    await detector.exitWrite()
                                    try await lock.writeLock.release()
                                } else {
                                    try await lock.readLock.acquire()
                                    await detector.enterRead()
                                    try await Task.sleep(for: .milliseconds(2))
                                    await detector.exitRead()
                                    try await lock.readLock.release()
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(await detector.violations == 0)

                // Two readers hold it together; a writer cannot while they do; their sessions ending frees it.
                let first = try ReadWriteLock(client: clients[0], path: lockPath)
                let second = try ReadWriteLock(client: clients[1], path: lockPath)
                let writer = try ReadWriteLock(client: clients[2], path: lockPath)
                try await first.readLock.acquire()
                #expect(try await second.readLock.acquire(timeout: .seconds(10)))
                #expect(try await writer.writeLock.acquire(timeout: .milliseconds(100)) == false)
                let writing = Task { try await writer.writeLock.acquire() }
                // A reader arriving after a waiting writer queues behind it.
                try await eventually { try await first.readLock.participantNodes().count == 3 }
                let late = try ReadWriteLock(client: clients[3], path: lockPath)
                #expect(try await late.readLock.acquire(timeout: .milliseconds(100)) == false)
                await clients[0].close()
                try await second.readLock.release()
                try await writing.value
                #expect(await writer.writeLock.isHeld)
                let names = try await writer.writeLock.participantNodes().map { RecipePath.name(of: $0) }
                #expect(names.count == 1 && names[0].contains("-__WRIT__"))
            }
        }
    }
}

/// The critical section of the restart test: like `incrementUnsafely`, but the write is retried
/// (it is idempotent: the holder writes an absolute value).
func incrementAcrossRestarts(_ client: ZooKeeperClient, _ path: String, detector: OverlapDetector) async throws {
    await detector.enter()
    let value = try await RetryPolicy.standard.run { try await readCounter(client, path) }
    _ = try await RetryPolicy.standard.run { try await client.setData(path, data: Array(String(value + 1).utf8)) }
    await detector.exit()
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
