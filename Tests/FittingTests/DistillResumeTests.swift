import DMMCore
import DMMTestSupport
import Fitting
import PatchLanguage
import Synchronization
import Testing

/// The distiller's checkpoint/resume and the weight count it reports.
@Suite struct DistillResumeTests {
    /// A small student (the template with 2 layers × 1 copy) and its engine on "test string.".
    static func problem() throws -> (student: Network, outputs: [PortRef], engine: TreeBackprop) {
        let student = try SynthesisTemplate.make(layers: 2, copies: 1, seed: 5)
        let teacher = try DistillationTests.teacher()
        let outs = [try #require(student.output("dup")), try #require(student.output("end"))]
        let targets = try DistillationTests.engineOutputs(teacher, ticks: 140)
        return (student, outs, try TreeBackprop(student: student, outputs: outs, targets: targets))
    }

    /// Options that pass through every phase in a few hundred steps: two starts, the main fit
    /// with its decay, several ramp rounds and the pruner with its decaying polish.
    static var options: DistillOptions {
        var o = DistillOptions()
        o.steps = 120; o.learningRate = 0.01; o.restarts = 2; o.trialSteps = 40; o.l1 = 0.001; o.prune = true
        o.rampSteps = 30; o.rampPolishSteps = 20; o.lambdaMax = 0.008; o.targetLoss = 0.5
        o.pruneSchedule.polishSteps = 60; o.pruneSchedule.maxRecoverySteps = 30; o.pruneSchedule.maxFailures = 3
        o.mainDecay = 0.1; o.rampDecay = 0.1; o.polishDecay = 0.01; o.seed = 9
        return o
    }

    /// Counts steps and asks to stop every `every` steps (from any thread: trials run in parallel).
    final class StopEvery: Sendable {
        /// Steps so far, and whether a stop is pending.
        private let state = Mutex<(count: Int, stopped: Bool)>((0, false))
        let every: Int
        init(every: Int) { self.every = every }
        func stepped() { state.withLock { s in s.count += 1; if s.count % every == 0 { s.stopped = true } } }
        /// True once a multiple of `every` steps has passed; cleared for the next leg.
        var shouldStop: Bool { state.withLock { $0.stopped } }
        func resume() { state.withLock { $0.stopped = false } }
    }

    /// Interrupted every 37 steps (in every phase), each time saved through the checkpoint
    /// encoding and resumed by a new distiller, the run ends in exactly the state of an
    /// uninterrupted run: same weights, optimiser moments, loss history and ramp and pruner
    /// memory (every step is a deterministic function of the saved state).
    @Test func resumedRunEqualsUninterruptedRun() throws {
        let p = try Self.problem()
        let whole = try Distiller(student: p.student, outputs: p.outputs, engines: [p.engine], options: Self.options)
        guard case .finished(let want) = whole.run() else { Issue.record("the uninterrupted run stopped"); return }

        let stop = StopEvery(every: 37)
        var phases = Set<String>()
        var d = try Distiller(student: p.student, outputs: p.outputs, engines: [p.engine], options: Self.options)
        var legs = 0
        while true {
            let outcome = d.run(shouldStop: { stop.shouldStop }, progress: { _ in stop.stepped() })
            guard case .interrupted(let state) = outcome else { break }
            legs += 1
            phases.insert(state.phase.rawValue)
            let bytes = try DistillCheckpoint.encode(state)
            let saved = try DistillCheckpoint.decode(bytes, name: "test checkpoint")
            #expect(saved == state, "the checkpoint round-trips exactly")
            stop.resume()
            d = try Distiller(resuming: saved, student: p.student, outputs: p.outputs, engines: [p.engine], options: Self.options,
                              name: "test checkpoint")
            #expect(legs < 1000)
            if legs >= 1000 { return }
        }
        #expect(phases.isSuperset(of: ["trials", "main", "ramp", "prune"]), "interrupted in \(phases.sorted())")
        #expect(d.state == whole.state, "the resumed run's final state differs from the uninterrupted one")
        guard case .finished(let got) = d.run() else { Issue.record("not finished"); return }
        #expect(got.losses == want.losses && got.loss == want.loss && got.activeWeights == want.activeWeights)
        #expect(got.network.matrix.entries.map(\.entry.weight) == want.network.matrix.entries.map(\.entry.weight))
    }

    /// A checkpoint of another distillation (other options) is refused with one line naming it.
    @Test func foreignCheckpointIsRefused() throws {
        let p = try Self.problem()
        let d = try Distiller(student: p.student, outputs: p.outputs, engines: [p.engine], options: Self.options)
        guard case .interrupted(let state) = d.run(shouldStop: { true }) else { Issue.record("did not stop"); return }
        var other = Self.options
        other.learningRate = 0.02
        #expect(throws: FitError.self) {
            _ = try Distiller(resuming: state, student: p.student, outputs: p.outputs, engines: [p.engine], options: other, name: "x.json")
        }
        #expect(throws: FitError.self) { _ = try DistillCheckpoint.decode(Array("{\"format\": 1}".utf8), name: "x.json") }
    }

    /// The count reported is the count of the patch written: a weight on a neuron that no
    /// output depends on (removed from the result) is not counted, and the network printed
    /// and read back has exactly `activeWeights` trainable weights.
    @Test func reportedWeightsAreThoseOfThePatchWritten() throws {
        let teacher = try DistillationTests.teacher()
        var student = teacher
        // A neuron nothing reads, with a large weight the pruner never reaches (it stops
        // after one failed cut of a teacher weight, all of which are needed).
        let idle = try student.add("idle", try Accum(config: NeuronConfig()))
        student.matrix.set(PortRef(idle, 0), try #require(student.output("in")), 5)
        let outs = [try #require(student.output("dup")), try #require(student.output("end"))]
        let e = try TreeBackprop(student: student, outputs: outs, targets: try DistillationTests.engineOutputs(teacher, ticks: 140))
        var o = DistillOptions()
        o.steps = 0; o.prune = true; o.lambdaMax = 0.001; o.rampSteps = 5; o.rampPolishSteps = 5; o.targetLoss = 1e-6
        o.pruneSchedule.maxFailures = 1; o.pruneSchedule.polishSteps = 5; o.pruneSchedule.maxRecoverySteps = 5
        let d = try Distiller(student: student, outputs: outs, engines: [e], options: o)
        guard case .finished(let r) = d.run() else { Issue.record("interrupted"); return }
        #expect(r.network.index(of: "idle") == nil)
        let text = PatchPrinter.print(network: r.network)
        let back = try PatchBuilder.build(try PatchParser.parse(text, file: "fitted.dmm"))
        let reread = try TreeBackprop(student: back, outputs: [try #require(back.output("dup")), try #require(back.output("end"))],
                                      targets: try DistillationTests.engineOutputs(teacher, ticks: 140))
        #expect(r.activeWeights == reread.parameters.count, "reported \(r.activeWeights), the patch read back has \(reread.parameters.count)")
        #expect(r.activeWeights == e.parameters.count - 1, "every teacher weight kept, the idle one gone")
    }
}
