import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import DMMCore
import MediaIO

/// Prints an error the way every subcommand reports one: the message (already naming the file,
/// line and column where there is one) on stderr, then a non-zero exit.
func fail(_ error: any Error, code: Int32 = 1) -> ExitCode {
    var text = "\(error)"
    if !text.hasPrefix("error") && !text.contains(": error: ") { text = "error: " + text }
    FileHandleStderr.write(text + "\n")
    return ExitCode(code)
}

/// Runs a `TimingLimits` check on a command-line value; a refusal is a usage error (exit 64)
/// with the same message and limits as the patch header the option overrides.
@discardableResult
func checkOption<T>(_ body: () throws -> T) throws(ValidationError) -> T {
    do { return try body() } catch let e as TimingLimits.Problem { throw ValidationError(e.message) } catch { throw ValidationError("\(error)") }
}

/// Writes to standard error without Foundation.
enum FileHandleStderr {
    static func write(_ s: String) { Platform.writeAll(2, s) }
}
