import NIOCore

/// The first frame of a connection. `readOnly` is absent in frames from old clients; `hasReadOnly`
/// remembers which form arrived so the response can mirror it.
public struct ConnectRequest: JuteRecord {
    public var protocolVersion: Int32
    public var lastZxidSeen: Int64
    public var timeOut: Int32
    public var sessionId: Int64
    public var passwd: [UInt8]
    public var readOnly: Bool
    public var hasReadOnly: Bool

    public init(protocolVersion: Int32 = 0, lastZxidSeen: Int64 = 0, timeOut: Int32, sessionId: Int64 = 0,
                passwd: [UInt8] = [UInt8](repeating: 0, count: 16), readOnly: Bool = false, hasReadOnly: Bool = true) {
        self.protocolVersion = protocolVersion; self.lastZxidSeen = lastZxidSeen; self.timeOut = timeOut
        self.sessionId = sessionId; self.passwd = passwd; self.readOnly = readOnly; self.hasReadOnly = hasReadOnly
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        protocolVersion = try r.int("ConnectRequest.protocolVersion")
        lastZxidSeen = try r.long("ConnectRequest.lastZxidSeen")
        timeOut = try r.int("ConnectRequest.timeOut")
        sessionId = try r.long("ConnectRequest.sessionId")
        passwd = try r.bytes("ConnectRequest.passwd") ?? []
        hasReadOnly = !r.isAtEnd
        readOnly = hasReadOnly ? try r.bool("ConnectRequest.readOnly") : false
    }
    public func encode(into b: inout ByteBuffer) {
        b.writeJuteInt(protocolVersion); b.writeJuteLong(lastZxidSeen); b.writeJuteInt(timeOut)
        b.writeJuteLong(sessionId); b.writeJuteBytes(passwd)
        if hasReadOnly { b.writeJuteBool(readOnly) }
    }
}

public struct ConnectResponse: JuteRecord {
    public var protocolVersion: Int32
    public var timeOut: Int32
    public var sessionId: Int64
    public var passwd: [UInt8]
    public var readOnly: Bool
    public var hasReadOnly: Bool

    public init(protocolVersion: Int32 = 0, timeOut: Int32, sessionId: Int64, passwd: [UInt8],
                readOnly: Bool = false, hasReadOnly: Bool = true) {
        self.protocolVersion = protocolVersion; self.timeOut = timeOut; self.sessionId = sessionId
        self.passwd = passwd; self.readOnly = readOnly; self.hasReadOnly = hasReadOnly
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        protocolVersion = try r.int("ConnectResponse.protocolVersion")
        timeOut = try r.int("ConnectResponse.timeOut")
        sessionId = try r.long("ConnectResponse.sessionId")
        passwd = try r.bytes("ConnectResponse.passwd") ?? []
        hasReadOnly = !r.isAtEnd
        readOnly = hasReadOnly ? try r.bool("ConnectResponse.readOnly") : false
    }
    public func encode(into b: inout ByteBuffer) {
        b.writeJuteInt(protocolVersion); b.writeJuteInt(timeOut); b.writeJuteLong(sessionId)
        b.writeJuteBytes(passwd)
        if hasReadOnly { b.writeJuteBool(readOnly) }
    }
}

public struct RequestHeader: JuteRecord {
    public var xid: Int32
    public var type: Int32
    public init(xid: Int32, type: Int32) { self.xid = xid; self.type = type }
    public init(from r: inout JuteReader) throws(JuteError) {
        xid = try r.int("RequestHeader.xid"); type = try r.int("RequestHeader.type")
    }
    public func encode(into b: inout ByteBuffer) { b.writeJuteInt(xid); b.writeJuteInt(type) }
}

public struct ReplyHeader: JuteRecord {
    public var xid: Int32
    public var zxid: Int64
    public var err: Int32
    public init(xid: Int32, zxid: Int64, err: Int32) { self.xid = xid; self.zxid = zxid; self.err = err }
    public init(from r: inout JuteReader) throws(JuteError) {
        xid = try r.int("ReplyHeader.xid"); zxid = try r.long("ReplyHeader.zxid"); err = try r.int("ReplyHeader.err")
    }
    public func encode(into b: inout ByteBuffer) { b.writeJuteInt(xid); b.writeJuteLong(zxid); b.writeJuteInt(err) }
}

public struct WatcherEvent: JuteRecord {
    public var type: Int32
    public var state: Int32
    public var path: String
    public init(type: EventType, state: KeeperState, path: String) {
        self.type = type.rawValue; self.state = state.rawValue; self.path = path
    }
    public init(from r: inout JuteReader) throws(JuteError) {
        type = try r.int("WatcherEvent.type"); state = try r.int("WatcherEvent.state")
        path = try r.string("WatcherEvent.path")
    }
    public func encode(into b: inout ByteBuffer) {
        b.writeJuteInt(type); b.writeJuteInt(state); b.writeJuteString(path)
    }
}

public struct AuthPacket: JuteRecord {
    public var type: Int32
    public var scheme: String
    public var auth: [UInt8]
    public init(type: Int32 = 0, scheme: String, auth: [UInt8]) { self.type = type; self.scheme = scheme; self.auth = auth }
    public init(from r: inout JuteReader) throws(JuteError) {
        type = try r.int("AuthPacket.type"); scheme = try r.string("AuthPacket.scheme")
        auth = try r.bytes("AuthPacket.auth") ?? []
    }
    public func encode(into b: inout ByteBuffer) {
        b.writeJuteInt(type); b.writeJuteString(scheme); b.writeJuteBytes(auth)
    }
}

/// SetWatches (opcode 101) and SetWatches2 (opcode 105). SetWatches has no persistent lists;
/// `isVersion2` says which form to encode.
public struct SetWatches: JuteRecord {
    public var relativeZxid: Int64
    public var dataWatches: [String]
    public var existWatches: [String]
    public var childWatches: [String]
    public var persistentWatches: [String]
    public var persistentRecursiveWatches: [String]
    public var isVersion2: Bool

    public init(relativeZxid: Int64, dataWatches: [String] = [], existWatches: [String] = [],
                childWatches: [String] = [], persistentWatches: [String] = [],
                persistentRecursiveWatches: [String] = [], isVersion2: Bool = true) {
        self.relativeZxid = relativeZxid; self.dataWatches = dataWatches; self.existWatches = existWatches
        self.childWatches = childWatches; self.persistentWatches = persistentWatches
        self.persistentRecursiveWatches = persistentRecursiveWatches; self.isVersion2 = isVersion2
    }
    /// Decodes the SetWatches (version 1) layout.
    public init(from r: inout JuteReader) throws(JuteError) {
        try self.init(from: &r, version2: false)
    }
    public init(from r: inout JuteReader, version2: Bool) throws(JuteError) {
        relativeZxid = try r.long("SetWatches.relativeZxid")
        dataWatches = try r.stringVector("SetWatches.dataWatches")
        existWatches = try r.stringVector("SetWatches.existWatches")
        childWatches = try r.stringVector("SetWatches.childWatches")
        if version2 {
            persistentWatches = try r.stringVector("SetWatches2.persistentWatches")
            persistentRecursiveWatches = try r.stringVector("SetWatches2.persistentRecursiveWatches")
        } else {
            persistentWatches = []; persistentRecursiveWatches = []
        }
        isVersion2 = version2
    }
    public func encode(into b: inout ByteBuffer) {
        b.writeJuteLong(relativeZxid)
        b.writeJuteStrings(dataWatches); b.writeJuteStrings(existWatches); b.writeJuteStrings(childWatches)
        if isVersion2 { b.writeJuteStrings(persistentWatches); b.writeJuteStrings(persistentRecursiveWatches) }
    }
}
