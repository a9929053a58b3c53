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
        let r = x.addingProduct(k, V(repeating: -0.5)) * twoPi
        let r2 = r * r
        var p = V(repeating: FastMath.s4).addingProduct(r2, V(repeating: FastMath.s5))
        p = V(repeating: FastMath.s3).addingProduct(r2, p)
        p = V(repeating: FastMath.s2).addingProduct(r2, p)
        p = V(repeating: FastMath.s1).addingProduct(r2, p)
        let y = r.addingProduct(r * r2, p)
        // (−1)^k: adding 2^23 puts k's parity in the lowest mantissa bit (|k| < 2^22).
        let sign = unsafeBitCast(k + 8_388_608, to: SIMD16<UInt32>.self) &<< 31
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
        return Int32(k) & 1 != 0 ? -y : y
    }

    /// 0, 1, …, 15.
    static let iota = V(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// x − ⌊x⌋.
    @inline(__always)
    static func frac(_ x: V) -> V { x - x.rounded(.down) }

    @inline(__always)
    static func frac(_ x: Double) -> Double { x - x.rounded(.down) }

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
            let inc = Double(freq[0]) * invRate
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
            acc += Double(freq[j]) * invRate
            if j & 15 == 15 { acc = frac(acc) }
        }
        let last = Float(frac(acc))
        for j in count..<lanes { x[j] = last }
        return frac(acc)
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
    /// State bytes used by `sineBlock`.
    static let sineStateBytes = 24

    /// y[j] = sin(2π·φ_j + pm[j]) with φ advancing by freq/rate: the body of `osc.sine` and of
    /// `fm.op` without feedback. State (`sineStateBytes`): the phase (`Double`) at byte 0, the
    /// frequency (`Float`) whose rotation is cached at 8, the rotation's cosine and sine at 12, 16.
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
            // The common case: a steady pitch. Four vectors (64 lanes) start from the exact
            // phase (polynomial sine and cosine), then each is rotated by 2π·64·inc per step:
            // two multiplies and two multiply-adds per 16 samples instead of a polynomial, in
            // four independent chains so that no step waits for the previous one. The rotation
            // restarts from the `Double` phase every 256 samples, so rounding cannot build up
            // (error below 1e-6) and nothing drifts. The rotation (cos, sin of 2π·64·inc) is
            // cached in the state with the frequency it belongs to.
            let inc = Double(freq[0]) / io.context.sampleRate
            var c = st.get(12, as: Float.self), s = st.get(16, as: Float.self)
            if st.get(8, as: Float.self) != freq[0] || (c == 0 && s == 0) {
                let turn = Float(frac(64 * inc))
                c = sin2pi(turn + 0.25); s = sin2pi(turn)
                st.set(8, freq[0]); st.set(12, c); st.set(16, s)
            }
            let cv = V(repeating: c), sv = V(repeating: s), nsv = V(repeating: -s)
            let incV = V(repeating: Float(inc)) * iota
            @inline(__always) func anchor(_ at: Int) -> (V, V) {
                let x = incV + V(repeating: Float(frac(phase + Double(at) * inc)))
                return (sin2pi(x + 0.25), sin2pi(x))
            }
            while i < io.count {
                var (r0, m0) = anchor(i), (r1, m1) = anchor(i + 16), (r2, m2) = anchor(i + 32), (r3, m3) = anchor(i + 48)
                let end = min(io.count, i + 256)
                while i < end {
                    Lanes.store(m0, out, i)
                    if i + 16 < end { Lanes.store(m1, out, i + 16) }
                    if i + 32 < end { Lanes.store(m2, out, i + 32) }
                    if i + 48 < end { Lanes.store(m3, out, i + 48) }
                    (r0, m0) = ((r0 * cv).addingProduct(m0, nsv), (m0 * cv).addingProduct(r0, sv))
                    (r1, m1) = ((r1 * cv).addingProduct(m1, nsv), (m1 * cv).addingProduct(r1, sv))
                    (r2, m2) = ((r2 * cv).addingProduct(m2, nsv), (m2 * cv).addingProduct(r2, sv))
                    (r3, m3) = ((r3 * cv).addingProduct(m3, nsv), (m3 * cv).addingProduct(r3, sv))
                    i += 64
                }
            }
            st.set(0, frac(phase + Double(n) * inc))
            return
        }
        let next = phases(freq: freq, count: n, lanes: io.count, phase: phase,
                          rate: io.context.sampleRate, into: out, constant: steady)
        st.set(0, next)
        if !noPM {
            let s = V(repeating: invTwoPi)
            while i < io.count { Lanes.store(sin2pi(Lanes.load(out, i).addingProduct(s, Lanes.load(pm, i))), out, i); i += 16 }
        } else {
            while i < io.count { Lanes.store(sin2pi(Lanes.load(out, i)), out, i); i += 16 }
        }
    }
}
