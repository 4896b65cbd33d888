import NIOCore

public struct Id: JuteRecord, Hashable {
    public var scheme: String
    public var id: String
    public init(scheme: String, id: String) { self.scheme = scheme; self.id = id }
    public init(from r: inout JuteReader) throws(JuteError) {
        scheme = try r.string("Id.scheme"); id = try r.string("Id.id")
    }
    public func encode(into b: inout ByteBuffer) { b.writeJuteString(scheme); b.writeJuteString(id) }
}

public struct ACL: JuteRecord, Hashable {
    public var perms: Int32
    public var id: Id
    public init(perms: Int32, id: Id) { self.perms = perms; self.id = id }
    public init(from r: inout JuteReader) throws(JuteError) {
        perms = try r.int("ACL.perms"); id = try r.record()
    }
    public func encode(into b: inout ByteBuffer) { b.writeJuteInt(perms); id.encode(into: &b) }
}

extension JuteReader {
    public mutating func aclVector(_ field: StaticString) throws(JuteError) -> [ACL] {
        try vector(field, minElementSize: 12) { (r: inout JuteReader) throws(JuteError) in try r.record(ACL.self) }
    }
}

/// The client-visible stat of a znode (68 bytes on the wire).
public struct Stat: JuteRecord, Hashable {
    public var czxid: Int64 = 0
    public var mzxid: Int64 = 0
    public var ctime: Int64 = 0
    public var mtime: Int64 = 0
    public var version: Int32 = 0
    public var cversion: Int32 = 0
    public var aversion: Int32 = 0
    public var ephemeralOwner: Int64 = 0
    public var dataLength: Int32 = 0
    public var numChildren: Int32 = 0
    public var pzxid: Int64 = 0

    public static let encodedSize = 68

    public init() {}
    public init(czxid: Int64, mzxid: Int64, ctime: Int64, mtime: Int64, version: Int32, cversion: Int32,
                aversion: Int32, ephemeralOwner: Int64, dataLength: Int32, numChildren: Int32, pzxid: Int64) {
        self.czxid = czxid; self.mzxid = mzxid; self.ctime = ctime; self.mtime = mtime
        self.version = version; self.cversion = cversion; self.aversion = aversion
        self.ephemeralOwner = ephemeralOwner; self.dataLength = dataLength
        self.numChildren = numChildren; self.pzxid = pzxid
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        czxid = try r.long("Stat.czxid"); mzxid = try r.long("Stat.mzxid")
        ctime = try r.long("Stat.ctime"); mtime = try r.long("Stat.mtime")
        version = try r.int("Stat.version"); cversion = try r.int("Stat.cversion")
        aversion = try r.int("Stat.aversion"); ephemeralOwner = try r.long("Stat.ephemeralOwner")
        dataLength = try r.int("Stat.dataLength"); numChildren = try r.int("Stat.numChildren")
        pzxid = try r.long("Stat.pzxid")
    }
    public func encode(into b: inout ByteBuffer) {
        b.writeJuteLong(czxid); b.writeJuteLong(mzxid); b.writeJuteLong(ctime); b.writeJuteLong(mtime)
        b.writeJuteInt(version); b.writeJuteInt(cversion); b.writeJuteInt(aversion)
        b.writeJuteLong(ephemeralOwner); b.writeJuteInt(dataLength); b.writeJuteInt(numChildren)
        b.writeJuteLong(pzxid)
    }
}

public struct ClientInfo: JuteRecord, Hashable {
    public var authScheme: String
    public var user: String
    public init(authScheme: String, user: String) { self.authScheme = authScheme; self.user = user }
    public init(from r: inout JuteReader) throws(JuteError) {
        authScheme = try r.string("ClientInfo.authScheme"); user = try r.string("ClientInfo.user")
    }
    public func encode(into b: inout ByteBuffer) { b.writeJuteString(authScheme); b.writeJuteString(user) }
}
