/// The band-limited oscillator core behind `osc.saw`, `osc.pulse` and `osc.tri`.
///
/// Each call writes the naive waveform `halfWidth` samples late into a small buffer, finds every
/// jump (saw, pulse) or kink (triangle) between two samples, and adds the matching residual
/// from `BLEPTable` around it, at its sub-sample position. The buffer's last 16 values carry
/// into the next call through the neuron's state, together with the `Double` phase, so the
/// output does not depend on where one block ends and the next begins.
enum BLEPOscillator {
    enum Shape { case saw, pulse, triangle }

    /// Phase (`Double`, cycles) at byte 0; the 16 carried samples from byte 16.
    static let stateBytes = 16 + 4 * BLEPTable.taps

    static func run(_ io: KernelIO, shape: Shape) {
        let out = io.outputs[0]
        guard let st = io.state else { Lanes.fill(out, io.count, 0); return }
        let lanes = io.count
        let n = max(0, min(io.context.logicalCount, lanes))
        let freq = io.inputs[0]
        let width: UnsafeMutablePointer<Float>? = shape == .pulse ? io.inputs[1] : nil
        let w = BLEPTable.halfWidth, taps = BLEPTable.taps
        let phase0 = st.get(0, as: Double.self)
        let invRate = 1 / io.context.sampleRate
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * lanes + taps + 48) { tmp in
            let p = tmp.baseAddress!             // phases: n + 1 used, lanes + 16 filled
            let b = p + lanes + 16               // output buffer: lanes + taps + 16
            // Phases, continuous across the call (no wrapping), |increment| ≤ ½.
            let newPhase: Double
            if n > 0 && AudioMath.isConstant(io, 0, n) {
                let inc = min(0.5, max(-0.5, Double(AudioMath.finite(freq[0])) * invRate))
                let p0 = AudioMath.V(repeating: Float(phase0)), incV = AudioMath.V(repeating: Float(inc))
                var i = 0
                while i < lanes + 16 {
                    Lanes.store(p0.madd(AudioMath.iota + AudioMath.V(repeating: Float(i)), incV), p, i)
                    i += 16
                }
                newPhase = AudioMath.frac(phase0 + Double(n) * inc)
            } else {
                var acc = phase0
                for j in 0..<n {
                    p[j] = Float(acc)
                    acc += min(0.5, max(-0.5, Double(AudioMath.finite(freq[j])) * invRate))
                }
                for j in n..<(lanes + 16) { p[j] = Float(acc) }
                newPhase = AudioMath.frac(acc)
            }
            // The next call starts from Float(newPhase): detect the last edge against exactly
            // that value (same fraction, this call's whole cycles), so that an edge a rounding
            // error from the boundary is handled once, by one side.
            if n > 0 {
                let next = Float(newPhase)
                p[n] = next + (p[n] - next).rounded()
            }
            // Carried residuals, then silence.
            b.update(from: UnsafeMutableRawPointer(st + 16).assumingMemoryBound(to: Float.self), count: taps)
            (b + taps).initialize(repeating: 0, count: lanes + 16)
            // Naive waveform, `w` samples late.
            let full = n / 16 * 16
            var i = 0
            switch shape {
            case .saw:
                while i < full { Lanes.store(Lanes.load(b, w + i) + naiveSaw(Lanes.load(p, i)), b, w + i); i += 16 }
                for j in full..<n { b[w + j] += 2 * (p[j] - p[j].rounded(.down)) - 1 }
            case .triangle:
                while i < full { Lanes.store(Lanes.load(b, w + i) + naiveTri(Lanes.load(p, i)), b, w + i); i += 16 }
                for j in full..<n {
                    let q = p[j] - 0.25
                    b[w + j] += 4 * abs(q - q.rounded(.down) - 0.5) - 1
                }
            case .pulse:
                let wd = width!
                while i < full {
                    Lanes.store(Lanes.load(b, w + i) + naivePulse(Lanes.load(p, i), Lanes.load(wd, i)), b, w + i); i += 16
                }
                for j in full..<n {
                    b[w + j] += (p[j].rounded(.down) - (p[j] - clampWidth(wd[j])).rounded(.down)) * 2 - 1
                }
            }
            // Discontinuities between sample j and j + 1 (j + 1 = n is the next call's first).
            BLEPTable.tables.step.withUnsafeBufferPointer { stepT in
                BLEPTable.tables.ramp.withUnsafeBufferPointer { rampT in
                    let stepTable = stepT.baseAddress!, rampTable = rampT.baseAddress!
                    var v = 0
                    while v < n {
                        let end = min(v + 16, n)
                        switch shape {
                        case .saw:
                            if any(FastMath.floor(Lanes.load(p, v)) .!= FastMath.floor(Lanes.load(p, v + 1))) {
                                for j in v..<end {
                                    if let (g, up) = crossing(p[j], p[j + 1]) { add(stepTable, g, up ? -2 : 2, b + j + 1) }
                                }
                            }
                        case .pulse:
                            let wd = width!
                            if v + 16 < n {
                                // Skip sixteen samples at once when neither track crosses.
                                let p0 = Lanes.load(p, v), p1 = Lanes.load(p, v + 1)
                                let q0 = p0 - FastMath.clamp(AudioMath.finite(Lanes.load(wd, v)), 0, 1)
                                let q1 = p1 - FastMath.clamp(AudioMath.finite(Lanes.load(wd, v + 1)), 0, 1)
                                if !any((FastMath.floor(p0) .!= FastMath.floor(p1)) .| (FastMath.floor(q0) .!= FastMath.floor(q1))) {
                                    v += 16; continue
                                }
                            }
                            for j in v..<end {
                                if let (g, up) = crossing(p[j], p[j + 1]) { add(stepTable, g, up ? 2 : -2, b + j + 1) }
                                let wNow = clampWidth(wd[j]), wNext = clampWidth(wd[min(j + 1, n - 1)])
                                if let (g, up) = crossing(p[j] - wNow, p[j + 1] - wNext) { add(stepTable, g, up ? -2 : 2, b + j + 1) }
                            }
                        case .triangle:
                            if v + 16 < n {
                                let a0 = Lanes.load(p, v) - 0.25, a1 = Lanes.load(p, v + 1) - 0.25
                                let b0 = a0 - 0.5, b1 = a1 - 0.5
                                if !any((FastMath.floor(a0) .!= FastMath.floor(a1)) .| (FastMath.floor(b0) .!= FastMath.floor(b1))) {
                                    v += 16; continue
                                }
                            }
                            for j in v..<end {
                                let slope = 8 * abs(p[j + 1] - p[j])
                                if let (g, _) = crossing(p[j] - 0.25, p[j + 1] - 0.25) { add(rampTable, g, -slope, b + j + 1) }
                                if let (g, _) = crossing(p[j] - 0.75, p[j + 1] - 0.75) { add(rampTable, g, slope, b + j + 1) }
                            }
                        }
                        v += 16
                    }
                }
            }
            out.update(from: b, count: lanes)
            UnsafeMutableRawPointer(st + 16).assumingMemoryBound(to: Float.self).update(from: b + n, count: taps)
            st.set(0, newPhase)
        }
    }

    /// Where a track crosses an integer between two samples: g = (time of the next sample −
    /// crossing time) in [0, 1], and whether it went up.
    @inline(__always)
    static func crossing(_ a: Float, _ b: Float) -> (Float, Bool)? {
        let fa = a.rounded(.down), fb = b.rounded(.down)
        guard fa != fb else { return nil }
        let k = max(fa, fb)
        let g = (b - k) / (b - a)
        return (min(1, max(0, g)), fb > fa)
    }

    /// Adds `height` × the residual row for offset g at `dst[0..<16]`.
    @inline(__always)
    static func add(_ table: UnsafePointer<Float>, _ g: Float, _ height: Float, _ dst: UnsafeMutablePointer<Float>) {
        let gi = g * Float(BLEPTable.phases)
        let q = min(BLEPTable.phases - 1, Int(gi))
        let fr = gi - Float(q)
        let r0 = UnsafeRawPointer(table + q * 16).loadUnaligned(as: AudioMath.V.self)
        let r1 = UnsafeRawPointer(table + q * 16 + 16).loadUnaligned(as: AudioMath.V.self)
        let row = r0.madd(AudioMath.V(repeating: fr), r1 - r0)
        Lanes.store(Lanes.load(dst, 0).madd(AudioMath.V(repeating: height), row), dst, 0)
    }

    /// 2·frac(φ) − 1.
    @inline(__always)
    static func naiveSaw(_ p: AudioMath.V) -> AudioMath.V { AudioMath.frac(p) * 2 - 1 }

    /// 4·|frac(φ − ¼) − ½| − 1: 0 at φ = 0, rising to 1 at ¼, −1 at ¾.
    @inline(__always)
    static func naiveTri(_ p: AudioMath.V) -> AudioMath.V {
        FastMath.abs(triFold(p)) * 4 - 1
    }

    /// frac(φ − ¼) − ½: the triangle is 4·|fold| − 1, so the fold's sign is its slope's.
    @inline(__always)
    static func triFold(_ p: AudioMath.V) -> AudioMath.V { AudioMath.frac(p - 0.25) - 0.5 }

    /// +1 while frac(φ) < width, −1 after (the duty cycle clamped into [0, 1]). Written as
    /// ⌊φ⌋ − ⌊φ − width⌋ = 1, the very floors the edge detection compares, so that a phase a
    /// rounding error away from an edge is on the same side for both.
    @inline(__always)
    static func naivePulse(_ p: AudioMath.V, _ width: AudioMath.V) -> AudioMath.V {
        let wc = FastMath.clamp(AudioMath.finite(width), 0, 1)
        // The floors differ by exactly 1 (high) or 0 (low): no masks needed.
        return (FastMath.floor(p) - FastMath.floor(p - wc)) * 2 - 1
    }

    @inline(__always)
    static func clampWidth(_ w: Float) -> Float { min(1, max(0, AudioMath.finite(w))) }
}
