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

    /// Opens a fresh temporary sibling of `path` for writing and returns its descriptor and name.
    /// Shared with streaming writers that fill the file incrementally before renaming it.
    static func createTemporary(for path: String) throws(MediaError) -> (fd: Int32, path: String) {
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw MediaError(path: path, "cannot create file: \(Platform.lastErrorText())")
        }
        return (fd, temporary)
    }

    /// Renames a finished temporary file over `path`, removing the temporary on failure.
    static func commit(temporary: String, to path: String) throws(MediaError) {
        if rename(temporary, path) != 0 {
            let text = Platform.lastErrorText()
            unlink(temporary)
            throw MediaError(path: path, "cannot move finished file into place: \(text)")
        }
    }

    private static func writeBuffer(
        _ buffer: UnsafeRawBufferPointer, to path: String, durable: Bool
    ) throws(MediaError) {
        let (fd, temporary) = try createTemporary(for: path)
        var failure = Platform.writeAll(fd, buffer).map { "write failed: \($0)" }
        if failure == nil, durable, fsync(fd) != 0 {
            failure = "fsync failed: \(Platform.lastErrorText())"
        }
        if close(fd) != 0, failure == nil {
            failure = "close failed: \(Platform.lastErrorText())"
        }
        if let failure {
            unlink(temporary)
            throw MediaError(path: path, failure)
        }
        try commit(temporary: temporary, to: path)
    }
}
