import ArgumentParser
import CorralCLI

/// `corral cli`: a zkCli-compatible shell (Apache 3.8 `ZooKeeperMain`). Its arguments are zkCli's
/// single-dash ones (`-server host:port -timeout ms -r -waitforconnection [command ...]`), so they
/// are taken unparsed and handed to `ZkCliMain`. The exit status is the last command's exit code.
struct CLICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cli", abstract: "zkCli-compatible shell: corral cli [-server host:port] [-timeout ms] [-r] [cmd args]")

    @Argument(parsing: .allUnrecognized, help: "zkCli's options and command.")
    var arguments: [String] = []

    func run() async throws {
        let status = await ZkCliMain.run(arguments: arguments, connector: CorralShellClient.connector)
        if status != 0 { throw ExitCode(status) }
    }
}
