#if canImport(Glibc)
import Glibc
#endif

/// A command-line audio player fed raw PCM (32-bit float, little-endian, interleaved stereo)
/// on its standard input.
///
/// Swift has no portable audio-device API on Linux, and every desktop already has one of these
/// players: PipeWire's `pw-play`, PulseAudio's `paplay`, ALSA's `aplay`, SoX, ffmpeg's `ffplay`.
/// The first one on PATH is used (`find`), started with `posix_spawn`, and its stdin pipe is
/// shrunk to a few milliseconds of audio so that what plays stays close to what was computed.
public final class AudioPlayer: @unchecked Sendable {
    /// A player the session knows how to drive.
    public struct Candidate: Sendable {
        public var name: String
        public var arguments: @Sendable (Int) -> [String]
    }

    /// In order of preference.
    public static let candidates: [Candidate] = [
        Candidate(name: "pw-play") { ["--rate", "\($0)", "--channels", "2", "--format", "f32", "-"] },
        Candidate(name: "paplay") { ["--raw", "--rate=\($0)", "--channels=2", "--format=float32le"] },
        Candidate(name: "aplay") { ["-q", "-t", "raw", "-f", "FLOAT_LE", "-r", "\($0)", "-c", "2", "-"] },
        Candidate(name: "sox") { ["-q", "-t", "raw", "-e", "floating-point", "-b", "32", "-r", "\($0)", "-c", "2", "-", "-d"] },
        Candidate(name: "ffplay") { ["-nodisp", "-autoexit", "-loglevel", "error", "-f", "f32le", "-ar", "\($0)", "-ch_layout", "stereo", "-i", "-"] },
    ]

    /// The player's name (`pw-play`, …).
    public let name: String
    /// The player's path, its process id and the write end of its stdin.
    public let executable: String
    public let pid: pid_t
    public let fd: Int32

    /// The first candidate found on PATH (or the one named `only`), with its path.
    public static func find(only: String? = nil) -> (Candidate, String)? {
        let dirs = (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin").split(separator: ":")
        for c in candidates where only == nil || c.name == only {
            for d in dirs {
                let p = "\(d)/\(c.name)"
                if access(p, X_OK) == 0 { return (c, p) }
            }
        }
        return nil
    }

    /// Starts `candidate` at `sampleRate`. The process ignores SIGPIPE from here on: a player
    /// that quits must show up as a write error the session can report, not kill it.
    public init(_ candidate: Candidate, path: String, sampleRate: Int) throws(LiveError) {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw LiveError("cannot create a pipe for \(candidate.name)") }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        // Linux: F_SETPIPE_SZ (1031). One page is the minimum; 16 KB is ~40 ms of stereo float.
        _ = fcntl(writeEnd, 1031, 16_384)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + candidate.arguments(sampleRate)).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let rc = argv.withUnsafeBufferPointer { b in
            posix_spawn(&child, path, &actions, nil, UnsafeMutablePointer(mutating: b.baseAddress!), environ)
        }
        Glibc.close(readEnd)
        guard rc == 0 else {
            Glibc.close(writeEnd)
            throw LiveError("cannot start \(candidate.name): \(String(cString: strerror(rc)))")
        }
        name = candidate.name; executable = path; pid = child; fd = writeEnd
    }

    /// The arguments the player runs with, for messages.
    public var formatDescription: String { "32-bit float, stereo" }

    /// True while the player process is alive.
    public var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Closes its stdin (it plays what it has and exits) and waits up to `timeout` seconds,
    /// then ends it.
    public func close(timeout: Double = 1) {
        Glibc.close(fd)
        let deadline = LiveClock.now() + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if LiveClock.now() > deadline { kill(pid, SIGTERM); waitpid(pid, &status, 0); return }
            LiveClock.sleep(until: LiveClock.now() + 0.01)
        }
    }
}
