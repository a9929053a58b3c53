/// `noise.worley`: cellular (Worley) noise, F1: the distance to the nearest seeded feature
/// point, as 2·F1 − 1 (−1 on a point, about 0 on average, up to 1.53 in a far corner).
///
/// One point per lattice cell at cell + ½ + 0.46·(r − ½), r ∈ [0, 1)³ from the cell's hash
/// (bits 0–9, 10–19, 20–29, each /1024). The 27 cells around the query are searched, and the
/// jitter is bounded so that this is exact: the own cell's point lies within √3·(½ + 0.23) ≈
/// 1.264 cells, every point outside the 27 cells at least 1.5 − 0.23 = 1.27 away. So F1 is
/// continuous everywhere (no seams where a far point is missed), as are `noise.value` and
/// `noise.perlin`. Gradient ∇F1 = (p − nearest)/F1 (0 on a point; F1 has a crease where two
/// points are equally near, where either side's gradient is taken). Ports as `noise.value`.
public struct NoiseWorley: NeuronKind {
    public static let name = "noise.worley"
    public static let summary = "cellular noise 2·F1 − 1 (F1: distance to the nearest point), seeded"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { NoiseLattice.inputs }
    public var outputs: [PortSpec] { [PortSpec("y")] }

    /// Jitter of a feature point around its cell's centre (see the bound above).
    static let jitter: Float = 0.46

    /// 10 bits of h from `shift` as a Float in [0, 1), exactly.
    @inline(__always)
    static func tenBits(_ h: NoiseLattice.U, _ shift: UInt32) -> FastMath.V {
        (unsafeBitCast(((h &>> shift) & 1023) | 0x4B00_0000, to: FastMath.V.self) - 8_388_608) * (1.0 / 1024)
    }

    @inline(__always)
    static func kernel(_ X: FastMath.V, _ Y: FastMath.V, _ Z: FastMath.V, _ seed: UInt32, _ derivatives: Bool)
        -> (n: FastMath.V, dx: FastMath.V, dy: FastMath.V, dz: FastMath.V) {
        let sx = NoiseLattice.split(X), sy = NoiseLattice.split(Y), sz = NoiseLattice.split(Z)
        var best = FastMath.V(repeating: .infinity)
        var bx = FastMath.V(), by = FastMath.V(), bz = FastMath.V()
        let centre = FastMath.V(repeating: 0.5 - jitter / 2)
        for oz: Int32 in -1...1 {
            let k = sz.cell &+ UInt32(bitPattern: oz)
            let pz = FastMath.V(repeating: Float(oz)) + centre - sz.frac
            for oy: Int32 in -1...1 {
                let j = sy.cell &+ UInt32(bitPattern: oy)
                let py = FastMath.V(repeating: Float(oy)) + centre - sy.frac
                for ox: Int32 in -1...1 {
                    let i = sx.cell &+ UInt32(bitPattern: ox)
                    let px = FastMath.V(repeating: Float(ox)) + centre - sx.frac
                    let h = NoiseLattice.hash(i, j, k, seed)
                    // Offset from the query to the point.
                    let dx = px.madd(jitter, tenBits(h, 0))
                    let dy = py.madd(jitter, tenBits(h, 10))
                    let dz = pz.madd(jitter, tenBits(h, 20))
                    let d2 = (dx * dx).madd(dy, dy).madd(dz, dz)
                    let nearer = d2 .< best
                    best.replace(with: d2, where: nearer)
                    if derivatives {
                        bx.replace(with: dx, where: nearer); by.replace(with: dy, where: nearer); bz.replace(with: dz, where: nearer)
                    }
                }
            }
        }
        let f1 = best.squareRoot()
        let n = f1 * 2 - 1
        guard derivatives else { return (n, .zero, .zero, .zero) }
        // ∂(2·F1)/∂p = −2·(offset to the point)/F1.
        var s = -2 / f1
        s.replace(with: 0, where: f1 .== 0)
        return (n, bx * s, by * s, bz * s)
    }

    public func forward(_ io: KernelIO) { NoiseLattice.forward(io, Self.kernel) }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) { NoiseLattice.backward(io, gr, Self.kernel) }
}
