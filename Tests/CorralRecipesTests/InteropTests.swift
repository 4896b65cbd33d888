import CorralClient
@testable import CorralRecipes
import CorralTestSupport
import Foundation
import Testing
import ZooKeeperProtocol

/// True when `python3` can import kazoo.
let kazooIsImportable: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import kazoo"]
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    do {
        try process.run()
    } catch {
        return false   // no python3: the test is skipped
    }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

extension RecipeTests {
    /// Swift clients and a kazoo client share one lock.
    @Suite struct Interop {
        static let workerScript = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Conformance/recipes-interop/kazoo_lock_worker.py").path

        struct WorkerReport: Decodable, Equatable { var rounds: Int; var overlaps: Int }

        /// Three Swift `DistributedLock`s and one kazoo `Lock` take turns on the same lock path, each
        /// turn a read-modify-write of a counter without version checks and an ephemeral "holder"
        /// node whose NodeExists would reveal two holders at once: no overlap, no lost update.
        @Test(.enabled(if: kazooIsImportable, "kazoo is not importable by python3"),
              arguments: ServerKind.available)
        func swiftAndKazooShareALock(_ kind: ServerKind) async throws {
            let server = try SharedServers.server(kind)
            let base = uniquePath("interop")
            let lockPath = base + "/lock", counterPath = base + "/counter"
            let holderPath = base + "/holder", readyPath = base + "/kazoo-ready"
            let swiftClients = 3, swiftRounds = 10, kazooRounds = 15
            let overlaps = Log<Int>()
            try await withClients(swiftClients, server) { clients in
                try await clients[0].create(base)
                try await clients[0].create(counterPath, data: Array("0".utf8))
                let worker = try Self.startWorker(server.hostPort, lockPath, counterPath, holderPath, readyPath, kazooRounds)
                try await eventually { try await clients[0].exists(readyPath) != nil }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in clients {
                        group.addTask {
                            let lock = try DistributedLock(client: client, path: lockPath)
                            for _ in 0..<swiftRounds {
                                try await lock.withLock {
                                    await overlaps.append(try await Self.takeTurn(client, counterPath, holderPath))
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let report = try await worker.value
                #expect(report == WorkerReport(rounds: kazooRounds, overlaps: 0))
                #expect(await overlaps.items == Array(repeating: 0, count: swiftClients * swiftRounds))
                #expect(try await readCounter(clients[0], counterPath) == swiftClients * swiftRounds + kazooRounds)
                #expect(try await clients[0].getChildren(lockPath).children == [])
            }
        }

        /// The Swift side of a turn (the same steps as the kazoo worker's): 1 on overlap, else 0.
        static func takeTurn(_ client: ZooKeeperClient, _ counterPath: String, _ holderPath: String) async throws -> Int {
            let created: Bool
            do {
                try await client.create(holderPath, data: Array("swift".utf8), mode: .ephemeral)
                created = true
            } catch where error.code == .nodeExists {
                created = false
            }
            let value = try await readCounter(client, counterPath)
            try await Task.sleep(for: .milliseconds(2))
            try await client.setData(counterPath, data: Array(String(value + 1).utf8))
            if created { try await client.delete(holderPath) }
            return created ? 0 : 1
        }

        /// Runs the kazoo worker; the task's value is its report.
        static func startWorker(_ hostPort: String, _ lockPath: String, _ counterPath: String, _ holderPath: String,
                                _ readyPath: String, _ rounds: Int) throws -> Task<WorkerReport, any Error> {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", workerScript, hostPort, lockPath, counterPath, holderPath, readyPath, String(rounds)]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let worker = UncheckedSendable((process, output))
            return Task {
                // Blocking reads and waits go off the cooperative pool: the Swift side of the test needs it.
                let (data, status) = await offThePool { () -> (Data, Int32) in
                    let data = worker.value.1.fileHandleForReading.readDataToEndOfFile()
                    worker.value.0.waitUntilExit()
                    return (data, worker.value.0.terminationStatus)
                }
                guard status == 0 else {
                    throw WorkerFailed(status: status, output: String(decoding: data, as: UTF8.self))
                }
                return try JSONDecoder().decode(WorkerReport.self, from: data)
            }
        }

        struct WorkerFailed: Error, CustomStringConvertible {
            var status: Int32
            var output: String
            var description: String { "kazoo worker exited with \(status): \(output)" }
        }
    }
}
