import ArgumentParser
import CorralCLI

/// `corral cli`: zkCli's commands (in progress, issue 4).
struct CLICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cli", abstract: "zkCli-compatible shell.")
    func run() async throws {}
}
