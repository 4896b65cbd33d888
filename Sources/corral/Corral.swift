import ArgumentParser
import CorralServer
import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#endif

@main
struct Corral: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corral",
        abstract: "A ZooKeeper-compatible coordination service.",
        subcommands: [Server.self, CLICommand.self, BenchCommand.self, SnapshotTool.self, TxnLogTool.self, PurgeTool.self])
}

struct Server: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a server (standalone on 127.0.0.1:2181 with data in ./corral-data when no config is given).")

    @Option(name: .long, help: "Path to an Apache ZooKeeper zoo.cfg.")
    var config: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "corral")
        let options = try ServerLauncher.options(configPath: config, logger: logger)
        let server = try await StandaloneServer.start(options, logger: logger)
        let signals = SignalWaiter()
        await signals.wait(for: [SIGTERM, SIGINT])
        logger.info("shutting down")
        try await server.shutdown()
    }
}

/// Suspends until one of the given signals arrives.
final class SignalWaiter: Sendable {
    func wait(for signals: [Int32]) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "corral.signals")
            let once = Once(continuation)
            for sig in signals {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler { once.fire() }
                source.resume()
                SignalSources.keep(source)
            }
        }
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []
    static func keep(_ s: DispatchSourceSignal) { sources.append(s) }
}

/// Resumes a continuation at most once (signal handlers run on one serial queue).
final class Once: @unchecked Sendable {
    private var continuation: CheckedContinuation<Void, Never>?
    init(_ c: CheckedContinuation<Void, Never>) { continuation = c }
    func fire() {
        continuation?.resume()
        continuation = nil
    }
}
