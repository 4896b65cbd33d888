/// A child znode of a sequential recipe: `<anything><marker><sequence>`, where the server appended
/// the 10-digit sequence (`%010d`) to the name the client asked for. Contenders are ordered by
/// the sequence alone, never by the whole name: protected names start with a random UUID, so a
/// plain string sort would order them randomly. (Curator's `StandardLockInternalsDriver.fixForSorting`
/// and kazoo's `Lock._get_predecessor` do the same.)
struct SequentialChild: Sendable, Equatable {
    let name: String
    let marker: String
    let sequence: Int64

    static let sequenceDigits = 10

    /// Parses `name` when it ends in one of `markers` followed by exactly 10 digits.
    static func parse(_ name: String, markers: [String]) -> SequentialChild? {
        let utf8 = Array(name.utf8)
        guard utf8.count > sequenceDigits else { return nil }
        let digits = utf8[(utf8.count - sequenceDigits)...]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let head = String(decoding: utf8[..<(utf8.count - sequenceDigits)], as: UTF8.self)
        guard let marker = markers.first(where: { head.hasSuffix($0) }) else { return nil }
        let sequence = digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        return SequentialChild(name: name, marker: marker, sequence: sequence)
    }

    /// The children that parse, in sequence order (ties, which a single parent never produces,
    /// by name so the order is total).
    static func sorted(_ children: [String], markers: [String]) -> [SequentialChild] {
        children.compactMap { parse($0, markers: markers) }
            .sorted { ($0.sequence, $0.name) < ($1.sequence, $1.name) }
    }
}

/// What a contender does next, decided from the parent's children alone.
enum Turn: Sendable, Equatable {
    /// The contender may proceed (holds the lock, is the leader).
    case proceed
    /// The contender must wait until this sibling is gone.
    case waitFor(String)
    /// The contender's own node is not among the children.
    case ownNodeMissing
}

/// How sequential contenders under one parent admit each other.
enum ContenderPolicy: Sendable, Equatable {
    /// Exclusive: the lowest sequence proceeds; every other contender waits for the one right before
    /// it, so a release wakes exactly one waiter (no herd effect). Mutex, write lock, leader latch.
    case exclusive(markers: [String])
    /// Shared: a contender proceeds when no `excludedBy` node precedes it, and otherwise waits for the
    /// nearest such node before it (the ZooKeeper recipe's read lock: readers wait only for writers).
    case shared(markers: [String], excludedBy: [String])

    var markers: [String] {
        switch self {
        case .exclusive(let markers), .shared(let markers, _): return markers
        }
    }

    /// Decides the turn of the contender named `own` among `children`.
    func turn(of own: String, among children: [String]) -> Turn {
        let contenders = SequentialChild.sorted(children, markers: markers)
        guard let index = contenders.firstIndex(where: { $0.name == own }) else { return .ownNodeMissing }
        switch self {
        case .exclusive:
            return index == 0 ? .proceed : .waitFor(contenders[index - 1].name)
        case .shared(_, let excludedBy):
            let blocker = contenders[..<index].last { excludedBy.contains($0.marker) }
            return blocker.map { .waitFor($0.name) } ?? .proceed
        }
    }
}
