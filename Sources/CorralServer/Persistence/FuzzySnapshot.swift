import CCorralSys
import CorralCore
import CorralStorage
import Logging
import NIOCore
import NIOPosix

/// What the snapshot thread knows about the file it is writing; touched only on that thread.
final class SnapshotWriteProgress: @unchecked Sendable {
    /// The first write error; later writes are skipped and the file is abandoned.
    var error: SnapshotError?
    /// Bytes written so far, and the end of the range already waited for.
    var written: Int64 = 0
    var waited: Int64 = 0
    /// Writeback of each chunk starts as soon as it is written, and every `waitEvery` bytes the
    /// thread waits for it: the disk gets a steady stream instead of 200 MB at the final fsync,
    /// which would stall the txn log's fsyncs behind it (RocksDB's `bytes_per_sync` idea).
    static let waitEvery: Int64 = 4 << 20

    /// Starts writeback of the `size` bytes just written, and waits for the older ones.
    func wroteChunk(_ size: Int, fd: Int32, path: String) throws(SnapshotError) {
        let start = written
        written += Int64(size)
        guard corral_start_writeback(fd, start, Int64(size)) == 0 else {
            throw .io(path: path, operation: "sync_file_range", errno: errno)
        }
        if written - waited >= Self.waitEvery {
            guard corral_wait_writeback(fd, waited, written - waited) == 0 else {
                throw .io(path: path, operation: "sync_file_range", errno: errno)
            }
            waited = written
        }
    }
}

/// Collects the encoder's chunks so the loop can hand them to the snapshot thread.
final class ChunkCollector: @unchecked Sendable {
    var chunks: [ByteBuffer] = []
}

struct CollectingSink: SnapshotSink {
    let collector: ChunkCollector
    mutating func write(_ chunk: ByteBuffer) throws(SnapshotError) { collector.chunks.append(chunk) }
}

/// Takes fuzzy snapshots while the server keeps serving (Apache's background `takeSnapshot`): the
/// tree is encoded on the event loop in short slices between which the loop serves clients, and
/// the bytes are written, fsynced and renamed into place on a thread of their own. The snapshot is
/// named after the zxid applied when it starts; txns applied while it runs may or may not be in
/// it, and replaying the log from that zxid converges either way (`DataTreeWalker`). Memory:
/// at most `maxBytesInFlight` of encoded bytes plus the walker's held child lists. Loop-confined.
final class FuzzySnapshotTaker: @unchecked Sendable {
    struct Finished: Sendable {
        var path: String
        var zxid: Int64
        var nodes: Int
        var bytes: Int64
        var milliseconds: Int64
    }

    private struct Job {
        var file: PendingSnapshotFile
        var progress = SnapshotWriteProgress()
        var encoder: SnapshotEncoder<CollectingSink>
        var collector: ChunkCollector
        var walker = DataTreeWalker()
        var startedAt: Int64
        var bytesInFlight = 0
        var encodingDone = false
        var sliceScheduled = false
    }

    let loop: EventLoop
    let thread: NIOThreadPool
    let directory: String
    let fsync: Bool
    let logger: Logger
    /// Loop time spent encoding per slice before the loop serves clients again: a request that
    /// arrives during a slice waits at most this long (a write, whose commit comes back to the
    /// loop, at most twice). About 70 nodes of small data per slice.
    var sliceBudgetNanoseconds: Int64 = 100_000
    /// Time between slices.
    var sliceGapNanoseconds: Int64 = 300_000
    var maxBytesInFlight = 4 << 20
    private var job: Job?
    private var treeProvider: (() -> DataTree)?
    /// Called on the loop when a snapshot is complete (or failed).
    var onFinished: (Result<Finished, SnapshotError>) -> Void = { _ in }

    var isRunning: Bool { job != nil }

    init(directory: String, fsync: Bool, loop: EventLoop, logger: Logger) {
        self.directory = directory
        self.fsync = fsync
        self.loop = loop
        self.logger = logger
        self.thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    /// Starts a snapshot of `core` at its last applied zxid; false if one is already running.
    /// `tree` is asked for the live tree before every slice.
    @discardableResult
    func start(_ core: ServerCore, tree: @escaping () -> DataTree) -> Bool {
        guard job == nil else { return false }
        treeProvider = tree
        let zxid = core.lastAppliedZxid
        do throws(SnapshotError) {
            let file = try PendingSnapshotFile(directory: directory, zxid: zxid)
            let collector = ChunkCollector()
            var encoder = SnapshotEncoder(sink: CollectingSink(collector: collector))
            let sessions = core.sessions.sessions.keys.sorted().map { (id: $0, timeout: core.sessions.sessions[$0]!.timeout) }
            try encoder.writeSessions(sessions)
            try encoder.writeACLs(core.tree.acls.entriesById)
            job = Job(file: file, encoder: encoder, collector: collector, startedAt: monotonicMillis())
        } catch {
            logger.error("Cannot start snapshot 0x\(String(UInt64(bitPattern: zxid), radix: 16)): \(error)")
            return false
        }
        logger.info("Snapshotting: 0x\(String(UInt64(bitPattern: zxid), radix: 16)) to \(job!.file.finalPath)")
        slice()
        return true
    }

    /// Encodes nodes for up to the slice budget, hands the chunks to the snapshot thread, and
    /// schedules the next slice (slightly in the future, so the loop polls its sockets first).
    private func slice() {
        guard var current = job, let tree = treeProvider else { return }
        // Take the job out while encoding so its buffers are uniquely referenced (a second
        // reference would make every slice copy the encoder's 1 MiB buffer).
        job = nil
        current.sliceScheduled = false
        let live = tree()
        let deadline = monotonicNanos() + sliceBudgetNanoseconds
        var failed: SnapshotError?
        do throws(SnapshotError) {
            var count = 0
            while !current.encodingDone {
                guard let (path, node) = current.walker.next(in: live) else {
                    try current.encoder.finish()
                    current.encodingDone = true
                    break
                }
                try current.encoder.writeNode(path: path, node: node)
                count += 1
                if count & 7 == 0 && (monotonicNanos() >= deadline || current.bytesInFlight >= maxBytesInFlight) {
                    break
                }
            }
        } catch {
            failed = error
        }
        job = current
        if let failed {
            abort(failed)
            return
        }
        handOverChunks()
        if job!.encodingDone {
            complete()
        } else {
            scheduleSliceIfRoom()
        }
    }

    private func scheduleSliceIfRoom() {
        guard var current = job, !current.encodingDone, !current.sliceScheduled,
              current.bytesInFlight < maxBytesInFlight else { return }
        current.sliceScheduled = true
        job = current
        // The pause makes the loop poll its sockets and run queued commits first, and leaves the
        // other threads (log, snapshot writes, clients) CPU on a small machine: encoding takes
        // about a quarter of the loop, a 1M-znode snapshot about 7 s (measured: p99 1.14x of
        // before, Benchmarks/RESULTS.md).
        loop.scheduleTask(in: .nanoseconds(sliceGapNanoseconds)) { self.slice() }
    }

    private func handOverChunks() {
        guard job != nil else { return }
        let chunks = job!.collector.chunks
        job!.collector.chunks.removeAll(keepingCapacity: true)
        guard !chunks.isEmpty else { return }
        let size = chunks.reduce(0) { $0 + $1.readableBytes }
        job!.bytesInFlight += size
        let sink = job!.file.sink
        let progress = job!.progress, fsync = self.fsync
        thread.submit { _ in
            var sink = sink
            if progress.error == nil {
                do throws(SnapshotError) {
                    for chunk in chunks { try sink.write(chunk) }
                    if fsync { try progress.wroteChunk(size, fd: sink.fd, path: sink.path) }
                } catch {
                    progress.error = error
                }
            }
            self.loop.execute { self.written(size) }
        }
    }

    private func written(_ size: Int) {
        guard job != nil else { return }
        job!.bytesInFlight -= size
        scheduleSliceIfRoom()
    }

    private func complete() {
        guard let current = job else { return }
        let file = current.file
        let progress = current.progress
        let nodes = current.encoder.nodesWritten, bytes = current.encoder.byteCount
        let fsync = self.fsync, startedAt = current.startedAt
        thread.submit { _ in
            let result: Result<Void, SnapshotError>
            if let error = progress.error {
                result = .failure(error)
            } else {
                do throws(SnapshotError) {
                    try file.complete(fsync: fsync)
                    result = .success(())
                } catch {
                    result = .failure(error)
                }
            }
            if case .failure = result { file.abandon() }
            self.loop.execute {
                let finished = result.map {
                    Finished(path: file.finalPath, zxid: file.zxid, nodes: nodes, bytes: bytes,
                             milliseconds: monotonicMillis() - startedAt)
                }
                self.job = nil
                self.treeProvider = nil
                self.onFinished(finished)
            }
        }
    }

    private func abort(_ error: SnapshotError) {
        guard let current = job else { return }
        let file = current.file
        thread.submit { _ in file.abandon() }
        job = nil
        treeProvider = nil
        onFinished(.failure(error))
    }

    func shutdown() async throws {
        if let current = job {
            let file = current.file
            job = nil
            try await thread.runIfActive { file.abandon() }
        }
        try await thread.shutdownGracefully()
    }
}

func monotonicNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
