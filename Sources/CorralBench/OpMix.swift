/// Why a `--mix` value was refused.
public enum MixError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An entry is not of the form `name=weight`.
    case malformedEntry(String)
    /// A name that is not one of `BenchOp`'s.
    case unknownOp(String)
    /// A weight that is not an integer in 0...1_000_000.
    case badWeight(String)
    /// The same op named twice.
    case duplicateOp(String)
    /// Every weight is zero (or the mix is empty).
    case noWeight
    /// `delete` has a weight but `create` has none: there would never be anything to delete.
    case deleteWithoutCreate

    public var description: String {
        let known = BenchOp.allCases.map(\.name).joined(separator: ", ")
        switch self {
        case .malformedEntry(let e): return "mix entry '\(e)' is not of the form op=weight"
        case .unknownOp(let n): return "unknown op '\(n)' in the mix (known: \(known))"
        case .badWeight(let w): return "mix weight '\(w)' is not an integer in 0...1000000"
        case .duplicateOp(let n): return "op '\(n)' appears twice in the mix"
        case .noWeight: return "the mix has no op with a weight above zero"
        case .deleteWithoutCreate: return "delete needs create in the mix (it deletes nodes the session created)"
        }
    }
}

/// Relative weights of the ops, parsed from `getData=80,setData=20`. Ops not named have weight 0.
public struct OpMix: Sendable, Equatable, CustomStringConvertible {
    public static let maxWeight = 1_000_000

    /// Weight per op, indexed by `BenchOp.rawValue`.
    public private(set) var weights: [Int]

    /// The ops with a weight above zero, in `BenchOp` order.
    public var ops: [BenchOp] { BenchOp.allCases.filter { weights[$0.rawValue] > 0 } }

    public var totalWeight: Int { weights.reduce(0, +) }

    /// A mix of the given weights. Precondition: every weight in 0...maxWeight, at least one above 0.
    public init(_ weights: [BenchOp: Int]) throws(MixError) {
        self.weights = BenchOp.allCases.map { weights[$0] ?? 0 }
        try validate()
    }

    /// Parses `op=weight[,op=weight...]` (op names case-insensitive, spaces around entries ignored).
    public init(parsing text: String) throws(MixError) {
        var table = [Int](repeating: 0, count: BenchOp.allCases.count)
        var seen = Set<BenchOp>()
        for rawEntry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = rawEntry.trimmingSpaces()
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw .malformedEntry(String(entry)) }
            let name = parts[0].trimmingSpaces()
            guard let op = BenchOp(name: name) else { throw .unknownOp(String(name)) }
            let weightText = parts[1].trimmingSpaces()
            guard let weight = Int(weightText), (0...Self.maxWeight).contains(weight) else {
                throw .badWeight(String(weightText))
            }
            guard seen.insert(op).inserted else { throw .duplicateOp(op.name) }
            table[op.rawValue] = weight
        }
        weights = table
        try validate()
    }

    private func validate() throws(MixError) {
        guard totalWeight > 0 else { throw .noWeight }
        if weight(of: .delete) > 0 && weight(of: .create) == 0 { throw .deleteWithoutCreate }
    }

    public func weight(of op: BenchOp) -> Int { weights[op.rawValue] }

    /// `getData=80,setData=20`: the ops with a weight, in `BenchOp` order.
    public var description: String {
        ops.map { "\($0.name)=\(weight(of: $0))" }.joined(separator: ",")
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
