/// An error that says what failed in its own words and keeps the error that caused it, typed,
/// instead of pasting that error's text into a string. The command line renders the chain once
/// (each link's `summary`, then its causes); `description` joins it on one line for other uses.
public protocol ChainedError: Error, CustomStringConvertible {
    /// What failed, in this layer's words, without the cause; nil when the link only gives the
    /// cause a type (its cause names the file and says it all).
    var summary: String? { get }
    /// What made it fail: another error (often a `SystemError` with the errno), or nil.
    var underlying: (any Error)? { get }
}

extension ChainedError {
    public var description: String {
        let parts = [summary] + causes.map { cause in
            (cause as? any ChainedError).map(\.summary) ?? String(describing: cause)
        }
        return parts.compactMap { $0 }.joined(separator: ": ")
    }

    /// The errors that caused this one, nearest first.
    public var causes: [any Error] {
        var chain: [any Error] = []
        var next = underlying
        while let error = next {
            chain.append(error)
            next = (error as? any ChainedError)?.underlying
        }
        return chain
    }
}
