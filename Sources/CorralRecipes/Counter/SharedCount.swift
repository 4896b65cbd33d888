import CorralClient
import ZooKeeperProtocol

/// A value of a shared count with the znode version it was read at; pass it back to `trySet` to
/// change the count only if nobody changed it since.
public struct VersionedCount: Sendable, Equatable {
    public var value: Int32
    public var version: Int32
    public init(value: Int32, version: Int32) { self.value = value; self.version = version }
}

/// A shared 32-bit counter changed by compare-and-set on the znode version. Laid out like Apache
/// Curator's `SharedCount`: the znode `path` holds the value as 4 bytes, big-endian two's
/// complement (Java `ByteBuffer.putInt`), created with the seed value if absent.
///
/// Guarantees: `trySet` changes the count only if its version is still the one read, so concurrent
/// `add`s never lose an update (each retries on BadVersion). ConnectionLoss on the conditional
/// write itself is reported, not retried: the write may have been applied, and retrying could
/// apply the change twice; re-read with `get()` to decide.
///
/// Interoperates with: Curator `SharedCount` and kazoo `Counter(support_curator=True)` on the same path.
public struct SharedCount: Sendable {
    public let path: String
    public let seed: Int32
    let client: ZooKeeperClient
    let retry: RetryPolicy

    /// A count at `path`, created with `seed` by the first operation that finds it missing.
    public init(client: ZooKeeperClient, path: String, seed: Int32 = 0,
                retry: RetryPolicy = .standard) throws(RecipeError) {
        try RecipePath.validate(path)
        self.client = client; self.path = path; self.seed = seed; self.retry = retry
    }

    /// Encodes `value` as Curator does: 4 bytes, big-endian.
    static func encode(_ value: Int32) -> [UInt8] {
        let bits = UInt32(bitPattern: value)
        return [UInt8(bits >> 24), UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 8),
                UInt8(truncatingIfNeeded: bits)]
    }

    /// Decodes Curator's 4-byte big-endian value; nil for any other length.
    static func decode(_ bytes: [UInt8]) -> Int32? {
        guard bytes.count == 4 else { return nil }
        return Int32(bitPattern: bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    /// The current value and version (creating the node with the seed if it is missing).
    public func get() async throws -> VersionedCount {
        do {
            let (data, stat) = try await retry.run { try await client.getData(path) }
            guard let value = Self.decode(data ?? []) else {
                throw RecipeError.malformedData(path: path, reason: "expected 4 bytes, found \((data ?? []).count)")
            }
            return VersionedCount(value: value, version: stat.version)
        } catch let error as KeeperError where error.code == .noNode {
            try await client.ensurePath(RecipePath.parent(of: path), retry: retry)
            try await client.createPersistentIfAbsent(path, data: Self.encode(seed), retry: retry)
            return try await get()
        }
    }

    /// Sets the count to `newValue` if it is still at `expected.version`; false when someone changed
    /// it first. Throws `KeeperError(.connectionLoss)` when the outcome is unknown (see the type).
    public func trySet(_ newValue: Int32, expected: VersionedCount) async throws -> Bool {
        do {
            try await client.setData(path, data: Self.encode(newValue), version: expected.version)
            return true
        } catch where error.code == .badVersion {
            return false
        }
    }

    /// Sets the count to `newValue` whatever it was.
    public func set(_ newValue: Int32) async throws {
        _ = try await get()   // creates the node if needed
        _ = try await retry.run { try await client.setData(path, data: Self.encode(newValue), version: -1) }
    }

    /// Adds `delta` (wrapping on overflow, like Java's int) by compare-and-set, retrying until no one
    /// interferes; returns the new value.
    @discardableResult
    public func add(_ delta: Int32) async throws -> Int32 {
        while true {
            let current = try await get()
            let next = current.value &+ delta
            if try await trySet(next, expected: current) { return next }
        }
    }

    /// The current value, then every change, until the session ends (then it throws) or the
    /// consumer stops iterating. Changes between two reads may be coalesced: it reports values, not
    /// each write.
    public func values() -> AsyncThrowingStream<Int32, any Error> {
        let count = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await count.feed(continuation)
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func feed(_ continuation: AsyncThrowingStream<Int32, any Error>.Continuation) async throws {
        _ = try await get()
        var last: Int32?
        while !Task.isCancelled {
            let (data, _, watch) = try await retry.run { try await client.watchData(path) }
            guard let value = Self.decode(data ?? []) else {
                throw RecipeError.malformedData(path: path, reason: "expected 4 bytes, found \((data ?? []).count)")
            }
            if value != last { continuation.yield(value) }
            last = value
            switch await wait(for: watch, until: .never) {
            case .event: continue
            case .sessionEnded(let error): throw error
            case .deadlinePassed, .cancelled: break
            }
        }
        continuation.finish()
    }
}
