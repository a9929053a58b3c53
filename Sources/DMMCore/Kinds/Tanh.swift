/// `tanh(x)`: a soft clip, for fields (contrast) and signals (saturation) alike.
public struct Tanh: NeuronKind {
    public static let name = "tanh"
    public static let summary = "tanh(x), a soft clip"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) { Lanes.map1(io) { FastMath.tanh($0) } }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { _, y, g in g * (1 - y * y) }
    }
}
