/// Why a network cannot be built or edited. The patch language maps `input`/`neuron` back to
/// the line and column that caused it.
public struct NetworkError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The neuron whose declaration or row is at fault, when there is one.
    public var neuron: String?
    /// The input port of that neuron, when the fault is one connection.
    public var input: String?
    public init(_ message: String, neuron: String? = nil, input: String? = nil) {
        self.message = message; self.neuron = neuron; self.input = input
    }
    public var description: String { message }
}
