/// `noise.value`: value noise, seeded random values on the integer lattice blended with the
/// quintic fade, in [−1, 1).
///
/// The cheapest organic field: blobs one cell wide. Inputs x, y (fields or scalars), z (time or
/// any scalar; a field makes a slice through 3-D noise) and freq (cells per coordinate unit,
/// default 1, scaling x and y only). Continuous with a continuous gradient in all three
/// coordinates; the lattice and hash are specified in `NoiseLattice`. Each corner's value is
/// the top 23 bits of its hash mapped onto [−1, 1).
public struct NoiseValue: NeuronKind {
    public static let name = "noise.value"
    public static let summary = "value noise in [−1, 1) at (x·freq, y·freq, z), seeded; freq defaults to 1"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { NoiseLattice.inputs }
    public var outputs: [PortSpec] { [PortSpec("y")] }

    @inline(__always)
    static func kernel(_ X: FastMath.V, _ Y: FastMath.V, _ Z: FastMath.V, _ seed: UInt32, _ derivatives: Bool)
        -> (n: FastMath.V, dx: FastMath.V, dy: FastMath.V, dz: FastMath.V) {
        let sx = NoiseLattice.split(X), sy = NoiseLattice.split(Y), sz = NoiseLattice.split(Z)
        let i0 = sx.cell, j0 = sy.cell, k0 = sz.cell, i1 = i0 &+ 1, j1 = j0 &+ 1, k1 = k0 &+ 1
        @inline(__always) func v(_ i: NoiseLattice.U, _ j: NoiseLattice.U, _ k: NoiseLattice.U) -> FastMath.V {
            NoiseLattice.signedUnit(NoiseLattice.hash(i, j, k, seed))
        }
        let c = (v(i0, j0, k0), v(i1, j0, k0), v(i0, j1, k0), v(i1, j1, k0),
                 v(i0, j0, k1), v(i1, j0, k1), v(i0, j1, k1), v(i1, j1, k1))
        let fu = NoiseLattice.fade(sx.frac), fv = NoiseLattice.fade(sy.frac), fw = NoiseLattice.fade(sz.frac)
        let t = NoiseLattice.trilinear(c, fu.f, fv.f, fw.f, derivatives: derivatives)
        return (t.n, t.du * fu.d, t.dv * fv.d, t.dw * fw.d)
    }

    public func forward(_ io: KernelIO) { NoiseLattice.forward(io, Self.kernel) }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) { NoiseLattice.backward(io, gr, Self.kernel) }
}
