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

    /// d(shape)/d(phase) at p, jumps ignored: 1 for the phasor, 2 for the saw, ±4 for the
    /// triangle (the sign of its fold), 0 for the pulse (flat between its edges).
    @inline(__always)
    static func slope(_ p: AudioMath.V, _ shape: Shape) -> AudioMath.V {
        switch shape {
        case .saw: return AudioMath.V(repeating: 2)
        case .pulse: return AudioMath.V()
        case .triangle: return AudioMath.V(repeating: -4).replacing(with: 4, where: BLEPOscillator.triFold(p) .>= 0)
        case .phasor: return AudioMath.V(repeating: 1)
        }
    }

    /// The reverse of one signal-domain `run` from a fresh state (phase 0) over the recorded
    /// run, for `DifferentiableSignal`: sample j's phase is x_j = Σ_{i<j} freq_i/rate, so
    /// dL/dfreq_i = (1/rate)·Σ_{j>i} dL/dy_j·slope(x_j) (`AudioMath.phasesBackward`). The
    /// phases come from `AudioMath.phases`, as in the forward. Outside the signal domain a
    /// call steps once per tick from its state and there is no run to reverse: nothing is added.
    static func backwardRun(_ io: KernelIO, _ grads: KernelGrads, shape: Shape) {
        guard io.context.domain == .signal else { return }
        let n = max(0, min(io.context.logicalCount, io.count))
        guard n > 0 else { return }
        let freq = io.inputs[0], gy = grads.outputGrads[0], gFreq = grads.inputGrads[0]
        let rate = io.context.sampleRate
        let w = UnsafeMutablePointer<Float>.allocate(capacity: io.count)
        defer { w.deallocate() }
        // Constancy is checked over the run, not taken from `constantInputs` (the first tick's
        // flag says nothing about later ticks); a constant run takes the forward's steady path.
        _ = AudioMath.phases(freq: freq, count: n, lanes: io.count, phase: 0, rate: rate, into: w,
                             constant: AudioMath.isConstant(freq, n))
        // w_j = dL/dy_j · slope(x_j), in place.
        var i = 0
        while i < io.count {
            Lanes.store(Lanes.load(gy, i) * slope(Lanes.load(w, i), shape), w, i)
            i += 16
        }
        // The increment is freq/rate wrapped to [−½, ½]: slope 1/rate, 0 where the forward
        // holds the phase (a non-finite frequency).
        AudioMath.phasesBackward(w, freq: freq, count: n, rate: rate, into: gFreq)
    }
}
