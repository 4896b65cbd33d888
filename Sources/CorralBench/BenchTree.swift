import ZooKeeperProtocol

/// Where the benchmark's znodes live (server-side paths, chroot included):
/// `<base>/n-00000000` ... the data nodes, `<base>/c-<session>-<10 digits>` the created ones.
struct BenchTree: Sendable {
    /// Digits in a data node's name; `BenchConfiguration.nodes` stays below 10^8.
    static let nodeDigits = 8

    let base: String

    func dataNode(_ index: Int) -> String { base + "/n-" + Self.digits(index) }

    /// The prefix the server appends a sequence number to for `session`'s creates.
    func createPrefix(session: Int) -> String { base + "/c-\(session)-" }

    /// `index` as exactly `nodeDigits` decimal digits. Precondition: 0 <= index < 10^8.
    static func digits(_ index: Int) -> String {
        precondition(index >= 0 && index < 100_000_000, "node index out of range")
        let text = String(index)
        return String(repeating: "0", count: nodeDigits - text.count) + text
    }

    /// The ASCII digits of `digits(index)` packed big-endian into 8 bytes, ready to be stored
    /// over a frame's node name with one `setInteger`.
    static func packedDigits(_ index: Int) -> UInt64 {
        digits(index).utf8.reduce(0) { ($0 << 8) | UInt64($1) }
    }
}
