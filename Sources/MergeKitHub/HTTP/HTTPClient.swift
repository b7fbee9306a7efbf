import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// HTTP over the toolchain's URLSession (FoundationNetworking, libcurl underneath): no package
/// to build, TLS and proxies (`https_proxy`, `no_proxy`) as curl handles them. See
/// docs/architecture.md for why this and not AsyncHTTPClient.
///
/// One session serves all requests, so connections are reused. Redirects are returned, not
/// followed; bodies are streamed to a receiver, never collected, unless asked (`fetch`).
/// Callbacks run on one serial queue, which keeps each transfer's pieces in order.
final class HTTPClient: Sendable {
    private let session: URLSession
    private let router: TransferRouter

    init(idleTimeout: TimeInterval) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        queue.name = "MergeKitHub.HTTPClient"
        router = TransferRouter()
        session = URLSession(configuration: configuration, delegate: router, delegateQueue: queue)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// Sends `request`, streaming the response to `receiver`, and returns the head once the body
    /// is complete.
    func perform(_ request: HTTPRequest, receiver: any HTTPBodyReceiver) async throws(HTTPFailure) -> HTTPResponseHead {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let task = session.dataTask(with: urlRequest)
        let result: Result<HTTPResponseHead, HTTPFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                router.register(task, Transfer(receiver: receiver, continuation: continuation))
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
        return try result.get()
    }

    /// Sends `request` and collects a body of at most `limit` bytes.
    func fetch(_ request: HTTPRequest, limit: Int) async throws(HTTPFailure) -> (head: HTTPResponseHead, body: Data) {
        let collector = BodyCollector(limit: limit, url: request.url)
        let head = try await perform(request, receiver: collector)
        return (head, collector.body)
    }
}

/// One transfer's receiver and the caller waiting for it. Used only on the delegate queue.
private final class Transfer: @unchecked Sendable {
    let receiver: any HTTPBodyReceiver
    let continuation: CheckedContinuation<Result<HTTPResponseHead, HTTPFailure>, Never>
    var head: HTTPResponseHead?
    var failure: HubError?

    init(receiver: any HTTPBodyReceiver, continuation: CheckedContinuation<Result<HTTPResponseHead, HTTPFailure>, Never>) {
        self.receiver = receiver
        self.continuation = continuation
    }
}

/// The session's delegate: hands each task's callbacks to its `Transfer`.
private final class TransferRouter: NSObject, URLSessionDataDelegate, Sendable {
    private let transfers = Mutex<[Int: Transfer]>([:])

    func register(_ task: URLSessionTask, _ transfer: Transfer) {
        transfers.withLock { $0[task.taskIdentifier] = transfer }
    }

    private func transfer(for task: URLSessionTask) -> Transfer? {
        transfers.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        guard let transfer = transfer(for: dataTask) else { return completionHandler(.cancel) }
        deliverHead(response, to: transfer, task: dataTask)
        completionHandler(transfer.failure == nil ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let transfer = transfer(for: dataTask), transfer.failure == nil else { return }
        if transfer.head == nil, let response = dataTask.response { deliverHead(response, to: transfer, task: dataTask) }
        guard transfer.failure == nil else { return }
        do {
            try transfer.receiver.receive(body: data)
        } catch {
            transfer.failure = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let transfer = transfers.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if transfer.head == nil, transfer.failure == nil, error == nil, let response = task.response {
            deliverHead(response, to: transfer, task: task)
        }
        let result: Result<HTTPResponseHead, HTTPFailure>
        if let failure = transfer.failure {
            result = .failure(.receiver(failure))
        } else if let error {
            let code = (error as NSError).code
            result = .failure(code == NSURLErrorCancelled ? .cancelled : .transport(Self.describe(error)))
        } else if let head = transfer.head {
            result = .success(head)
        } else {
            result = .failure(.transport("the server sent no response"))
        }
        transfer.continuation.resume(returning: result)
    }

    private func deliverHead(_ response: URLResponse, to transfer: Transfer, task: URLSessionTask) {
        guard transfer.head == nil else { return }
        guard let http = response as? HTTPURLResponse else {
            transfer.failure = .unexpectedResponse(url: response.url?.absoluteString ?? "?", problem: "not an HTTP response")
            task.cancel()
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name] = value }
        }
        let head = HTTPResponseHead(status: http.statusCode, url: http.url ?? task.originalRequest?.url ?? URL(fileURLWithPath: "/"), headers: headers)
        transfer.head = head
        do {
            try transfer.receiver.receive(head: head)
        } catch {
            transfer.failure = error
            task.cancel()
        }
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        switch nsError.code {
        case NSURLErrorTimedOut: return "timed out (no data for the idle timeout)"
        case NSURLErrorNetworkConnectionLost: return "the connection was dropped"
        case NSURLErrorCannotConnectToHost: return "connection refused"
        case NSURLErrorCannotFindHost: return "unknown host"
        case NSURLErrorNotConnectedToInternet: return "not connected to the network"
        default: return nsError.localizedDescription
        }
    }
}
