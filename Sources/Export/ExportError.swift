/// Why a patch cannot be exported, or weights cannot be imported: one line for the user.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
