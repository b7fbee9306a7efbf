/// The one place the version is written.
enum MergeKitVersion {
    static let current = "0.1.0"
}
