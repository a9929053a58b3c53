/// `fract(x) = x − ⌊x⌋` in [0, 1) (GLSL `fract`): repeats a coordinate (`fract(4·x)` tiles
/// the plane), a sawtooth over time. The gradient is 1 between the jumps; at a jump (x whole)
/// it is taken as 1 too, the one-sided derivative.
public struct Fract: NeuronKind {
    public static let name = "fract"
    public static let summary = "x − ⌊x⌋ in [0, 1) (gradient 1 between the jumps)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) {
        let x = io.inputs[0], y = io.outputs[0]
        var i = 0
        while i < io.count {
            let v = Lanes.load(x, i)
            Lanes.store(v - FastMath.floorAll(v), y, i); i += 16
        }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) { Lanes.vjp1(io, gr) { _, _, g in g } }
}
