#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small libc helpers shared by the file-handling types in this module.
///
/// Centralised so every POSIX failure is reported the same way (`strerror` text) and the
/// `#if canImport` dance for the C library lives in one place.
package enum Platform {
    /// The text for an errno value, e.g. "No such file or directory".
    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// The current errno as text; call immediately after the failing libc call.
    static func lastErrorText() -> String {
        errorText(errno)
    }

    /// The process id, used to make temporary names unique between concurrent processes.
    static var processID: Int32 { getpid() }

    /// Whether `path` exists (any file type), without following a final symlink.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` is an existing directory (following symlinks).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Reads a whole file into memory; used for small post-processing passes.
    static func readFile(_ path: String) throws(MediaError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MediaError(path: path, "cannot open: \(lastErrorText())") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw MediaError(path: path, "read failed: \(lastErrorText())")
            }
            if got == 0 { break }
            result.append(contentsOf: chunk[0..<got])
        }
        return result
    }

    /// Writes the whole buffer to `fd`, retrying short writes and EINTR.
    /// Returns nil on success or the errno text on failure.
    package static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> String? {
        guard var next = buffer.baseAddress else { return nil }
        var remaining = buffer.count
        while remaining > 0 {
            let written = write(fd, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                return lastErrorText()
            }
            next += written
            remaining -= written
        }
        return nil
    }

    /// Writes all of a string's UTF-8 to `fd` (retrying short writes and EINTR); nil or the
    /// error text. Shared by the terminal, log and stderr writers of every module.
    @discardableResult
    package static func writeAll(_ fd: Int32, _ text: String) -> String? {
        var copy = text
        return copy.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// The directory part of a path ("." when there is none), like dirname(1).
    static func directoryName(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }
}
