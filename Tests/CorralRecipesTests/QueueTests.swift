import CorralClient
@testable import CorralRecipes
import CorralTestSupport
import Testing
import ZooKeeperProtocol

extension RecipeTests {
    /// `DistributedQueue` (Curator `SimpleDistributedQueue`, Apache's recipe queue).
    @Suite struct Queue {
        static func element(_ producer: Int, _ index: Int) -> [UInt8] { Array("\(producer):\(index)".utf8) }

        static func decode(_ element: [UInt8]) -> (producer: Int, index: Int) {
            let parts = String(decoding: element, as: UTF8.self).split(separator: ":").map { Int($0) ?? -1 }
            return (parts[0], parts[1])
        }

        /// Five producers at once, then one consumer: it gets every element once, in the order the
        /// server sequenced them, each producer's elements in the order it offered them.
        @Test(arguments: ServerKind.available)
        func concurrentProducersKeepFifoOrder(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("queue-producers")
            let producers = 5, perProducer = 12
            try await withClients(producers, server) { clients in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (producer, client) in clients.enumerated() {
                        group.addTask {
                            let queue = try DistributedQueue(client: client, path: path)
                            for index in 0..<perProducer { try await queue.offer(Self.element(producer, index)) }
                        }
                    }
                    try await group.waitForAll()
                }
                let consumer = try DistributedQueue(client: clients[0], path: path)
                #expect(try await consumer.count() == producers * perProducer)
                let sequenced = DistributedQueue.fifoOrder(try await clients[0].getChildren(path).children)
                var expected: [[UInt8]] = []
                for name in sequenced { expected.append(try await clients[0].getData(path + "/" + name).data ?? []) }
                #expect(try await consumer.peek() == expected.first)

                var taken: [[UInt8]] = []
                while let element = try await consumer.poll() { taken.append(element) }
                #expect(taken == expected)
                for producer in 0..<producers {
                    let indices = taken.map(Self.decode).filter { $0.producer == producer }.map(\.index)
                    #expect(indices == Array(0..<perProducer))
                }
                #expect(try await consumer.poll() == nil)
            }
        }

        /// One producer, six consumers taking concurrently: every element is delivered exactly once,
        /// and each consumer receives its elements in queue order.
        @Test(arguments: ServerKind.available)
        func concurrentConsumersTakeEachElementOnce(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("queue-consumers")
            let consumers = 6, elements = 60
            let stop: [UInt8] = Array("stop".utf8)
            try await withClients(consumers + 1, server) { clients in
                let received = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for client in clients.dropFirst() {
                        group.addTask {
                            let queue = try DistributedQueue(client: client, path: path)
                            var mine: [Int] = []
                            while let element = try await queue.take(), element != stop {
                                mine.append(Self.decode(element).index)
                            }
                            return mine
                        }
                    }
                    let producer = try DistributedQueue(client: clients[0], path: path)
                    for index in 0..<elements { try await producer.offer(Self.element(0, index)) }
                    for _ in 0..<consumers { try await producer.offer(stop) }
                    var all: [[Int]] = []
                    for try await mine in group { all.append(mine) }
                    return all
                }
                for mine in received { #expect(mine == mine.sorted()) }
                #expect(received.flatMap { $0 }.sorted() == Array(0..<elements))
                #expect(try await DistributedQueue(client: clients[0], path: path).count() == 0)
            }
        }

        /// A consumer whose session ends while it waits takes nothing; the element goes to another.
        @Test(arguments: ServerKind.available)
        func consumerSessionLossLosesNoElement(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let path = uniquePath("queue-loss")
            try await withClients(2, server) { clients in
                let doomed = Task { try await DistributedQueue(client: clients[1], path: path).take() }
                #expect(try await DistributedQueue(client: clients[1], path: path).take(timeout: .milliseconds(100)) == nil)
                await clients[1].close()
                await #expect { try await doomed.value } throws: { isSessionEnd($0) }
                let queue = try DistributedQueue(client: clients[0], path: path)
                try await queue.offer([1, 2, 3])
                #expect(try await queue.take(timeout: .seconds(10)) == [1, 2, 3])
                #expect(try await queue.count() == 0)
            }
        }
    }
}
