/// Why a live command, an OSC packet or a session setting was refused, in one line that says
/// what was wrong (the session keeps running: a live error is never fatal).
public struct LiveError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
