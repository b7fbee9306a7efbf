import Glibc

/// A failed system call: which call, and the `errno` it left.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function that failed, e.g. `open` or `pwrite`.
    public let call: String
    /// The `errno` value.
    public let code: Int32

    public init(call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    /// The C library's text for `code` (`strerror`).
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "\(call): \(reason) (errno \(code))" }
}
