/// `fm.op`: a sine operator with one-sample self-feedback, as in SuperCollider's `SinOscFB`
/// and the DX7's feedback operator: y[n] = sin(2π·φ[n] + pm[n] + fb[n]·y[n−1]).
///
/// Inputs: freq (Hz), fb (radians per unit of the previous output sample; around 0.5–1.5 turns
/// the sine towards a saw-like tone), pm (phase offset in radians, for modulator → carrier
/// wiring). The feedback is inside the neuron because through the matrix it would cost a whole
/// tick. A neuron with feedback is serial in time, so several of them (the voices of a patch)
/// run side by side in one call, one SIMD lane per operator (`GroupedKind`). Above fb ≈ 1 the
/// feedback map stops being a contraction and the tone turns noisy and chaotic (as SinOscFB's
/// does): then even rounding differences grow. Stateful, hence `.notDifferentiable`.
public struct FMOp: GroupedKind {
    public static let name = "fm.op"
    public static let summary = "sine operator with self-feedback: freq (Hz), fb (rad), pm (rad)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 440), PortSpec("fb"), PortSpec("pm")] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// `AudioMath.sineBlock`'s phase and cache, then the previous output sample (`Float`).
    public var stateBytes: Int { AudioMath.sineStateBytes + 8 }

    public func forward(_ io: KernelIO) {
        let n = max(0, min(io.context.logicalCount, io.count))
        guard let st = io.state, !(io.inputs[1][0] == 0 && AudioMath.isConstant(io, 1, n)) else {
            AudioMath.sineBlock(io, pm: 2)
            if let st = io.state, n > 0 { st.set(AudioMath.sineStateBytes, io.outputs[0][n - 1]) }
            return
        }
        let out = io.outputs[0], fb = io.inputs[1], pm = io.inputs[2]
        let next = AudioMath.phases(freq: io.inputs[0], count: n, lanes: io.count, phase: st.get(0, as: Double.self),
                                    rate: io.context.sampleRate, into: out, constant: AudioMath.isConstant(io, 0, n))
        st.set(0, next)
        var y = st.get(AudioMath.sineStateBytes, as: Float.self)
        let s = AudioMath.invTwoPi
        for j in 0..<n {
            y = AudioMath.sin2pi(out[j] + s * (AudioMath.finite(pm[j]) + AudioMath.finite(fb[j]) * y))
            out[j] = y
        }
        st.set(AudioMath.sineStateBytes, y)
    }

    /// Runs the operators with feedback sixteen to a SIMD vector, two vectors interleaved so
    /// that one recurrence hides the other's latency. Each operator's phases (plus pm) are
    /// computed along time into its own output, then 16 × 16 blocks are transposed so that one
    /// vector holds one sample of sixteen operators, stepped through the recurrence, and
    /// transposed back. Operators whose fb is zero this block have no recurrence and run alone,
    /// vectorised over time.
    public func forwardGroup(_ members: UnsafeBufferPointer<KernelIO>) {
        let first = members[0]
        let n = max(0, min(first.context.logicalCount, first.count))
        guard n > 0 else { for io in members { forward(io) }; return }
        typealias V = SIMD16<Float>
        withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { serialBuf in
            var serial = 0
            var fbConstant = true, steady = true
            let s = AudioMath.invTwoPi
            for (m, io) in members.enumerated() {
                if io.state == nil || (io.inputs[1][0] == 0 && AudioMath.isConstant(io, 1, n)) { forward(io); continue }
                serialBuf[serial] = m; serial += 1
                if !AudioMath.isConstant(io, 1, n) { fbConstant = false }
                if !(AudioMath.isConstant(io, 0, n) && io.inputs[2][0] == 0 && AudioMath.isConstant(io, 2, n)) { steady = false }
            }
            guard serial > 0 else { return }
            if !steady {
                // θ in cycles, along time, into each output, to be transposed block by block.
                for k in 0..<serial {
                    let io = members[serialBuf[k]]
                    let st = io.state!, out = io.outputs[0], pm = io.inputs[2]
                    st.set(0, AudioMath.phases(freq: io.inputs[0], count: n, lanes: io.count, phase: st.get(0, as: Double.self),
                                               rate: io.context.sampleRate, into: out, constant: AudioMath.isConstant(io, 0, n)))
                    var i = 0
                    let sv = V(repeating: s)
                    while i < io.count { Lanes.store(Lanes.load(out, i).madd(sv, AudioMath.finite(Lanes.load(pm, i))), out, i); i += 16 }
                }
            }
            withUnsafeTemporaryAllocation(of: V.self, capacity: 80) { blocks in
                let a = blocks.baseAddress!, b = a + 16, fa = a + 32, fb = a + 48, tmp = a + 64
                var start = 0
                while start < serial {
                    let ca = min(16, serial - start), cb = min(16, serial - start - ca)
                    @inline(__always) func io(_ c: Int) -> KernelIO { members[serialBuf[start + c]] }
                    var ya = V(), yb = V(), fav = V(), fbv = V()
                    for c in 0..<ca {
                        ya[c] = io(c).state!.get(AudioMath.sineStateBytes, as: Float.self)
                        fav[c] = AudioMath.finite(io(c).inputs[1][0]) * s
                    }
                    for c in 0..<cb {
                        yb[c] = io(16 + c).state!.get(AudioMath.sineStateBytes, as: Float.self)
                        fbv[c] = AudioMath.finite(io(16 + c).inputs[1][0]) * s
                    }
                    // Steady operators: phases straight in the transposed layout, one lane per
                    // operator, from `Double` every 256 samples and by adding 16·inc between.
                    var incA = V(), incB = V(), baseA = V(), baseB = V()
                    let rate = first.context.sampleRate
                    if steady {
                        for c in 0..<ca { incA[c] = Float(AudioMath.wrapIncrement(Double(io(c).inputs[0][0]) / rate)) }
                        for c in 0..<cb { incB[c] = Float(AudioMath.wrapIncrement(Double(io(16 + c).inputs[0][0]) / rate)) }
                    }
                    var j0 = 0
                    while j0 < n {
                        let steps = min(16, n - j0)
                        if steady {
                            if j0 & 255 == 0 {
                                for c in 0..<ca {
                                    let x = io(c)
                                    baseA[c] = Float(AudioMath.frac(x.state!.get(0, as: Double.self) + Double(j0) * Double(x.inputs[0][0]) / rate))
                                }
                                for c in 0..<cb {
                                    let x = io(16 + c)
                                    baseB[c] = Float(AudioMath.frac(x.state!.get(0, as: Double.self) + Double(j0) * Double(x.inputs[0][0]) / rate))
                                }
                            }
                            for t in 0..<16 {
                                a[t] = baseA.madd(Float(t), incA)
                                b[t] = baseB.madd(Float(t), incB)
                            }
                            baseA = baseA.madd(16, incA); baseB = baseB.madd(16, incB)
                            baseA -= FastMath.floor(baseA); baseB -= FastMath.floor(baseB)
                        } else {
                            for c in 0..<16 {
                                a[c] = c < ca ? Lanes.load(io(c).outputs[0], j0) : V()
                                if cb > 0 { b[c] = c < cb ? Lanes.load(io(16 + c).outputs[0], j0) : V() }
                            }
                            AudioMath.transpose16(a, tmp)
                            if cb > 0 { AudioMath.transpose16(b, tmp) }
                        }
                        if fbConstant {
                            if cb > 0 {
                                for t in 0..<steps {
                                    ya = AudioMath.sin2pi(a[t].madd(fav, ya)); a[t] = ya
                                    yb = AudioMath.sin2pi(b[t].madd(fbv, yb)); b[t] = yb
                                }
                            } else {
                                for t in 0..<steps { ya = AudioMath.sin2pi(a[t].madd(fav, ya)); a[t] = ya }
                            }
                        } else {
                            let sv = V(repeating: s)
                            for c in 0..<16 {
                                fa[c] = c < ca ? AudioMath.finite(Lanes.load(io(c).inputs[1], j0)) * sv : V()
                                fb[c] = c < cb ? AudioMath.finite(Lanes.load(io(16 + c).inputs[1], j0)) * sv : V()
                            }
                            AudioMath.transpose16(fa, tmp)
                            AudioMath.transpose16(fb, tmp)
                            for t in 0..<steps {
                                ya = AudioMath.sin2pi(a[t].madd(fa[t], ya)); a[t] = ya
                                yb = AudioMath.sin2pi(b[t].madd(fb[t], yb)); b[t] = yb
                            }
                        }
                        AudioMath.transpose16(a, tmp)
                        for c in 0..<ca { Lanes.store(a[c], io(c).outputs[0], j0) }
                        if cb > 0 {
                            AudioMath.transpose16(b, tmp)
                            for c in 0..<cb { Lanes.store(b[c], io(16 + c).outputs[0], j0) }
                        }
                        j0 += 16
                    }
                    for c in 0..<ca { io(c).state!.set(AudioMath.sineStateBytes, ya[c]) }
                    for c in 0..<cb { io(16 + c).state!.set(AudioMath.sineStateBytes, yb[c]) }
                    if steady {
                        for c in 0..<(ca + cb) {
                            let x = io(c), st = x.state!
                            st.set(0, AudioMath.frac(st.get(0, as: Double.self) + Double(n) * Double(x.inputs[0][0]) / rate))
                        }
                    }
                    start += ca + cb
                }
            }
        }
    }
}

extension FMOp: DifferentiableSignal {
    /// The reverse of one run from a fresh state (phase 0, previous output 0). With
    /// θ_j = 2π·x_j + pm_j + fb_j·y_{j−1} and y_j = sin θ_j, the feedback carries the adjoint
    /// back one sample: λ_j = g_j + λ_{j+1}·cos θ_{j+1}·fb_{j+1}; then with d_j = λ_j·cos θ_j,
    /// dL/dpm_j = d_j, dL/dfb_j = d_j·y_{j−1}, and the frequency as in `osc.sine`:
    /// dL/dfreq_i = 2π/rate · Σ_{j>i} d_j. The phases x_j come from `AudioMath.phases`, the
    /// forward's own accumulation, and y from the recorded outputs. (Above fb ≈ 1 the forward is
    /// chaotic and so are these gradients.)
    public func backwardRun(_ io: KernelIO, _ gr: KernelGrads) {
        let n = max(0, min(io.context.logicalCount, io.count))
        guard n > 0 else { return }
        let c = UnsafeMutablePointer<Float>.allocate(capacity: io.count)
        defer { c.deallocate() }
        let rate = io.context.sampleRate
        _ = AudioMath.phases(freq: io.inputs[0], count: n, lanes: io.count, phase: 0, rate: rate, into: c)
        let fb = io.inputs[1], pm = io.inputs[2], y = io.outputs[0], g = gr.outputGrads[0]
        let gf = gr.inputGrads[0], gfb = gr.inputGrads[1], gpm = gr.inputGrads[2]
        let s = AudioMath.invTwoPi
        // cos θ_j (as the sine a quarter turn on), in place of the phases.
        for j in 0..<n {
            let previous: Float = j > 0 ? y[j - 1] : 0
            c[j] = AudioMath.sin2pi(c[j] + s * (AudioMath.finite(pm[j]) + AudioMath.finite(fb[j]) * previous) + 0.25)
        }
        // From the end: λ, then d_j (kept in c once cos θ_j has been used).
        var lambda: Float = 0, nextCos: Float = 0, nextFb: Float = 0
        for j in stride(from: n - 1, through: 0, by: -1) {
            lambda = lambda * nextCos * nextFb + g[j]
            let d = lambda * c[j]
            gpm[j] += d
            gfb[j] += d * (j > 0 ? y[j - 1] : 0)
            nextCos = c[j]; nextFb = AudioMath.finite(fb[j])
            c[j] = d
        }
        AudioMath.phasesBackward(c, freq: io.inputs[0], count: n, rate: rate, scale: 2 * Double.pi, into: gf)
    }

    /// The frequency is integrated into the phase: plain steps.
    public func stepScale(input port: Int, weight: Float, sampleRate: Double) -> Float { port == 0 ? 1 : Self.ownSize(weight) }
}
