/// The order in which a Java `HashMap` / `HashSet` (JDK 8-25) iterates over keys that were put into
/// it one after another (no removals), reproduced by replaying Java's table exactly: bins indexed
/// by `hash ^ (hash >>> 16)`, doubling at 3/4 load, lists split in order on resize, and bins of
/// more than 8 keys turned into red-black trees (whose linked order puts the root first) once the
/// table has 64 bins, split and untreeified (at 6 or fewer) like Java's `TreeNode`.
///
/// Apache's snapshot formatter prints children and sessions in this order, so matching it needs
/// it. Keys are identified by their insertion index and must be distinct.
struct JavaHashOrder {
    private let hashes: [Int32]
    private let compare: (Int, Int) -> Int
    private var table: [Int] = []
    private var treeBins: [Bool] = []
    private var threshold: Int
    private var count = 0
    private var next: [Int], prev: [Int], left: [Int], right: [Int], parent: [Int]
    private var red: [Bool]

    static let treeifyThreshold = 8
    static let untreeifyThreshold = 6
    static let minTreeifyCapacity = 64
    static let maximumCapacity = 1 << 30

    /// Indices of keys in iteration order. `hashCodes[i]` is key i's `hashCode()`; `compare(i, j)`
    /// is the sign of key i `.compareTo(` key j `)`; `initialCapacity` a power of two (8 for
    /// `new HashSet<>(8)`, 16 for `new HashMap<>()`).
    static func iterationOrder(hashCodes: [Int32], initialCapacity: Int, compare: @escaping (Int, Int) -> Int) -> [Int] {
        var map = JavaHashOrder(hashCodes: hashCodes, initialCapacity: initialCapacity, compare: compare)
        for key in hashCodes.indices { map.put(key) }
        return map.iterationOrder()
    }

    /// Iteration order of distinct strings put into `new HashSet<>(initialCapacity)` in order.
    static func order(ofStrings keys: [String], initialCapacity: Int) -> [Int] {
        iterationOrder(hashCodes: keys.map(JavaText.hashCode), initialCapacity: initialCapacity) {
            JavaText.compare(keys[$0], keys[$1])
        }
    }

    /// Iteration order of distinct longs put into `new HashMap<Long, _>()` in order.
    static func order(ofLongs keys: [Int64]) -> [Int] {
        iterationOrder(hashCodes: keys.map(JavaText.hashCode), initialCapacity: 16) {
            keys[$0] == keys[$1] ? 0 : (keys[$0] < keys[$1] ? -1 : 1)
        }
    }

    private init(hashCodes: [Int32], initialCapacity: Int, compare: @escaping (Int, Int) -> Int) {
        hashes = hashCodes.map { $0 ^ Int32(bitPattern: UInt32(bitPattern: $0) >> 16) }
        self.compare = compare
        threshold = initialCapacity
        let n = hashCodes.count
        next = Array(repeating: -1, count: n); prev = next; left = next; right = next; parent = next
        red = Array(repeating: false, count: n)
    }

    private func index(_ node: Int, capacity: Int) -> Int { Int(UInt32(bitPattern: hashes[node])) & (capacity - 1) }

    private func iterationOrder() -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        for head in table {
            var e = head
            while e >= 0 { out.append(e); e = next[e] }
        }
        return out
    }

    // MARK: HashMap.putVal

    private mutating func put(_ x: Int) {
        if table.isEmpty { resize() }
        let i = index(x, capacity: table.count)
        if table[i] < 0 {
            table[i] = x
        } else if treeBins[i] {
            putTreeVal(x)
        } else {
            var p = table[i], binCount = 0
            while next[p] >= 0 { p = next[p]; binCount += 1 }
            next[p] = x
            if binCount >= Self.treeifyThreshold - 1 { treeifyBin(x) }
        }
        count += 1
        if count > threshold { resize() }
    }

    private mutating func resize() {
        let old = table, oldTrees = treeBins
        let oldCap = old.count
        if oldCap >= Self.maximumCapacity { threshold = Int.max; return }
        let newCap = oldCap == 0 ? threshold : oldCap << 1
        threshold = newCap / 4 * 3
        table = Array(repeating: -1, count: newCap)
        treeBins = Array(repeating: false, count: newCap)
        for j in 0..<oldCap where old[j] >= 0 {
            let e = old[j]
            if next[e] < 0 {
                table[index(e, capacity: newCap)] = e
                treeBins[index(e, capacity: newCap)] = oldTrees[j]
            } else if oldTrees[j] {
                split(head: e, index: j, bit: oldCap)
            } else {
                let (lo, hi) = splitList(head: e, bit: oldCap)
                if lo.head >= 0 { table[j] = lo.head }
                if hi.head >= 0 { table[j + oldCap] = hi.head }
            }
        }
    }

    /// Relinks the list at `head` into the keys whose hash has `bit` clear (lo) and set (hi),
    /// each in its original order, setting `prev` links too; returns heads and lengths.
    private mutating func splitList(head: Int, bit: Int) -> (lo: (head: Int, count: Int), hi: (head: Int, count: Int)) {
        var loHead = -1, loTail = -1, hiHead = -1, hiTail = -1, lc = 0, hc = 0
        var e = head
        while e >= 0 {
            let following = next[e]
            next[e] = -1
            if Int(UInt32(bitPattern: hashes[e])) & bit == 0 {
                prev[e] = loTail
                if loTail < 0 { loHead = e } else { next[loTail] = e }
                loTail = e; lc += 1
            } else {
                prev[e] = hiTail
                if hiTail < 0 { hiHead = e } else { next[hiTail] = e }
                hiTail = e; hc += 1
            }
            e = following
        }
        return ((loHead, lc), (hiHead, hc))
    }

    private mutating func treeifyBin(_ x: Int) {
        guard table.count >= Self.minTreeifyCapacity else { resize(); return }
        let i = index(x, capacity: table.count)
        var e = table[i], previous = -1
        while e >= 0 { prev[e] = previous; previous = e; e = next[e] }
        treeBins[i] = true
        treeify(head: table[i])
    }

    // MARK: HashMap.TreeNode

    /// Direction of key x relative to tree node p: hash first, then `compareTo`.
    private func direction(_ x: Int, _ p: Int) -> Int {
        if hashes[p] > hashes[x] { return -1 }
        if hashes[p] < hashes[x] { return 1 }
        let d = compare(x, p)
        return d == 0 ? -1 : d  // Java's tieBreakOrder; unreachable for distinct keys
    }

    private mutating func treeify(head: Int) {
        var root = -1
        var x = head
        while x >= 0 {
            let following = next[x]
            left[x] = -1; right[x] = -1
            if root < 0 {
                parent[x] = -1; red[x] = false; root = x
            } else {
                root = insert(x, root: root)
            }
            x = following
        }
        moveRootToFront(root)
    }

    /// Links x below the tree at `root` (not into the list) and rebalances; returns the new root.
    private mutating func insert(_ x: Int, root: Int) -> Int {
        var p = root
        while true {
            let dir = direction(x, p)
            let xp = p
            p = dir <= 0 ? left[p] : right[p]
            if p < 0 {
                parent[x] = xp
                if dir <= 0 { left[xp] = x } else { right[xp] = x }
                return balanceInsertion(root: root, x)
            }
        }
    }

    private mutating func putTreeVal(_ x: Int) {
        var root = table[index(x, capacity: table.count)]
        while parent[root] >= 0 { root = parent[root] }
        var p = root
        while true {
            let dir = direction(x, p)
            let xp = p
            p = dir <= 0 ? left[p] : right[p]
            guard p < 0 else { continue }
            let xpn = next[xp]
            next[x] = xpn
            left[x] = -1; right[x] = -1
            if dir <= 0 { left[xp] = x } else { right[xp] = x }
            next[xp] = x
            parent[x] = xp; prev[x] = xp
            if xpn >= 0 { prev[xpn] = x }
            moveRootToFront(balanceInsertion(root: root, x))
            return
        }
    }

    private mutating func moveRootToFront(_ root: Int) {
        let i = index(root, capacity: table.count)
        let first = table[i]
        guard root != first else { return }
        table[i] = root
        let rp = prev[root], rn = next[root]
        if rn >= 0 { prev[rn] = rp }
        if rp >= 0 { next[rp] = rn }
        if first >= 0 { prev[first] = root }
        next[root] = first
        prev[root] = -1
    }

    /// `TreeNode.split`: the tree bin at `index` of the old table goes to `index` and
    /// `index + bit`; a half of 6 or fewer keys becomes a list, a larger one a tree (rebuilt only
    /// if the other half is not empty).
    private mutating func split(head: Int, index: Int, bit: Int) {
        let (lo, hi) = splitList(head: head, bit: bit)
        for (half, slot, other) in [(lo, index, hi.head), (hi, index + bit, lo.head)] where half.head >= 0 {
            table[slot] = half.head
            if half.count <= Self.untreeifyThreshold {
                treeBins[slot] = false
            } else {
                treeBins[slot] = true
                if other >= 0 { treeify(head: half.head) }
            }
        }
    }

    private mutating func rotateLeft(root: Int, _ p: Int) -> Int {
        var root = root
        guard p >= 0, right[p] >= 0 else { return root }
        let r = right[p]
        let rl = left[r]
        right[p] = rl
        if rl >= 0 { parent[rl] = p }
        let pp = parent[p]
        parent[r] = pp
        if pp < 0 { root = r; red[r] = false } else if left[pp] == p { left[pp] = r } else { right[pp] = r }
        left[r] = p
        parent[p] = r
        return root
    }

    private mutating func rotateRight(root: Int, _ p: Int) -> Int {
        var root = root
        guard p >= 0, left[p] >= 0 else { return root }
        let l = left[p]
        let lr = right[l]
        left[p] = lr
        if lr >= 0 { parent[lr] = p }
        let pp = parent[p]
        parent[l] = pp
        if pp < 0 { root = l; red[l] = false } else if right[pp] == p { right[pp] = l } else { left[pp] = l }
        right[l] = p
        parent[p] = l
        return root
    }

    private mutating func balanceInsertion(root: Int, _ x: Int) -> Int {
        var root = root, x = x
        red[x] = true
        while true {
            var xp = parent[x]
            if xp < 0 { red[x] = false; return x }
            var xpp = parent[xp]
            if !red[xp] || xpp < 0 { return root }
            let xppl = left[xpp], xppr = right[xpp]
            if xp == xppl {
                if xppr >= 0 && red[xppr] {
                    red[xppr] = false; red[xp] = false; red[xpp] = true; x = xpp
                    continue
                }
                if x == right[xp] {
                    x = xp
                    root = rotateLeft(root: root, x)
                    xp = parent[x]
                    xpp = xp < 0 ? -1 : parent[xp]
                }
                if xp >= 0 {
                    red[xp] = false
                    if xpp >= 0 { red[xpp] = true; root = rotateRight(root: root, xpp) }
                }
            } else {
                if xppl >= 0 && red[xppl] {
                    red[xppl] = false; red[xp] = false; red[xpp] = true; x = xpp
                    continue
                }
                if x == left[xp] {
                    x = xp
                    root = rotateRight(root: root, x)
                    xp = parent[x]
                    xpp = xp < 0 ? -1 : parent[xp]
                }
                if xp >= 0 {
                    red[xp] = false
                    if xpp >= 0 { red[xpp] = true; root = rotateLeft(root: root, xpp) }
                }
            }
        }
    }
}
