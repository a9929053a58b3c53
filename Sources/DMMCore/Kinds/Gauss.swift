/// `exp(−x²)`: a smooth bump, handy for rings (`coord.r` in) and soft masks.
public struct Gauss: NeuronKind {
    public static let name = "gauss"
    public static let summary = "exp(−x²), a smooth bump"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) { Lanes.map1(io) { x in FastMath.exp(-(x * x)) } }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { x, y, g in g * y * x * -2 }
    }
}
