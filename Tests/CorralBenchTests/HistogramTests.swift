import Testing

@testable import CorralBench

@Suite struct HistogramTests {
    @Test func emptyHistogramReportsZero() {
        let h = LatencyHistogram()
        #expect(h.count == 0)
        #expect(h.value(atQuantile: 50, of: 100) == 0)
        #expect(h.mean == 0)
    }

    @Test func valuesBelow256AreExact() {
        var h = LatencyHistogram()
        for v in 1...100 as ClosedRange<UInt64> { h.record(v) }
        #expect(h.count == 100)
        #expect(h.value(atQuantile: 50, of: 100) == 50)
        #expect(h.value(atQuantile: 99, of: 100) == 99)
        #expect(h.value(atQuantile: 999, of: 1000) == 100)
        #expect(h.value(atQuantile: 0, of: 100) == 1)
        #expect(h.value(atQuantile: 100, of: 100) == 100)
        #expect((h.min, h.max, h.sum) == (1, 100, 5050))
        #expect(h.mean == 50.5)
    }

    @Test func largerValuesReportTheirBucketsHighestValue() {
        var h = LatencyHistogram()
        for v in 1...1000 as ClosedRange<UInt64> { h.record(v) }
        // rank 500 is 500, in bucket 500...501; rank 990 is 990, in 988...991; rank 999 in 996...999.
        #expect(h.value(atQuantile: 50, of: 100) == 501)
        #expect(h.value(atQuantile: 99, of: 100) == 991)
        #expect(h.value(atQuantile: 999, of: 1000) == 999)
        #expect(h.value(atQuantile: 100, of: 100) == 1000)
    }

    @Test func rankRoundsUp() {
        var h = LatencyHistogram()
        for v: UInt64 in [10, 20, 30] { h.record(v) }
        #expect(h.value(atQuantile: 50, of: 100) == 20)  // ceil(1.5) = 2nd
        #expect(h.value(atQuantile: 1, of: 3) == 10)  // exactly 1st
        #expect(h.value(atQuantile: 99, of: 100) == 30)
    }

    @Test func bucketsTileTheValuesWithinOnePart128() {
        var previousUpper: UInt64?
        for i in 0..<LatencyHistogram.bucketCount {
            let range = LatencyHistogram.range(ofBucket: i)
            if let previousUpper { #expect(range.lowerBound == previousUpper + 1) }
            #expect(LatencyHistogram.index(of: range.lowerBound) == i)
            #expect(LatencyHistogram.index(of: range.upperBound) == i)
            #expect((range.upperBound - range.lowerBound) * 128 <= range.lowerBound)
            previousUpper = range.upperBound
        }
        #expect(previousUpper == LatencyHistogram.maxTrackable)
    }

    @Test func hugeValuesGoToTheLastBucketButMaxStaysExact() {
        var h = LatencyHistogram()
        h.record(UInt64.max / 2)
        #expect(h.max == UInt64.max / 2)
        #expect(h.value(atQuantile: 50, of: 100) == LatencyHistogram.maxTrackable)
    }

    @Test func mergeAddsCountsAndBounds() {
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        for v: UInt64 in [5, 7] { a.record(v) }
        for v: UInt64 in [3, 900_000] { b.record(v) }
        a.merge(b)
        #expect((a.count, a.min, a.max, a.sum) == (4, 3, 900_000, 900_015))
        #expect(a.value(atQuantile: 50, of: 100) == 5)
        #expect(a.value(atQuantile: 75, of: 100) == 7)
    }
}
