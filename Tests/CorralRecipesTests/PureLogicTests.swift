@testable import CorralRecipes
import Testing

/// The decisions recipes make from a listing alone, and the layouts' encodings.
@Suite struct PureLogicTests {
    @Test func sequenceSuffixesParseAfterAKnownMarker() {
        let curator = SequentialChild.parse("_c_0f8e-lock-0000000012", markers: ["lock-", "__lock__"])
        #expect(curator == SequentialChild(name: "_c_0f8e-lock-0000000012", marker: "lock-", sequence: 12))
        let kazoo = SequentialChild.parse("ab12__lock__0000000003", markers: ["lock-", "__lock__"])
        #expect(kazoo?.marker == "__lock__" && kazoo?.sequence == 3)
        #expect(SequentialChild.parse("lock-000000001", markers: ["lock-"]) == nil)      // 9 digits
        #expect(SequentialChild.parse("latch-0000000001", markers: ["lock-"]) == nil)    // other marker
        #expect(SequentialChild.parse("lock-00000000x1", markers: ["lock-"]) == nil)
        #expect(SequentialChild.parse("0000000001", markers: ["lock-"]) == nil)
    }

    @Test func contendersAreOrderedBySequenceNotByName() {
        // Protected names start with random UUIDs: a name sort would put "_c_a" before "_c_f".
        let children = ["_c_f-lock-0000000001", "_c_a-lock-0000000003", "_c_c-lock-0000000002", "foreign"]
        let sorted = SequentialChild.sorted(children, markers: ["lock-"]).map(\.name)
        #expect(sorted == ["_c_f-lock-0000000001", "_c_c-lock-0000000002", "_c_a-lock-0000000003"])
    }

    @Test func exclusiveWaitersWatchOnlyTheirPredecessor() {
        let policy = ContenderPolicy.exclusive(markers: ["lock-", "__lock__"])
        let children = ["x-lock-0000000004", "k__lock__0000000002", "y-lock-0000000001", "z-lock-0000000007"]
        #expect(policy.turn(of: "y-lock-0000000001", among: children) == .proceed)
        #expect(policy.turn(of: "k__lock__0000000002", among: children) == .waitFor("y-lock-0000000001"))
        #expect(policy.turn(of: "x-lock-0000000004", among: children) == .waitFor("k__lock__0000000002"))
        #expect(policy.turn(of: "z-lock-0000000007", among: children) == .waitFor("x-lock-0000000004"))
        #expect(policy.turn(of: "gone-lock-0000000005", among: children) == .ownNodeMissing)
        // Every waiter watches a different node: one release wakes one waiter.
        let watched = children.compactMap { child -> String? in
            if case .waitFor(let node) = policy.turn(of: child, among: children) { return node }
            return nil
        }
        #expect(Set(watched).count == watched.count)
    }

    @Test func readersWaitOnlyForTheNearestEarlierWriter() {
        let markers = ["__READ__", "__WRIT__", "__rlock__", "__lock__"]
        let read = ContenderPolicy.shared(markers: markers, excludedBy: ["__WRIT__", "__lock__"])
        let write = ContenderPolicy.exclusive(markers: markers)
        let children = ["a__READ__0000000001", "b__READ__0000000002", "c__WRIT__0000000003",
                        "d__READ__0000000004", "e__WRIT__0000000005", "f__rlock__0000000006"]
        #expect(read.turn(of: "a__READ__0000000001", among: children) == .proceed)
        #expect(read.turn(of: "b__READ__0000000002", among: children) == .proceed)
        #expect(read.turn(of: "d__READ__0000000004", among: children) == .waitFor("c__WRIT__0000000003"))
        #expect(read.turn(of: "f__rlock__0000000006", among: children) == .waitFor("e__WRIT__0000000005"))
        #expect(write.turn(of: "c__WRIT__0000000003", among: children) == .waitFor("b__READ__0000000002"))
        #expect(write.turn(of: "e__WRIT__0000000005", among: children) == .waitFor("d__READ__0000000004"))
    }

    @Test func protectedNamesLookLikeCurators() {
        var generator = SplitMix(seed: 7)
        let uuid = RandomUUID(using: &generator).description
        #expect(uuid.count == 36)
        #expect(uuid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(Array(uuid)[14] == "4")                       // version 4
        #expect("89ab".contains(Array(uuid)[19]))             // IETF variant
        #expect(uuid == uuid.lowercased())
        let name = ProtectedName(id: uuid)
        #expect(name.nodeName(base: "lock-") == "_c_\(uuid)-lock-")
        #expect(name.find(in: ["other", "_c_\(uuid)-lock-0000000009"]) == "_c_\(uuid)-lock-0000000009")
        #expect(name.find(in: ["_c_\(uuid.dropLast())0-lock-0000000001"]) == nil)
        #expect(RandomUUID().description != RandomUUID().description)
    }

    @Test func sharedCountIsFourBytesBigEndian() {
        #expect(SharedCount.encode(1) == [0, 0, 0, 1])
        #expect(SharedCount.encode(258) == [0, 0, 1, 2])
        #expect(SharedCount.encode(-1) == [0xff, 0xff, 0xff, 0xff])
        #expect(SharedCount.encode(Int32.min) == [0x80, 0, 0, 0])
        for value: Int32 in [0, 1, -1, 123_456_789, Int32.max, Int32.min] {
            #expect(SharedCount.decode(SharedCount.encode(value)) == value)
        }
        #expect(SharedCount.decode([1, 2, 3]) == nil)
        #expect(SharedCount.decode([]) == nil)
    }

    @Test func queueOrderIsTheSequenceOrder() {
        let children = ["qn-0000000010", "qn-0000000002", "foreign", "qn-0000000001", "qx-0000000000"]
        #expect(DistributedQueue.fifoOrder(children) == ["qn-0000000001", "qn-0000000002", "qn-0000000010"])
    }

    @Test func retryBackoffDoublesUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: .milliseconds(10), maxDelay: .milliseconds(50))
        #expect((1...5).map(policy.delay(beforeRetry:)) == [.milliseconds(10), .milliseconds(20), .milliseconds(40),
                                                             .milliseconds(50), .milliseconds(50)])
        #expect(RetryPolicy(maxAttempts: 0, initialDelay: .zero, maxDelay: .zero).maxAttempts == 1)
    }

    @Test func recipePaths() throws {
        #expect(RecipePath.child("/", "a") == "/a")
        #expect(RecipePath.child("/a", "b") == "/a/b")
        #expect(RecipePath.parent(of: "/a/b/c") == "/a/b")
        #expect(RecipePath.parent(of: "/a") == "/")
        #expect(RecipePath.name(of: "/a/b/c") == "c")
        #expect(throws: RecipeError.self) { try RecipePath.validate("/") }
        #expect(throws: RecipeError.self) { try RecipePath.validate("a/b") }
        #expect(throws: RecipeError.self) { try RecipePath.validate("/a/") }
        try RecipePath.validate("/a/b")
    }
}

/// A seeded generator, so the UUID test is reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
