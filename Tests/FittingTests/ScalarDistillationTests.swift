import DMMCore
import DMMTestSupport
import Fitting
import Foundation
import PatchLanguage
import Testing

/// Scalar students in `TreeBackprop`: the loss against an independent Double evaluation of the
/// patch, the gradient against central differences of the engine's own loss, and the
/// refusals of kinds the fitter cannot take.
@Suite struct ScalarDistillationTests {
    static let ticks = 60
    static let outputs = ["h", "m", "acc"]
    static let neurons = ["one", "t", "s1", "s2", "h", "m", "acc"]

    /// A scalar patch of every kind the fitter runs on lane 0: two sine LFOs over `clock`, a
    /// `tanh` mix, a `mul`, and an `accum` (a tree kind on numbers), with bare numbers from `one`.
    static func patch(_ n: [Double]) -> String {
        """
        rate 48000
        block 4800
        t: clock
        s1: sin
        s2: sin
        h: tanh
        m: mul
        acc: accum
        s1.x = \(n[0]) t
        s1.b = \(n[1])
        s2.a = \(n[2])
        s2.x = \(n[3]) t
        h.x = \(n[4]) s1 + \(n[5]) s2 + \(n[6])
        m.a = s1
        m.b = \(n[7]) h + \(n[8])
        acc.x = \(n[9]) m - \(n[10])

        """
    }
    static let studentNumbers = [2.0, 0.3, 0.9, 3.1, 0.8, 0.5, 0.1, 0.7, 0.2, 0.1, 0.05]
    static let teacherNumbers = [2.2, 0.1, 1.0, 3.0, 0.6, 0.7, 0.0, 0.5, 0.3, 0.12, 0.04]

    static func load(_ text: String) throws -> Network {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalar-distil-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.dmm").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try PatchLoader.load(path: path).network
    }

    /// The named outputs after each tick, through the engine (`TickPlan`).
    static func engineOutputs(_ net: Network, ticks: Int = ticks) throws -> [[Float]] {
        let plan = try TickPlan(network: net)
        let refs = try outputs.map { try #require(net.output($0)) }
        return (0..<ticks).map { _ in
            plan.tick()
            return refs.map { plan.scalarOutput(neuron: $0.neuron, port: $0.port) }
        }
    }

    /// The patch written out in Double from its definition, reading only the matrix: after
    /// tick k every input is Σ w · (outputs after tick k − 1), all outputs start at 0 (`one`
    /// at 1), the clock reads k · block / rate seconds (a patch without a picture ticks once per
    /// block: 0.1 s here), `sin` is sin(a·x + b), `accum` adds its input to itself.
    static func reference(_ net: Network, ticks: Int = ticks) throws -> [[Double]] {
        let ids = try neurons.map { try #require(net.output($0)) }
        func row(_ dst: String, _ port: String, _ prev: [Double]) throws -> Double {
            let r = try #require(net.input(dst, port))
            return zip(ids, prev).reduce(0.0) { $0 + Double(net.matrix[r, $1.0]) * $1.1 }
        }
        var prev = [1.0, 0, 0, 0, 0, 0, 0]
        var out: [[Double]] = []
        for k in 0..<ticks {
            let s1 = sin(try row("s1", "a", prev) * row("s1", "x", prev) + row("s1", "b", prev))
            let s2 = sin(try row("s2", "a", prev) * row("s2", "x", prev) + row("s2", "b", prev))
            let h = tanh(try row("h", "x", prev))
            let m = try row("m", "a", prev) * row("m", "b", prev)
            let acc = try prev[6] + row("acc", "x", prev)
            prev = [1, Double(k) / 10, s1, s2, h, m, acc]
            out.append([h, m, acc])
        }
        return out
    }

    static func engine(student: Network, teacher: Network) throws -> TreeBackprop {
        let targets = try engineOutputs(teacher).map { $0.map { VValue(Double($0)) } }
        return try TreeBackprop(student: student, outputs: try outputs.map { try #require(student.output($0)) }, targets: targets)
    }

    static func with(_ net: Network, _ e: TreeBackprop, _ w: [Float]) -> Network {
        var n = net
        for (k, r) in e.parameters.enumerated() { n.matrix.set(r.input, r.output, w[k]) }
        return n
    }

    /// The engine's outputs agree with the Double evaluation, so the reference is the patch.
    @Test func referenceIsThePatch() throws {
        let net = try Self.load(Self.patch(Self.teacherNumbers))
        let got = try Self.engineOutputs(net), want = try Self.reference(net)
        for k in 0..<Self.ticks {
            for j in 0..<3 { #expect(abs(Double(got[k][j]) - want[k][j]) < 1e-4, "\(Self.outputs[j]) at tick \(k): \(got[k][j]) vs \(want[k][j])") }
        }
        #expect(want.map { abs($0[0]) }.max()! > 0.3 && want.map { abs($0[2]) }.max()! > 0.1)
    }

    /// Fitted to its own outputs the loss is 0 to Float rounding (the fitter sums a row's
    /// terms in another order than the engine): the fitter's forward is the engine's.
    @Test func flatForwardIsTheEngine() throws {
        let student = try Self.load(Self.patch(Self.studentNumbers))
        let e = try Self.engine(student: student, teacher: student)
        #expect(e.parameters.count == 11 + 2)   // the numbers, m.a's 1 and s1.a's default 1
        #expect(e.evaluate(e.weights(of: student), gradient: false).loss < 1e-10)
    }

    /// The loss TreeBackprop reports equals Σ ticks Σ outputs (student − teacher)² evaluated in
    /// Double, at the patch's weights and at other weights.
    @Test func lossIsTheSumOfSquaredDifferences() throws {
        let student = try Self.load(Self.patch(Self.studentNumbers))
        let teacher = try Self.load(Self.patch(Self.teacherNumbers))
        let e = try Self.engine(student: student, teacher: teacher)
        let want = try Self.reference(teacher)
        let w0 = e.weights(of: student)
        for w in [w0, w0.enumerated().map { k, x in x * 1.1 + 0.03 * Float(k % 3 - 1) }] {
            let got = try Self.reference(Self.with(student, e, w))
            var ref = 0.0
            for k in 0..<Self.ticks { for j in 0..<3 { ref += (got[k][j] - want[k][j]) * (got[k][j] - want[k][j]) } }
            let loss = e.evaluate(w, gradient: false).loss
            #expect(ref > 0.01)
            #expect(abs(loss - ref) <= 1e-4 * ref, "loss \(loss) vs Double \(ref)")
        }
    }

    /// Every weight's gradient against central differences of the loss computed by the engine
    /// (`TickPlan` at perturbed weights).
    @Test func gradientMatchesCentralDifferencesThroughTheEngine() throws {
        let student = try Self.load(Self.patch(Self.studentNumbers))
        let teacher = try Self.load(Self.patch(Self.teacherNumbers))
        let e = try Self.engine(student: student, teacher: teacher)
        let targets = try Self.engineOutputs(teacher)
        func engineLoss(_ w: [Float]) throws -> Double {
            let y = try Self.engineOutputs(Self.with(student, e, w))
            var l = 0.0
            for k in 0..<Self.ticks { for j in 0..<3 { let d = Double(y[k][j]) - Double(targets[k][j]); l += d * d } }
            return l
        }
        let w = e.weights(of: student)
        let g = e.evaluate(w).gradient
        #expect(g.count == e.parameters.count)
        let h: Float = 2e-3
        var nonzero = 0
        for k in w.indices {
            var wp = w, wm = w
            wp[k] += h; wm[k] -= h
            let numeric = (try engineLoss(wp) - engineLoss(wm)) / Double(wp[k] - wm[k])
            #expect(abs(g[k] - numeric) <= 1e-2 * max(0.1, abs(numeric)),
                    "\(student.name(ofInput: e.parameters[k].input)) ← \(student.name(ofOutput: e.parameters[k].output)): \(g[k]) vs \(numeric)")
            if abs(numeric) > 0.1 { nonzero += 1 }
        }
        #expect(nonzero >= e.parameters.count - 2)
    }

    /// A kind that keeps state, and a kind without a gradient that reads inputs, are refused in
    /// one line naming the neuron; `clock`, a source, is not a parameter.
    @Test func statefulAndUndifferentiableKindsAreRefused() throws {
        let teacher = try Self.load(Self.patch(Self.teacherNumbers))
        let saw = try Self.load(Self.patch(Self.studentNumbers) + "lfo: lf.saw\nh.x += 0.1 lfo\n")
        #expect(throws: FitError.self) { try Self.engine(student: saw, teacher: teacher) }
        do { _ = try Self.engine(student: saw, teacher: teacher) } catch {
            let m = String(describing: error)
            #expect(m.contains("'lfo'") && m.contains("lf.saw") && m.contains("state") && !m.contains("\n"), "\(m)")
        }
        var q = try Self.load(Self.patch(Self.studentNumbers))
        let qi = try q.add("q", Quantise())
        q.matrix.set(PortRef(qi, 0), try #require(q.output("s1")), 1)
        q.matrix.set(try #require(q.input("h", "x")), PortRef(qi, 0), 0.2)
        do { _ = try Self.engine(student: q, teacher: teacher); Issue.record("q accepted") } catch {
            let m = String(describing: error)
            #expect(m.contains("'q'") && m.contains("no gradient") && !m.contains("\n"), "\(m)")
        }
        let e = try Self.engine(student: try Self.load(Self.patch(Self.studentNumbers)), teacher: teacher)
        let t = try #require(teacher.index(of: "t"))
        #expect(!e.parameters.contains { $0.input.neuron == t })
    }
}

/// A stateless kind without a gradient (a quantiser), to check the refusal.
private struct Quantise: NeuronKind {
    static let name = "test.quantise"
    static let summary = "floor(x)"
    init(config: NeuronConfig) throws(KindError) {}
    init() {}
    var inputs: [PortSpec] { [PortSpec("x")] }
    var outputs: [PortSpec] { [PortSpec("y")] }
    var traits: KindTraits { [.notDifferentiable] }
    func forward(_ io: KernelIO) { for i in 0..<io.count { io.outputs[0][i] = io.inputs[0][i].rounded(.down) } }
}
