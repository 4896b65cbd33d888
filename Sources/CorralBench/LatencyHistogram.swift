/// A log-linear histogram of non-negative integers (latencies in nanoseconds here), laid out like
/// HdrHistogram with 256 sub-buckets: values below 256 are kept exactly; above that every bucket
/// spans less than 1/128 (0.79%) of the values in it. Values above `maxTrackable` are counted in
/// the last bucket (`max` stays exact). Recording never allocates; the bucket array (about 35 KB)
/// is allocated once, in `init`.
public struct LatencyHistogram: Sendable, Equatable {
    static let subBucketBits = 8
    static let subBucketCount: UInt64 = 1 << 8
    static let halfSubBucketCount: UInt64 = 1 << 7
    /// The largest value with its own bucket: 2^40 - 1 ns, about 18 minutes.
    public static let maxTrackable: UInt64 = (1 << 40) - 1
    static let bucketCount = index(of: maxTrackable) + 1

    private var counts: [UInt64]
    /// Number of recorded values.
    public private(set) var count: UInt64 = 0
    /// Exact smallest and largest recorded values (0 when empty).
    public private(set) var min: UInt64 = 0
    public private(set) var max: UInt64 = 0
    /// Exact sum of the recorded values (wrapping only past 2^64).
    public private(set) var sum: UInt64 = 0

    public init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// The bucket a value falls in.
    @inline(__always)
    static func index(of value: UInt64) -> Int {
        let v = value > maxTrackable ? maxTrackable : value
        if v < subBucketCount { return Int(v) }
        let shift = (63 - v.leadingZeroBitCount) - (subBucketBits - 1)
        return Int(halfSubBucketCount) * shift + Int(v >> UInt64(shift))
    }

    /// The smallest and largest value that fall in bucket `index`.
    static func range(ofBucket index: Int) -> ClosedRange<UInt64> {
        if index < Int(subBucketCount) { return UInt64(index)...UInt64(index) }
        let shift = index / Int(halfSubBucketCount) - 1
        let mantissa = UInt64(index - Int(halfSubBucketCount) * shift)
        let lowest = mantissa << UInt64(shift)
        return lowest...(lowest + (1 << UInt64(shift)) - 1)
    }

    @inline(__always)
    public mutating func record(_ value: UInt64) {
        counts[Self.index(of: value)] &+= 1
        if count == 0 || value < min { min = value }
        if value > max { max = value }
        count &+= 1
        sum &+= value
    }

    /// Adds every value recorded in `other`.
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for i in 0..<counts.count { counts[i] &+= other.counts[i] }
        if count == 0 || other.min < min { min = other.min }
        if other.max > max { max = other.max }
        count &+= other.count
        sum &+= other.sum
    }

    /// The value at quantile `numerator / denominator` (e.g. 999/1000): the highest value of the
    /// bucket holding the value of rank ceil(count * numerator / denominator) (at least 1), never
    /// more than the exact `max`. Exact for values below 256; otherwise at most 0.79% above the
    /// true value. 0 when empty. Precondition: 0 <= numerator <= denominator, denominator > 0.
    public func value(atQuantile numerator: UInt64, of denominator: UInt64) -> UInt64 {
        precondition(denominator > 0 && numerator <= denominator, "quantile out of range")
        guard count > 0 else { return 0 }
        let product = count.multipliedFullWidth(by: numerator)
        let (quotient, remainder) = denominator.dividingFullWidth(product)
        let rank = Swift.max(1, quotient + (remainder > 0 ? 1 : 0))
        var seen: UInt64 = 0
        for (i, n) in counts.enumerated() where n > 0 {
            seen += n
            if seen >= rank { return Swift.min(Self.range(ofBucket: i).upperBound, max) }
        }
        return max
    }

    /// Mean of the recorded values (0 when empty).
    public var mean: Double { count == 0 ? 0 : Double(sum) / Double(count) }
}
