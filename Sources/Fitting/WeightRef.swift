import DMMCore

/// One weight of the network matrix, `W[input ← output]`, by neuron and port index.
///
/// Parameters, gradients, optimiser moments and checkpoints are plain arrays indexed like the
/// engine's `parameters` list; this is the key that ties an index back to the matrix entry
/// (and that a checkpoint stores, so a resume can check it is continuing the same problem).
public struct WeightRef: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var inputNeuron: Int
    public var inputPort: Int
    public var outputNeuron: Int
    public var outputPort: Int

    public init(input: PortRef, output: PortRef) {
        inputNeuron = input.neuron; inputPort = input.port
        outputNeuron = output.neuron; outputPort = output.port
    }

    /// The matrix row (a neuron's input).
    public var input: PortRef { PortRef(inputNeuron, inputPort) }
    /// The matrix column (a neuron's output).
    public var output: PortRef { PortRef(outputNeuron, outputPort) }

    public static func < (a: WeightRef, b: WeightRef) -> Bool {
        (a.inputNeuron, a.inputPort, a.outputNeuron, a.outputPort) < (b.inputNeuron, b.inputPort, b.outputNeuron, b.outputPort)
    }

    public var description: String { "\(inputNeuron).\(inputPort)←\(outputNeuron).\(outputPort)" }

    /// `neuron.input ← neuron.output` with the network's names.
    public func name(in network: Network) -> String {
        "\(network.name(ofInput: input)) ← \(network.name(ofOutput: output))"
    }
}
