import CorralClient
import ZooKeeperProtocol

/// How a recipe retries a ZooKeeper call that failed with ConnectionLoss or OperationTimeout:
/// exponential backoff from `initialDelay`, doubling up to `maxDelay`, at most `maxAttempts` calls.
/// The client keeps its session across a reconnect, so a retry sees the same ephemerals and watches.
/// Only idempotent steps are retried blindly; non-idempotent ones (sequential creates, claiming
/// deletes, conditional writes) resolve the ambiguity first, as each recipe documents.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int, initialDelay: Duration, maxDelay: Duration) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// About 30 s of retrying: long enough to ride out a reconnect to another server.
    public static let standard = RetryPolicy(maxAttempts: 40, initialDelay: .milliseconds(25), maxDelay: .seconds(1))
    /// No retry: the first ConnectionLoss reaches the caller.
    public static let never = RetryPolicy(maxAttempts: 1, initialDelay: .zero, maxDelay: .zero)

    /// The pause before retry number `retry` (1 for the first retry).
    func delay(beforeRetry retry: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, retry) {
            delay = delay * 2
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    /// Runs `operation`, calling it again after a retryable `KeeperError` until it succeeds, fails
    /// otherwise, or `maxAttempts` calls have failed (then the last error is thrown).
    func run<T>(isolation: isolated (any Actor)? = #isolation,
                _ operation: () async throws -> T) async throws -> T {
        var retry = 0
        while true {
            do {
                return try await operation()
            } catch let error as KeeperError where error.isRetryable && retry + 1 < maxAttempts {
                retry += 1
                try await Task.sleep(for: delay(beforeRetry: retry))
            }
        }
    }
}
