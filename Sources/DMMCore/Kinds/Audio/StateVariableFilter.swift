#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The filter core behind `filter.lowpass`, `filter.highpass` and `filter.bandpass`: a
/// trapezoidal (zero-delay-feedback) state-variable filter after Andrew Simper (Cytomic, 2013).
///
/// It matches the analogue prototype at the cutoff exactly (bilinear transform with the cutoff
/// prewarped), stays stable while cutoff and resonance move every sample, and self-oscillates
/// only at the limit. Inputs: in, cutoff (Hz, clamped to 1 Hz … 0.49 × rate), res (resonance:
/// 0 is Butterworth, Q = 0.707, so the lowpass is −3 dB at the cutoff; towards 1 it rings,
/// Q = 0.707 / (1 − res); negative damps). The bandpass is normalised to unity gain at its
/// centre. Coefficients are recomputed only when cutoff or res change.
///
/// `backwardRun` is the reverse of one `run` from a fresh state (what `dmm fit --teacher`
/// differentiates): the transposed recurrence of the two integrators, with each sample's
/// coefficient cotangents chained to that sample's cutoff and res. It recovers the integrator
/// trajectory with `step` and the coefficients with `coefficients`, the forward's own.
enum StateVariableFilter {
    enum Mode { case lowpass, highpass, bandpass }

    /// ic1, ic2 (integrator states), last cutoff, last res, k, a1, a2, a3: eight Floats.
    static let stateBytes = 32

    /// One sample's coefficients: k (damping, 2 − 2·res scaled by √2), a1 = 1/(1 + g(g + k)),
    /// a2 = g·a1, a3 = g²·a1 with g = tan(π·fc/rate).
    struct Coefficients {
        var k: Float, a1: Float, a2: Float, a3: Float
    }

    /// The prewarped gain g = tan(π·fc/rate) with fc = cutoff clamped to 1 … 0.49 × rate (NaN: 1).
    @inline(__always)
    static func gain(_ cutoff: Float, rate: Double) -> Double {
        tan(Double.pi * AudioMath.clamp(Double(cutoff), 1, 0.49 * rate, nan: 1) / rate)
    }

    /// The damping kd = √2·(1 − res) with res clamped to −1 … 0.999 (NaN: 0).
    @inline(__always)
    static func damping(_ res: Float) -> Double {
        1.41421356237309505 * (1 - AudioMath.clamp(Double(res), -1, 0.999, nan: 0))
    }

    /// The coefficients for `cutoff` and `res` at `rate`, as the forward uses them.
    @inline(__always)
    static func coefficients(cutoff: Float, res: Float, rate: Double) -> Coefficients {
        let g = gain(cutoff, rate: rate)
        let kd = damping(res)
        let d1 = 1 / (1 + g * (g + kd))
        return Coefficients(k: Float(kd), a1: Float(d1), a2: Float(g * d1), a3: Float(g * g * d1))
    }

    /// The coefficients' derivatives: by cutoff (`cut`, k does not depend on it) and by res
    /// (`res`), each zero where `gain` or `damping` clamps its argument.
    @inline(__always)
    static func slopes(cutoff: Float, res: Float, rate: Double) -> (cut: Coefficients, res: Coefficients) {
        let g = gain(cutoff, rate: rate), kd = damping(res)
        let c = Double(cutoff), r = Double(res)
        // dg/dcutoff = (π/rate)(1 + g²) and dkd/dres = −√2 inside the clamps (NaN fails both).
        let dg = c > 1 && c < 0.49 * rate ? Double.pi / rate * (1 + g * g) : 0
        let dkd = r > -1 && r < 0.999 ? -1.41421356237309505 : 0
        let d1 = 1 / (1 + g * (g + kd))
        let d1g = -d1 * d1 * (2 * g + kd), d1k = -d1 * d1 * g
        let byG = Coefficients(k: 0, a1: Float(d1g * dg), a2: Float((d1 + g * d1g) * dg), a3: Float((2 * g * d1 + g * g * d1g) * dg))
        let byK = Coefficients(k: Float(dkd), a1: Float(d1k * dkd), a2: Float(g * d1k * dkd), a3: Float(g * g * d1k * dkd))
        return (byG, byK)
    }

    /// One sample through the two trapezoidal integrators: returns the band (v1) and low (v2)
    /// outputs and advances ic1, ic2.
    @inline(__always)
    static func step(_ x: Float, _ ic1: inout Float, _ ic2: inout Float, _ c: Coefficients) -> (v1: Float, v2: Float) {
        let v3 = x - ic2
        let v1 = c.a1 * ic1 + c.a2 * v3
        let v2 = ic2 + c.a2 * ic1 + c.a3 * v3
        ic1 = 2 * v1 - ic1
        ic2 = 2 * v2 - ic2
        return (v1, v2)
    }

    static func run(_ io: KernelIO, mode: Mode) {
        let out = io.outputs[0]
        guard let st = io.state else { out.update(from: io.inputs[0], count: io.count); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0], cutoff = io.inputs[1], res = io.inputs[2]
        let s = st.assumingMemoryBound(to: Float.self)
        var ic1 = s[0], ic2 = s[1], lastCut = s[2], lastRes = s[3]
        var c = Coefficients(k: s[4], a1: s[5], a2: s[6], a3: s[7])
        let rate = io.context.sampleRate
        if c.a1 == 0 { lastCut = .nan }   // fresh state: force coefficients
        for j in 0..<n {
            if cutoff[j] != lastCut || res[j] != lastRes {
                lastCut = cutoff[j]; lastRes = res[j]
                c = coefficients(cutoff: lastCut, res: lastRes, rate: rate)
            }
            let (v1, v2) = step(x[j], &ic1, &ic2, c)
            switch mode {
            case .lowpass: out[j] = v2
            case .bandpass: out[j] = c.k * v1
            case .highpass: out[j] = x[j] - c.k * v1 - v2
            }
        }
        // Flush denormals so a filter left ringing down to silence stays cheap.
        if abs(ic1) < 1e-30 { ic1 = 0 }
        if abs(ic2) < 1e-30 { ic2 = 0 }
        // A non-finite input (or a blow-up) must not stay in the integrators for ever: the
        // block that carried it shows it, the next starts from silence (VCV Rack's rule).
        if !(ic1.isFinite && ic2.isFinite) { ic1 = 0; ic2 = 0 }
        s[0] = ic1; s[1] = ic2; s[2] = lastCut; s[3] = lastRes
        s[4] = c.k; s[5] = c.a1; s[6] = c.a2; s[7] = c.a3
        for j in n..<io.count { out[j] = 0 }
    }

    /// The reverse of one `run` from a fresh state over the recorded run (see
    /// `DifferentiableSignal`): adds dL/d(in), dL/d(cutoff) and dL/d(res) per sample.
    ///
    /// First the integrator states before each sample and the band output v1 are recovered
    /// with `step` and `coefficients`; then, backwards, μ1 and μ2 (dL/d of the states after
    /// the sample) go through the transposed step: v̄1 = 2μ1, v̄2 = 2μ2 plus the output's
    /// share, then through v2 = ic2 + a2·ic1 + a3·v3, v1 = a1·ic1 + a2·v3, v3 = x − ic2 to
    /// the input and the states before it. The cotangents of k, a1, a2, a3 at the sample go
    /// through `slopes` to that sample's cutoff and res.
    static func backwardRun(_ io: KernelIO, _ grads: KernelGrads, mode: Mode) {
        let n = max(0, min(io.context.logicalCount, io.count))
        guard n > 0 else { return }
        let x = io.inputs[0], cutoff = io.inputs[1], res = io.inputs[2]
        let gy = grads.outputGrads[0]
        let gx = grads.inputGrads[0], gCut = grads.inputGrads[1], gRes = grads.inputGrads[2]
        let rate = io.context.sampleRate
        // ic1, ic2 before sample j and v1 at it, three Floats per sample.
        let trail = UnsafeMutablePointer<Float>.allocate(capacity: 3 * n)
        defer { trail.deallocate() }
        var ic1: Float = 0, ic2: Float = 0
        var lastCut = Float.nan, lastRes = Float.nan
        var c = Coefficients(k: 0, a1: 0, a2: 0, a3: 0)
        for j in 0..<n {
            if cutoff[j] != lastCut || res[j] != lastRes {
                lastCut = cutoff[j]; lastRes = res[j]
                c = coefficients(cutoff: lastCut, res: lastRes, rate: rate)
            }
            trail[3 * j] = ic1; trail[3 * j + 1] = ic2
            trail[3 * j + 2] = step(x[j], &ic1, &ic2, c).v1
        }
        var mu1: Float = 0, mu2: Float = 0
        lastCut = .nan; lastRes = .nan
        var dCut = c, dRes = c
        var j = n - 1
        while j >= 0 {
            if cutoff[j] != lastCut || res[j] != lastRes {
                lastCut = cutoff[j]; lastRes = res[j]
                c = coefficients(cutoff: lastCut, res: lastRes, rate: rate)
                (dCut, dRes) = slopes(cutoff: lastCut, res: lastRes, rate: rate)
            }
            let s1 = trail[3 * j], s2 = trail[3 * j + 1], v1 = trail[3 * j + 2]
            let v3 = x[j] - s2
            let g = gy[j]
            var gv1 = 2 * mu1, gv2 = 2 * mu2, gIn: Float = 0, gk: Float = 0
            switch mode {
            case .lowpass: gv2 += g
            case .bandpass: gv1 += c.k * g; gk = g * v1
            case .highpass: gIn = g; gv1 -= c.k * g; gv2 -= g; gk = -g * v1
            }
            // v2 = ic2 + a2·ic1 + a3·v3 and v1 = a1·ic1 + a2·v3.
            let ga1 = gv1 * s1, ga2 = gv2 * s1 + gv1 * v3, ga3 = gv2 * v3
            let gv3 = c.a3 * gv2 + c.a2 * gv1
            // v3 = x − ic2; the states before the sample were also read as −ic in ic' = 2v − ic.
            gIn += gv3
            mu1 = c.a2 * gv2 + c.a1 * gv1 - mu1
            mu2 = gv2 - gv3 - mu2
            gx[j] += gIn
            gCut[j] += ga1 * dCut.a1 + ga2 * dCut.a2 + ga3 * dCut.a3
            gRes[j] += gk * dRes.k + ga1 * dRes.a1 + ga2 * dRes.a2 + ga3 * dRes.a3
            j -= 1
        }
    }
}
