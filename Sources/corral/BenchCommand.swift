import ArgumentParser
import CorralBench

/// `corral bench`: load generator for any ZooKeeper-protocol server (in progress, issue 4).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Load generator for ZooKeeper-protocol servers.")
    func run() async throws {}
}
