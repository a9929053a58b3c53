import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import MediaIO

/// Prints an error the way every subcommand reports one: the message (already naming the file,
/// line and column where there is one) on stderr, then a non-zero exit.
func fail(_ error: any Error, code: Int32 = 1) -> ExitCode {
    var text = "\(error)"
    if !text.hasPrefix("error") && !text.contains(": error: ") { text = "error: " + text }
    FileHandleStderr.write(text + "\n")
    return ExitCode(code)
}

/// Writes to standard error without Foundation.
enum FileHandleStderr {
    static func write(_ s: String) { Platform.writeAll(2, s) }
}
