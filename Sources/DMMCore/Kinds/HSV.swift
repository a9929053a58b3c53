/// The picture in hue, saturation, value: each input in −1…1. Hue wraps (−1 and 1 are both
/// red); saturation and value map −1…1 onto 0…1 and clamp. Outputs r, g, b in −1…1.
public struct HSV: NeuronKind {
    public static let name = "hsv"
    public static let summary = "picture output from hue (wraps), saturation, value in −1…1"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("h", .fixed(.field)), PortSpec("s", .fixed(.field)), PortSpec("v", .fixed(.field))] }
    public var outputs: [PortSpec] { [PortSpec("r", .fixed(.field)), PortSpec("g", .fixed(.field)), PortSpec("b", .fixed(.field))] }
    public var traits: KindTraits { [.display] }

    typealias V = FastMath.V
    static let offsets: [Float] = [0, 2.0 / 3, 1.0 / 3]

    /// Per channel: f = clamp(|6·fract(H + k) − 3| − 1, 0, 1); c = v′·(1 − s′·(1 − f)).
    @inline(__always)
    static func channel(_ H: V, _ k: Float) -> (f: V, df: V) {
        let u = H + k
        let fr = u - FastMath.floor(u)
        let q = fr * 6 - 3
        let raw = FastMath.abs(q) - 1
        let f = FastMath.clamp(raw, 0, 1)
        var df = V(repeating: 0)
        let inside = (raw .> 0) .& (raw .< 1)
        df.replace(with: 6, where: inside .& (q .> 0))
        df.replace(with: -6, where: inside .& (q .< 0))
        return (f, df)
    }

    public func forward(_ io: KernelIO) {
        let h = io.inputs[0], s = io.inputs[1], v = io.inputs[2]
        var i = 0
        while i < io.count {
            let H = (Lanes.load(h, i) + 1) * 0.5
            let S = FastMath.clamp((Lanes.load(s, i) + 1) * 0.5, 0, 1)
            let Vv = FastMath.clamp((Lanes.load(v, i) + 1) * 0.5, 0, 1)
            for c in 0..<3 {
                let f = Self.channel(H, Self.offsets[c]).f
                Lanes.store(Vv * (1 - S * (1 - f)) * 2 - 1, io.outputs[c], i)
            }
            i += 16
        }
    }

    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let h = io.inputs[0], s = io.inputs[1], v = io.inputs[2]
        var i = 0
        while i < io.count {
            let H = (Lanes.load(h, i) + 1) * 0.5
            let sraw = (Lanes.load(s, i) + 1) * 0.5, vraw = (Lanes.load(v, i) + 1) * 0.5
            let S = FastMath.clamp(sraw, 0, 1)
            let Vv = FastMath.clamp(vraw, 0, 1)
            var dS = V(repeating: 0.5), dV = V(repeating: 0.5)   // d(S)/d(s) inside the clamp
            dS.replace(with: 0, where: (sraw .<= 0) .| (sraw .>= 1))
            dV.replace(with: 0, where: (vraw .<= 0) .| (vraw .>= 1))
            var gh = V(repeating: 0), gs = V(repeating: 0), gv = V(repeating: 0)
            for c in 0..<3 {
                let (f, df) = Self.channel(H, Self.offsets[c])
                let g = Lanes.load(gr.outputGrads[c], i) * 2
                gv += g * (1 - S * (1 - f)) * dV
                gs += g * -(Vv * (1 - f)) * dS
                gh += g * Vv * S * df * 0.5
            }
            Lanes.store(Lanes.load(gr.inputGrads[0], i) + gh, gr.inputGrads[0], i)
            Lanes.store(Lanes.load(gr.inputGrads[1], i) + gs, gr.inputGrads[1], i)
            Lanes.store(Lanes.load(gr.inputGrads[2], i) + gv, gr.inputGrads[2], i)
            i += 16
        }
    }
}
