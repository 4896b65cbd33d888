@testable import CorralStorage
import Testing

/// The Java behaviours the tools reproduce. Expected values were printed by Java 17 (the JVM that
/// runs Apache's tools here) with a probe program: `new String(bytes, UTF_8)` as UTF-16 units,
/// `HashSet<String>(8)` and `HashMap<Long, _>` iteration orders.
@Suite struct JavaTextTests {
    @Test(arguments: [
        ([0xc3, 0x28], [0xfffd, 0x28]), ([0xe2, 0x82], [0xfffd]), ([0xe2, 0x82, 0x41], [0xfffd, 0x41]),
        ([0xe2], [0xfffd]), ([0xed, 0xa0, 0x80], [0xfffd]), ([0xf4, 0x90, 0x80, 0x80], [0xfffd, 0xfffd, 0xfffd, 0xfffd]),
        ([0xf0, 0x90, 0x80], [0xfffd]), ([0xf0, 0x90], [0xfffd]), ([0xf0], [0xfffd]), ([0xf0, 0x90, 0x41], [0xfffd, 0x41]),
        ([0xf0, 0x80, 0x80, 0x80], [0xfffd, 0xfffd, 0xfffd, 0xfffd]), ([0xe0, 0x80, 0x80], [0xfffd, 0xfffd, 0xfffd]),
        ([0xc0, 0x80], [0xfffd, 0xfffd]), ([0xf8, 0x88, 0x80, 0x80, 0x80], [0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd]),
        ([0xf0, 0x9f, 0x98, 0x80], [0xd83d, 0xde00]), ([0xf5, 0x80, 0x80, 0x80], [0xfffd, 0xfffd, 0xfffd, 0xfffd]),
        ([0x80, 0xbf], [0xfffd, 0xfffd]), ([0xe0, 0xa0], [0xfffd]), ([0xe0, 0x9f, 0x80], [0xfffd, 0xfffd, 0xfffd]),
        ([0xf4, 0x8f, 0xbf, 0xbf], [0xdbff, 0xdfff]), ([0xf0, 0x90, 0x80, 0x41], [0xfffd, 0x41]),
        ([0xef, 0xbf, 0xbd], [0xfffd]), ([0xc2], [0xfffd]),
    ] as [([UInt8], [UInt16])])
    func utf8DecodesAsJavaDoes(_ input: [UInt8], _ expected: [UInt16]) {
        #expect(JavaUTF8Decoder.decode(input) == expected)
        #expect(Array(JavaText.decodeUTF8(input).utf16) == expected)
    }

    @Test func numbers() {
        #expect(JavaText.paddedHex(0) == "0x00000000000000")
        #expect(JavaText.paddedHex(0x1e) == "0x0000000000001e")
        #expect(JavaText.paddedHex(0x100004864190000) == "0x100004864190000")
        #expect(JavaText.paddedHex(-1) == "0xffffffffffffffff")
        #expect(JavaText.paddedHex(Int64.min) == "0x8000000000000000")
        #expect(JavaText.hex(-2) == "fffffffffffffffe")
        #expect(JavaText.parseLong("ff", radix: 16) == 255)
        #expect(JavaText.parseLong("-5", radix: 16) == -5)
        #expect(JavaText.parseLong("+a", radix: 16) == 10)
        #expect(JavaText.parseLong("7fffffffffffffff", radix: 16) == Int64.max)
        #expect(JavaText.parseLong("-8000000000000000", radix: 16) == Int64.min)
        #expect(JavaText.parseLong("8000000000000000", radix: 16) == nil)
        #expect(JavaText.parseLong("ffffffffffffffff", radix: 16) == nil)
        #expect(JavaText.parseLong("", radix: 16) == nil)
        #expect(JavaText.parseLong("-", radix: 16) == nil)
        #expect(JavaText.parseLong(" 1", radix: 10) == nil)
        #expect(JavaText.parseLong("1_0", radix: 10) == nil)
        #expect(JavaText.parseInt("2147483647") == Int32.max)
        #expect(JavaText.parseInt("2147483648") == nil)
        #expect(JavaText.parseInt("3.0") == nil)
    }

    @Test func strings() {
        #expect(JavaText.hashCode("Aa") == JavaText.hashCode("BB"))
        #expect(JavaText.hashCode("Aa") == 2112)
        #expect(JavaText.hashCode(Int64(1) << 32 | 1) == 0)
        #expect(JavaText.hashCode(Int64(-1)) == 0)
        #expect(JavaText.compare("a", "b") < 0 && JavaText.compare("b", "a") > 0 && JavaText.compare("ab", "ab") == 0)
        #expect(JavaText.compare("a", "ab") < 0)
        // UTF-16 order: U+FFFD sorts after a surrogate pair's high unit (0xd83d).
        #expect(JavaText.compare("\u{FFFD}", "😀") > 0)
        #expect(JavaText.juteEscape("a,b}c%d\ne\rf\0g") == "'a%2Cb%7Dc%25d%0Ae%0Df%00g")
        #expect(JavaText.base64([]) == "")
        #expect(JavaText.base64(Array("f".utf8)) == "Zg==")
        #expect(JavaText.base64(Array("fo".utf8)) == "Zm8=")
        #expect(JavaText.base64(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(JavaText.base64([0xff, 0xfe, 0xfd]) == "//79")
        #expect(JavaText.jsonQuote("q\"b\\t\u{1}\u{1f}\t\n\r\u{8}\u{c}\u{7f}ü") == "q\\\"b\\\\t\\u0001\\u001F\\t\\n\\r\\b\\f\u{7f}ü")
    }

    @Test func fileNameZxids() {
        #expect(ApacheFileName.zxid(fromName: "snapshot.1e", prefix: "snapshot") == 0x1e)
        #expect(ApacheFileName.zxid(fromName: "snapshot.1e.gz", prefix: "snapshot") == 0x1e)
        #expect(ApacheFileName.zxid(fromName: "log.-5", prefix: "log") == -5)
        #expect(ApacheFileName.zxid(fromName: "log.zz", prefix: "log") == -1)
        #expect(ApacheFileName.zxid(fromName: "log.", prefix: "log") == -1)
        #expect(ApacheFileName.zxid(fromName: "log..5", prefix: "log") == -1)
        #expect(ApacheFileName.zxid(fromName: "logx.5", prefix: "log") == -1)
        #expect(ApacheFileName.zxid(fromName: ".snapshot.5.tmp", prefix: "snapshot") == -1)
        #expect(ApacheFileName.zxid(fromName: "apache-3.8-snapshot.1e", prefix: "snapshot") == -1)
        #expect(ApacheFileName.zxid(fromName: "snapshot.ffffffffffffffff", prefix: "snapshot") == -1)
        #expect(ApacheFileName.javaSplitOnDots("...").isEmpty)
        #expect(ApacheFileName.javaSplitOnDots("") == [""])
        #expect(ApacheFileName.javaSplitOnDots("a.b.") == ["a", "b"])
        #expect(ApacheFileName.javaSplitOnDots(".a") == ["", "a"])
    }

    @Test func dates() {
        let utc = ToolTimeZone.utc
        #expect(JavaDateText.dateToString(0, in: utc) == "Thu Jan 01 00:00:00 UTC 1970")
        #expect(JavaDateText.dateToString(-1, in: utc) == "Wed Dec 31 23:59:59 UTC 1969")
        #expect(JavaDateText.dateToString(1_795_829_495_682, in: utc) == "Sat Nov 28 01:31:35 UTC 2026")
        #expect(JavaDateText.dateToString(951_782_400_000, in: utc) == "Tue Feb 29 00:00:00 UTC 2000")
        #expect(JavaDateText.dateToString(253_402_300_800_000, in: utc) == "Sat Jan 01 00:00:00 UTC 10000")
        #expect(JavaDateText.shortDateLongTime(0, in: utc) == "1/1/70, 12:00:00 AM UTC")
        #expect(JavaDateText.shortDateLongTime(-1000, in: utc) == "12/31/69, 11:59:59 PM UTC")
        #expect(JavaDateText.shortDateLongTime(1_795_829_495_000 + 43_200_000, in: utc) == "11/28/26, 1:31:35 PM UTC")
        #expect(JavaDateText.shortDateLongTime(32_503_680_000_000, in: utc) == "1/1/00, 12:00:00 AM UTC")
        #expect(JavaDateText.mediumDateTime(1_795_835_502_000, in: utc) == "Nov 28, 2026, 3:11:42 AM")
        let cet = ToolTimeZone.fixed(name: "CET", offsetSeconds: 3600)
        #expect(JavaDateText.dateToString(-1, in: cet) == "Thu Jan 01 00:59:59 CET 1970")
        #expect(JavaDateText.mediumDateTime(43_200_000, in: cet) == "Jan 1, 1970, 1:00:00 PM")
    }
}

@Suite struct JavaHashOrderTests {
    static let blocks = ["Aa", "BB"]

    /// 40 fillers with 16 keys of one hash code interleaved: the bin becomes a red-black tree.
    @Test func stringSetOrderMatchesJava() {
        var keys: [String] = []
        for i in 0..<40 {
            keys.append("f\(i)")
            if i < 16 { keys.append("k" + (0..<4).map { Self.blocks[(i >> $0) & 1] }.joined()) }
        }
        let expected = """
            f10,f12,f11,f14,f13,f0,f16,f1,f15,f2,f18,f3,f17,f4,kBBAaAaAa,kAaBBAaAa,kAaAaAaAa,kBBBBAaAa,kAaAaBBAa,\
            kAaAaBBBB,f5,f19,kBBBBBBBB,kBBAaBBAa,kBBAaBBBB,kBBAaAaBB,kAaBBBBAa,kAaBBBBBB,kAaBBAaBB,kBBBBBBAa,\
            kBBBBAaBB,kAaAaAaBB,f6,f7,f8,f9,f21,f20,f23,f22,f25,f24,f27,f26,f29,f28,f30,f32,f31,f34,f33,f36,f35,\
            f38,f37,f39
            """
        let order = JavaHashOrder.order(ofStrings: keys, initialCapacity: 8).map { keys[$0] }
        #expect(order.joined(separator: ",") == expected)
    }

    @Test func longMapOrderMatchesJava() {
        let keys: [Int64] = [5, 1 << 32 | 1, -1, Int64.min, 2 << 32 | 2, 17, 3 << 32 | 3, 4 << 32 | 4, 5 << 32 | 5,
                             6 << 32 | 6, 7 << 32 | 7, 8 << 32 | 8, 9 << 32 | 9, 0, 33]
        let expected: [Int64] = [8_589_934_594, 4_294_967_297, 0, -1, Int64.min, 12_884_901_891, 17_179_869_188,
                                 21_474_836_485, 25_769_803_782, 30_064_771_079, 34_359_738_376, 38_654_705_673, 5, 17, 33]
        #expect(JavaHashOrder.order(ofLongs: keys).map { keys[$0] } == expected)
    }

    @Test func smallSetsIterateByBucket() {
        #expect(JavaHashOrder.order(ofStrings: [], initialCapacity: 8).isEmpty)
        // "b" (98) and "a" (97) land in bins 2 and 1 of 8.
        #expect(JavaHashOrder.order(ofStrings: ["b", "a"], initialCapacity: 8) == [1, 0])
    }
}
