/// `sin(a·x + b)`: the neuron the DMM authors single out. Over a coordinate field it draws
/// moving interference patterns; over a signal it is a phase-modulated oscillator; over scalars
/// an LFO. Inputs a (default 1), x and b.
public struct Sin: PhaseKind {
    public static let name = "sin"
    public static let summary = "sin(a·x + b); a defaults to 1"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a", default: 1), PortSpec("x"), PortSpec("b")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    @inline(__always) public static func phase(_ u: FastMath.V) -> FastMath.V { FastMath.sin(u) }
    @inline(__always) public static func phaseDerivative(_ u: FastMath.V) -> FastMath.V { FastMath.cos(u) }
    /// Fused `f(a·x + b)` straight from x's sources when a and b are uniform.
    public func fieldVariant(uniform: [Bool]) -> FieldVariant { phaseVariant(uniform: uniform) }

    public func forward(_ io: KernelIO) {
        // Written out rather than through `Lanes.map3`: the closure was not inlined there and
        // every 16 lanes paid a call with three vectors through memory.
        let a = io.inputs[0], x = io.inputs[1], b = io.inputs[2], y = io.outputs[0]
        var i = 0
        while i < io.count {
            Lanes.store(FastMath.sin(Lanes.load(b, i).madd(Lanes.load(a, i), Lanes.load(x, i))), y, i)
            i += 16
        }
    }

    /// d/da = x·cos, d/dx = a·cos, d/db = cos, with cos(u) = sin(u + π/2).
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        AffinePhase.backward(io, gr) { u in FastMath.cos(u) }
    }
}

/// Shared backward of the `f(a·x + b)` kinds: adds f′(u)·g times x, a and 1.
enum AffinePhase {
    @inline(__always)
    static func backward(_ io: KernelIO, _ gr: KernelGrads, _ fprime: (FastMath.V) -> FastMath.V) {
        let a = io.inputs[0], x = io.inputs[1], b = io.inputs[2], g = gr.outputGrads[0]
        let ga = gr.inputGrads[0], gx = gr.inputGrads[1], gb = gr.inputGrads[2]
        var i = 0
        while i < io.count {
            let av = Lanes.load(a, i), xv = Lanes.load(x, i)
            let d = fprime(Lanes.load(b, i).madd(av, xv)) * Lanes.load(g, i)
            Lanes.store(Lanes.load(ga, i).madd(d, xv), ga, i)
            Lanes.store(Lanes.load(gx, i).madd(d, av), gx, i)
            Lanes.store(Lanes.load(gb, i) + d, gb, i)
            i += 16
        }
    }
}
