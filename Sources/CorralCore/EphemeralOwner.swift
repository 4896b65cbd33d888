/// Apache's `EphemeralType`: the ephemeralOwner field also marks containers and TTL nodes.
public enum EphemeralOwner {
    public static let container: Int64 = Int64.min
    static let extendedMask: Int64 = Int64(bitPattern: 0xff00_0000_0000_0000)
    static let reservedBitsMask: Int64 = 0x00ff_ff00_0000_0000
    /// The largest TTL in milliseconds (Apache's `EphemeralType.TTL.maxValue()`).
    public static let maxTTL: Int64 = ~(extendedMask | reservedBitsMask)

    public enum Kind: Equatable { case none, session, container, ttl }

    public static func ttlOwner(_ ttl: Int64) -> Int64? {
        guard ttl > 0, ttl <= maxTTL else { return nil }
        return extendedMask | ttl
    }

    public static func kind(_ owner: Int64, extendedTypesEnabled: Bool) -> Kind {
        if extendedTypesEnabled, owner & extendedMask == extendedMask,
           (owner & reservedBitsMask) >> 40 == 0 { return .ttl }
        if owner == container { return .container }
        return owner == 0 ? .none : .session
    }

    public static func ttlValue(_ owner: Int64) -> Int64 { owner & maxTTL }

    /// What a client sees in `Stat.ephemeralOwner`: 0 for containers and TTL nodes.
    public static func clientVisible(_ owner: Int64, extendedTypesEnabled: Bool) -> Int64 {
        kind(owner, extendedTypesEnabled: extendedTypesEnabled) == .session ? owner : 0
    }
}
