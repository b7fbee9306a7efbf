import Foundation
import Glibc

/// The I/O floor of a merge on this machine: reading its inputs once (from the page cache, or
/// cold: from the disk, one file after the other), plus writing an output-sized file and
/// fsync-ing it.
enum IOFloor {
    /// The weight files of a model directory.
    static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter(isWeightFile).sorted().map { "\(directory)/\($0)" }
    }

    /// Seconds to read every byte of the files under `directory` (already cached: read twice,
    /// timed the second time). The files are dropped from the page cache first, so every input
    /// enters it the same way, by these reads: how a file is cached (in 2 MiB folios after a
    /// large write, smaller ones after other reads) decides how much of it a fault maps, which
    /// moved a merge's peak RSS by 10 MiB between byte-identical inputs.
    static func readSeconds(ofFilesIn directory: String) throws -> Double {
        let files = try files(in: directory)
        for file in files { try dropFromPageCache(file) }
        _ = try read(files)
        return try read(files)
    }

    /// Seconds to read `files` from the disk, sequentially, after evicting them from the page
    /// cache (they are evicted again afterwards).
    static func coldReadSeconds(of files: [String]) throws -> Double {
        try PageCache.evict(files)
        let seconds = try read(files)
        try PageCache.evict(files)
        return seconds
    }

    /// Writes back and evicts `file`'s cached pages (advice: pages other processes hold mapped stay).
    private static func dropFromPageCache(_ file: String) throws {
        let descriptor = open(file, O_RDONLY)
        guard descriptor >= 0 else { throw BenchError("cannot open \(file)") }
        defer { close(descriptor) }
        fsync(descriptor)
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
    }

    /// The files a model's tensors are read from: safetensors, or a .bin twin.
    static func isWeightFile(_ name: String) -> Bool {
        name.hasSuffix(".safetensors") || name.hasSuffix(".bin")
    }

    /// Bytes per read or write. Small on purpose: the children the bench spawns inherit its peak
    /// RSS (`ru_maxrss` survives exec), so a large buffer here would become the floor of every
    /// peak RSS the bench reports.
    static let bufferBytes = 1 << 20

    private static func read(_ files: [String]) throws -> Double {
        let size = bufferBytes
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        let start = DispatchTime.now()
        for file in files {
            let descriptor = open(file, O_RDONLY)
            guard descriptor >= 0 else { throw BenchError("cannot open \(file)") }
            defer { close(descriptor) }
            while Glibc.read(descriptor, buffer, size) > 0 {}
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Seconds to write `bytes` to a new file at `path` in `bufferBytes` writes and fsync it, and the
    /// fsync's share.
    static func writeSeconds(bytes: Int, at path: String) throws -> (total: Double, sync: Double) {
        let size = bufferBytes
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        memset(buffer, 0x3C, size)
        unlink(path)
        defer { unlink(path) }
        let start = DispatchTime.now()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw BenchError("cannot create \(path)") }
        var written = 0
        while written < bytes {
            let count = Glibc.write(descriptor, buffer, min(size, bytes - written))
            guard count > 0 else { close(descriptor); throw BenchError("write to \(path) failed") }
            written += count
        }
        let beforeSync = DispatchTime.now()
        fsync(descriptor)
        close(descriptor)
        let end = DispatchTime.now()
        return (Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9,
                Double(end.uptimeNanoseconds - beforeSync.uptimeNanoseconds) / 1e9)
    }
}
