#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A calendar reading of an instant in some time zone (proleptic Gregorian).
public struct WallClock: Sendable, Equatable {
    public var year: Int64
    /// 1 ... 12
    public var month: Int
    /// 1 ... 31
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// 0 = Sunday ... 6 = Saturday
    public var weekday: Int
    /// The zone's short name at that instant ("UTC", "CET", "CEST", "PDT" ...).
    public var zone: String

    public init(year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int, zone: String) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
        self.weekday = weekday; self.zone = zone
    }
}

/// The time zone dates are printed in, as the JVM's default time zone is for Apache's tools.
public struct ToolTimeZone: Sendable {
    private let reading: @Sendable (_ epochSeconds: Int64) -> WallClock

    public init(_ reading: @escaping @Sendable (_ epochSeconds: Int64) -> WallClock) { self.reading = reading }

    /// The wall clock at `epochMilliseconds` (rounded down to the second, as Java does).
    public func wallClock(epochMilliseconds ms: Int64) -> WallClock {
        reading(ms >= 0 ? ms / 1000 : -((-(ms + 1)) / 1000) - 1)
    }

    /// UTC, named "UTC" (Java's name for the zones "UTC" and "Etc/UTC").
    public static let utc = fixed(name: "UTC", offsetSeconds: 0)

    /// A zone with a constant offset from UTC.
    public static func fixed(name: String, offsetSeconds: Int64) -> ToolTimeZone {
        ToolTimeZone { seconds in civil(seconds &+ offsetSeconds, zone: name) }
    }

    /// The process's local time zone (`TZ`, else /etc/localtime) through the C library, with the
    /// C library's zone abbreviations (which match Java's for the zones that have one). If the C
    /// library cannot represent an instant, it is printed in UTC.
    public static let system = ToolTimeZone { seconds in
        var t = time_t(truncatingIfNeeded: seconds)
        var parts = tm()
        guard Int64(t) == seconds, localtime_r(&t, &parts) != nil else { return civil(seconds, zone: "UTC") }
        let zone = parts.tm_zone.map { String(cString: $0) } ?? "UTC"
        return WallClock(year: Int64(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                         hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
                         weekday: Int(parts.tm_wday), zone: zone)
    }

    /// The proleptic Gregorian reading of `seconds` since the epoch at offset 0.
    static func civil(_ seconds: Int64, zone: String) -> WallClock {
        let days = seconds >= 0 ? seconds / 86400 : -((-(seconds + 1)) / 86400) - 1
        let secondOfDay = Int(seconds - days * 86400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        return WallClock(year: year, month: month, day: day, hour: secondOfDay / 3600,
                         minute: secondOfDay / 60 % 60, second: secondOfDay % 60, weekday: weekday, zone: zone)
    }
}

/// The date formats Apache's tools print, in the en_US locale of Java 11-17 (CLDR data).
public enum JavaDateText {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `new Date(ms).toString()`: "EEE MMM dd HH:mm:ss zzz yyyy", e.g. "Sat Nov 28 01:31:35 UTC 2026".
    public static func dateToString(_ ms: Int64, in zone: ToolTimeZone) -> String {
        let c = zone.wallClock(epochMilliseconds: ms)
        return "\(weekdays[c.weekday]) \(months[c.month - 1]) \(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) "
            + "\(c.zone) \(c.year)"
    }

    /// `DateFormat.getDateTimeInstance(SHORT, LONG)`: "M/d/yy, h:mm:ss a z", e.g.
    /// "11/28/26, 1:25:35 AM UTC" (what `TxnLogToolkit` prints).
    public static func shortDateLongTime(_ ms: Int64, in zone: ToolTimeZone) -> String {
        let c = zone.wallClock(epochMilliseconds: ms)
        return "\(c.month)/\(c.day)/\(two(Int(c.year % 100 < 0 ? c.year % 100 + 100 : c.year % 100))), \(time12(c)) \(c.zone)"
    }

    /// `DateFormat.getDateTimeInstance()` (MEDIUM, MEDIUM): "MMM d, y, h:mm:ss a", e.g.
    /// "Nov 28, 2026, 3:11:42 AM" (what `PurgeTxnLog` prints).
    public static func mediumDateTime(_ ms: Int64, in zone: ToolTimeZone) -> String {
        let c = zone.wallClock(epochMilliseconds: ms)
        return "\(months[c.month - 1]) \(c.day), \(c.year), \(time12(c))"
    }

    static func time12(_ c: WallClock) -> String {
        let hour = c.hour % 12 == 0 ? 12 : c.hour % 12
        return "\(hour):\(two(c.minute)):\(two(c.second)) \(c.hour < 12 ? "AM" : "PM")"
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
