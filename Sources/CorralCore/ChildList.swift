/// The names of a znode's children in sorted order, in chunks of at most `maxChunk` names, so
/// that inserting or removing a name anywhere costs O(log n) comparisons plus moving at most one
/// chunk — not the whole list (a directory of a million sequential nodes created by several
/// clients gets inserts in the middle all the time). Iteration is in sorted order, which keeps
/// listings and snapshots deterministic. A copy shares its chunks (copy on write per chunk).
///
/// Invariants: every chunk is non-empty and sorted, every name in a chunk is less than every
/// name in the next chunk, `count` is the total number of names.
public struct ChildList: Sendable, Equatable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    static let maxChunk = 512
    private var chunks: [[String]] = []
    public private(set) var count = 0

    public init() {}

    /// `names` in any order, without duplicates.
    public init<S: Sequence>(_ names: S) where S.Element == String {
        for chunk in names.sorted().chunked(by: Self.maxChunk / 2) { chunks.append(chunk) }
        count = chunks.reduce(0) { $0 + $1.count }
    }

    public init(arrayLiteral names: String...) { self.init(names) }

    public var isEmpty: Bool { count == 0 }
    public var last: String? { chunks.last?.last }
    public var description: String { Array(self).description }

    public static func == (a: ChildList, b: ChildList) -> Bool { a.count == b.count && a.elementsEqual(b) }

    /// The chunk that holds `name` or would hold it: the first whose last name is not less than it
    /// (or the last chunk).
    private func chunkIndex<S: StringProtocol>(for name: S) -> Int {
        var low = 0, high = chunks.count - 1
        while low < high {
            let mid = (low + high) / 2
            if chunks[mid].last! < name { low = mid + 1 } else { high = mid }
        }
        return low
    }

    public func contains<S: StringProtocol>(_ name: S) -> Bool {
        guard !chunks.isEmpty else { return false }
        let c = chunkIndex(for: name)
        let i = chunks[c].sortedInsertionIndex(of: name)
        return i < chunks[c].count && chunks[c][i] == name
    }

    /// Adds `name` in its sorted place; nothing if it is there already.
    public mutating func insert(_ name: String) {
        guard !chunks.isEmpty else {
            chunks = [[name]]
            count = 1
            return
        }
        let c = chunkIndex(for: name)
        let i = chunks[c].sortedInsertionIndex(of: name)
        if i < chunks[c].count && chunks[c][i] == name { return }
        chunks[c].insert(name, at: i)
        count += 1
        if chunks[c].count > Self.maxChunk {
            let upper = Array(chunks[c][(Self.maxChunk / 2)...])
            chunks[c].removeSubrange((Self.maxChunk / 2)...)
            chunks.insert(upper, at: c + 1)
        }
    }

    /// Removes `name` if present.
    public mutating func remove<S: StringProtocol>(_ name: S) {
        guard !chunks.isEmpty else { return }
        let c = chunkIndex(for: name)
        let i = chunks[c].sortedInsertionIndex(of: name)
        guard i < chunks[c].count && chunks[c][i] == name else { return }
        chunks[c].remove(at: i)
        count -= 1
        if chunks[c].isEmpty { chunks.remove(at: c) }
    }

    /// A position in the list, for walks that resume (see `DataTreeWalker`).
    public struct Position: Sendable, Equatable {
        var chunk = 0
        var index = 0
    }

    /// The name at `position` and the position after it, or nil past the end.
    public func element(at position: Position) -> (name: String, next: Position)? {
        guard position.chunk < chunks.count else { return nil }
        let chunk = chunks[position.chunk]
        let next = position.index + 1 < chunk.count
            ? Position(chunk: position.chunk, index: position.index + 1)
            : Position(chunk: position.chunk + 1, index: 0)
        return (chunk[position.index], next)
    }

    public struct Iterator: IteratorProtocol {
        let list: ChildList
        var position = Position()
        public mutating func next() -> String? {
            guard let (name, next) = list.element(at: position) else { return nil }
            position = next
            return name
        }
    }

    public func makeIterator() -> Iterator { Iterator(list: self) }
    public var underestimatedCount: Int { count }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(by size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
