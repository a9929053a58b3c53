/// Branch-free polynomial approximations used by the kernels instead of libm.
///
/// libm `sin` costs about 4 ns per Float here; this odd degree-11 polynomial after a
/// Cody–Waite reduction by π costs about 0.3–0.5 ns per lane in `SIMD16<Float>` with FMA
/// (`-Xcc -march=x86-64-v3`), with a maximum error near 1.2e-7 for |x| < 1e4. Accuracy degrades
/// slowly beyond that (the reduction uses a two-part π); phases are kept small by the kernels.
public enum FastMath {
    public typealias V = SIMD16<Float>

    // Two-part π for the reduction x − kπ, exact in the first part.
    @usableFromInline static let piHi: Float = 3.140625
    @usableFromInline static let piLo: Float = 9.67653589793e-4
    @usableFromInline static let invPi: Float = 0.318309886183790671537767526745

    // Minimax coefficients of sin(r)/r on [−π/2, π/2] in powers of r² (degree 11 overall).
    @usableFromInline static let s1: Float = -0.166666666666
    @usableFromInline static let s2: Float = 0.00833333333
    @usableFromInline static let s3: Float = -1.98412698e-4
    @usableFromInline static let s4: Float = 2.75573e-6
    @usableFromInline static let s5: Float = -2.5052e-8

    /// 1.5·2²³: adding it to a float of magnitude below 2²² rounds it to the nearest integer
    /// (ties to even) and leaves that integer in the low mantissa bits. This replaces
    /// `rounded()` and `SIMD16<Int32>(_:)`, which compile to per-lane library calls.
    public static let magic: Float = 12_582_912

    @inlinable @inline(__always)
    public static func bits(_ v: V) -> SIMD16<UInt32> { unsafeBitCast(v, to: SIMD16<UInt32>.self) }

    /// sin(r) for r reduced to [−π/2, π/2]: the odd degree-11 polynomial.
    ///
    /// Not clamped: beyond |x| ≈ 1e5 the reduction is meaningless and the polynomial of the
    /// left-over r can be large or ±inf (1e30 → inf). Clamping r cost a fifth of the field
    /// benchmark, so the kernels keep the fast path and `NonFiniteGuard` names a `sin` whose
    /// argument ran away, like any other non-finite output. Never a trap: no integer
    /// conversion happens here.
    @inlinable @inline(__always)
    static func sinReduced(_ r: V) -> V {
        let r2 = r * r
        var p = V(repeating: s4).madd(r2, V(repeating: s5))
        p = V(repeating: s3).madd(r2, p)
        p = V(repeating: s2).madd(r2, p)
        p = V(repeating: s1).madd(r2, p)
        return r.madd(r * r2, p)
    }

    /// x − n·π with the two-part π (n an integer or half-integer).
    @inlinable @inline(__always)
    static func reduce(_ x: V, _ n: V) -> V {
        x.madd(-n, piHi).madd(-n, piLo)
    }

    /// sin(x) for sixteen lanes at once.
    @inlinable @inline(__always)
    public static func sin(_ x: V) -> V {
        let m = x * invPi + magic
        let y = sinReduced(reduce(x, m - magic))
        // (−1)^k: flip the sign bit where k is odd (k's parity is m's lowest mantissa bit).
        return unsafeBitCast(bits(y) ^ (bits(m) &<< 31), to: V.self)
    }

    /// cos(x) for sixteen lanes, reduced around the odd multiples of π/2 so that large
    /// arguments keep full accuracy (x + π/2 would round away low bits first).
    @inlinable @inline(__always)
    public static func cos(_ x: V) -> V {
        let m = (x * invPi - 0.5) + magic
        let y = sinReduced(reduce(x, (m - magic) + 0.5))
        // cos(x) = (−1)^(k+1) · sin(x − (k + ½)π)
        return unsafeBitCast(bits(y) ^ ((bits(m) &+ 1) &<< 31), to: V.self)
    }

    /// Scalar sine through the same polynomial, for tails and scalar-domain code.
    @inlinable @inline(__always)
    public static func sin(_ x: Float) -> Float { sin(V(repeating: x))[0] }

    /// exp(x) for sixteen lanes: 2^(x·log2 e) with a degree-6 polynomial for the fraction.
    /// Relative error about 2e-7 on [−87, 88]; inputs are clamped to that range.
    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        let xc = clamp(x, -87, 88)
        let t = xc * 1.44269504088896341
        let mt = t + magic
        let n = mt - magic
        let f = (t - n) * 0.693147180559945309   // f in [−ln 2 / 2, ln 2 / 2]
        var p = V(repeating: 1.0 / 720)
        p = V(repeating: 1.0 / 120).madd(f, p)
        p = V(repeating: 1.0 / 24).madd(f, p)
        p = V(repeating: 1.0 / 6).madd(f, p)
        p = V(repeating: 0.5).madd(f, p)
        p = V(repeating: 1).madd(f, p)
        p = V(repeating: 1).madd(f, p)
        // n sits in m's low mantissa bits: bits(m) − bits(magic) = n (two's complement).
        let scale = unsafeBitCast((bits(mt) &- 0x4B40_0000 &+ 127) &<< 23, to: V.self)
        return p * scale
    }

    /// tanh(x) = 1 − 2/(e^{2x}+1), saturating cleanly for large |x|.
    @inlinable @inline(__always)
    public static func tanh(_ x: V) -> V {
        let e = exp(x * 2)
        return 1 - 2 / (e + 1)
    }

    /// x clamped to [lo, hi] with compare masks: `SIMD.clamped` compiles to a per-lane loop.
    @inlinable @inline(__always)
    public static func clamp(_ x: V, _ lo: Float, _ hi: Float) -> V {
        let l = V(repeating: lo), h = V(repeating: hi)
        return x.replacing(with: l, where: x .< l).replacing(with: h, where: x .> h)
    }

    /// ⌊x⌋ for |x| < 2²², by the magic-number rounding (`rounded(.down)` is a per-lane call).
    @inlinable @inline(__always)
    public static func floor(_ x: V) -> V {
        let r = (x + magic) - magic
        return r.replacing(with: r - 1, where: r .> x)
    }

    /// |x| for sixteen lanes, by clearing the sign bit.
    @inlinable @inline(__always)
    public static func abs(_ x: V) -> V {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: V.self)
    }

    /// atan2(y, x) for sixteen lanes (max error about 1e-5 rad); used by `coord.theta`.
    /// Octant reduction to a ∈ [0, 1], then an odd degree-11 polynomial for atan(a).
    @inlinable @inline(__always)
    public static func atan2(_ y: V, _ x: V) -> V {
        let ax = Self.abs(x), ay = Self.abs(y)
        let mx = ax.replacing(with: ay, where: ay .> ax), mn = ax.replacing(with: ay, where: ay .< ax)
        let a = mn / mx.replacing(with: 1e-30, where: mx .< 1e-30)
        let s = a * a
        var p = V(repeating: -0.01172120)
        p = V(repeating: 0.05265332).madd(s, p)
        p = V(repeating: -0.11643287).madd(s, p)
        p = V(repeating: 0.19354346).madd(s, p)
        p = V(repeating: -0.33262347).madd(s, p)
        p = V(repeating: 0.99997726).madd(s, p)
        var r = a * p
        r.replace(with: 1.57079632679 - r, where: ay .> ax)
        r.replace(with: 3.14159265359 - r, where: x .< 0)
        r.replace(with: -r, where: y .< 0)
        return r
    }
}
