/// The single error type thrown by every MediaIO API.
///
/// MediaIO deals with files, so almost every failure is about one path; keeping the error a
/// plain one-line message that names that path means the command line can print it verbatim
/// (`error: <message>`) and a user immediately knows which file to look at. Typed throws
/// (`throws(MediaError)`) keep call sites free of `as?` casts.
public struct MediaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The human-readable, single-line description, normally `"<path>: <what went wrong>"`.
    public var message: String

    /// Wraps an already formatted message; newlines are flattened so the message stays one line.
    public init(_ message: String) {
        self.message = MediaError.oneLine(message)
    }

    /// Builds the conventional `"<path>: <problem>"` message, so every error names its file.
    public init(path: String, _ problem: String) {
        self.message = MediaError.oneLine("\(path): \(problem)")
    }

    /// The message itself, so `print(error)` and string interpolation show something useful.
    public var description: String { message }

    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}
