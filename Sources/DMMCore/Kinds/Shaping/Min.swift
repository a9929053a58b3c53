/// `min(a, b)`: the smaller input (GLSL `min`), for unions of distance fields and ceilings.
/// The gradient goes to the input that is returned; at a tie (a = b) all of it goes to a.
public struct Min: NeuronKind {
    public static let name = "min"
    public static let summary = "the smaller of a, b (a tie's gradient goes to a)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a"), PortSpec("b")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) { Lanes.map2(io) { a, b in a.replacing(with: b, where: b .< a) } }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        PickGradient.backward(io, gr) { a, b in b .< a }
    }
}

/// Shared backward of `min` and `max`: the gradient to b where `pickB`, else to a.
enum PickGradient {
    @inline(__always)
    static func backward(_ io: KernelIO, _ gr: KernelGrads, _ pickB: (FastMath.V, FastMath.V) -> SIMDMask<SIMD16<Int32>>) {
        let a = io.inputs[0], b = io.inputs[1], g = gr.outputGrads[0]
        let ga = gr.inputGrads[0], gb = gr.inputGrads[1]
        let zero = FastMath.V(repeating: 0)
        var i = 0
        while i < io.count {
            let gv = Lanes.load(g, i)
            let m = pickB(Lanes.load(a, i), Lanes.load(b, i))
            Lanes.store(Lanes.load(ga, i) + gv.replacing(with: zero, where: m), ga, i)
            Lanes.store(Lanes.load(gb, i) + zero.replacing(with: gv, where: m), gb, i)
            i += 16
        }
    }
}
