import DMMCore
#if canImport(Glibc)
import Glibc
#endif
import Testing

// Each visual and scalar kind's `forward` against the reference's Double formula, on random
// inputs of 16·k lanes, in the field domain (every lane its own value, tiles starting at
// various pixels) and in the scalar domain (16 lanes holding one broadcast value).
//
// Tolerances follow the engine's fast math (FastMath.swift), measured against libm in Double
// at the same Float inputs, with a margin:
//   sin, cos       |err| ≤ 3e-7 + 1.2e-7·|u|, u = a·x + b: the polynomial (≈1.2e-7) plus the
//                  single Float rounding of u (|u|·6e-8, times |f′| ≤ 1), doubled. For the
//                  inputs here (|u| ≤ 20) that is at most ~2.7e-6, i.e. ~1e-5 relative to the
//                  output range, as the fast-math note promises.
//   tanh           |err| ≤ 5e-7 (1 − 2/(e^{2x} + 1) with exp at 2e-7 relative).
//   sigmoid        |err| ≤ 3e-7.
//   gauss          |err| ≤ 3e-7 + 1e-7·x² (exp at 2e-7 relative, x² rounded in Float).
//   abs, id, accum, rgb   exact.
//   clip           |err| ≤ 1e-7 (lo and hi are rounded to Float).
//   mul            |err| ≤ 1.2e-7·|a·b| (one Float rounding).
//   hsv            |err| ≤ 3e-6 (6·fract in Float: a few ulps of 6, times the slope 2).
//   coord.x, .y, .r   |err| ≤ 3e-7; coord.theta |err| ≤ 4e-6 (atan2 to 1e-5 rad, ÷ π).
//   clock          |err| ≤ 1e-7·|t| + 1e-9 (Float of the Double product).
//   feedback       |err| ≤ 2e-5 (sample positions in Float on a rough random field: the
//                  position error, ~1e-6 px, times slopes up to ~2 per pixel, plus rounding).
//   lf.tri         |err| ≤ 1e-6 (the phase is a Double; the shape is taken in Float).
//   floor, step, min, max   exact (the same Float inputs decide the same way).
//   fract          |err| ≤ 6e-8 (x − ⌊x⌋ rounds once, to a result below 1).
//   mod            |err| ≤ 1.2e-7·(|a| + |b|) (a fused a − b·q, one rounding); where a/b lies
//                  within 1e-6 of a whole number, the Float quotient may floor to the
//                  neighbouring integer, so the reference ± b is accepted there.
//   smoothstep     |err| ≤ 1e-6 + 1.2e-6·(|x| + |lo| + |hi|)/|hi − lo| (t in Float, slope ≤ 1.5).
//   pow            |err| ≤ |y|·(1e-6 + 3e-7·|p| + 3e-7·|p·ln|x||) (log and exp at ~1e-7
//                  relative, the product p·ln|x| rounded in Float).
//   mix            |err| ≤ 2.4e-7·(|a| + |b|)·(1 + |t|).

/// Calls `kind.forward` on Float inputs, returns the outputs.
func runForward(_ kind: any NeuronKind, _ inputs: [[Float]], lanes: Int, context: KernelContext,
                state: UnsafeMutableRawPointer? = nil) -> [[Float]] {
    let ins = inputs.map { a -> UnsafeMutablePointer<Float> in
        let p = UnsafeMutablePointer<Float>.allocate(capacity: lanes)
        p.initialize(repeating: 0, count: lanes)
        for i in 0..<min(lanes, a.count) { p[i] = a[i] }
        return p
    }
    let outs = kind.outputs.map { _ -> UnsafeMutablePointer<Float> in
        let p = UnsafeMutablePointer<Float>.allocate(capacity: lanes)
        p.initialize(repeating: .nan, count: lanes)
        return p
    }
    defer { for p in ins + outs { p.deallocate() } }
    ins.withUnsafeBufferPointer { ib in
        outs.withUnsafeBufferPointer { ob in
            kind.forward(KernelIO(inputs: ib, outputs: ob, count: lanes, context: context, state: state))
        }
    }
    return outs.map { Array(UnsafeBufferPointer(start: $0, count: lanes)) }
}

struct FormulaCase: Sendable, CustomTestStringConvertible {
    let kind: String
    let config: [(String, Double)]
    /// Input ranges per port.
    let ranges: [ClosedRange<Double>]
    var testDescription: String { config.isEmpty ? kind : "\(kind)(\(config.map { "\($0.0): \($0.1)" }.joined(separator: ", ")))" }

    var neuronConfig: NeuronConfig { NeuronConfig(config.map { ($0.0, ConfigValue.number($0.1)) }) }

    /// The allowed error at reference value `y` for inputs `x` (see the table above).
    func tolerance(_ x: [Double], _ y: Double) -> Double {
        switch kind {
        case "sin", "cos": return 3e-7 + 1.2e-7 * Swift.abs(x[0] * x[1] + x[2])
        case "tanh": return 5e-7
        case "sigmoid": return 3e-7
        case "gauss": return 3e-7 + 1e-7 * x[0] * x[0]
        case "abs", "id", "accum", "rgb": return 0
        case "clip": return 1e-7
        case "mul": return 1.2e-7 * Swift.abs(y)
        case "hsv": return 3e-6
        case "floor", "step", "min", "max": return 0
        case "fract": return 6e-8
        case "mod": return 1.2e-7 * (Swift.abs(x[0]) + Swift.abs(x[1]))
        case "smoothstep":
            return 1e-6 + 1.2e-6 * (Swift.abs(x[2]) + Swift.abs(x[0]) + Swift.abs(x[1])) / Swift.abs(x[1] - x[0])
        case "pow":
            let l = x[0] == 0 ? 0 : Swift.abs(x[1] * log(Swift.abs(x[0])))
            return Swift.abs(y) * (1e-6 + 3e-7 * Swift.abs(x[1]) + 3e-7 * l)
        case "mix": return 2.4e-7 * (Swift.abs(x[0]) + Swift.abs(x[1])) * (1 + Swift.abs(x[2]))
        default: fatalError(kind)
        }
    }
}

@Suite("Kind forwards match the reference formulas") struct KindFormulaTests {
    static let pointwise: [FormulaCase] = [
        FormulaCase(kind: "sin", config: [], ranges: [-4...4, -2...2, -4...4]),
        FormulaCase(kind: "cos", config: [], ranges: [-4...4, -2...2, -4...4]),
        FormulaCase(kind: "tanh", config: [], ranges: [-6...6]),
        FormulaCase(kind: "sigmoid", config: [], ranges: [-12...12]),
        FormulaCase(kind: "gauss", config: [], ranges: [-3.5...3.5]),
        FormulaCase(kind: "abs", config: [], ranges: [-3...3]),
        FormulaCase(kind: "clip", config: [], ranges: [-2...2]),
        FormulaCase(kind: "clip", config: [("lo", -0.3), ("hi", 0.7)], ranges: [-2...2]),
        FormulaCase(kind: "mul", config: [], ranges: [-3...3, -3...3]),
        FormulaCase(kind: "id", config: [], ranges: [-3...3]),
        FormulaCase(kind: "accum", config: [], ranges: [-3...3]),
        FormulaCase(kind: "rgb", config: [], ranges: [-1.5...1.5, -1.5...1.5, -1.5...1.5]),
        FormulaCase(kind: "hsv", config: [], ranges: [-3...3, -1.5...1.5, -1.5...1.5]),
        FormulaCase(kind: "fract", config: [], ranges: [-5...5]),
        FormulaCase(kind: "floor", config: [], ranges: [-5...5]),
        FormulaCase(kind: "mod", config: [], ranges: [-5...5, -2...2]),
        FormulaCase(kind: "step", config: [], ranges: [-1...1, -1...1]),
        FormulaCase(kind: "smoothstep", config: [], ranges: [-1...0.2, -0.2...1, -1.5...1.5]),
        FormulaCase(kind: "min", config: [], ranges: [-2...2, -2...2]),
        FormulaCase(kind: "max", config: [], ranges: [-2...2, -2...2]),
        FormulaCase(kind: "pow", config: [], ranges: [-2...2, -1.5...3]),
        FormulaCase(kind: "mix", config: [], ranges: [-2...2, -2...2, -0.5...1.5]),
    ]

    /// Other values the engine may rightly give for inputs `x` (mod: the neighbouring period
    /// where a/b is all but whole, see the table above).
    static func alternatives(_ kind: String, _ x: [Double], _ y: Double) -> [Double] {
        guard kind == "mod", x[1] != 0 else { return [] }
        let q = x[0] / x[1]
        return Swift.abs(q - q.rounded()) <= 1e-6 * Swift.max(1, Swift.abs(q)) ? [y - x[1], y + x[1]] : []
    }

    static func make(_ name: String, _ config: NeuronConfig = NeuronConfig()) throws -> any NeuronKind {
        let type = try #require(KindRegistry.builtins[name], "no kind \(name)")
        return try type.init(config: config)
    }

    /// Field domain: every lane random, 16·k lanes for k = 1…8; scalar domain: 16 lanes of one
    /// value (what the scalar stroke passes), 40 calls.
    @Test(arguments: pointwise)
    func pointwiseKind(_ c: FormulaCase) throws {
        let kind = try Self.make(c.kind, c.neuronConfig)
        #expect(kind.inputs.count == c.ranges.count)
        var rng = SplitMix64(seed: UInt64(c.testDescription.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        var worst = (excess: 0.0, message: "")
        var largest = (err: 0.0, ratio: 0.0)
        func check(_ domain: StreamKind, lanes: Int, broadcast: Bool) {
            let first = (0..<c.ranges.count).map { p in Float(rng.uniform(c.ranges[p].lowerBound, c.ranges[p].upperBound)) }
            let inputs: [[Float]] = c.ranges.indices.map { p in
                broadcast ? [Float](repeating: first[p], count: lanes)
                          : (0..<lanes).map { _ in Float(rng.uniform(c.ranges[p].lowerBound, c.ranges[p].upperBound)) }
            }
            var ctx = KernelContext(tick: 2, secondsPerTick: 1.0 / 30, width: 64, height: 64, start: 16 * rng.int(0...20),
                                    sampleRate: 48_000, logicalCount: lanes)
            ctx.domain = domain
            let out = runForward(kind, inputs, lanes: lanes, context: ctx)
            for i in 0..<lanes {
                let x = inputs.map { Double($0[i]) }
                let y = ReferenceFormula.pointwise(c.kind, config: kind.config, x)
                for o in y.indices {
                    let err = ([y[o]] + Self.alternatives(c.kind, x, y[o])).map { Swift.abs(Double(out[o][i]) - $0) }.min()!
                    let excess = err - c.tolerance(x, y[o])
                    if err > largest.err { largest = (err, c.tolerance(x, y[o]) > 0 ? err / c.tolerance(x, y[o]) : 0) }
                    if !(excess <= 0) && (excess > worst.excess || worst.message.isEmpty) {
                        worst = (excess.isNaN ? .infinity : excess,
                                 "\(c.testDescription) (\(domain)) lane \(i) of \(lanes), inputs \(x): engine \(out[o][i]), reference \(y[o]), error \(err) > tolerance \(c.tolerance(x, y[o]))")
                    }
                }
            }
        }
        for k in 1...8 { for _ in 0..<4 { check(.field, lanes: 16 * k, broadcast: false) } }
        for _ in 0..<40 { check(.scalar, lanes: 16, broadcast: true) }
        print("KindFormulaTests: \(c.testDescription) largest error \(largest.err) (\(largest.ratio) of its tolerance)")
        #expect(worst.message.isEmpty, "\(worst.message)")
    }

    @Test(arguments: ["coord.x", "coord.y", "coord.r", "coord.theta"])
    func coordinate(_ name: String) throws {
        let kind = try Self.make(name)
        var bad: [String] = []
        for (w, h) in [(13, 7), (16, 12), (7, 13), (40, 24), (9, 9)] {
            let px = w * h, lanes = (px + 15) / 16 * 16
            // Whole frame, and tiles that start part-way.
            for (start, count) in [(0, lanes), (16, min(32, lanes - 16)), (lanes - 16, 16)] where count > 0 {
                let ctx = KernelContext(tick: 0, secondsPerTick: 1.0 / 30, width: w, height: h, start: start,
                                        sampleRate: 48_000, logicalCount: min(count, px - start))
                let out = runForward(kind, [], lanes: count, context: ctx)[0]
                for i in 0..<count where start + i < px {
                    let want = ReferenceFormula.coordinate(name, pixel: start + i, width: w, height: h)
                    let tol = name == "coord.theta" ? 4e-6 : 3e-7
                    if !(Swift.abs(Double(out[i]) - want) <= tol) {
                        bad.append("\(name) \(w)x\(h) pixel \(start + i): engine \(out[i]), reference \(want)")
                    }
                }
            }
        }
        #expect(bad.isEmpty, "\(bad.prefix(10).joined(separator: "\n"))")
    }

    @Test func clockAndOne() throws {
        var bad: [String] = []
        for rate in [1.0, 0.25, 2.37] {
            let cfg = rate == 1 ? NeuronConfig() : NeuronConfig([("rate", .number(rate))])
            let kind = try Self.make("clock", cfg)
            for tick in [-5, -1, 0, 1, 7, 59, 1000, 18_000] {
                for spt in [1.0 / 30, 1.0 / 24, 64.0 / 48_000] {
                    let ctx = KernelContext(tick: tick, secondsPerTick: spt, width: 1, height: 1, start: 0, sampleRate: 48_000, logicalCount: 1)
                    let out = runForward(kind, [], lanes: 16, context: ctx)[0]
                    let want = ReferenceFormula.clock(tick: tick, secondsPerTick: spt, config: kind.config)
                    for v in out where !(Swift.abs(Double(v) - want) <= 1e-7 * Swift.abs(want) + 1e-9) {
                        bad.append("clock(rate: \(rate)) tick \(tick) spt \(spt): engine \(v), reference \(want)")
                    }
                }
            }
        }
        // `one` is built into every network rather than registered by name.
        let one = runForward(One(), [], lanes: 32, context: KernelContext())[0]
        #expect(one.allSatisfy { $0 == 1 })
        #expect(bad.isEmpty, "\(bad.prefix(10).joined(separator: "\n"))")
    }

    /// feedback over whole frames: random fields, random zoom / rotation / shift (including a
    /// zoom of 0, which the kind takes as 1e-6, and shifts that leave the frame), random
    /// displacement fields dx, dy (none in a quarter of the trials), under every edge mode.
    @Test(arguments: ["black", "clamp", "wrap", "mirror", nil] as [String?])
    func feedback(edge: String?) throws {
        let kind = try Self.make("feedback", edge.map { NeuronConfig([("edge", .string($0))]) } ?? NeuronConfig())
        var rng = SplitMix64(seed: 77)
        var worst = (err: 0.0, message: "")
        for trial in 0..<40 {
            let w = rng.int(5...40), h = rng.int(5...30)
            let px = w * h, lanes = (px + 15) / 16 * 16
            let src = (0..<lanes).map { _ in Float(rng.uniform(-1, 1)) }
            // Zoom 0 (taken as 1e-6) reads ~1e7 pixels out: black and clamp are exact there, but
            // wrap and mirror would fold a Float position that has no fraction left.
            let tiles = edge == "wrap" || edge == "mirror"
            let zoom = trial == 0 && !tiles ? 0 : Float(rng.uniform(0.5, 2) * (rng.chance(0.1) ? -1 : 1))
            let rot = Float(rng.uniform(-3.2, 3.2)), tx = Float(rng.uniform(-0.6, 0.6)), ty = Float(rng.uniform(-0.6, 0.6))
            let amount = trial % 4 == 0 ? 0 : rng.uniform(0.05, 3)
            let dx = (0..<lanes).map { _ in Float(rng.uniform(-amount, amount)) }
            let dy = (0..<lanes).map { _ in Float(rng.uniform(-amount, amount)) }
            let scalars = [zoom, rot, tx, ty].map { [Float](repeating: $0, count: lanes) }
            var ctx = KernelContext(tick: 0, secondsPerTick: 1.0 / 30, width: w, height: h, start: 0, sampleRate: 48_000, logicalCount: px)
            ctx.domain = .field
            let out = runForward(kind, [src] + scalars + [dx, dy], lanes: lanes, context: ctx)[0]
            let want = ReferenceFormula.feedback(src.prefix(px).map(Double.init), width: w, height: h,
                                                 zoom: Double(zoom), rotate: Double(rot), tx: Double(tx), ty: Double(ty),
                                                 dx: dx.prefix(px).map(Double.init), dy: dy.prefix(px).map(Double.init),
                                                 edge: edge ?? "black")
            for p in 0..<px {
                let err = Swift.abs(Double(out[p]) - want[p])
                if !(err <= worst.err) {
                    worst = (err.isNaN ? .infinity : err,
                             "edge \(edge ?? "default") \(w)x\(h) zoom \(zoom) rotate \(rot) tx \(tx) ty \(ty) dx \(dx[p]) dy \(dy[p]) pixel \(p): engine \(out[p]), reference \(want[p])")
                }
            }
        }
        #expect(worst.err <= 5e-5, "\(worst.message)")
    }

    /// A bad edge name is refused, naming the choices.
    @Test func feedbackEdgeMustBeKnown() {
        #expect(throws: KindError.self) { try Self.make("feedback", NeuronConfig([("edge", .string("repeat"))])) }
        #expect(throws: KindError.self) { try Self.make("feedback", NeuronConfig([("edge", .number(1))])) }
    }

    /// lf.tri: a scalar LFO with its phase in the state, stepped once per call; in the field
    /// domain (no state) it reads the clock.
    @Test func lfTri() throws {
        let kind = try Self.make("lf.tri")
        var bad: [String] = []
        for freq: Float in [0.5, 0.15, 3.7, -1.2] {
            let state = UnsafeMutableRawPointer.allocate(byteCount: max(16, kind.stateBytes), alignment: 16)
            defer { state.deallocate() }
            state.initializeMemory(as: UInt8.self, repeating: 0, count: max(16, kind.stateBytes))
            var phase = 0.0
            for tick in -3..<60 {
                var ctx = KernelContext(tick: tick, secondsPerTick: 1.0 / 30, width: 1, height: 1, start: 0, sampleRate: 48_000, logicalCount: 1)
                ctx.domain = .scalar
                let y = runForward(kind, [[Float](repeating: freq, count: 16)], lanes: 16, context: ctx, state: state)[0][0]
                let want = ReferenceFormula.triangle(phase)
                let q = phase + Double(freq) / 30
                phase = q - q.rounded(.down)
                if !(Swift.abs(Double(y) - want) <= 1e-6) { bad.append("scalar lf.tri freq \(freq) tick \(tick): engine \(y), reference \(want)") }
            }
            for tick in [-3, 0, 5, 44] {
                var ctx = KernelContext(tick: tick, secondsPerTick: 1.0 / 30, width: 8, height: 4, start: 0, sampleRate: 48_000, logicalCount: 32)
                ctx.domain = .field
                let y = runForward(kind, [[Float](repeating: freq, count: 32)], lanes: 32, context: ctx)[0]
                let want = ReferenceFormula.triangle(Double(freq) * Double(tick) / 30)
                for v in y where !(Swift.abs(Double(v) - want) <= 1e-6) {
                    bad.append("field lf.tri freq \(freq) tick \(tick): engine \(v), reference \(want)")
                }
            }
        }
        #expect(bad.isEmpty, "\(bad.prefix(10).joined(separator: "\n"))")
    }
}
