import Foundation

/// Receives a response as it arrives; the transport calls it from one serial queue.
protocol HTTPBodyReceiver: AnyObject, Sendable {
    /// The head, before any body byte. Throwing stops the transfer with that error.
    func receive(head: HTTPResponseHead) throws(HubError)
    /// The next piece of the body. Throwing stops the transfer with that error.
    func receive(body: Data) throws(HubError)
}
