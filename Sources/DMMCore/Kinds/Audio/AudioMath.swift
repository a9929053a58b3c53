/// Kernels shared by the audio kinds: sines of phases in cycles, phase accumulation, state.
///
/// Phase is the one quantity in audio that must not drift: it lives in each neuron's state as a
/// `Double` (cycles, wrapped to [0, 1)), and only the short distance travelled inside one call
/// is computed in `Float`, sixteen lanes at a time. Ten minutes at 48 kHz is 2.9·10⁷ samples;
/// accumulated in `Float` a 440 Hz phase would be off by whole cycles, in `Double` by 10⁻⁸.
enum AudioMath {
    typealias V = SIMD16<Float>

    static let twoPi: Float = 6.28318530717958647692
    static let invTwoPi: Float = 0.159154943091895335769

    /// sin(2π·x) for x in cycles. The reduction x − k/2 (k = round(2x)) is exact in `Float`, so
    /// unlike `sin(2π·x)` through radians it loses nothing for phases of many cycles; the
    /// polynomial is FastMath's degree-11 minimax on [−π/2, π/2] (error about 1.2e-7).
    @inline(__always)
    static func sin2pi(_ x: V) -> V {
        let k = (x + x).rounded(.toNearestOrEven)
        let r = x.madd(k, V(repeating: -0.5)) * twoPi
        let r2 = r * r
        var p = V(repeating: FastMath.s4).madd(r2, V(repeating: FastMath.s5))
        p = V(repeating: FastMath.s3).madd(r2, p)
        p = V(repeating: FastMath.s2).madd(r2, p)
        p = V(repeating: FastMath.s1).madd(r2, p)
        let y = r.madd(r * r2, p)
        // (−1)^k: adding 1.5·2^23 puts k's parity in the lowest mantissa bit (|k| < 2^22).
        let sign = unsafeBitCast(k + 12_582_912, to: SIMD16<UInt32>.self) &<< 31
        return unsafeBitCast(unsafeBitCast(y, to: SIMD16<UInt32>.self) ^ sign, to: V.self)
    }

    /// Scalar sin(2π·x), for recurrences that feed each sample into the next.
    @inline(__always)
    static func sin2pi(_ x: Float) -> Float {
        let k = (x + x).rounded(.toNearestOrEven)
        let r = (x - 0.5 * k) * twoPi
        let r2 = r * r
        var p = FastMath.s4 + r2 * FastMath.s5
        p = FastMath.s3 + r2 * p
        p = FastMath.s2 + r2 * p
        p = FastMath.s1 + r2 * p
        let y = r + r * r2 * p
        // k's parity without an integer conversion (which traps on NaN and |k| ≥ 2³¹): k/2 is
        // exact, and it is whole exactly when k is even (every k beyond 2²⁴ is). A non-finite
        // x gives 0, as the vector version's callers see from sanitised inputs.
        let half = 0.5 * k
        let s = half.rounded(.down) != half ? -y : y
        return s.isFinite ? s : 0
    }

    /// Transposes the 16 × 16 block `rows[0..<16]` in place (`scratch`: 16 more vectors).
    ///
    /// Four rounds of pairwise de-interleaving (`evenHalf`/`oddHalf`, which compile to
    /// shuffles): each round moves one bit of the column index into the row index.
    @inline(__always)
    static func transpose16(_ rows: UnsafeMutablePointer<V>, _ scratch: UnsafeMutablePointer<V>) {
        var src = rows, dst = scratch
        for _ in 0..<4 {
            for k in 0..<8 {
                let a = src[2 * k], b = src[2 * k + 1]
                dst[k] = V(lowHalf: a.evenHalf, highHalf: b.evenHalf)
                dst[k + 8] = V(lowHalf: a.oddHalf, highHalf: b.oddHalf)
            }
            swap(&src, &dst)
        }
    }

    /// 0, 1, …, 15.
    static let iota = V(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// x − ⌊x⌋.
    @inline(__always)
    static func frac(_ x: V) -> V { x - FastMath.floor(x) }

    /// x − ⌊x⌋, and 0 for ±inf and NaN: the wrap every phase stored in a state goes through,
    /// so that one runaway block (a frequency of 1e30, a NaN) cannot leave a phase that
    /// poisons every later block. Finite |x| ≥ 2⁵² are whole numbers and wrap to 0 as well.
    @inline(__always)
    static func frac(_ x: Double) -> Double {
        let f = x - x.rounded(.down)
        return f.isFinite ? f : 0
    }

    /// A phase increment (cycles per lane) reduced to [−½, ½]: the same samples (only the
    /// phase modulo 1 is heard), but a frequency far beyond the sample rate can no longer
    /// push phases past the range where `Float` and the magic-number floor are exact. NaN
    /// and ±inf give 0 (the phase holds). Values already in [−½, ½) come back unchanged,
    /// to the bit.
    @inline(__always)
    static func wrapIncrement(_ inc: Double) -> Double {
        let w = inc - inc.rounded()
        return w.isFinite ? w : 0
    }

    /// The kernel-boundary rule for inputs that set a parameter (frequency, phase offset,
    /// feedback amount, width, time): NaN and ±inf become `fallback`, as VCV Rack's modules
    /// do, so a non-finite control value cannot get into a neuron's state.
    @inline(__always)
    static func finite(_ x: Float, or fallback: Float = 0) -> Float { x.isFinite ? x : fallback }

    /// `finite` for sixteen lanes (branch-free: one compare and one blend).
    @inline(__always)
    static func finite(_ v: V) -> V {
        v.replacing(with: 0, where: .!(FastMath.abs(v) .<= V(repeating: .greatestFiniteMagnitude)))
    }

    /// x clamped to [lo, hi] with NaN mapped to `nan` (Swift's `min`/`max` pass a NaN
    /// through in one argument order and not the other; filters and envelopes need neither).
    @inline(__always)
    static func clamp(_ x: Double, _ lo: Double, _ hi: Double, nan: Double) -> Double {
        x.isNaN ? nan : Swift.min(Swift.max(x, lo), hi)
    }

    /// True when `p[0..<count]` all equal `p[0]` (a frequency that did not move this block).
    @inline(__always)
    static func isConstant(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        let v0 = V(repeating: p[0])
        var i = 0
        while i + 64 <= count {
            let m = (Lanes.load(p, i) .!= v0) .| (Lanes.load(p, i + 16) .!= v0)
                .| (Lanes.load(p, i + 32) .!= v0) .| (Lanes.load(p, i + 48) .!= v0)
            if any(m) { return false }
            i += 64
        }
        while i + 16 <= count {
            if any(Lanes.load(p, i) .!= v0) { return false }
            i += 16
        }
        while i < count { if p[i] != p[0] { return false }; i += 1 }
        return true
    }

    /// `isConstant` for input `p` of a call, trusting the plan's flag when it is set.
    @inline(__always)
    static func isConstant(_ io: KernelIO, _ p: Int, _ count: Int) -> Bool {
        io.context.constantInputs & (1 << UInt64(p)) != 0 || isConstant(io.inputs[p], count)
    }

    /// True when `p[0..<count]` are all zero.
    @inline(__always)
    static func isZero(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> Bool {
        p[0] == 0 && isConstant(p, count)
    }

    /// Writes the phases (cycles) of `count` samples into `x` for an oscillator at `freq` Hz:
    /// x[j] ≡ φ + Σ_{i<j} freq[i]/rate (mod 1), and returns the phase after the last sample.
    ///
    /// Values are only meaningful modulo 1: every sixteen lanes restart from a `Double` phase,
    /// so |x| stays below 1 + 16·|inc| and keeps 24-bit precision (−100 dB phase noise)
    /// however long the call is. Lanes from `count` up to `lanes` are filled but not counted.
    @inline(__always)
    static func phases(freq: UnsafeMutablePointer<Float>, count: Int, lanes: Int, phase: Double,
                       rate: Double, into x: UnsafeMutablePointer<Float>, constant: Bool = false) -> Double {
        let invRate = 1 / rate
        if constant || isConstant(freq, count) {
            let inc = wrapIncrement(Double(freq[0]) * invRate)
            let incV = V(repeating: Float(inc)) * iota
            var i = 0
            while i < lanes {
                // Each vector's base straight from the call's phase: no serial chain.
                Lanes.store(incV + V(repeating: Float(frac(phase + Double(i) * inc))), x, i)
                i += 16
            }
            return frac(phase + Double(count) * inc)
        }
        // A moving frequency: running sum in Double, one sample at a time.
        var acc = phase
        for j in 0..<count {
            x[j] = Float(acc)
            acc += wrapIncrement(Double(freq[j]) * invRate)
            if j & 15 == 15 { acc = frac(acc) }
        }
        let last = Float(frac(acc))
        for j in count..<lanes { x[j] = last }
        return frac(acc)
    }

    /// The reverse of `phases` over a run from a fixed start: given dL/dx_j per sample (x in
    /// cycles; `scale` 2π when the cotangents are per radian), adds
    /// dL/dfreq_i = scale/rate · Σ_{j>i} dL/dx_j into `gFreq`: a running sum from the end, in
    /// `Double` (a second of sound sums 48,000 terms). A non-finite frequency holds the phase
    /// in the forward (`wrapIncrement` gives 0): no gradient there. The one reverse of the
    /// phase accumulation, for every oscillator that integrates its frequency.
    static func phasesBackward(_ gx: UnsafePointer<Float>, freq: UnsafePointer<Float>, count n: Int, rate: Double,
                               scale: Double = 1, into gFreq: UnsafeMutablePointer<Float>) {
        let k = scale / rate
        var later = 0.0
        for j in stride(from: n - 1, through: 0, by: -1) {
            if freq[j].isFinite { gFreq[j] += Float(k * later) }
            later += Double(gx[j])
        }
    }

    /// Sample index (since tick 0) of the first lane of a signal call: envelopes hold still
    /// before it, so warm-up ticks do not eat their attacks.
    @inline(__always)
    static func firstSample(_ ctx: KernelContext) -> Int {
        ctx.tick * Int((ctx.secondsPerTick * ctx.sampleRate).rounded())
    }

    /// Seconds one lane stands for: a sample in the signal domain, a tick otherwise.
    @inline(__always)
    static func secondsPerLane(_ ctx: KernelContext) -> Double {
        ctx.domain == .signal ? 1 / ctx.sampleRate : ctx.secondsPerTick
    }
}

extension UnsafeMutableRawPointer {
    /// Reads a state field.
    @inline(__always)
    func get<T>(_ offset: Int, as: T.Type) -> T { load(fromByteOffset: offset, as: T.self) }
    /// Writes a state field.
    @inline(__always)
    func set<T>(_ offset: Int, _ value: T) { storeBytes(of: value, toByteOffset: offset, as: T.self) }
}

extension AudioMath {
    /// The reverse of `sineBlock` over one run from phase 0: with θ_j = 2π·x_j + pm[j] and
    /// x_j = Σ_{i<j} freq[i]/rate (the phases `phases` gives, the forward's own accumulation),
    /// dy_j/dpm_j = cos θ_j and dy_j/dfreq_i = 2π/rate · cos θ_j for every i < j, so
    /// dL/dfreq_i = 2π/rate · Σ_{j>i} g_j cos θ_j: one vector pass for the cosines, then
    /// `phasesBackward`.
    static func sineBackward(_ io: KernelIO, _ gr: KernelGrads, pm pmInput: Int) {
        let n = max(0, min(io.context.logicalCount, io.count))
        guard n > 0 else { return }
        let x = UnsafeMutablePointer<Float>.allocate(capacity: io.count)
        defer { x.deallocate() }
        let rate = io.context.sampleRate
        _ = phases(freq: io.inputs[0], count: n, lanes: io.count, phase: 0, rate: rate, into: x)
        let pm = io.inputs[pmInput], g = gr.outputGrads[0]
        let gf = gr.inputGrads[0], gpm = gr.inputGrads[pmInput]
        let s = V(repeating: invTwoPi), quarter = V(repeating: 0.25)
        var i = 0
        while i < io.count {
            // d_j = g_j · cos θ_j, kept in x.
            let c = sin2pi(Lanes.load(x, i).madd(s, finite(Lanes.load(pm, i))) + quarter)
            let d = c * Lanes.load(g, i)
            Lanes.store(d, x, i)
            Lanes.store(Lanes.load(gpm, i) + d, gpm, i)
            i += 16
        }
        phasesBackward(x, freq: io.inputs[0], count: n, rate: rate, scale: 2 * Double.pi, into: gf)
    }

    /// State bytes used by `sineBlock`.
    static let sineStateBytes = 32

    /// y[j] = sin(2π·φ_j + pm[j]) with φ advancing by freq/rate: the body of `osc.sine` and of
    /// `fm.op` without feedback. State (`sineStateBytes`): the phase (`Double`) at byte 0, the
    /// frequency (`Float`) whose rotations are cached at 8, cosine and sine of the 64-sample
    /// rotation at 12 and 16, of the 16-sample rotation at 20 and 24.
    static func sineBlock(_ io: KernelIO, pm pmInput: Int) {
        let out = io.outputs[0]
        guard let st = io.state else { Lanes.fill(out, io.count, 0); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let phase = st.get(0, as: Double.self)
        let freq = io.inputs[0]
        var i = 0
        let pm = io.inputs[pmInput]
        let noPM = pm[0] == 0 && isConstant(io, pmInput, n)
        let steady = isConstant(io, 0, n)
        if noPM && steady {
            // The common case: a steady pitch. Sixteen lanes start from the exact phase
            // (polynomial sine and cosine) and three more vectors are those rotated by 16
            // samples; then each of the four is rotated by 2π·64·inc per step: two multiplies
            // and two multiply-adds per 16 samples instead of a polynomial, in four independent
            // chains so that no step waits for the previous one. The rotation restarts from the
            // `Double` phase every 2048 samples, so rounding cannot build up (error below 5e-6,
            // −110 dB) and nothing drifts. The rotations' cosines and sines are cached in the
            // state with the frequency they belong to.
            let inc = wrapIncrement(Double(freq[0]) / io.context.sampleRate)
            var c = st.get(12, as: Float.self), s = st.get(16, as: Float.self)
            var c16 = st.get(20, as: Float.self), s16 = st.get(24, as: Float.self)
            if st.get(8, as: Float.self) != freq[0] || (c == 0 && s == 0) {
                let turn = Float(frac(64 * inc)), turn16 = Float(frac(16 * inc))
                c = sin2pi(turn + 0.25); s = sin2pi(turn)
                c16 = sin2pi(turn16 + 0.25); s16 = sin2pi(turn16)
                st.set(8, freq[0]); st.set(12, c); st.set(16, s); st.set(20, c16); st.set(24, s16)
            }
            let cv = V(repeating: c), sv = V(repeating: s), nsv = V(repeating: -s)
            let c16v = V(repeating: c16), s16v = V(repeating: s16), ns16v = V(repeating: -s16)
            let incV = V(repeating: Float(inc)) * iota
            @inline(__always) func rotate(_ r: V, _ m: V, _ c: V, _ s: V, _ ns: V) -> (V, V) {
                ((r * c).madd(m, ns), (m * c).madd(r, s))
            }
            while i < io.count {
                // One polynomial anchor, the next three vectors by rotating it 16 samples on.
                let x = incV + V(repeating: Float(frac(phase + Double(i) * inc)))
                var (r0, m0) = (sin2pi(x + 0.25), sin2pi(x))
                var (r1, m1) = rotate(r0, m0, c16v, s16v, ns16v)
                var (r2, m2) = rotate(r1, m1, c16v, s16v, ns16v)
                var (r3, m3) = rotate(r2, m2, c16v, s16v, ns16v)
                let end = min(io.count, i + 2048)
                while i + 64 <= end {
                    Lanes.store(m0, out, i); Lanes.store(m1, out, i + 16)
                    Lanes.store(m2, out, i + 32); Lanes.store(m3, out, i + 48)
                    (r0, m0) = rotate(r0, m0, cv, sv, nsv)
                    (r1, m1) = rotate(r1, m1, cv, sv, nsv)
                    (r2, m2) = rotate(r2, m2, cv, sv, nsv)
                    (r3, m3) = rotate(r3, m3, cv, sv, nsv)
                    i += 64
                }
                if i < end { Lanes.store(m0, out, i); i += 16 }
                if i < end { Lanes.store(m1, out, i); i += 16 }
                if i < end { Lanes.store(m2, out, i); i += 16 }
            }
            st.set(0, frac(phase + Double(n) * inc))
            return
        }
        if steady {
            // Steady pitch under phase modulation (an FM carrier): phase and sine in one pass.
            let inc = wrapIncrement(Double(freq[0]) / io.context.sampleRate)
            let incV = V(repeating: Float(inc)) * iota, s = V(repeating: invTwoPi)
            while i < io.count {
                let x = incV + V(repeating: Float(frac(phase + Double(i) * inc)))
                Lanes.store(sin2pi(x.madd(s, finite(Lanes.load(pm, i)))), out, i)
                i += 16
            }
            st.set(0, frac(phase + Double(n) * inc))
            return
        }
        let next = phases(freq: freq, count: n, lanes: io.count, phase: phase,
                          rate: io.context.sampleRate, into: out, constant: false)
        st.set(0, next)
        if !noPM {
            let s = V(repeating: invTwoPi)
            while i < io.count { Lanes.store(sin2pi(Lanes.load(out, i).madd(s, finite(Lanes.load(pm, i)))), out, i); i += 16 }
        } else {
            while i < io.count { Lanes.store(sin2pi(Lanes.load(out, i)), out, i); i += 16 }
        }
    }
}
