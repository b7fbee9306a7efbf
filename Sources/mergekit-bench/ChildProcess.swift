import Foundation
import Glibc

/// What one child process cost: wall time, CPU time and peak resident memory (wait4's rusage).
struct ChildUsage {
    var status: Int32
    var wall: Double
    var cpu: Double
    var peakRSSBytes: Int
    /// Bytes the process read from storage (`ru_inblock`, 512-byte units); page-cache hits do
    /// not count.
    var diskReadBytes: Int
}

enum ChildProcess {
    /// Runs `arguments` (argv[0] is an absolute path) with stdout and stderr to `logPath`.
    static func run(_ arguments: [String], logPath: String) throws -> ChildUsage {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let start = DispatchTime.now()
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return ChildUsage(
            status: status, wall: wall, cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            peakRSSBytes: Int(usage.ru_maxrss) * 1024, diskReadBytes: Int(usage.ru_inblock) * 512)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
