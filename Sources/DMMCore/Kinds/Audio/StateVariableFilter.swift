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
enum StateVariableFilter {
    enum Mode { case lowpass, highpass, bandpass }

    /// ic1, ic2 (integrator states), last cutoff, last res, k, a1, a2, a3: eight Floats.
    static let stateBytes = 32

    static func run(_ io: KernelIO, mode: Mode) {
        let out = io.outputs[0]
        guard let st = io.state else { out.update(from: io.inputs[0], count: io.count); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0], cutoff = io.inputs[1], res = io.inputs[2]
        let s = st.assumingMemoryBound(to: Float.self)
        var ic1 = s[0], ic2 = s[1], lastCut = s[2], lastRes = s[3]
        var k = s[4], a1 = s[5], a2 = s[6], a3 = s[7]
        let rate = io.context.sampleRate
        if a1 == 0 { lastCut = .nan }   // fresh state: force coefficients
        for j in 0..<n {
            if cutoff[j] != lastCut || res[j] != lastRes {
                lastCut = cutoff[j]; lastRes = res[j]
                let fc = AudioMath.clamp(Double(lastCut), 1, 0.49 * rate, nan: 1)
                let g = tan(Double.pi * fc / rate)
                let kd = 1.41421356237309505 * (1 - AudioMath.clamp(Double(lastRes), -1, 0.999, nan: 0))
                let d1 = 1 / (1 + g * (g + kd))
                k = Float(kd); a1 = Float(d1); a2 = Float(g * d1); a3 = Float(g * g * d1)
            }
            let v3 = x[j] - ic2
            let v1 = a1 * ic1 + a2 * v3
            let v2 = ic2 + a2 * ic1 + a3 * v3
            ic1 = 2 * v1 - ic1
            ic2 = 2 * v2 - ic2
            switch mode {
            case .lowpass: out[j] = v2
            case .bandpass: out[j] = k * v1
            case .highpass: out[j] = x[j] - k * v1 - v2
            }
        }
        // Flush denormals so a filter left ringing down to silence stays cheap.
        if abs(ic1) < 1e-30 { ic1 = 0 }
        if abs(ic2) < 1e-30 { ic2 = 0 }
        // A non-finite input (or a blow-up) must not stay in the integrators for ever: the
        // block that carried it shows it, the next starts from silence (VCV Rack's rule).
        if !(ic1.isFinite && ic2.isFinite) { ic1 = 0; ic2 = 0 }
        s[0] = ic1; s[1] = ic2; s[2] = lastCut; s[3] = lastRes
        s[4] = k; s[5] = a1; s[6] = a2; s[7] = a3
        for j in n..<io.count { out[j] = 0 }
    }
}
