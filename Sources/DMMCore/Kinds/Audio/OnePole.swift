#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `onepole`: a one-pole lowpass, y += a·(x − y) with a = 1 − e^(−2π·cutoff/rate): 6 dB per
/// octave, no overshoot. For smoothing control signals, taming a bright source, or damping
/// inside a feedback loop (`delay` → `onepole` → back into `delay`). Inputs in and cutoff (Hz;
/// 0 or less holds the output). Stateful: `.notDifferentiable` per tick; `dmm fit --teacher`
/// takes its gradient through a whole run (`backwardRun`).
public struct OnePole: NeuronKind {
    public static let name = "onepole"
    public static let summary = "one-pole lowpass (6 dB/octave): in, cutoff (Hz)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("in"), PortSpec("cutoff", default: 1000)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// y, last cutoff, a: three Floats.
    public var stateBytes: Int { 16 }

    /// The smoothing coefficient a = 1 − e^(−2π·min(cutoff, rate/2)/rate) (0 for a cutoff of
    /// 0 or below, or NaN: the output holds), for the forward and its reverse alike.
    @inline(__always)
    static func coefficient(_ cutoff: Float, rate: Double) -> Float {
        cutoff > 0 ? Float(1 - exp(-2 * Double.pi * min(Double(cutoff), rate / 2) / rate)) : 0
    }

    /// da/dcutoff = (2π/rate)·e^(−2π·cutoff/rate) where the cutoff is inside (0, rate/2); 0
    /// where `coefficient` clamps it (at or below 0, at or above Nyquist, NaN).
    @inline(__always)
    static func coefficientSlope(_ cutoff: Float, rate: Double) -> Float {
        let c = Double(cutoff)
        return c > 0 && c < rate / 2 ? Float(2 * Double.pi / rate * exp(-2 * Double.pi * c / rate)) : 0
    }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        guard let st = io.state else { out.update(from: io.inputs[0], count: io.count); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0], cutoff = io.inputs[1]
        let s = st.assumingMemoryBound(to: Float.self)
        var y = s[0], last = s[1], a = s[2]
        if a == 0 && last == 0 { last = .nan }
        let rate = io.context.sampleRate
        for j in 0..<n {
            if cutoff[j] != last {
                last = cutoff[j]
                a = Self.coefficient(last, rate: rate)
            }
            y += a * (x[j] - y)
            out[j] = y
        }
        if abs(y) < 1e-30 || !y.isFinite { y = 0 }   // denormals, and a NaN/inf that came in
        s[0] = y; s[1] = last; s[2] = a
        for j in n..<io.count { out[j] = y }
    }
}

extension OnePole: DifferentiableSignal {
    /// The adjoint of y_j = y_{j−1} + a_j·(x_j − y_{j−1}) from y_{−1} = 0, backwards in time:
    /// λ_j = ḡ_j + (1 − a_{j+1})·λ_{j+1} is dL/dy_j with every later sample's dependence in it;
    /// dL/dx_j = a_j·λ_j and dL/dcutoff_j = λ_j·(x_j − y_{j−1})·da/dcutoff. The previous outputs
    /// are the recorded ones (the forward writes y itself), and a_j is recomputed per sample
    /// with the forward's own `coefficient`, so the reverse sees the forward's bits.
    public func backwardRun(_ io: KernelIO, _ grads: KernelGrads) {
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0], cutoff = io.inputs[1], y = io.outputs[0]
        let gy = grads.outputGrads[0], gx = grads.inputGrads[0], gc = grads.inputGrads[1]
        let rate = io.context.sampleRate
        var lambda: Float = 0, nextA: Float = 0
        var last = Float.nan, a: Float = 0, slope: Float = 0
        var j = n - 1
        while j >= 0 {
            if cutoff[j] != last {
                last = cutoff[j]
                a = Self.coefficient(last, rate: rate)
                slope = Self.coefficientSlope(last, rate: rate)
            }
            lambda = gy[j] + (1 - nextA) * lambda
            let previous: Float = j > 0 ? y[j - 1] : 0
            gx[j] += a * lambda
            gc[j] += lambda * (x[j] - previous) * slope
            nextA = a
            j -= 1
        }
    }
}
