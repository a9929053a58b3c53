#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `onepole`: a one-pole lowpass, y += a·(x − y) with a = 1 − e^(−2π·cutoff/rate): 6 dB per
/// octave, no overshoot. For smoothing control signals, taming a bright source, or damping
/// inside a feedback loop (`delay` → `onepole` → back into `delay`). Inputs in and cutoff (Hz;
/// 0 or less holds the output). Stateful: `.notDifferentiable`.
public struct OnePole: NeuronKind {
    public static let name = "onepole"
    public static let summary = "one-pole lowpass (6 dB/octave): in, cutoff (Hz)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("in"), PortSpec("cutoff", default: 1000)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// y, last cutoff, a: three Floats.
    public var stateBytes: Int { 16 }

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
                a = last > 0 ? Float(1 - exp(-2 * Double.pi * min(Double(last), rate / 2) / rate)) : 0
            }
            y += a * (x[j] - y)
            out[j] = y
        }
        if abs(y) < 1e-30 || !y.isFinite { y = 0 }   // denormals, and a NaN/inf that came in
        s[0] = y; s[1] = last; s[2] = a
        for j in n..<io.count { out[j] = y }
    }
}
