/// The logistic function `1/(1 + e^(−x))`: a soft step from 0 to 1.
///
/// Neural-network CPPNs end in it (the JAX fitting benchmark's output layer is one), so a
/// network trained elsewhere can be written as a patch unchanged. For the picture, which
/// spans −1…1, wire `out.r = 2 sig − 1` (or use `tanh`, since 2·sigmoid(x) − 1 = tanh(x/2)).
public struct Sigmoid: NeuronKind {
    public static let name = "sigmoid"
    public static let summary = "1/(1 + e^(−x)), a soft step from 0 to 1"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) { Lanes.map1(io) { x in Lanes.V(repeating: 1) / (1 + Self.exp(-x)) } }
    /// dy/dx = y·(1 − y).
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { _, y, g in g * y * (1 - y) }
    }

    /// `FastMath.exp` with the input clamped by masks: `SIMD.clamped` compiles to a per-lane
    /// loop (pointwise min/max keep NaN rules), which made this kernel 20× slower than `sin`.
    @inline(__always)
    static func exp(_ x: Lanes.V) -> Lanes.V {
        var xc = x
        xc.replace(with: -87, where: x .< -87)
        xc.replace(with: 88, where: x .> 88)
        let t = xc * 1.44269504088896341
        let mt = t + FastMath.magic
        let n = mt - FastMath.magic
        let f = (t - n) * 0.693147180559945309
        var p = Lanes.V(repeating: 1.0 / 720)
        p = Lanes.V(repeating: 1.0 / 120).addingProduct(f, p)
        p = Lanes.V(repeating: 1.0 / 24).addingProduct(f, p)
        p = Lanes.V(repeating: 1.0 / 6).addingProduct(f, p)
        p = Lanes.V(repeating: 0.5).addingProduct(f, p)
        p = Lanes.V(repeating: 1).addingProduct(f, p)
        p = Lanes.V(repeating: 1).addingProduct(f, p)
        let scale = unsafeBitCast((FastMath.bits(mt) &- 0x4B40_0000 &+ 127) &<< 23, to: Lanes.V.self)
        return p * scale
    }
}
