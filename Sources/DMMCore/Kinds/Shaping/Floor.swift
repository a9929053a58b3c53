/// `floor(x)`: the largest whole number not above x (GLSL `floor`), for posterising and
/// pixelating (`floor(8·x)/8`). Piecewise constant: its gradient is 0 everywhere (the jumps
/// have none), so fitting passes nothing through it.
public struct Floor: NeuronKind {
    public static let name = "floor"
    public static let summary = "⌊x⌋ (gradient 0: piecewise constant)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) {
        let x = io.inputs[0], y = io.outputs[0]
        var i = 0
        while i < io.count { Lanes.store(FastMath.floorAll(Lanes.load(x, i)), y, i); i += 16 }
    }
    /// Zero almost everywhere; nothing to add.
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {}
}
