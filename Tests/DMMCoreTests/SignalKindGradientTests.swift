import Testing
import DMMCore
import DMMTestSupport

/// The reverse of the stateful signal kinds (`DifferentiableSignal.backwardRun`) against
/// central finite differences of the kinds' own `forward`, run once from a zeroed state over
/// 400 samples at 8 kHz, as `dmm fit --teacher` records a run. The loss is L = Σ r_j·y_j for a
/// random r, so dL/dy = r; each check perturbs one input sample (or a whole input) by ±h.
@Suite struct SignalKindGradientTests {
    static let rate = 8000.0
    static let samples = 400
    /// Lanes of the one call: the samples rounded up to 16.
    static let lanes = (samples + 15) / 16 * 16

    /// One kind with its inputs for a run.
    struct Case {
        let label: String
        let kind: any DifferentiableSignal
        /// Per input port, `samples` values.
        var inputs: [[Float]]
        /// Per input port, its typical size: the finite-difference step is 1e-2 of it.
        let scales: [Double]
        /// Where the forward has jumps or kinks (a saw's wrap, the triangle's corners, the
        /// delay's whole-sample taps and clamps): per sample a position whose breakpoints are
        /// the integers, so a perturbation moving one across one is not a derivative check.
        var positions: (([[Float]]) -> [Double])? = nil
        /// How far the computed position may be off the real one (Float rounding).
        var margin: Double = 0
        /// How far one call may be from several (see `oneCallEqualsSeveral`).
        var blockTolerance: Float = 0
    }

    // MARK: running the kinds

    /// Buffers for one call: `lanes` floats per port, zero beyond what is copied in.
    final class Buffers {
        let ports: [UnsafeMutablePointer<Float>]
        let pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
        init(_ count: Int, lanes: Int) {
            ports = (0..<count).map { _ in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: lanes)
                p.initialize(repeating: 0, count: lanes)
                return p
            }
            pointers = .allocate(capacity: max(count, 1))
            for (i, p) in ports.enumerated() { (pointers + i).initialize(to: p) }
        }
        deinit { ports.forEach { $0.deallocate() }; pointers.deallocate() }
        var buffer: UnsafeBufferPointer<UnsafeMutablePointer<Float>> { UnsafeBufferPointer(start: pointers, count: ports.count) }
        func array(_ port: Int, _ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: ports[port], count: count)) }
    }

    static func context(tick: Int, samples n: Int) -> KernelContext {
        var ctx = KernelContext(tick: tick, secondsPerTick: Double(n) / rate, sampleRate: rate, logicalCount: n)
        ctx.domain = .signal
        return ctx
    }

    /// The kind's forward from a zeroed state over `inputs`, in calls of `blocks` samples
    /// (one call over everything when nil); the outputs of the samples.
    static func forward(_ kind: any NeuronKind, _ inputs: [[Float]], blocks: [Int]? = nil) -> [Float] {
        let n = inputs[0].count
        let bytes = max(16, kind.stateBytes(sampleRate: Int(rate)))
        let state = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        defer { state.deallocate() }
        state.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        var y: [Float] = []
        var start = 0, tick = 0
        for b in blocks ?? [n] {
            let count = (b + 15) / 16 * 16
            let ins = Buffers(inputs.count, lanes: count), outs = Buffers(1, lanes: count)
            for (p, values) in inputs.enumerated() { for j in 0..<b { ins.ports[p][j] = values[start + j] } }
            kind.forward(KernelIO(inputs: ins.buffer, outputs: outs.buffer, count: count,
                                  context: context(tick: tick, samples: b), state: state))
            y += outs.array(0, b)
            start += b; tick += 1
        }
        return y
    }

    /// `backwardRun` over the recorded run of `inputs` with dL/dy = r: dL/d(input) per port.
    static func reverse(_ kind: any DifferentiableSignal, _ inputs: [[Float]], _ r: [Float]) -> [[Float]] {
        let y = forward(kind, inputs)
        let ins = Buffers(inputs.count, lanes: lanes), outs = Buffers(1, lanes: lanes)
        let gOut = Buffers(1, lanes: lanes), gIn = Buffers(inputs.count, lanes: lanes)
        for (p, values) in inputs.enumerated() { for j in 0..<samples { ins.ports[p][j] = values[j] } }
        for j in 0..<samples { outs.ports[0][j] = y[j]; gOut.ports[0][j] = r[j] }
        kind.backwardRun(KernelIO(inputs: ins.buffer, outputs: outs.buffer, count: lanes,
                                  context: context(tick: 0, samples: samples)),
                         KernelGrads(outputGrads: gOut.buffer, inputGrads: gIn.buffer))
        // Kernels add into the samples' lanes only: the padding stays zero.
        for p in 0..<inputs.count { #expect((samples..<lanes).allSatisfy { gIn.ports[p][$0] == 0 }, "\(kind.name): padding written") }
        return (0..<inputs.count).map { gIn.array($0, samples) }
    }

    static func loss(_ y: [Float], _ r: [Float]) -> Double {
        zip(y, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    // MARK: the cases

    static func random(_ g: inout SplitMix, _ lo: Float, _ hi: Float) -> [Float] {
        (0..<samples).map { _ in g.uniform(lo, hi) }
    }

    /// A moving control: a random walk between lo and hi (reflected at them, so no value
    /// sticks to a bound), with a few samples set to `clamped` values (outside the kind's
    /// range, where its gradient is zero).
    static func moving(_ g: inout SplitMix, _ lo: Float, _ hi: Float, clamped: [Float] = []) -> [Float] {
        var v = (lo + hi) / 2
        var out = (0..<samples).map { _ -> Float in
            v += g.uniform(-0.08, 0.08) * (hi - lo)
            if v > hi { v = 2 * hi - v }
            if v < lo { v = 2 * lo - v }
            return v
        }
        for c in clamped { out[Int(g.next() % UInt64(samples))] = c }
        return out
    }

    /// The phase of every sample of an LF oscillator (cycles from 0, unwrapped) in Double,
    /// times `perCycle` and shifted so that the shape's breakpoints are the integers.
    static func phasePositions(perCycle: Double, offset: Double) -> ([[Float]]) -> [Double] {
        { inputs in
            var acc = 0.0
            return inputs[0].map { f in
                defer { acc += Double(f) / rate }
                return acc * perCycle - offset
            }
        }
    }

    static func cases(moving: Bool) throws -> [Case] {
        var g = SplitMix(seed: moving ? 0x51_6E_A1 : 0xC0_57)
        let signal = random(&g, -1, 1)
        var list: [Case] = []
        // onepole: a 4500 Hz cutoff is above Nyquist (clamped), −50 Hz holds.
        list.append(Case(label: "onepole", kind: try OnePole(config: .init()),
                         inputs: [signal, moving ? Self.moving(&g, 200, 2500, clamped: [4500, -50, 4500, -50]) : Array(repeating: 700, count: samples)],
                         scales: [1, 1000]))
        // The filters: cutoffs of 4500 Hz (above 0.49 × rate) and −50 Hz, resonances of 1.2 and −1.5 are clamped.
        for kind in [try FilterLowpass(config: .init()), try FilterHighpass(config: .init()), try FilterBandpass(config: .init())] as [any DifferentiableSignal] {
            let cutoff = moving ? Self.moving(&g, 200, 2500, clamped: [4500, -50, 4500]) : Array(repeating: 900, count: samples)
            let res = moving ? Self.moving(&g, -0.5, 0.9, clamped: [1.2, -1.5]) : Array(repeating: 0.6, count: samples)
            list.append(Case(label: kind.name, kind: kind, inputs: [signal, cutoff, res], scales: [1, 1000, 1]))
        }
        // delay(max: 0.05): 400 samples at most; times below 0 and beyond max are clamped. The
        // read is piecewise linear in time with corners at whole samples (1.25e-4 s), so the
        // time's step is 1e-2 of that; the positions are the delay in samples, clamped.
        let time = moving ? Self.moving(&g, 0.002, 0.03, clamped: [-0.01, 0.08]) : Array(repeating: 0.0123, count: samples)
        list.append(Case(label: "delay", kind: try Delay(config: NeuronConfig([("max", .number(0.05))])),
                         inputs: [signal, time], scales: [1, 1e-4],
                         positions: { inputs in inputs[1].map { min(max(Double($0) * rate, 0), 400) } }, margin: 1e-6))
        let freq = moving ? Self.moving(&g, -200, 900) : Array(repeating: 313.7, count: samples)
        list.append(Case(label: "phasor", kind: try Phasor(config: .init()), inputs: [freq], scales: [400],
                         positions: phasePositions(perCycle: 1, offset: 0), margin: 1e-6, blockTolerance: 1e-6))
        list.append(Case(label: "lf.saw", kind: try LFSaw(config: .init()), inputs: [freq], scales: [400],
                         positions: phasePositions(perCycle: 1, offset: 0), margin: 1e-6, blockTolerance: 1e-6))
        list.append(Case(label: "lf.tri", kind: try LFTri(config: .init()), inputs: [freq], scales: [400],
                         positions: phasePositions(perCycle: 2, offset: 0.5), margin: 2e-6, blockTolerance: 1e-6))
        // The sine operators (the lead's): small frequency steps, since a whole input moved by
        // 1 Hz turns the last phase by 0.05 of a cycle here; fm.op with feedback below 1.
        let sineFreq = moving ? Self.moving(&g, 100, 900) : Array(repeating: 313.7, count: samples)
        let pm = moving ? Self.moving(&g, -2, 2) : Array(repeating: 0.4, count: samples)
        list.append(Case(label: "osc.sine", kind: try OscSine(config: .init()), inputs: [sineFreq, pm], scales: [20, 1],
                         blockTolerance: 1e-5))   // a steady pitch rotates from an anchor each call: error < 5e-6
        let fb = moving ? Self.moving(&g, 0, 0.9) : Array(repeating: 0.6, count: samples)
        list.append(Case(label: "fm.op", kind: try FMOp(config: .init()), inputs: [sineFreq, fb, pm], scales: [20, 1, 1],
                         blockTolerance: 1e-5))
        return list
    }

    // MARK: the checks

    /// True when moving `from` to `to` takes some sample's position across a breakpoint (a
    /// position that does not move crosses nothing, even one sitting on a breakpoint).
    static func crosses(_ c: Case, _ from: [[Float]], _ to: [[Float]]) -> Bool {
        guard let positions = c.positions else { return false }
        let a = positions(from), b = positions(to)
        for j in 0..<a.count where a[j] != b[j] {
            let lo = min(a[j], b[j]) - c.margin, hi = max(a[j], b[j]) + c.margin
            if lo.rounded(.down) != hi.rounded(.down) { return true }
        }
        return false
    }

    /// Central difference of L for moving input `port` at `indices` by ±h, or nil when that
    /// crosses a breakpoint. The steps actually taken (after rounding to Float) differ from
    /// sample to sample, so the check is a directional derivative: `fd` = ΔL / s̄ against
    /// `analytic` = Σ_i dL/dinput_i · step_i / s̄ (s̄ the mean step). `floor` is the tolerance
    /// for rounding: outputs computed in Float differ between the two runs by a few ulps of the
    /// output's size per sample, adding up like a random walk over the samples (‖r‖₂).
    static func centralDifference(_ c: Case, _ r: [Float], _ grads: [Float], port: Int, indices: [Int],
                                  h: Double) -> (fd: Double, analytic: Double, floor: Double)? {
        var plus = c.inputs, minus = c.inputs
        var steps = 0.0, analytic = 0.0
        for i in indices {
            plus[port][i] = Float(Double(c.inputs[port][i]) + h)
            minus[port][i] = Float(Double(c.inputs[port][i]) - h)
            let step = Double(plus[port][i]) - Double(minus[port][i])
            steps += step
            analytic += Double(grads[i]) * step
        }
        let mean = steps / Double(indices.count)
        guard mean > 0.5 * h, !crosses(c, minus, plus) else { return nil }
        let yp = forward(c.kind, plus), ym = forward(c.kind, minus)
        let size = max(1e-3, yp.map { Double(abs($0)) }.max() ?? 0)
        let norm = r.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return ((loss(yp, r) - loss(ym, r)) / mean, analytic / mean, 16 * 1.19e-7 * size * norm / mean)
    }

    /// Analytic against numeric: within 2e-2 relative (central differences of a smooth map
    /// with h = 1e-2 of the input's size) plus the rounding floor. Returns the relative error
    /// when the derivative stands clear of the floor.
    static func agree(_ analytic: Double, _ fd: Double, floor: Double, _ what: String) -> Double? {
        let scale = max(abs(analytic), abs(fd))
        #expect(abs(analytic - fd) <= 2e-2 * scale + floor, "\(what): reverse \(analytic), finite difference \(fd), floor \(floor)")
        return scale > 20 * floor ? abs(analytic - fd) / scale : nil
    }

    /// dL/d(input) of every port at ~10 random samples and for the whole input moved at once
    /// (the sum of its per-sample gradients), for a constant and for a moving control.
    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(_ moving: Bool) throws {
        var g = SplitMix(seed: moving ? 7 : 3)
        for c in try Self.cases(moving: moving) {
            let r = Self.random(&g, -1, 1)
            let grads = Self.reverse(c.kind, c.inputs, r)
            var worst = 0.0, checked = 0
            for port in 0..<c.inputs.count {
                let h = 1e-2 * c.scales[port]
                var done = 0, tries = 0
                while done < 10 && tries < 300 {
                    tries += 1
                    let i = Int(g.next() % UInt64(Self.samples))
                    guard let d = Self.centralDifference(c, r, grads[port], port: port, indices: [i], h: h) else { continue }
                    done += 1
                    if let e = Self.agree(d.analytic, d.fd, floor: d.floor, "\(c.label) \(c.kind.inputs[port].name)[\(i)]") {
                        worst = max(worst, e); checked += 1
                    }
                }
                #expect(done >= 8, "\(c.label) \(c.kind.inputs[port].name): only \(done) samples clear of breakpoints")
                // The whole input moved together: the largest step (down from h) that crosses no breakpoint.
                let all = Array(0..<Self.samples)
                let whole = [1, 0.1, 0.01, 1e-3, 1e-4].lazy.compactMap { Self.centralDifference(c, r, grads[port], port: port, indices: all, h: h * $0) }.first
                #expect(whole != nil, "\(c.label) \(c.kind.inputs[port].name): every whole step crosses a breakpoint")
                if let d = whole, let e = Self.agree(d.analytic, d.fd, floor: d.floor, "\(c.label) \(c.kind.inputs[port].name) (whole)") {
                    worst = max(worst, e); checked += 1
                }
            }
            #expect(checked >= 2 * c.inputs.count, "\(c.label): too few checks stood clear of the rounding floor (\(checked))")
            print("SignalKindGradient \(moving ? "moving" : "constant") \(c.label): worst relative error \(worst) over \(checked) checks")
        }
    }

    /// The out-of-range controls `moving(_:_:_:clamped:)` plants in the cases.
    static let clampedValues: Set<Float> = [4500, -50, 1.2, -1.5, -0.01, 0.08]

    /// Where the kind clamps a control, its gradient is zero (and the finite difference agrees:
    /// the clamped samples are among the cases' moving controls).
    @Test func clampedControlsHaveNoGradient() throws {
        var g = SplitMix(seed: 11)
        for c in try Self.cases(moving: true) where c.inputs.count > 1 && !["osc.sine", "fm.op"].contains(c.label) {   // the sines clamp nothing
            let r = Self.random(&g, -1, 1)
            let grads = Self.reverse(c.kind, c.inputs, r)
            var clamped = 0
            for port in 1..<c.inputs.count {
                for (j, v) in c.inputs[port].enumerated() where Self.clampedValues.contains(v) {
                    #expect(grads[port][j] == 0, "\(c.label) \(c.kind.inputs[port].name)[\(j)] = \(v): gradient \(grads[port][j])")
                    clamped += 1
                }
            }
            #expect(clamped > 0, "\(c.label): no clamped samples")
        }
    }

    /// `lf.saw` and `lf.tri` step once per tick as scalars: that is no run to reverse, and the
    /// reverse adds nothing there (the signal domain is the one it serves).
    @Test func lfReverseAddsNothingOutsideSignals() throws {
        for kind in [try LFSaw(config: .init()), try LFTri(config: .init())] as [any DifferentiableSignal] {
            let gOut = Buffers(1, lanes: 16), gIn = Buffers(1, lanes: 16), ins = Buffers(1, lanes: 16), outs = Buffers(1, lanes: 16)
            for j in 0..<16 { ins.ports[0][j] = 3; gOut.ports[0][j] = 1 }
            var ctx = Self.context(tick: 0, samples: 1)
            ctx.domain = .scalar
            kind.backwardRun(KernelIO(inputs: ins.buffer, outputs: outs.buffer, count: 16, context: ctx),
                             KernelGrads(outputGrads: gOut.buffer, inputGrads: gIn.buffer))
            #expect(gIn.array(0, 16).allSatisfy { $0 == 0 }, "\(kind.name)")
        }
    }

    /// One call over the run equals the same run in several calls (block independence), so the
    /// fitter's one `forward` over the run is what the engine's ticks computed.
    @Test(arguments: [false, true])
    func oneCallEqualsSeveral(_ moving: Bool) throws {
        for c in try Self.cases(moving: moving) {
            let one = Self.forward(c.kind, c.inputs)
            let several = Self.forward(c.kind, c.inputs, blocks: [48, 16, 100, 5, 231])
            var worst: Float = 0
            for j in 0..<Self.samples { worst = max(worst, abs(one[j] - several[j])) }
            // The filters and the delay carry their exact Float state from call to call: equal to
            // the bit. An LF oscillator restarts each call from its Double phase, which rounds to
            // Float one ulp apart from the running phase (≤ 1.2e-7 cycles, times a slope ≤ 4).
            #expect(worst <= c.blockTolerance, "\(c.label): one call and several differ by \(worst)")
            print("SignalKindGradient blocks \(moving ? "moving" : "constant") \(c.label): one call and several differ by at most \(worst)")
        }
    }
}
