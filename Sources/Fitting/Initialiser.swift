import DMMCore

#if canImport(Glibc)
import Glibc
#endif

/// Starting weights for the starts of a fit: the patch's own, or frequency-aware.
///
/// A frequency-aware start finds the first layer of the patch: neurons of the `sin(a·x + b)`
/// family whose `x` row has trainable weights on linear coordinate fields (`coord.x`,
/// `coord.y`) and no trainable weight from another field neuron. It then gives neuron j the
/// j-th strongest plane wave of the targets (`FrequencyAnalysis`): weights on the
/// coordinates and on a time source (a scalar that grows linearly with the tick, such as
/// `clock`) that reproduce the wave's spatial and temporal frequencies, and a bias (on `b`,
/// else on `x`) that matches its phase. Start v rotates the waves among the neurons by v and,
/// from the second variant on, jitters frequencies by 15 % and draws phases at random, so
/// parallel starts explore different assignments. All other weights keep the patch's values.
public enum Initialiser {
    /// One start: weights in the engine's `parameters` order and a line for the report.
    public struct Start: Sendable {
        public var weights: [Float]
        public var description: String
    }

    /// The `options.restarts` starts.
    public static func starts(engine: BackpropThroughTime, targets: FitTargets, options: FitOptions) -> [Start] {
        let given = engine.initialWeights
        let k = max(1, options.restarts)
        var layout: Layout?
        var out: [Start] = []
        for i in 0..<k {
            let variant: Int?
            switch options.initialisation {
            case .given: variant = nil
            case .frequency: variant = i
            case .auto: variant = i == 0 ? nil : i - 1
            }
            guard let v = variant else { out.append(Start(weights: given, description: "the patch's weights")); continue }
            if layout == nil { layout = Layout(engine: engine, targets: targets) }
            out.append(frequencyStart(layout!, given: given, variant: v, seed: options.seed))
        }
        return out
    }

    /// What the first layer looks like, and the target's waves.
    struct Layout {
        struct Neuron {
            var name: String
            var multiplier: Double
            /// (parameter, d value/d column, d value/d row, value at pixel (0,0)).
            var coordinates: [(p: Int, a: Double, b: Double, c: Double)]
            /// (parameter, value per frame, value read at frame 0).
            var times: [(p: Int, perFrame: Double, v0: Double)]
            /// Bias parameter and its multiplier.
            var bias: (p: Int, multiplier: Double)?
        }
        var neurons: [Neuron] = []
        var peaks: [FrequencyAnalysis.Peak] = []

        init(engine e: BackpropThroughTime, targets: FitTargets) {
            var paramOf: [Int: Int] = [:]   // stream term → parameter; const terms as −1 − k
            for (p, t) in e.paramTerm.enumerated() { paramOf[t.stream ? t.index : -1 - t.index] = p }
            // Linear constant fields.
            var linear: [Int: (a: Double, b: Double, c: Double)] = [:]
            for c in 0..<e.constantFieldCount {
                let f = e.constantFields + c * e.lanes
                if let fit = Self.planeFit(f, width: e.width, height: e.height) { linear[c] = fit }
            }
            // Scalar slots that grow linearly with the tick; `one`.
            _ = e.evaluate(e.initialWeights, gradient: false)
            let nS = e.scalarCount, W = e.warmUpTicks
            var times: [Int: (perFrame: Double, v0: Double)] = [:]
            var oneSlot: Int?
            for s in 0..<nS {
                if e.plan.outSlot[0].first == s { oneSlot = s; continue }
                guard e.ticks >= W + 2 else { continue }
                let v = (W..<e.ticks).map { Double(e.scalarVals[($0 + 1) * nS + s]) }
                let slope = v.count > 1 ? (v[v.count - 1] - v[0]) / Double(v.count - 1) : 0
                guard abs(slope) > 1e-9 else { continue }
                let straight = v.indices.allSatisfy { abs(v[$0] - (v[0] + slope * Double($0))) < 1e-3 * max(1, abs(v[$0])) }
                if straight { times[s] = (slope, Double(e.scalarVals[W * nS + s])) }
            }
            for n in e.fieldNeurons {
                let kind = n.kind
                guard kind.inputs.map(\.name) == ["a", "x", "b"] else { continue }
                let rx = n.rows[1], ra = n.rows[0], rb = n.rows[2]
                var coords: [(Int, Double, Double, Double)] = []
                var fromFields = false
                for k in e.streamStart[rx]..<e.streamStart[rx + 1] {
                    let src = e.streamSrc[k]
                    if src >= 0 { if e.streamTrainable[k] { fromFields = true }; continue }
                    if let p = paramOf[k], let l = linear[-1 - src] { coords.append((p, l.a, l.b, l.c)) }
                }
                guard !coords.isEmpty, !fromFields else { continue }
                // The multiplier a: its row's constant value when nothing varies it.
                var mult = 1.0
                if e.streamStart[ra + 1] == e.streamStart[ra] { mult = Double(e.constTrace[min(W, e.ticks - 1) * e.rowCount + ra]) }
                guard abs(mult) > 1e-3 else { continue }
                var tms: [(Int, Double, Double)] = []
                var bias: (Int, Double)?
                for k in e.constStart[rx]..<e.constStart[rx + 1] {
                    guard let p = paramOf[-1 - k] else { continue }
                    let s = e.constSlot[k]
                    if let t = times[s] { tms.append((p, t.perFrame, t.v0)) }
                    else if s == oneSlot { bias = (p, mult) }
                }
                for k in e.constStart[rb]..<e.constStart[rb + 1] where e.constSlot[k] == oneSlot {
                    if let p = paramOf[-1 - k] { bias = (p, 1) }
                }
                neurons.append(Neuron(name: e.network.neurons[n.index].name, multiplier: mult,
                                      coordinates: coords.map { (p: $0.0, a: $0.1, b: $0.2, c: $0.3) },
                                      times: tms.map { (p: $0.0, perFrame: $0.1, v0: $0.2) },
                                      bias: bias.map { (p: $0.0, multiplier: $0.1) }))
            }
            if !neurons.isEmpty { peaks = FrequencyAnalysis.peaks(targets, count: max(8, neurons.count)) }
        }

        /// Least-squares plane `a·col + b·row + c` through a constant field; nil if it is not one.
        static func planeFit(_ f: UnsafeMutablePointer<Float>, width: Int, height: Int) -> (a: Double, b: Double, c: Double)? {
            let w = width, h = height
            guard w > 1, h > 1 else { return nil }
            let a = (Double(f[w - 1]) - Double(f[0])) / Double(w - 1)
            let b = (Double(f[(h - 1) * w]) - Double(f[0])) / Double(h - 1)
            let c = Double(f[0])
            for row in stride(from: 0, to: h, by: max(1, h / 7)) {
                for col in stride(from: 0, to: w, by: max(1, w / 7)) {
                    let v = Double(f[row * w + col]), model = a * Double(col) + b * Double(row) + c
                    if abs(v - model) > 1e-4 * (1 + abs(v)) { return nil }
                }
            }
            return (a, b, c)
        }
    }

    static func frequencyStart(_ l: Layout, given: [Float], variant v: Int, seed: UInt64) -> Start {
        var w = given
        guard !l.neurons.isEmpty, !l.peaks.isEmpty else {
            return Start(weights: given, description: "frequency-aware #\(v + 1): no first layer on coordinates found; the patch's weights")
        }
        var rng = RandomSource(seed: seed &+ UInt64(v + 1) &* 0x9E37_79B9_7F4A_7C15)
        var used: [String] = []
        for (j, n) in l.neurons.enumerated() {
            var p = l.peaks[(j + v) % l.peaks.count]
            if v >= 1 || j >= l.peaks.count {
                let jitter = { (x: Double) in x * (1 + 0.15 * rng.normal()) }
                p.perColumn = jitter(p.perColumn); p.perRow = jitter(p.perRow); p.perFrame = jitter(p.perFrame)
                p.phase = rng.uniform(-Double.pi, Double.pi)
            }
            // Coordinate weights: solve Σ w_s·(a_s, b_s) = (ωc, ωr) / multiplier.
            let tc = p.perColumn / n.multiplier, tr = p.perRow / n.multiplier
            var constant = 0.0
            let cs = n.coordinates
            if cs.count >= 2 {
                let (a1, b1, a2, b2) = (cs[0].a, cs[0].b, cs[1].a, cs[1].b)
                let det = a1 * b2 - a2 * b1
                if abs(det) > 1e-12 {
                    let w1 = (tc * b2 - tr * a2) / det, w2 = (a1 * tr - b1 * tc) / det
                    w[cs[0].p] = Float(w1); w[cs[1].p] = Float(w2)
                    constant += w1 * cs[0].c + w2 * cs[1].c
                    for extra in cs.dropFirst(2) { w[extra.p] = 0 }
                }
            } else if let c = cs.first {
                // One coordinate only: match the frequency along its own direction.
                let norm = c.a * c.a + c.b * c.b
                let wt = norm > 0 ? (tc * c.a + tr * c.b) / norm : 0
                w[c.p] = Float(wt); constant += wt * c.c
            }
            for (k, t) in n.times.enumerated() {
                let wt = k == 0 && abs(t.perFrame) > 0 ? p.perFrame / n.multiplier / t.perFrame : 0
                w[t.p] = Float(wt); constant += wt * t.v0
            }
            // cos(u) = sin(u + π/2); the bias carries what the coordinates and time did not.
            if let b = n.bias {
                var phase = (p.phase + Double.pi / 2) - constant * n.multiplier
                phase = phase - 2 * Double.pi * (phase / (2 * Double.pi)).rounded()
                w[b.p] = Float(phase / b.multiplier)
            }
            used.append("\(n.name) \(p)")
        }
        return Start(weights: w, description: "frequency-aware #\(v + 1): " + used.prefix(3).joined(separator: "; ")
                     + (used.count > 3 ? "; …" : ""))
    }
}

/// SplitMix64 with uniform and normal draws: reproducible starts from `--seed`.
public struct RandomSource: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(UInt64(1) << 53)
    }
    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u = max(uniform(0, 1), 1e-300), v = uniform(0, 1)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
