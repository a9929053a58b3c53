import DMMCore
import DMMTestSupport
import Fitting
import PatchLanguage
import Testing

/// Tree kinds on flattened trees: every kind's `backwardFlat` against central finite
/// differences of its `forwardFlat`, and the tree fitter's whole-network gradient against
/// finite differences of its loss.
@Suite struct TreeKindGradientTests {
    static let layout = TreeLayout(paths: [["a"], ["b"], ["c", "x"], ["."], [" "]])

    static func kinds() throws -> [(String, any FlatTreeKind)] {
        [("accum", try Accum(config: NeuronConfig())), ("id", try Identity(config: NeuronConfig())),
         ("maxnorm", try MaxNorm(config: NeuronConfig())), ("dot", try Dot(config: NeuronConfig())),
         ("compare", try Compare(config: NeuronConfig()))]
    }

    /// Σ g·forward(x) in Double, for the finite differences.
    static func weighted(_ kind: any FlatTreeKind, _ x: [[Float]], _ g: [[Float]], tick: Int = 0) -> Double {
        let lanes = layout.lanes
        var ins = x, outs = Array(repeating: Array(repeating: Float(0), count: lanes), count: kind.outputs.count)
        run(kind, &ins, &outs) { io in kind.forwardFlat(io, layout: layout) }
        var s = 0.0
        for o in outs.indices { for l in 0..<lanes { s += Double(g[o][l]) * Double(outs[o][l]) } }
        return s
    }

    static func run(_ kind: any FlatTreeKind, _ ins: inout [[Float]], _ outs: inout [[Float]], _ body: (KernelIO) -> Void) {
        let lanes = layout.lanes
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: lanes * (ins.count + outs.count) + 16)
        defer { buf.deallocate() }
        var ptrs: [UnsafeMutablePointer<Float>] = []
        for (p, v) in (ins + outs).enumerated() { (buf + p * lanes).initialize(from: v, count: lanes); ptrs.append(buf + p * lanes) }
        ptrs.withUnsafeBufferPointer { pb in
            body(KernelIO(inputs: UnsafeBufferPointer(rebasing: pb[0..<ins.count]),
                          outputs: UnsafeBufferPointer(rebasing: pb[ins.count...]), count: lanes, context: KernelContext()))
        }
        for o in outs.indices { outs[o] = Array(UnsafeBufferPointer(start: ptrs[ins.count + o], count: lanes)) }
    }

    @Test(arguments: ["accum", "id", "maxnorm", "dot", "compare"])
    func backwardMatchesFiniteDifferences(name: String) throws {
        let kind = try #require(try Self.kinds().first { $0.0 == name }?.1)
        let lanes = Self.layout.lanes, used = Self.layout.paths.count
        var rng = SplitMix(seed: 0xD0C + UInt64(name.count))
        var checked = 0
        for trial in 0..<20 {
            // Inputs on the layout's lanes only (padding stays 0); trial 0 of dot is past the clip.
            let scale: Float = name == "dot" && trial == 0 ? 3 : 1
            let x = kind.inputs.map { _ in (0..<lanes).map { l in l < used ? scale * rng.uniform(-1.5, 1.5) : 0 } }
            let g = kind.outputs.map { _ in (0..<lanes).map { l in l < used ? rng.uniform(-1, 1) : 0 } }
            // Analytic: backwardFlat.
            var ins = x, outs = Array(repeating: Array(repeating: Float(0), count: lanes), count: kind.outputs.count)
            Self.run(kind, &ins, &outs) { io in kind.forwardFlat(io, layout: Self.layout) }
            var gin = Array(repeating: Array(repeating: Float(0), count: lanes), count: kind.inputs.count)
            let (gb, gi) = (UnsafeMutablePointer<Float>.allocate(capacity: lanes * outs.count + 16), UnsafeMutablePointer<Float>.allocate(capacity: lanes * ins.count + 16))
            defer { gb.deallocate(); gi.deallocate() }
            for o in g.indices { (gb + o * lanes).initialize(from: g[o], count: lanes) }
            gi.initialize(repeating: 0, count: lanes * ins.count + 16)
            let gop = (0..<outs.count).map { gb + $0 * lanes }, gip = (0..<ins.count).map { gi + $0 * lanes }
            var ins2 = x, outs2 = outs
            Self.run(kind, &ins2, &outs2) { io in
                gop.withUnsafeBufferPointer { go in gip.withUnsafeBufferPointer { gq in
                    kind.backwardFlat(io, KernelGrads(outputGrads: go, inputGrads: gq), layout: Self.layout)
                } }
            }
            for p in gin.indices { gin[p] = Array(UnsafeBufferPointer(start: gip[p], count: lanes)) }
            // Numeric: central differences at h and h/2 (a disagreement marks a kink: skipped).
            for p in x.indices {
                for l in 0..<used {
                    func numeric(_ h: Float) -> Double {
                        var xp = x, xm = x
                        xp[p][l] += h; xm[p][l] -= h
                        return (Self.weighted(kind, xp, g) - Self.weighted(kind, xm, g)) / Double(2 * h)
                    }
                    let n1 = numeric(1e-2), n2 = numeric(5e-3)
                    guard abs(n1 - n2) < 1e-3 else { continue }
                    #expect(abs(Double(gin[p][l]) - n2) < 2e-3 * max(1, abs(n2)), "\(name) input \(p) lane \(l): backward \(gin[p][l]), numeric \(n2)")
                    checked += 1
                }
            }
        }
        #expect(checked > 20 * kind.inputs.count * used / 2, "too few lanes checked for \(name): \(checked)")
    }

    /// The tree fitter's gradient of its loss over 60 ticks, weight by weight, against central
    /// finite differences of the same loss: a student that is the teacher with every weight
    /// moved, fitted to the teacher's outputs.
    @Test func networkGradientMatchesFiniteDifferences() throws {
        let teacher = try DistillationTests.teacher()
        var student = teacher
        var rng = SplitMix(seed: 42)
        for e in student.matrix.entries where !e.entry.frozen {
            student.matrix.set(e.input, e.output, e.entry.weight * rng.uniform(0.8, 1.2))
        }
        let engine = try DistillationTests.engine(student: student, teacher: teacher, ticks: 60)
        let w = engine.weights(of: student)
        #expect(engine.parameters.count == 8)
        let e = engine.evaluate(w)
        #expect(e.loss > 0.01)
        var checked = 0
        for k in w.indices {
            func numeric(_ h: Float) -> Double {
                var wp = w, wm = w
                wp[k] += h; wm[k] -= h
                return (engine.evaluate(wp, gradient: false).loss - engine.evaluate(wm, gradient: false).loss) / Double(2 * h)
            }
            let n1 = numeric(2e-3), n2 = numeric(1e-3)
            guard abs(n1 - n2) < 1e-2 * max(1, abs(n2)) else { continue }
            #expect(abs(e.gradient[k] - n2) < 1e-2 * max(1, abs(n2)), "\(engine.parameters[k].name(in: student)): \(e.gradient[k]) vs \(n2)")
            checked += 1
        }
        #expect(checked >= 6)
    }
}
