/// `noise.perlin`: gradient noise (Perlin's improved noise, 2002): at every lattice corner a
/// seeded gradient from the twelve cube-edge directions, dotted with the offset to the corner
/// and blended with the quintic fade. About −1…1, 0 on the lattice, smoother than value noise.
///
/// Ports as `noise.value` (x, y, z, freq = 1). The gradient of corner h (hash & 15) is
/// Perlin's: u = x if h < 8 else y; v = y if h < 4, x if h is 12 or 14, else z; the result is
/// ±u ± v with the signs from bits 0 and 1 of h.
public struct NoisePerlin: NeuronKind {
    public static let name = "noise.perlin"
    public static let summary = "gradient (Perlin) noise, about −1…1, at (x·freq, y·freq, z), seeded"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { NoiseLattice.inputs }
    public var outputs: [PortSpec] { [PortSpec("y")] }

    /// The gradient vector of each lane's corner hash, by bit arithmetic alone (lane masks
    /// from shifts and subtractions; comparisons of integer vectors compiled to per-lane code
    /// and made this kind 40× slower).
    @inline(__always)
    static func gradient(_ h: NoiseLattice.U) -> (FastMath.V, FastMath.V, FastMath.V) {
        typealias U = NoiseLattice.U
        let one = U(repeating: 0x3F80_0000)                       // 1.0
        let su = one | ((h & 1) &<< 31), sv = one | ((h & 2) &<< 30)   // ±1.0
        let uIsX = ((h &>> 3) & 1) &- 1                            // h < 8 (bit 3 clear)
        let vIsY = ((((h &>> 2) & 3) &+ 3) &>> 2) &- 1              // h < 4
        let vIsX = (((((h & 13) ^ 12)) &+ 15) &>> 4) &- 1          // h is 12 or 14
        let vIsZ = ~(vIsY | vIsX)
        @inline(__always) func f(_ b: U) -> FastMath.V { unsafeBitCast(b, to: FastMath.V.self) }
        return (f(su & uIsX) + f(sv & vIsX), f(su & ~uIsX) + f(sv & vIsY), f(sv & vIsZ))
    }

    @inline(__always)
    static func kernel(_ X: FastMath.V, _ Y: FastMath.V, _ Z: FastMath.V, _ seed: UInt32, _ derivatives: Bool)
        -> (n: FastMath.V, dx: FastMath.V, dy: FastMath.V, dz: FastMath.V) {
        let sx = NoiseLattice.split(X), sy = NoiseLattice.split(Y), sz = NoiseLattice.split(Z)
        let i0 = sx.cell, j0 = sy.cell, k0 = sz.cell, i1 = i0 &+ 1, j1 = j0 &+ 1, k1 = k0 &+ 1
        let x0 = sx.frac, y0 = sy.frac, z0 = sz.frac, x1 = x0 - 1, y1 = y0 - 1, z1 = z0 - 1
        typealias G = (FastMath.V, FastMath.V, FastMath.V)
        @inline(__always) func g(_ i: NoiseLattice.U, _ j: NoiseLattice.U, _ k: NoiseLattice.U) -> G {
            gradient(NoiseLattice.hash(i, j, k, seed))
        }
        let g0 = g(i0, j0, k0), g1 = g(i1, j0, k0), g2 = g(i0, j1, k0), g3 = g(i1, j1, k0)
        let g4 = g(i0, j0, k1), g5 = g(i1, j0, k1), g6 = g(i0, j1, k1), g7 = g(i1, j1, k1)
        @inline(__always) func dot(_ q: G, _ a: FastMath.V, _ b: FastMath.V, _ c: FastMath.V) -> FastMath.V {
            (q.0 * a).madd(q.1, b).madd(q.2, c)
        }
        let c = (dot(g0, x0, y0, z0), dot(g1, x1, y0, z0), dot(g2, x0, y1, z0), dot(g3, x1, y1, z0),
                 dot(g4, x0, y0, z1), dot(g5, x1, y0, z1), dot(g6, x0, y1, z1), dot(g7, x1, y1, z1))
        let fu = NoiseLattice.fade(x0), fv = NoiseLattice.fade(y0), fw = NoiseLattice.fade(z0)
        let t = NoiseLattice.trilinear(c, fu.f, fv.f, fw.f, derivatives: derivatives)
        guard derivatives else { return (t.n, .zero, .zero, .zero) }
        // ∂n/∂X = fade′·∂n/∂u + the corners' own gradients blended with the same weights.
        let bx = NoiseLattice.trilinear((g0.0, g1.0, g2.0, g3.0, g4.0, g5.0, g6.0, g7.0), fu.f, fv.f, fw.f, derivatives: false).n
        let by = NoiseLattice.trilinear((g0.1, g1.1, g2.1, g3.1, g4.1, g5.1, g6.1, g7.1), fu.f, fv.f, fw.f, derivatives: false).n
        let bz = NoiseLattice.trilinear((g0.2, g1.2, g2.2, g3.2, g4.2, g5.2, g6.2, g7.2), fu.f, fv.f, fw.f, derivatives: false).n
        return (t.n, bx.madd(t.du, fu.d), by.madd(t.dv, fv.d), bz.madd(t.dw, fw.d))
    }

    public func forward(_ io: KernelIO) { NoiseLattice.forward(io, Self.kernel) }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) { NoiseLattice.backward(io, gr, Self.kernel) }
}
