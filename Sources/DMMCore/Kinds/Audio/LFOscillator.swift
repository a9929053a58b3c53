/// The naive (not band-limited) oscillator core behind `lf.saw`, `lf.pulse`, `lf.tri` and
/// `phasor`: cheap shapes for modulation, where aliasing does not matter.
///
/// These kinds are pointwise, so they take the domain of what feeds them: fed by scalars (the
/// usual case: `lfo.freq = 0.5`) they are scalar LFOs that step once per tick and can drive a
/// picture and a pitch at once; fed by a signal they run per sample. The phase is a `Double` in
/// the neuron's state; in the field domain (no state) they read the clock instead.
enum LFOscillator {
    enum Shape { case saw, pulse, triangle, phasor }

    /// Phase (`Double`, cycles) at byte 0.
    static let stateBytes = 16

    static func run(_ io: KernelIO, shape: Shape) {
        let out = io.outputs[0], freq = io.inputs[0]
        let width: UnsafeMutablePointer<Float>? = shape == .pulse ? io.inputs[1] : nil
        let ctx = io.context
        guard let st = io.state else {
            // No state (field domain): phase = seconds × frequency, lane by lane.
            let t = Float(ctx.time)
            var i = 0
            while i < io.count {
                let w = width.map { Lanes.load($0, i) } ?? AudioMath.V()
                Lanes.store(value(AudioMath.finite(Lanes.load(freq, i)) * t, w, shape), out, i)
                i += 16
            }
            return
        }
        let phase = st.get(0, as: Double.self)
        if ctx.domain == .signal {
            let n = max(0, min(ctx.logicalCount, io.count))
            st.set(0, AudioMath.phases(freq: freq, count: n, lanes: io.count, phase: phase, rate: ctx.sampleRate, into: out,
                                       constant: AudioMath.isConstant(io, 0, n)))
            var i = 0
            while i < io.count {
                let w = width.map { Lanes.load($0, i) } ?? AudioMath.V()
                Lanes.store(value(Lanes.load(out, i), w, shape), out, i)
                i += 16
            }
        } else {
            let w = AudioMath.V(repeating: width?[0] ?? 0.5)
            let y = value(AudioMath.V(repeating: Float(phase)), w, shape)
            Lanes.fill(out, io.count, y[0])
            st.set(0, AudioMath.frac(phase + Double(AudioMath.finite(freq[0])) * ctx.secondsPerTick))
        }
    }

    /// The shape at phase p (cycles, any value: only p mod 1 counts).
    @inline(__always)
    static func value(_ p: AudioMath.V, _ width: AudioMath.V, _ shape: Shape) -> AudioMath.V {
        switch shape {
        case .saw: return BLEPOscillator.naiveSaw(p)
        case .pulse: return BLEPOscillator.naivePulse(p, width)
        case .triangle: return BLEPOscillator.naiveTri(p)
        case .phasor: return AudioMath.frac(p)
        }
    }
}
