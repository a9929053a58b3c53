import DMMTestSupport
import DMMCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every kind's hand-written backward against central finite differences of its forward.
///
/// Inputs are random in a safe range; lanes that sit on a kink (abs at 0, a clamp edge, a
/// bilinear cell border) are recognised because the difference quotients at h and h/2
/// disagree, and are skipped, so the test checks the derivative wherever one exists.
@Suite struct KindGradientTests {
    struct Outcome { var checked = 0; var skipped = 0; var failures: [String] = [] }

    static func differentiableKinds() -> [any NeuronKind.Type] {
        KindRegistry.builtins.ordered.filter { t in
            guard let k = try? t.init(config: NeuronConfig()) else { return false }
            // Tree kinds differentiate on flattened trees: TreeKindGradientTests checks them.
            return !k.traits.contains(.notDifferentiable) && !k.inputs.isEmpty && !(k.inputs.first?.kind == .fixed(.tree))
        }
    }

    @Test func everyKindHasBuiltinsToCheck() {
        let names = Self.differentiableKinds().map { $0.name }
        #expect(names.contains("sin") && names.contains("feedback") && names.contains("hsv"))
    }

    @Test(arguments: differentiableKinds().map { $0.name })
    func backwardMatchesFiniteDifferences(kindName: String) throws {
        let type = try #require(KindRegistry.builtins[kindName])
        let kind = try type.init(config: NeuronConfig())
        let outcome = Self.check(kind)
        #expect(outcome.failures.isEmpty, "\(kindName): \(outcome.failures.prefix(6).joined(separator: "; "))")
        #expect(outcome.checked > 0, "\(kindName): no derivative checked (\(outcome.skipped) skipped as kinks)")
        #expect(outcome.skipped * 4 <= outcome.checked + outcome.skipped, "\(kindName): too many kinks (\(outcome.skipped))")
    }

    /// Runs the check; internal so the engine tests can reuse it on other kinds.
    static func check(_ kind: any NeuronKind, seed: UInt64 = 7) -> Outcome {
        var rng = SplitMix(seed: seed)
        let spatial = kind.traits.contains(.spatial)
        let (w, h) = spatial ? (16, 16) : (4, 4)
        let n = w * h
        let nin = kind.inputs.count, nout = kind.outputs.count
        var ctx = KernelContext(tick: 3, secondsPerTick: 1.0 / 30, width: w, height: h, start: 0, sampleRate: 48_000, logicalCount: n)
        let ports = kind.inputs + kind.outputs
        ctx.domain = ports.contains { $0.kind == .fixed(.signal) } ? .signal : .field
        // Scalar ports are broadcast: every lane holds the same value.
        let scalarIn = kind.inputs.map { $0.kind == .fixed(.scalar) }
        var x: [[Float]] = (0..<nin).map { p in
            if scalarIn[p] {
                // Spatial kinds: zoom in a little so every sample lands inside the frame.
                let v = kind.inputs[p].defaultValue + (spatial && p == 1 ? 0.15 : 0) + rng.uniform(spatial ? -0.05 : -0.2, spatial ? 0.05 : 0.2)
                return [Float](repeating: v, count: n)
            }
            if spatial {
                // An affine field, sampled inside the frame: bilinear sampling is exact on it,
                // so the picture is a smooth function of zoom, rotation and shift. (Sampling
                // per-pixel noise puts a kink at every cell border, and the frame's edge reads
                // 0: a Float difference quotient cannot see past those. In Float64 with
                // h = 1e-5 the feedback kind also matches on a curved field, to 6 digits.)
                // Further field inputs (feedback's displacement) move samples by a fraction of a
                // pixel, so they stay off the frame's edge too.
                let k: Float = p == 0 ? 1 : 0.02
                let a = k * rng.uniform(-0.05, 0.05), b = k * rng.uniform(-0.05, 0.05), c = k * rng.uniform(-0.2, 0.2)
                return (0..<n).map { i in a * Float(i % w) + b * Float(i / w) + c }
            }
            return (0..<n).map { _ in rng.uniform(-0.9, 0.9) }
        }
        let g: [[Float]] = (0..<nout).map { _ in (0..<n).map { _ in rng.uniform(-1, 1) } }
        let state0 = [UInt8](repeating: 0, count: max(1, kind.stateBytes))

        func forward(_ x: [[Float]]) -> [[Float]] {
            var ins = x
            var outs = [[Float]](repeating: [Float](repeating: 0, count: n), count: nout)
            var st = state0
            withPointers(&ins) { ip in
                withPointers(&outs) { op in
                    st.withUnsafeMutableBytes { sb in
                        kind.forward(KernelIO(inputs: ip, outputs: op, count: n, context: ctx,
                                              state: kind.stateBytes > 0 ? sb.baseAddress : nil))
                    }
                }
            }
            return outs
        }
        func objective(_ x: [[Float]]) -> Double {
            let y = forward(x)
            var s = 0.0
            for o in 0..<nout { for i in 0..<n { s += Double(g[o][i]) * Double(y[o][i]) } }
            return s
        }
        // Analytic.
        var outs = forward(x)
        var gOut = g
        var gIn = [[Float]](repeating: [Float](repeating: 0, count: n), count: nin)
        var st = state0
        withPointers(&x) { ip in
            withPointers(&outs) { op in
                withPointers(&gOut) { gp in
                    withPointers(&gIn) { gi in
                        st.withUnsafeMutableBytes { sb in
                            kind.backward(KernelIO(inputs: ip, outputs: op, count: n, context: ctx,
                                                   state: kind.stateBytes > 0 ? sb.baseAddress : nil),
                                          KernelGrads(outputGrads: gp, inputGrads: gi))
                        }
                    }
                }
            }
        }
        var result = Outcome()
        func fd(_ p: Int, _ lane: Int?, _ step: Float) -> Double {
            var a = x, b = x
            if let lane { a[p][lane] += step; b[p][lane] -= step } else {
                for i in 0..<n { a[p][i] += step; b[p][i] -= step }
            }
            let ha = Double(a[p][lane ?? 0] - x[p][lane ?? 0]), hb = Double(x[p][lane ?? 0] - b[p][lane ?? 0])
            return (objective(a) - objective(b)) / (ha + hb)
        }
        for p in 0..<nin {
            let lanes: [Int?] = scalarIn[p] ? [nil] : Array(0..<n)
            let step: Float = scalarIn[p] ? 1e-3 : 1e-2
            for lane in lanes {
                let analytic = lane.map { Double(gIn[p][$0]) } ?? gIn[p].reduce(0.0) { $0 + Double($1) }
                let d1 = fd(p, lane, step), d2 = fd(p, lane, step / 2)
                let scale = max(1, abs(d2))
                if abs(d1 - d2) > 2e-2 * scale { result.skipped += 1; continue }   // a kink
                result.checked += 1
                if abs(analytic - d2) > 3e-3 + 2e-2 * abs(d2) {
                    result.failures.append("d/d\(kind.inputs[p].name)[\(lane.map(String.init) ?? "all")] analytic \(analytic) vs numeric \(d2)")
                }
            }
        }
        return result
    }
}

/// Calls `body` with an `UnsafeBufferPointer` of pointers to each array's storage.
func withPointers<R>(_ arrays: inout [[Float]], _ body: (UnsafeBufferPointer<UnsafeMutablePointer<Float>>) -> R) -> R {
    let count = arrays.count
    let bases = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: max(1, count))
    defer { bases.deallocate() }
    var copies: [UnsafeMutablePointer<Float>] = []
    for a in arrays {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(16, a.count))
        p.initialize(repeating: 0, count: max(16, a.count))
        p.update(from: a, count: a.count)
        copies.append(p)
    }
    for (i, p) in copies.enumerated() { bases[i] = p }
    let r = body(UnsafeBufferPointer(start: bases, count: count))
    for (i, p) in copies.enumerated() {
        arrays[i] = Array(UnsafeBufferPointer(start: p, count: arrays[i].count))
        p.deallocate()
    }
    return r
}


/// `feedback` under every edge mode, its displacement inputs included: the backward against
/// finite differences (wrap and mirror put a seam in the affine test field; those lanes are
/// recognised as kinks).
@Suite struct FeedbackEdgeGradientTests {
    @Test(arguments: ["black", "clamp", "wrap", "mirror"])
    func backwardMatchesFiniteDifferences(edge: String) throws {
        let kind = try Feedback(config: NeuronConfig([("edge", .string(edge))]))
        let outcome = KindGradientTests.check(kind, seed: 19)
        #expect(outcome.failures.isEmpty, "\(edge): \(outcome.failures.prefix(6).joined(separator: "; "))")
        #expect(outcome.checked > 0)
        #expect(outcome.skipped * 4 <= outcome.checked + outcome.skipped, "\(edge): too many kinks (\(outcome.skipped))")
    }
}
