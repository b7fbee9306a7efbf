import Glibc
import MergeKitSafetensors

/// The sha256 of a whole file on disk, read in 1 MiB pieces.
enum FileHasher {
    static func sha256(ofFile path: String) throws(HubError) -> (digest: String, size: Int) {
        let descriptor: FileDescriptor
        switch FileDescriptor.open(path, flags: O_RDONLY | O_NONBLOCK) {
        case .success(let opened): descriptor = opened
        case .failure(let error): throw HubError.cache(path: path, error)
        }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while true {
            let result = buffer.withUnsafeMutableBytes { descriptor.read(into: $0, at: offset) }
            switch result {
            case .success(0):
                return (hasher.hexDigest(), offset)
            case .success(let count):
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                offset += count
            case .failure(let error):
                throw HubError.cache(path: path, error)
            }
        }
    }
}
