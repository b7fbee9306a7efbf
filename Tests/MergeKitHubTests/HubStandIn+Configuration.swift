import MergeKitHub
import MergeKitTestSupport

extension HubStandIn {
    /// A configuration for this stand-in with a cache in `cache`, retrying quickly.
    func configuration(cache: String, withToken: Bool = false, offline: Bool = false) -> HubConfiguration {
        var configuration = HubConfiguration(
            cacheDirectory: cache, endpoint: endpoint,
            token: withToken ? HubToken(value: token, source: .environment("HF_TOKEN")) : nil, isOffline: offline)
        configuration.retry = RetryPolicy(attempts: 4, initialDelay: .milliseconds(20), maximumDelay: .milliseconds(100))
        configuration.idleTimeout = 20
        return configuration
    }
}
