#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Minimal `posix_spawn` runner for external tools (ffmpeg).
///
/// Avoids pulling full Foundation (`Process`) into MediaIO for one call site. The child gets
/// `/dev/null` as stdin and stdout and a pipe as stderr, which is drained until EOF before
/// waiting, so a chatty child can never block on a full pipe.
enum Subprocess {
    /// The outcome of a finished child process.
    struct Outcome {
        /// Exit status, or 128 + signal number if the child was killed by a signal.
        var status: Int32
        /// Everything the child wrote to stderr.
        var standardError: String
    }

    /// Runs `executable` with `arguments` (argv[1...]) and waits for it to finish.
    /// Throws only if the process could not be started; a non-zero exit is reported in
    /// ``Outcome/status``.
    static func run(_ executable: String, _ arguments: [String]) throws(MediaError) -> Outcome {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            throw MediaError(path: executable, "cannot create pipe: \(Platform.lastErrorText())")
        }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, writeEnd)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }

        var child: pid_t = 0
        let spawnStatus = argv.withUnsafeBufferPointer { buffer in
            posix_spawn(&child, executable, &actions, nil,
                        UnsafeMutablePointer(mutating: buffer.baseAddress!), environ)
        }
        close(writeEnd)
        guard spawnStatus == 0 else {
            close(readEnd)
            throw MediaError(path: executable,
                             "cannot start: \(Platform.errorText(spawnStatus))")
        }

        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                break
            }
            if got == 0 { break }
            if collected.count < 1 << 20 { collected.append(contentsOf: chunk[0..<got]) }
        }
        close(readEnd)

        var waitStatus: Int32 = 0
        while waitpid(child, &waitStatus, 0) < 0 {
            if errno != EINTR { break }
        }
        let signal = waitStatus & 0x7F
        let status = signal == 0 ? (waitStatus >> 8) & 0xFF : 128 + signal
        return Outcome(status: status, standardError: String(decoding: collected, as: UTF8.self))
    }
}
