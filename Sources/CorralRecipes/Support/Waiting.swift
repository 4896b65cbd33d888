import CorralClient
import ZooKeeperProtocol

/// When a wait gives up: an instant on the continuous clock, or never.
struct Deadline: Sendable, Equatable {
    let instant: ContinuousClock.Instant?

    init(timeout: Duration?) { instant = timeout.map { ContinuousClock.now + $0 } }
    static let never = Deadline(timeout: nil)

    /// The time left (zero once passed), nil for no deadline.
    var remaining: Duration? {
        instant.map { max(.zero, $0 - ContinuousClock.now) }
    }

    /// A racer for `firstResult` that yields `value` when the deadline passes; none for `.never`.
    func racer<T: Sendable>(yielding value: T) -> [@Sendable () async -> T?] {
        guard let instant else { return [] }
        return [{
            do {
                try await Task.sleep(until: instant, clock: .continuous)
                return value
            } catch {
                return nil   // cancelled: another racer won
            }
        }]
    }
}

/// Why a wait for a one-shot watch ended.
enum Wakeup: Sendable, Equatable {
    case event(WatchedEvent)
    /// The watch can no longer fire: the session expired or the client was closed.
    case sessionEnded(KeeperError)
    case deadlinePassed
    case cancelled
}

/// Runs each racer in its own task and returns the first value any of them produces, cancelling
/// the rest. Returns nil when the calling task is cancelled first. A racer that returns nil (it was
/// cancelled) produces nothing. Racers that ignore cancellation (a one-shot watch) finish on their
/// own later: when the watch fires or the session ends.
func firstResult<T: Sendable>(of racers: [@Sendable () async -> T?]) async -> T? {
    let (results, continuation) = AsyncStream<T>.makeStream()
    let tasks = racers.map { racer in
        Task { if let value = await racer() { continuation.yield(value) } }
    }
    defer {
        for task in tasks { task.cancel() }
        continuation.finish()
    }
    for await result in results { return result }
    return nil
}

/// Waits for `watch` to fire, the session to end, `deadline` to pass or the task to be cancelled.
func wait(for watch: OneShotWatch, until deadline: Deadline) async -> Wakeup {
    let watchRacer: @Sendable () async -> Wakeup? = {
        do throws(KeeperError) { return .event(try await watch.event()) } catch { return .sessionEnded(error) }
    }
    let outcome = await firstResult(of: [watchRacer] + deadline.racer(yielding: Wakeup.deadlinePassed))
    return outcome ?? .cancelled
}

/// Runs `cleanup` in a task of its own, so that it still reaches ZooKeeper when the caller's task
/// was cancelled, and waits for it.
func runDetached<T: Sendable>(_ cleanup: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await cleanup() }.value
}
