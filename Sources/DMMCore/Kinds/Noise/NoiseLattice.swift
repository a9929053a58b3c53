/// The integer lattice shared by the noise fields: cells, hashing, the quintic fade, and the
/// loops that feed a kernel (x, y, z, freq) and take its derivatives back.
///
/// Everything is integer arithmetic and polynomials over `SIMD16`: no libm, no tables, no
/// branches, so a lane's value depends only on its inputs and the seed (tiles and threads
/// cannot change a pixel). The spec the tests re-implement in Double:
///   * the noise is evaluated at (X, Y, Z) = (x·freq, y·freq, z), each clamped to ±2²¹ cells
///     (beyond that Float has no fraction left; the noise is constant there, gradient 0);
///   * cell i = ⌊X⌋ (likewise j, k), the fraction f = X − i;
///   * hash(i, j, k) = lowbias32(i·0x8DA6B343 ⊕ j·0xD8163841 ⊕ k·0xCB1AB31F ⊕ seed32), with
///     the integers as 32-bit two's complement and lowbias32 the mixer
///     h ^= h>>16; h *= 0x7FEB352D; h ^= h>>15; h *= 0x846CA68B; h ^= h>>16;
///   * seed32 = the 64-bit neuron seed folded as lo ⊕ hi (the patch `seed` mixed with the
///     neuron's index, so two noise neurons differ and renders repeat exactly);
///   * fade(t) = t³(t(6t − 15) + 10), C² so the fields and their gradients are continuous.
package enum NoiseLattice {
    typealias V = SIMD16<Float>
    typealias U = SIMD16<UInt32>

    /// Coordinates beyond this many cells are clamped.
    static let limit: Float = 2_097_152

    /// The neuron seed folded to the 32 bits the hash takes (also the JAX export's).
    @inline(__always)
    package static func seed32(_ s: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: s ^ (s >> 32)) }

    /// The cell (two's complement in a UInt32), the fraction in [0, 1), and where the
    /// coordinate was inside the clamp (the gradient flows there only).
    @inline(__always)
    static func split(_ x: V) -> (cell: U, frac: V, inside: SIMDMask<SIMD16<Int32>>) {
        let inside = FastMath.abs(x) .< limit
        let xc = FastMath.clamp(x, -limit, limit)
        let fl = FastMath.floor(xc)
        // fl + 1.5·2²³ is exact; its low mantissa bits hold fl in two's complement.
        let cell = FastMath.bits(fl + FastMath.magic) &- 0x4B40_0000
        return (cell, xc - fl, inside)
    }

    @inline(__always)
    static func hash(_ i: U, _ j: U, _ k: U, _ seed: UInt32) -> U {
        var h = (i &* 0x8DA6_B343) ^ (j &* 0xD816_3841) ^ (k &* 0xCB1A_B31F) ^ U(repeating: seed)
        h ^= h &>> 16; h &*= 0x7FEB_352D
        h ^= h &>> 15; h &*= 0x846C_A68B
        h ^= h &>> 16
        return h
    }

    /// The top 23 bits of h as a Float in [−1, 1): through the [1, 2) exponent, no conversion.
    @inline(__always)
    static func signedUnit(_ h: U) -> V {
        unsafeBitCast((h &>> 9) | 0x3F80_0000, to: V.self) * 2 - 3
    }

    /// fade(t) and its derivative 30t²(t − 1)².
    @inline(__always)
    static func fade(_ t: V) -> (f: V, d: V) {
        let t2 = t * t
        let f = t2 * t * V(repeating: 10).madd(t, V(repeating: -15).madd(t, V(repeating: 6)))
        let u = t - 1
        return (f, 30 * t2 * u * u)
    }

    /// Trilinear interpolation of eight corner values (index dx + 2dy + 4dz) at weights
    /// (u, v, w), with the partial derivatives with respect to u, v and w.
    @inline(__always)
    static func trilinear(_ c: (V, V, V, V, V, V, V, V), _ u: V, _ v: V, _ w: V, derivatives: Bool)
        -> (n: V, du: V, dv: V, dw: V) {
        let e0 = c.1 - c.0, e1 = c.3 - c.2, e2 = c.5 - c.4, e3 = c.7 - c.6
        let a0 = c.0.madd(u, e0), a1 = c.2.madd(u, e1), a2 = c.4.madd(u, e2), a3 = c.6.madd(u, e3)
        let b0 = a0.madd(v, a1 - a0), b1 = a2.madd(v, a3 - a2)
        let n = b0.madd(w, b1 - b0)
        guard derivatives else { return (n, .zero, .zero, .zero) }
        let f0 = e0.madd(v, e1 - e0), f1 = e2.madd(v, e3 - e2)
        let du = f0.madd(w, f1 - f0)
        let g0 = a1 - a0, g1 = a3 - a2
        let dv = g0.madd(w, g1 - g0)
        return (n, du, dv, b1 - b0)
    }

    /// A noise kernel: the value at (X, Y, Z) and, when asked, ∂/∂X, ∂/∂Y, ∂/∂Z.
    typealias Kernel = (V, V, V, UInt32, Bool) -> (n: V, dx: V, dy: V, dz: V)

    /// Forward of a noise kind: inputs x, y, z, freq; output y.
    @inline(__always)
    static func forward(_ io: KernelIO, _ kernel: Kernel) {
        let x = io.inputs[0], y = io.inputs[1], z = io.inputs[2], f = io.inputs[3], out = io.outputs[0]
        let seed = seed32(io.context.seed)
        var i = 0
        while i < io.count {
            let fv = Lanes.load(f, i)
            Lanes.store(kernel(Lanes.load(x, i) * fv, Lanes.load(y, i) * fv, Lanes.load(z, i), seed, false).n, out, i)
            i += 16
        }
    }

    /// Backward of a noise kind: ∂/∂x = freq·∂n/∂X, ∂/∂y = freq·∂n/∂Y, ∂/∂z = ∂n/∂Z,
    /// ∂/∂freq = x·∂n/∂X + y·∂n/∂Y (0 where a coordinate was clamped).
    @inline(__always)
    static func backward(_ io: KernelIO, _ gr: KernelGrads, _ kernel: Kernel) {
        let x = io.inputs[0], y = io.inputs[1], z = io.inputs[2], f = io.inputs[3], g = gr.outputGrads[0]
        let gx = gr.inputGrads[0], gy = gr.inputGrads[1], gz = gr.inputGrads[2], gf = gr.inputGrads[3]
        let seed = seed32(io.context.seed)
        var i = 0
        while i < io.count {
            let xv = Lanes.load(x, i), yv = Lanes.load(y, i), zv = Lanes.load(z, i), fv = Lanes.load(f, i)
            let X = xv * fv, Y = yv * fv, Z = zv
            let r = kernel(X, Y, Z, seed, true)
            let gv = Lanes.load(g, i)
            var dX = r.dx * gv, dY = r.dy * gv, dZ = r.dz * gv
            dX.replace(with: 0, where: .!(FastMath.abs(X) .< limit))
            dY.replace(with: 0, where: .!(FastMath.abs(Y) .< limit))
            dZ.replace(with: 0, where: .!(FastMath.abs(Z) .< limit))
            Lanes.store(Lanes.load(gx, i).madd(dX, fv), gx, i)
            Lanes.store(Lanes.load(gy, i).madd(dY, fv), gy, i)
            Lanes.store(Lanes.load(gz, i) + dZ, gz, i)
            Lanes.store(Lanes.load(gf, i).madd(dX, xv).madd(dY, yv), gf, i)
            i += 16
        }
    }

    /// The ports every noise field has.
    static let inputs = [PortSpec("x"), PortSpec("y"), PortSpec("z"), PortSpec("freq", default: 1)]
}
