/// An integrator: `y(t) = y(t−1) + x(t)`.
///
/// In DMM terms it is the identity neuron with a weight-1 loop onto itself. The plan adds that
/// loop as an implicit, frozen matrix entry (trait `accumulator`), so the patch text shows only
/// what the user wires in, and gradients flow through the loop like through any weight.
public struct Accum: NeuronKind {
    public static let name = "accum"
    public static let summary = "integrator y(t) = y(t−1) + x(t) (identity with a weight-1 self-loop)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public var traits: KindTraits { [.accumulator] }
    public func forward(_ io: KernelIO) { Lanes.map1(io) { $0 } }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) { Lanes.vjp1(io, gr) { _, _, g in g } }
}
