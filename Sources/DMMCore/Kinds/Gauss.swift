/// `exp(−x²)`: a smooth bump, handy for rings (`coord.r` in) and soft masks.
public struct Gauss: NeuronKind {
    public static let name = "gauss"
    public static let summary = "exp(−x²), a smooth bump"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    /// A plain loop: through `Lanes.map1` the closure (with `exp` inlined into it) stayed a
    /// call per sixteen lanes.
    public func forward(_ io: KernelIO) {
        let x = io.inputs[0], y = io.outputs[0]
        var i = 0
        while i < io.count { let v = Lanes.load(x, i); Lanes.store(FastMath.exp(-(v * v)), y, i); i += 16 }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { x, y, g in g * y * x * -2 }
    }
}
