import NIOConcurrencyHelpers
import ZooKeeperProtocol

/// Where a per-call watcher's events go. `receive` returns true when the watcher is done (and is
/// then dropped by the client).
enum WatchSink {
    case oneShot(OneShotWatch.Box)
    case persistent(AsyncThrowingStream<WatchedEvent, Error>.Continuation)

    func receive(_ event: WatchedEvent) -> Bool {
        let terminal = event.type == .none && [.expired, .closed, .authFailed].contains(event.state)
        switch self {
        case .oneShot(let box):
            if terminal {
                box.finish(.failure(event.state == .authFailed ? KeeperError(.authFailed) : KeeperError(.sessionExpired)))
                return true
            }
            guard event.type != .none else { return false }  // disconnects: the watch stays armed
            box.finish(.success(event))
            return true
        case .persistent(let continuation):
            if terminal {
                continuation.finish(throwing: event.state == .authFailed ? KeeperError(.authFailed) : KeeperError(.sessionExpired))
                return true
            }
            guard event.type != .none else { return false }
            continuation.yield(event)
            if event.type == .persistentWatchRemoved {
                continuation.finish()
                return true
            }
            return false
        }
    }
}

/// A one-shot watch set by a read (`watchExists`, `watchData`, `watchChildren`).
///
/// It fires once: NodeCreated, NodeDeleted, NodeDataChanged or NodeChildrenChanged, or
/// DataWatchRemoved/ChildWatchRemoved after `removeWatches`. A lost connection does not fire it:
/// the client re-registers it on the next server (SetWatches with the last zxid seen, so a change
/// made while disconnected still fires). The event is stored before the reply of any later request
/// of the same client is delivered, so a task that reads after seeing a reply can rely on
/// `event()` returning at once if the change preceded that read.
public struct OneShotWatch: Sendable {
    let box: Box

    /// Waits for the event. Throws `.sessionExpired` when the session expires or the client is
    /// closed first (`.authFailed` after an authentication failure), and `.apiError` with message
    /// "cancelled" when the waiting task is cancelled (the watch itself stays set).
    public func event() async throws(KeeperError) -> WatchedEvent {
        try await box.wait().get()
    }

    /// The event if it has fired already.
    public var firedEvent: WatchedEvent? {
        box.state.withLockedValue { if case .done(.success(let e)) = $0 { return e } else { return nil } }
    }

    final class Box: Sendable {
        enum State {
            case waiting([Int: CheckedContinuation<Result<WatchedEvent, KeeperError>, Never>], nextID: Int)
            case done(Result<WatchedEvent, KeeperError>)
        }
        let state = NIOLockedValueBox(State.waiting([:], nextID: 0))

        func finish(_ result: Result<WatchedEvent, KeeperError>) {
            let waiters = state.withLockedValue { state -> [CheckedContinuation<Result<WatchedEvent, KeeperError>, Never>] in
                guard case .waiting(let waiters, _) = state else { return [] }
                state = .done(result)
                return Array(waiters.values)
            }
            for waiter in waiters { waiter.resume(returning: result) }
        }

        func wait() async -> Result<WatchedEvent, KeeperError> {
            let id = NIOLockedValueBox<Int?>(nil)
            return await withTaskCancellationHandler {
                await withCheckedContinuation { (waiter: CheckedContinuation<Result<WatchedEvent, KeeperError>, Never>) in
                    let ready: Result<WatchedEvent, KeeperError>? = state.withLockedValue { state in
                        switch state {
                        case .done(let result): return result
                        case .waiting(var waiters, let next):
                            if Task.isCancelled { return .failure(KeeperError(.apiError, message: "cancelled")) }
                            waiters[next] = waiter
                            state = .waiting(waiters, nextID: next + 1)
                            id.withLockedValue { $0 = next }
                            return nil
                        }
                    }
                    if let ready { waiter.resume(returning: ready) }
                }
            } onCancel: {
                let waiter = state.withLockedValue { state -> CheckedContinuation<Result<WatchedEvent, KeeperError>, Never>? in
                    guard case .waiting(var waiters, let next) = state, let key = id.withLockedValue({ $0 }) else { return nil }
                    let waiter = waiters.removeValue(forKey: key)
                    state = .waiting(waiters, nextID: next)
                    return waiter
                }
                waiter?.resume(returning: .failure(KeeperError(.apiError, message: "cancelled")))
            }
        }
    }
}

/// A persistent watch (`persistentWatch(_:mode:)`): every event on the node (persistent) or on the
/// node and its descendants (persistent recursive: no NodeChildrenChanged), until `removeWatches`
/// removes it — its PersistentWatchRemoved event is the last element, then the sequence ends — or
/// the session ends (the sequence throws `.sessionExpired`). Like one-shot watches it survives
/// reconnects. Dropping the iterator does not unregister the watch on the server.
public struct PersistentWatch: AsyncSequence, Sendable {
    public typealias Element = WatchedEvent
    let stream: AsyncThrowingStream<WatchedEvent, Error>

    public func makeAsyncIterator() -> AsyncThrowingStream<WatchedEvent, Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }
}
