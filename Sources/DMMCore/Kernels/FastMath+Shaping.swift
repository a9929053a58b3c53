/// Rounding and logarithms for the shaping kinds (`floor`, `fract`, `mod`, `pow`) and the noise
/// fields, branch-free over sixteen lanes like the rest of `FastMath`.
extension FastMath {
    /// 2²³: every Float of at least this magnitude is an integer.
    @usableFromInline static let twoTo23: Float = 8_388_608

    /// ⌊x⌋ for every finite x (and ±inf, NaN passed through).
    ///
    /// `FastMath.floor` is exact only below 2²²; the shaping kinds take any input, so this one
    /// rounds |x| with 2²³ (exact for |x| < 2²³, where Float still has fractions) and keeps x
    /// itself above, where it is already whole.
    @inlinable @inline(__always)
    public static func floorAll(_ x: V) -> V {
        let a = abs(x)
        let big = V(repeating: twoTo23)
        let ra = (a + big) - big                         // |x| rounded to nearest (ties to even)
        var r = unsafeBitCast(bits(ra) | (bits(x) & 0x8000_0000), to: V.self)   // with x's sign
        r.replace(with: x, where: .!(a .< big))          // whole already (also ±inf; NaN stays NaN below)
        return r.replacing(with: r - 1, where: r .> x)
    }

    /// Natural logarithm for x > 0 (Cephes `logf`: exponent split, then a degree-9 polynomial
    /// on the mantissa in [√½, √2)); relative error about 1e-7. x ≤ 0 or subnormal inputs are
    /// the caller's to avoid (the kernels clamp to `Float.leastNormalMagnitude`).
    @inlinable @inline(__always)
    public static func log(_ x: V) -> V {
        let b = bits(x)
        // The biased exponent as a Float through the magic number (no conversion instruction).
        var ef = unsafeBitCast(((b &>> 23) & 0xff) | 0x4B00_0000, to: V.self) - (8_388_608 + 126)
        var m = unsafeBitCast((b & 0x807f_ffff) | 0x3f00_0000, to: V.self)   // in [0.5, 1)
        let small = m .< 0.707106781186547524
        ef.replace(with: ef - 1, where: small)
        m = m.replacing(with: m + m, where: small) - 1
        let z = m * m
        var y = V(repeating: 7.0376836292e-2)
        y = V(repeating: -1.1514610310e-1).madd(y, m)
        y = V(repeating: 1.1676998740e-1).madd(y, m)
        y = V(repeating: -1.2420140846e-1).madd(y, m)
        y = V(repeating: 1.4249322787e-1).madd(y, m)
        y = V(repeating: -1.6668057665e-1).madd(y, m)
        y = V(repeating: 2.0000714765e-1).madd(y, m)
        y = V(repeating: -2.4999993993e-1).madd(y, m)
        y = V(repeating: 3.3333331174e-1).madd(y, m)
        y = y * m * z
        y = y.madd(ef, V(repeating: -2.12194440e-4))
        y = y.madd(z, V(repeating: -0.5))
        return (m + y).madd(ef, V(repeating: 0.693359375))
    }
}
