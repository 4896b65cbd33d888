import Testing
@testable import CorralCore

/// `ChildList` against a plain sorted array, through enough inserts and removes (in the middle, at
/// the ends, duplicates, missing names) to split and empty many chunks.
@Suite struct ChildListTests {
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: [1, 42, 7777])
    func matchesASortedArray(seed: UInt64) {
        var rng = LCG(state: seed)
        var list = ChildList()
        var reference: [String] = []
        for step in 0..<20_000 {
            let name = "c\(rng.next(4))-\(rng.next(3000))"
            if rng.next(10) < 7 {
                list.insert(name)
                if !reference.contains(name) { reference.append(name); reference.sort() }
            } else {
                list.remove(name)
                reference.removeAll { $0 == name }
            }
            if step % 997 == 0 {
                #expect(Array(list) == reference)
                #expect(list.count == reference.count)
                #expect(list.last == reference.last)
            }
        }
        #expect(Array(list) == reference)
        for name in reference.prefix(50) { #expect(list.contains(name)) }
        #expect(!list.contains("zzz"))
        #expect(ChildList(reference.shuffled()) == list)
    }

    @Test func positionsWalkEveryNameOnceInOrder() {
        let names = (0..<2000).map { "n\($0)" }
        let list = ChildList(names)
        var position = ChildList.Position()
        var seen: [String] = []
        while let (name, next) = list.element(at: position) {
            seen.append(name)
            position = next
        }
        #expect(seen == names.sorted())
        #expect(ChildList().element(at: ChildList.Position()) == nil)
    }
}
