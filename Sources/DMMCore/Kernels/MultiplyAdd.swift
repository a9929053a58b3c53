import CPUFeatures

/// `self + a·b` as fast as the compile target allows, never as a library call.
///
/// `addingProduct` is exact (one rounding) and, on a target with FMA, one instruction; on a
/// target without it (a plain `swift build -c release` for x86-64) LLVM has to call libm's
/// `fmaf` once per lane, which made a plain build 30–40× slower than a tuned one. `madd`
/// picks at compile time: the fused instruction where the target has it, otherwise a
/// multiply and an add (two roundings). Every kernel and the down movement use it, so within
/// one build every path computes the same bits; across builds with different target flags,
/// results may differ in the last bit.
extension SIMD where Scalar: FloatingPoint {
    @_transparent
    public func madd(_ a: Self, _ b: Self) -> Self {
        if dmm_target_has_fma() != 0 { return addingProduct(a, b) }
        return self + a * b
    }
    @_transparent
    public func madd(_ a: Scalar, _ b: Self) -> Self {
        if dmm_target_has_fma() != 0 { return addingProduct(a, b) }
        return self + a * b
    }
    @_transparent
    public func madd(_ a: Self, _ b: Scalar) -> Self {
        if dmm_target_has_fma() != 0 { return addingProduct(a, b) }
        return self + a * b
    }
}

extension FloatingPoint {
    @_transparent
    public func madd(_ a: Self, _ b: Self) -> Self {
        if dmm_target_has_fma() != 0 { return addingProduct(a, b) }
        return self + a * b
    }
}

/// True when the build's target fuses multiply-adds (for reports and benchmarks).
public let targetHasFusedMultiplyAdd: Bool = dmm_target_has_fma() != 0
