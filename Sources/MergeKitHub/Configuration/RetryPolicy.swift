/// How often and how patiently failed requests are retried (5xx, 429, dropped connections).
public struct RetryPolicy: Sendable {
    /// Attempts in a row without progress before giving up.
    public var attempts: Int = 5
    /// The first wait; each further wait doubles, up to `maximumDelay`.
    public var initialDelay: Duration = .seconds(1)
    public var maximumDelay: Duration = .seconds(16)

    public init(attempts: Int = 5, initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(16)) {
        self.attempts = attempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait before retry number `retry` (1-based).
    func delay(beforeRetry retry: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(retry, 1) where delay < maximumDelay { delay *= 2 }
        return min(delay, maximumDelay)
    }
}
