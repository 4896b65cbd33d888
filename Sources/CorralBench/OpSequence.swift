/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator; the same seed gives the same
/// sequence on every platform.
struct SplitMix64: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One op to send: what, on which data node (for ops that target one), and whether a create's
/// name is to be remembered for a later delete.
struct OpDraw: Sendable, Equatable {
    var op: BenchOp
    var node: Int
    var tracksName: Bool
}

/// The deterministic op choices of one session: a function of the mix, the node count, the seed
/// and the session index only (never of timing), so a run with `--ops` and no warm-up sends
/// exactly the same ops every time.
///
/// Guarantee: a `delete` is drawn only while more tracked creates were drawn than deletes, so
/// (when every create succeeds) each delete has a created node to remove. A delete drawn while
/// that count is zero is discarded and drawn again.
struct OpSequence: Sendable {
    /// Most names of created-but-not-deleted nodes a session remembers; creates beyond it are
    /// still sent, their nodes are left for cleanup.
    static let maxTrackedNames = 1 << 20

    private static let allOps = BenchOp.allCases
    private var random: SplitMix64
    private let cumulativeWeights: [UInt64]
    private let totalWeight: UInt64
    private let nodeCount: UInt64
    private let remembersNames: Bool
    /// Tracked creates drawn minus deletes drawn.
    private(set) var deletable = 0

    /// Precondition: `nodeCount >= 1`.
    init(mix: OpMix, nodeCount: Int, seed: UInt64, sessionIndex: Int) {
        precondition(nodeCount >= 1, "at least one data node")
        random = SplitMix64(seed: seed ^ (UInt64(sessionIndex) &* 0xD1B5_4A32_D192_ED03))
        var running: UInt64 = 0
        cumulativeWeights = mix.weights.map { running += UInt64($0); return running }
        totalWeight = running
        self.nodeCount = UInt64(nodeCount)
        remembersNames = mix.weight(of: .delete) > 0
    }

    mutating func next() -> OpDraw {
        while true {
            let op = drawOp()
            switch op {
            case .delete:
                guard deletable > 0 else { continue }
                deletable -= 1
                return OpDraw(op: .delete, node: 0, tracksName: false)
            case .create:
                let tracks = remembersNames && deletable < Self.maxTrackedNames
                if tracks { deletable += 1 }
                return OpDraw(op: .create, node: 0, tracksName: tracks)
            default:
                return OpDraw(op: op, node: Int(random.next() % nodeCount), tracksName: false)
            }
        }
    }

    @inline(__always)
    private mutating func drawOp() -> BenchOp {
        let r = random.next() % totalWeight
        var i = 0
        while cumulativeWeights[i] <= r { i += 1 }
        return Self.allOps[i]  // i < allOps.count because r < totalWeight
    }
}
