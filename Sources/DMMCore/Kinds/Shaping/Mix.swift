/// `mix(a, b, t) = a + (b − a)·t` (GLSL `mix`): crossfades fields, signals or scalars; t is
/// not clamped (t outside 0…1 extrapolates, as in GLSL). Gradients: ∂/∂a = 1 − t, ∂/∂b = t,
/// ∂/∂t = b − a.
public struct Mix: NeuronKind {
    public static let name = "mix"
    public static let summary = "a + (b − a)·t, a crossfade (GLSL mix)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a"), PortSpec("b"), PortSpec("t")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) {
        let a = io.inputs[0], b = io.inputs[1], t = io.inputs[2], y = io.outputs[0]
        var i = 0
        while i < io.count {
            let av = Lanes.load(a, i)
            Lanes.store(av.madd(Lanes.load(b, i) - av, Lanes.load(t, i)), y, i); i += 16
        }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let a = io.inputs[0], b = io.inputs[1], t = io.inputs[2], g = gr.outputGrads[0]
        let ga = gr.inputGrads[0], gb = gr.inputGrads[1], gt = gr.inputGrads[2]
        var i = 0
        while i < io.count {
            let gv = Lanes.load(g, i), tv = Lanes.load(t, i)
            let gtv = gv * tv
            Lanes.store(Lanes.load(ga, i) + (gv - gtv), ga, i)
            Lanes.store(Lanes.load(gb, i) + gtv, gb, i)
            Lanes.store(Lanes.load(gt, i).madd(gv, Lanes.load(b, i) - Lanes.load(a, i)), gt, i)
            i += 16
        }
    }
}
