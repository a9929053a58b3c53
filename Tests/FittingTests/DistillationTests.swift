import DMMCore
import DMMTestSupport
import Fitting
import PatchLanguage
import Testing

/// The 2022 teacher against an independent evaluation, the tree fitter against the engine,
/// the student template's size, and distillation end to end through the public API.
@Suite struct DistillationTests {
    static func teacher(input: String? = nil) throws -> Network {
        var net = try PatchLoader.load(path: CLIPaths.repoRoot + "/patches/duplicates-teacher.dmm").network
        if let input { try TextInput.replaceInput(in: &net, with: input) }
        return net
    }

    /// The teacher's `dup` and `end` after each tick, through the engine (`TickPlan`).
    static func engineOutputs(_ net: Network, ticks: Int, names: [String] = ["dup", "end"]) throws -> [[VValue]] {
        let plan = try TickPlan(network: net)
        let refs = try names.map { try #require(net.output($0)) }
        return (0..<ticks).map { _ in
            plan.tick()
            return refs.map { plan.treeOutput(neuron: $0.neuron, port: $0.port) }
        }
    }

    static func engine(student: Network, teacher: Network, ticks: Int) throws -> TreeBackprop {
        let targets = try engineOutputs(teacher, ticks: ticks)
        return try TreeBackprop(student: student, outputs: [try #require(student.output("dup")), try #require(student.output("end"))],
                                targets: targets)
    }

    /// The detector written out in Double, tick by tick, from its definition (arXiv 1606.09470
    /// §3 as in the 2022 code): a character every `every` ticks (the last held), counts, the
    /// highest count, relu(highest − 1), and the count of "." clipped to ±4, each one tick
    /// after its input.
    static func reference(_ s: String, every: Int = 10, ticks: Int) -> [(dup: Double, end: Double)] {
        let chars = s.map { String($0) }
        func input(_ t: Int) -> String? {
            guard t % every == 0, !chars.isEmpty else { return nil }
            return chars[min(t / every, chars.count - 1)]
        }
        var inPrev: String?, acc: [String: Double] = [:], norm = 0.0, cmp = 0.0, d = 0.0, eos = false
        var dup = 0.0, end = 0.0
        var out: [(dup: Double, end: Double)] = []
        for t in 0..<ticks {
            let newDup = cmp, newEnd = d
            let newCmp = max(0, norm - 1)
            let newNorm = acc.values.map { abs($0) }.max() ?? 0
            let newD = eos ? max(-4, min(4, acc["."] ?? 0)) : 0
            if let c = inPrev { acc[c, default: 0] += 1 }
            (dup, end, cmp, norm, d, inPrev, eos) = (newDup, newEnd, newCmp, newNorm, newD, input(t), true)
            out.append((dup, end))
        }
        return out
    }

    @Test(arguments: ["test string.", "tets string.", "a quick brown fox jumps over the lazy dog."])
    func teacherMatchesIndependentEvaluation(text: String) throws {
        let ticks = text == "test string." ? 140 : 10 * (text.count + 2)
        let got = try Self.engineOutputs(try Self.teacher(input: text), ticks: ticks)
        let want = Self.reference(text, ticks: ticks)
        for t in 0..<ticks {
            #expect(got[t][0].number == want[t].dup && got[t][0].children.isEmpty, "dup at tick \(t): \(got[t][0]) vs \(want[t].dup)")
            #expect(got[t][1].number == want[t].end && got[t][1].children.isEmpty, "end at tick \(t): \(got[t][1]) vs \(want[t].end)")
        }
        if text == "test string." {
            // Landmarks: the second 't' (tick 30) reaches dup at tick 34, the third at 64;
            // the '.' (tick 110) reaches end at 113 and, held, counts to 3 by tick 133.
            #expect(want[33].dup == 0 && want[34].dup == 1 && want[64].dup == 2 && want[139].dup == 2)
            #expect(want[112].end == 0 && want[113].end == 1 && want[133].end == 3)
        }
    }

    /// The fitter's flat forward is the engine's: fitted to the engine's own outputs at the
    /// same weights, the loss is 0 (to Float rounding).
    @Test func flatForwardMatchesTheEngine() throws {
        let teacher = try Self.teacher()
        var student = try SynthesisTemplate.make(seed: 3)
        student.timing = teacher.timing
        let targets = try Self.engineOutputs(student, ticks: 140)
        let e = try TreeBackprop(student: student, outputs: [try #require(student.output("dup")), try #require(student.output("end"))],
                                 targets: targets)
        let loss = e.evaluate(e.weights(of: student), gradient: false).loss
        let scale = targets.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + $1.leaves.reduce(0.0) { $0 + $1.value * $1.value } } }
        #expect(scale > 0)
        #expect(loss <= 1e-9 * max(1, scale), "loss \(loss) at the engine's own outputs (scale \(scale))")
    }

    /// A pruned student may keep an `accum` fed only by `one` (a clock, a scalar neuron):
    /// the fitter runs it with the tree neurons, matching the engine and its own differences.
    @Test func scalarAccumulatorInATreeStudent() throws {
        let teacher = try Self.teacher()
        var student = teacher
        let clk = try student.add("clk", try Accum(config: NeuronConfig()))
        student.matrix.set(PortRef(clk, 0), PortRef(0, 0), 0.01)
        let cmpB = try #require(student.input("cmp", "b"))
        student.matrix.set(cmpB, PortRef(clk, 0), 0.3)
        let own = try Self.engineOutputs(student, ticks: 140)
        let outs = [try #require(student.output("dup")), try #require(student.output("end"))]
        let e = try TreeBackprop(student: student, outputs: outs, targets: own)
        let w = e.weights(of: student)
        #expect(e.parameters.count == 10)
        #expect(e.evaluate(w, gradient: false).loss < 1e-9)
        let fit = try Self.engine(student: student, teacher: teacher, ticks: 140)
        let g = fit.evaluate(w).gradient
        let k = try #require(fit.parameters.firstIndex { $0.input == PortRef(clk, 0) })
        var wp = w, wm = w
        wp[k] += 1e-4; wm[k] -= 1e-4
        let numeric = (fit.evaluate(wp, gradient: false).loss - fit.evaluate(wm, gradient: false).loss) / 2e-4
        #expect(abs(g[k] - numeric) < 1e-2 * max(1, abs(numeric)), "clk weight: \(g[k]) vs \(numeric)")
        #expect(abs(numeric) > 1)
    }

    /// The 2022 student: 1486 trainable weights; the accumulators' loops are not among them.
    @Test func templateHasTheOriginalsWeightCount() throws {
        let student = try SynthesisTemplate.make()
        let e = try Self.engine(student: student, teacher: try Self.teacher(), ticks: 140)
        #expect(e.parameters.count == 1486)
        #expect(!e.parameters.contains { $0.input.neuron == $0.output.neuron })
        let w = e.weights(of: student)
        let sd = (w.reduce(0.0) { $0 + Double($1 * $1) } / Double(w.count)).squareRoot()
        #expect(sd > 0.008 && sd < 0.012, "initial weights 0.01·N(0,1): sd \(sd)")
    }

    /// Distillation recovers a perturbed teacher's weights' behaviour: loss falls by 100×.
    @Test func distillationReducesTheLoss() throws {
        let teacher = try Self.teacher()
        var student = teacher
        let cmpB = try #require(student.input("cmp", "b")), dupX = try #require(student.input("dup", "x"))
        student.matrix.set(cmpB, PortRef(0, 0), 0.6)
        student.matrix.set(dupX, try #require(student.output("cmp", "gt")), 0.5)
        let e = try Self.engine(student: student, teacher: teacher, ticks: 140)
        var o = DistillOptions()
        o.steps = 400; o.learningRate = 0.02
        let d = try Distiller(student: student, outputs: [try #require(student.output("dup")), try #require(student.output("end"))],
                              engines: [e], options: o)
        let before = e.evaluate(e.weights(of: student), gradient: false).loss
        guard case .finished(let r) = d.run() else { Issue.record("interrupted"); return }
        #expect(before > 1)
        #expect(r.loss < before / 100, "loss \(before) → \(r.loss)")
        #expect(r.steps == 400)
    }
}

enum CLIPaths {
    static let repoRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
}
