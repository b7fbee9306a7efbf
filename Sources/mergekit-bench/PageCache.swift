import Foundation
import Glibc

/// The page cache's hold on the benchmark's inputs: evicting them before a cold run, and
/// measuring how much of them is still resident.
enum PageCache {
    /// Drops the cached pages of `files` (`posix_fadvise(POSIX_FADV_DONTNEED)`: clean pages no
    /// process maps), after `fdatasync` so none is dirty.
    static func evict(_ files: [String]) throws {
        for file in files {
            let descriptor = open(file, O_RDONLY)
            guard descriptor >= 0 else { throw BenchError("cannot open \(file)") }
            defer { close(descriptor) }
            fdatasync(descriptor)
            let status = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
            guard status == 0 else { throw BenchError("posix_fadvise(DONTNEED) on \(file) failed: \(String(cString: strerror(status)))") }
        }
    }

    /// Asks the kernel to drop every clean page of the page cache (`/proc/sys/vm/drop_caches`,
    /// root only; it slows every other process on the machine for a while). Returns why not when
    /// it cannot.
    static func dropAll() -> String? {
        sync()
        let descriptor = open("/proc/sys/vm/drop_caches", O_WRONLY)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { close(descriptor) }
        return Glibc.write(descriptor, "1\n", 2) == 2 ? nil : String(cString: strerror(errno))
    }

    /// The share of the bytes of `files` that is in the page cache (`mincore`).
    static func residentFraction(_ files: [String]) -> Double {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var resident = 0
        var total = 0
        for file in files {
            let descriptor = open(file, O_RDONLY)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            var status = stat()
            guard fstat(descriptor, &status) == 0, status.st_size > 0 else { continue }
            let size = Int(status.st_size)
            guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), map != MAP_FAILED else { continue }
            defer { munmap(map, size) }
            var vector = [UInt8](repeating: 0, count: (size + page - 1) / page)
            guard mincore(map, size, &vector) == 0 else { continue }
            resident += vector.reduce(0) { $0 + Int($1 & 1) } * page
            total += size
        }
        return total > 0 ? Double(min(resident, total)) / Double(total) : 0
    }
}
