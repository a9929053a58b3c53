/// `|x|`: folds a pattern into ridges.
public struct Abs: NeuronKind {
    public static let name = "abs"
    public static let summary = "|x|"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) { Lanes.map1(io) { FastMath.abs($0) } }
    /// The subgradient at 0 is taken as 0.
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { x, _, g in
            var s = FastMath.V(repeating: 0)
            s.replace(with: 1, where: x .> 0)
            s.replace(with: -1, where: x .< 0)
            return g * s
        }
    }
}
