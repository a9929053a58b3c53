/// `y = x`: a relay. One tick of delay, a named mix point, a tap to read a sum from.
public struct Identity: NeuronKind {
    public static let name = "id"
    public static let summary = "y = x (a named mix point; one tick of delay)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public var traits: KindTraits { [.identity] }
    public func forward(_ io: KernelIO) { Lanes.map1(io) { $0 } }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) { Lanes.vjp1(io, gr) { _, _, g in g } }
}
