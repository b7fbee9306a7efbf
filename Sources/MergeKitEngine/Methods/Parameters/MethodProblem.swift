/// Why a method cannot merge one tensor with the parameters resolved for it, found at plan time
/// by `prepare`; the planner reports it at the recipe's `merge_method:` line.
public struct MethodProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
