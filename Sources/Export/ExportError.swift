/// Why a patch cannot be exported, or weights cannot be imported: one line for the user.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// The neuron the refusal is about, when there is one (the CLI points at its declaration).
    public let neuron: String?
    public init(_ message: String, neuron: String? = nil) { self.message = message; self.neuron = neuron }
    public var description: String { message }
}
