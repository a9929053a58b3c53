/// `tanh(x)`: a soft clip, for fields (contrast) and signals (saturation) alike.
public struct Tanh: NeuronKind {
    public static let name = "tanh"
    public static let summary = "tanh(x), a soft clip"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) {
        let x = io.inputs[0], y = io.outputs[0]
        var i = 0
        while i < io.count { Lanes.store(FastMath.tanh(Lanes.load(x, i)), y, i); i += 16 }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { _, y, g in g * (1 - y * y) }
    }
}
