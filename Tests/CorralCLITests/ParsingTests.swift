@testable import CorralCLI
import Testing

@Suite("Command line words (ZooKeeperMain.parseCommand)")
struct TokenizerTests {
    @Test("words, quotes and Apache's corner cases", arguments: [
        ("ls /", ["ls", "/"]),
        ("ls  /  ", ["ls", "/"]),
        ("create /q1 \"abc", ["create", "/q1", "abc"]),
        ("create /q3 a\"b c\"", ["create", "/q3", "a\"b", "c\""]),
        ("create /q4 'x y'", ["create", "/q4", "x y"]),
        ("create /q5 \"\"", ["create", "/q5", ""]),
        ("create /s \"a b\" world:anyone:r", ["create", "/s", "a b", "world:anyone:r"]),
        ("   ", [" "]),
        ("\t", ["\t"]),
        ("\"", []),
        ("  \"abc", [" \"abc"]),
    ])
    func split(_ line: String, _ words: [String]) {
        #expect(CommandLineTokens.split(line) == words)
    }

    @Test func launchOptions() {
        let (o, warning) = LaunchOptions.parse(["-server", "h:1", "-timeout", "5000", "-r", "-waitforconnection", "get", "-s", "/a"])
        #expect(warning == nil)
        #expect(o.server == "h:1")
        #expect(o.timeoutText == "5000")
        #expect(o.readOnly && o.waitForConnection)
        #expect(o.command == ["get", "-s", "/a"])
        let (d, _) = LaunchOptions.parse([])
        #expect(d.server == "localhost:2181" && d.command == nil && d.timeoutText == "30000")
        let (_, missing) = LaunchOptions.parse(["-server"])
        #expect(missing == "Error: no argument found for option -server")
        #expect(LaunchOptions.parse(["-x", "ls", "/"]).options.command == ["ls", "/"])
    }
}

@Suite("Options (commons-cli DefaultParser)")
struct OptionParserTests {
    let set = OptionParser([OptionSpec("s"), OptionSpec("v", argument: true)])

    @Test func optionsAnywhere() throws {
        let p = try set.parse(["set", "/a", "-s", "data", "-v", "3"])
        #expect(p.args == ["set", "/a", "data"])
        #expect(p.has("s") && p.value("v") == "3")
    }

    @Test func negativeNumberIsAValue() throws {
        #expect(try set.parse(["set", "-v", "-1", "/n", "any"]).value("v") == "-1")
    }

    @Test func concatenatedAndAttached() throws {
        let p = try set.parse(["set", "-sv5", "/n", "x"])
        #expect(p.has("s") && p.value("v") == "5")
        #expect(try set.parse(["set", "-v=7", "/n", "x"]).value("v") == "7")
    }

    @Test func doubleDashEndsOptions() throws {
        #expect(try set.parse(["set", "--", "/n", "-s"]).args == ["set", "/n", "-s"])
    }

    @Test func errors() {
        #expect(throws: OptionParseError.unrecognized("-x")) { try set.parse(["set", "-x", "/a"]) }
        #expect(throws: OptionParseError.unrecognized("-sx")) { try set.parse(["set", "-sx", "/a"]) }
        #expect(throws: OptionParseError.unrecognized("--long")) { try set.parse(["set", "--long"]) }
        #expect(throws: OptionParseError.missingArgument("v")) { try set.parse(["set", "-v"]) }
        #expect(throws: OptionParseError.missingArgument("v")) { try set.parse(["set", "-v", "-s", "/a"]) }
        #expect(OptionParseError.unrecognized("-x").message
                == "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x")
        #expect(OptionParseError.missingArgument("v").message
                == "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v")
    }

    @Test func javaDoubles() {
        for yes in ["-1", "-1.5", "-.5", "-1e3", "-1f", "-NaN", "-Infinity"] { #expect(isJavaDouble(yes), "\(yes)") }
        for no in ["-x", "-", "-e3", "-1e", "-s"] { #expect(!isJavaDouble(no), "\(no)") }
    }
}
