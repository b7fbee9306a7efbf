internal import CLAPACK

/// OpenBLAS's own thread pool. Callers that run one matrix per worker thread set it to 1, so
/// each result is computed in one fixed order and does not depend on how many workers run.
public enum BLASThreads {
    public static var count: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: max(1, newValue))) }
    }
}
