import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that either fully replace the destination or leave it untouched.
///
/// Renders and checkpoints are long-running; a crash or Ctrl-C halfway through a write must
/// never leave a truncated PNG, WAV or patch file that looks valid. Every writer in DMMSynth
/// therefore writes to a temporary sibling (same directory, hence same filesystem) and then
/// `rename(2)`s it over the destination, which POSIX guarantees is atomic.
public enum AtomicFile {
    /// The temporary sibling used while writing `path`: `path + ".tmp-<pid>"`.
    ///
    /// It lives in the same directory so the final `rename(2)` never crosses filesystems, and
    /// carries the process id so two processes rendering to the same place do not clobber each
    /// other's half-written files.
    public static func temporaryPath(for path: String) -> String {
        "\(path).tmp-\(Platform.processID)"
    }

    /// Writes `bytes` to `path` atomically: temp file, then `rename(2)` into place.
    ///
    /// On any failure the temporary file is removed and the destination is left as it was.
    /// Parent directories are not created (use ``makeDirectories(_:)`` first): silently creating
    /// directories from a mistyped path hides mistakes.
    /// - Parameter durable: also `fsync` the file before renaming, for data that must survive a
    ///   power loss (checkpoints). Off by default because per-frame fsyncs dominate render time.
    public static func write(
        _ bytes: some Collection<UInt8>, to path: String, durable: Bool = false
    ) throws(MediaError) {
        let result: Result<Void, MediaError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(MediaError) in
                try writeBuffer(UnsafeRawBufferPointer(buffer), to: path, durable: durable)
            }
        }
        if let result {
            try result.get()
        } else {
            let copy = Array(bytes)
            try copy.withUnsafeBufferPointer { (buffer) throws(MediaError) in
                try writeBuffer(UnsafeRawBufferPointer(buffer), to: path, durable: durable)
            }
        }
    }

    /// Creates `path` and any missing parent directories (like `mkdir -p`).
    ///
    /// Succeeds if the directory already exists; fails with a message naming the path if a
    /// non-directory is in the way or permissions forbid creation.
    public static func makeDirectories(_ path: String) throws(MediaError) {
        guard !path.isEmpty else { return }
        if Platform.isDirectory(path) { return }
        let parent = Platform.directoryName(path)
        if parent != path, parent != ".", parent != "/" {
            try makeDirectories(parent)
        }
        if mkdir(path, 0o755) != 0 {
            let code = errno
            // Another thread or process may have created it in the meantime.
            if code == EEXIST, Platform.isDirectory(path) { return }
            if code == EEXIST {
                throw MediaError(path: path, "cannot create directory: a file with that name exists")
            }
            throw MediaError(path: path, "cannot create directory: \(Platform.errorText(code))")
        }
    }

    /// The file a write to `path` replaces: `path` itself when it is a regular file or does
    /// not exist yet, or the end of its chain of symbolic links (the target is written and
    /// the link kept, as `cp` and shells' `>` do).
    ///
    /// Everything else is refused before any work is done, because the final `rename(2)`
    /// would replace it by a regular file: as root `-o /dev/null` would delete the device.
    /// So an empty path, a directory, a FIFO, a device or a socket gives a one-line error
    /// naming the path (write to a regular file and copy it there instead).
    public static func destination(for path: String) throws(MediaError) -> String {
        guard !path.isEmpty else { throw MediaError("output path is empty") }
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0 else {
                if errno == ENOENT { return current }
                throw MediaError(path: path, "cannot write: \(Platform.lastErrorText())")
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: return current
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: 4097)
                let n = readlink(current, &buffer, 4096)
                guard n > 0 else { throw MediaError(path: path, "cannot read symbolic link: \(Platform.lastErrorText())") }
                let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                current = target.hasPrefix("/") ? target : Platform.directoryName(current) + "/" + target
            case S_IFDIR: throw MediaError(path: path, "is a directory; give a file name")
            case S_IFIFO: throw MediaError(path: path, "refusing to replace a FIFO (only regular files are written)")
            case S_IFCHR, S_IFBLK: throw MediaError(path: path, "refusing to replace a device (only regular files are written)")
            case S_IFSOCK: throw MediaError(path: path, "refusing to replace a socket (only regular files are written)")
            default: throw MediaError(path: path, "refusing to replace a file that is not a regular file")
            }
        }
        throw MediaError(path: path, "too many levels of symbolic links")
    }

    /// Temporary files that exist right now (created, not yet renamed or removed), so that
    /// SIGINT/SIGTERM can remove them (``SignalGuard``). Creation, rename and removal happen
    /// under this lock, so the list and the directory never disagree.
    private static let unfinished = Mutex<Set<String>>([])

    /// Runs `create` (which makes the temporary file `temporary`) and lists the file as
    /// unfinished, atomically with respect to a signal's cleanup.
    static func track<T>(_ temporary: String, _ create: () -> T) -> T {
        unfinished.withLock { set in
            let result = create()
            set.insert(temporary)
            return result
        }
    }

    /// Runs `finish` (a rename or a removal of `temporary`) and drops it from the list.
    static func untrack<T>(_ temporary: String, _ finish: () -> T) -> T {
        unfinished.withLock { set in
            let result = finish()
            set.remove(temporary)
            return result
        }
    }

    /// Removes an unfinished temporary file (a failed or abandoned write).
    static func discard(_ temporary: String) {
        untrack(temporary) { _ = unlink(temporary) }
    }

    /// Removes every unfinished temporary file and ends the process with `code`, holding the
    /// lock so that no writer can create or rename a file in between. For ``SignalGuard``.
    static func removeUnfinishedAndExit(_ code: Int32) -> Never {
        unfinished.withLock { set -> Never in
            for temporary in set { unlink(temporary) }
            _exit(code)
        }
    }

    /// Opens a fresh temporary sibling of `path`'s ``destination(for:)`` for writing and
    /// returns its descriptor, its name and the destination to commit to. Shared with
    /// streaming writers that fill the file incrementally before renaming it.
    static func createTemporary(for path: String) throws(MediaError) -> (fd: Int32, path: String, destination: String) {
        let destination = try destination(for: path)
        let temporary = temporaryPath(for: destination)
        let (fd, failure) = track(temporary) { () -> (Int32, String?) in
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            return (fd, fd < 0 ? Platform.lastErrorText() : nil)
        }
        if let failure {
            discard(temporary)
            throw MediaError(path: path, "cannot create file: \(failure)")
        }
        return (fd, temporary, destination)
    }

    /// Renames a finished temporary file over `path` (a ``destination(for:)``), removing the
    /// temporary on failure.
    static func commit(temporary: String, to path: String) throws(MediaError) {
        let failure = untrack(temporary) { () -> String? in
            guard rename(temporary, path) != 0 else { return nil }
            let text = Platform.lastErrorText()
            unlink(temporary)
            return text
        }
        if let failure { throw MediaError(path: path, "cannot move finished file into place: \(failure)") }
    }

    private static func writeBuffer(
        _ buffer: UnsafeRawBufferPointer, to path: String, durable: Bool
    ) throws(MediaError) {
        let (fd, temporary, destination) = try createTemporary(for: path)
        var failure = Platform.writeAll(fd, buffer).map { "write failed: \($0)" }
        if failure == nil, durable, fsync(fd) != 0 {
            failure = "fsync failed: \(Platform.lastErrorText())"
        }
        if close(fd) != 0, failure == nil {
            failure = "close failed: \(Platform.lastErrorText())"
        }
        if let failure {
            discard(temporary)
            throw MediaError(path: path, failure)
        }
        try commit(temporary: temporary, to: destination)
    }
}
