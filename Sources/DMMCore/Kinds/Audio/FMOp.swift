/// `fm.op`: a sine operator with one-sample self-feedback, as in SuperCollider's `SinOscFB`
/// and the DX7's feedback operator: y[n] = sin(2π·φ[n] + pm[n] + fb[n]·y[n−1]).
///
/// Inputs: freq (Hz), fb (radians per unit of the previous output sample; around 0.5–1.5 turns
/// the sine towards a saw-like tone), pm (phase offset in radians, for modulator → carrier
/// wiring). The feedback is inside the neuron because through the matrix it would cost a whole
/// tick. A neuron with feedback is serial in time, so several of them (the voices of a patch)
/// run side by side in one call, one SIMD lane per operator (`GroupedKind`). Stateful, hence
/// `.notDifferentiable`.
public struct FMOp: GroupedKind {
    public static let name = "fm.op"
    public static let summary = "sine operator with self-feedback: freq (Hz), fb (rad), pm (rad)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq"), PortSpec("fb"), PortSpec("pm")] }
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
            y = AudioMath.sin2pi(out[j] + s * (pm[j] + fb[j] * y))
            out[j] = y
        }
        st.set(AudioMath.sineStateBytes, y)
    }

    /// Runs the operators with feedback in chunks of 32 (two SIMD16 recurrences interleaved so
    /// that one hides the other's latency); operators whose fb is zero this block have no
    /// recurrence and run alone, vectorised over time.
    public func forwardGroup(_ members: UnsafeBufferPointer<KernelIO>) {
        let first = members[0]
        let n = max(0, min(first.context.logicalCount, first.count))
        let lanes = first.count
        guard n > 0 else { for io in members { forward(io) }; return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { serialBuf in
            var serial = 0
            for (m, io) in members.enumerated() {
                if io.state == nil || (io.inputs[1][0] == 0 && AudioMath.isConstant(io, 1, n)) { forward(io) } else { serialBuf[serial] = m; serial += 1 }
            }
            guard serial > 0 else { return }
            let chunk = 32
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * lanes * chunk) { tmp in
                let theta = tmp.baseAddress!               // transposed: sample j of slot c at j·32 + c
                let fbT = theta + lanes * chunk            // transposed feedback (cycles per unit)
                var start = 0
                while start < serial {
                    let count = min(chunk, serial - start)
                    if count < chunk { theta.initialize(repeating: 0, count: 2 * lanes * chunk) }   // idle lanes
                    var ya = SIMD16<Float>(), yb = SIMD16<Float>()
                    var fa = SIMD16<Float>(), fbv = SIMD16<Float>()
                    var fbConstant = true
                    for c in 0..<count where !AudioMath.isConstant(members[serialBuf[start + c]], 1, n) { fbConstant = false }
                    for c in 0..<count {
                        let io = members[serialBuf[start + c]]
                        let st = io.state!
                        let out = io.outputs[0], pm = io.inputs[2], fb = io.inputs[1]
                        st.set(0, AudioMath.phases(freq: io.inputs[0], count: n, lanes: lanes, phase: st.get(0, as: Double.self),
                                                   rate: io.context.sampleRate, into: out, constant: AudioMath.isConstant(io, 0, n)))
                        let s = AudioMath.invTwoPi
                        for j in 0..<n { theta[j * chunk + c] = out[j] + s * pm[j] }
                        let prev = st.get(AudioMath.sineStateBytes, as: Float.self)
                        if c < 16 { ya[c] = prev } else { yb[c - 16] = prev }
                        if fbConstant {
                            if c < 16 { fa[c] = fb[0] * s } else { fbv[c - 16] = fb[0] * s }
                        } else {
                            for j in 0..<n { fbT[j * chunk + c] = fb[j] * s }
                        }
                    }
                    // The recurrences: one step per sample, 32 operators per step.
                    if fbConstant {
                        for j in 0..<n {
                            let t = theta + j * chunk
                            ya = AudioMath.sin2pi(Lanes.load(t, 0).addingProduct(fa, ya))
                            yb = AudioMath.sin2pi(Lanes.load(t, 16).addingProduct(fbv, yb))
                            Lanes.store(ya, t, 0); Lanes.store(yb, t, 16)
                        }
                    } else {
                        for j in 0..<n {
                            let t = theta + j * chunk, f = fbT + j * chunk
                            ya = AudioMath.sin2pi(Lanes.load(t, 0).addingProduct(Lanes.load(f, 0), ya))
                            yb = AudioMath.sin2pi(Lanes.load(t, 16).addingProduct(Lanes.load(f, 16), yb))
                            Lanes.store(ya, t, 0); Lanes.store(yb, t, 16)
                        }
                    }
                    for c in 0..<count {
                        let io = members[serialBuf[start + c]]
                        let out = io.outputs[0]
                        for j in 0..<n { out[j] = theta[j * chunk + c] }
                        io.state!.set(AudioMath.sineStateBytes, c < 16 ? ya[c] : yb[c - 16])
                    }
                    start += count
                }
            }
        }
    }
}
