import NIOCore
import ZooKeeperProtocol

/// The request frames of one session, encoded once. Sending a request copies its template into
/// the outbound buffer and patches the xid and (for node ops) the node's digits: no encoding and
/// no allocation per request. Templates are encoded with `ZooKeeperProtocol.Request`, so the bytes
/// are exactly what Apache's client sends.
struct RequestFrames: Sendable {
    /// One frame with the places to patch. Offsets are from the start of the frame (its length).
    struct Template: Sendable {
        var bytes: [UInt8]
        /// Where the node's 8 digits go, for each path in the frame (empty: not a node op).
        var digitOffsets: [Int]
    }

    static let xidOffset = 4

    private let templates: [Template]
    /// `BenchTree.packedDigits` of every data node (shared by all sessions of a run).
    private let nodeDigits: [UInt64]
    /// The created nodes' prefix, as bytes.
    let createPrefix: [UInt8]

    /// Precondition: `nodeDigits` is not empty.
    init(tree: BenchTree, session: Int, payload: [UInt8], ephemeral: Bool, nodeDigits: [UInt64]) {
        precondition(!nodeDigits.isEmpty, "at least one data node")
        let node = tree.dataNode(0)
        let prefix = tree.createPrefix(session: session)
        let mode: CreateMode = ephemeral ? .ephemeralSequential : .persistentSequential
        templates = BenchOp.allCases.map { op in
            let request: Request
            switch op {
            case .getData: request = .getData(path: node, watch: false)
            case .exists: request = .exists(path: node, watch: false)
            case .getChildren: request = .getChildren(op: .getChildren, path: node, watch: false)
            case .setData: request = .setData(path: node, data: payload, version: -1)
            case .create:
                request = .create(op: .create, CreateRequest(path: prefix, data: payload, acl: Ids.openACLUnsafe,
                                                             flags: mode.rawValue))
            case .delete: request = .delete(path: prefix, version: -1)  // the path is rewritten per request
            case .multi:
                request = .multi([.check(path: node, version: -1), .setData(path: node, data: payload, version: -1)])
            }
            let bytes = Self.frame(request, xid: 0)
            let offsets = op.targetsDataNode ? Self.offsets(ofPath: node, in: bytes).map { $0 + node.utf8.count - BenchTree.nodeDigits } : []
            return Template(bytes: bytes, digitOffsets: offsets)
        }
        self.nodeDigits = nodeDigits
        createPrefix = Array(prefix.utf8)
    }

    /// Writes the frame of `op` on data node `node` (ignored for create) with `xid`.
    /// Precondition: `op != .delete` (use `writeDelete`), `node` < the node count.
    @inline(__always)
    func write(_ op: BenchOp, node: Int, xid: Int32, into out: inout ByteBuffer) {
        let template = templates[op.rawValue]
        let start = out.writerIndex
        out.writeBytes(template.bytes)
        out.setInteger(xid, at: start + Self.xidOffset, endianness: .big)
        for offset in template.digitOffsets {
            out.setInteger(nodeDigits[node], at: start + offset, endianness: .big)
        }
    }

    /// Writes a delete (any version) of the created node `createPrefix + suffix` with `xid`.
    @inline(__always)
    func writeDelete(suffix: String, xid: Int32, into out: inout ByteBuffer) {
        let pathLength = createPrefix.count + suffix.utf8.count
        out.writeInteger(Int32(4 + 4 + 4 + pathLength + 4), endianness: .big)
        out.writeInteger(xid, endianness: .big)
        out.writeInteger(OpCode.delete.rawValue, endianness: .big)
        out.writeInteger(Int32(pathLength), endianness: .big)
        out.writeBytes(createPrefix)
        out.writeString(suffix)
        out.writeInteger(Int32(-1), endianness: .big)
    }

    /// A whole frame (length prefix, header, body) of `request`.
    static func frame(_ request: Request, xid: Int32) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        buffer.writeInteger(Int32(0))
        RequestHeader(xid: xid, type: request.opCode.rawValue).encode(into: &buffer)
        request.encode(into: &buffer)
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: 0, endianness: .big)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// The handshake frame asking for a new session with `timeoutMs`.
    static func connectFrame(timeoutMs: Int32) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeInteger(Int32(0))
        ConnectRequest(timeOut: timeoutMs).encode(into: &buffer)
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: 0, endianness: .big)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// Offsets of the first byte of every length-prefixed occurrence of `path` in `frame`.
    static func offsets(ofPath path: String, in frame: [UInt8]) -> [Int] {
        var needle = ByteBufferAllocator().buffer(capacity: path.utf8.count + 4)
        needle.writeJuteString(path)
        let pattern = needle.readBytes(length: needle.readableBytes) ?? []
        guard pattern.count <= frame.count else { return [] }
        return (0...(frame.count - pattern.count)).filter { frame[$0..<($0 + pattern.count)].elementsEqual(pattern) }
            .map { $0 + 4 }
    }
}
