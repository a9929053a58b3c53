/// The constant neuron: always outputs 1. A bare number in a patch is a weight from `one`.
public struct One: NeuronKind {
    public static let name = "one"
    public static let summary = "constant 1; a bare number in a patch is a weight from it"
    public init(config: NeuronConfig) throws(KindError) {}
    public init() {}
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.scalar))] }
    public var traits: KindTraits { [.constantSource, .notDifferentiable] }
    public func forward(_ io: KernelIO) { Lanes.fill(io.outputs[0], io.count, 1) }
}
