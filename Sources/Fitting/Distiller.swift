import DMMCore
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Everything that decides a distillation's trajectory (a checkpoint stores it).
public struct DistillOptions: Codable, Sendable, Equatable {
    /// Adam steps of the main fit (the winning start's trial steps count towards them).
    public var steps = 2000
    public var learningRate: Float = 0.01
    /// λ of the L1 penalty `λ·Σ|w|` during the main fit, and where the sparsifying ramp starts.
    public var l1: Float = 0
    /// Independent starts: start 0 from the patch's weights, the others 0.01·N(0,1).
    public var restarts = 1
    public var trialSteps: Int?
    /// Sparsify after the main fit: the λ ramp with magnitude cuts, then one-at-a-time pruning.
    public var prune = false
    /// The data loss a sparsified student must stay within (cuts that exceed it are undone).
    public var targetLoss: Double = 0.002
    /// The ramp's ceiling (2022 raised λ by hand from 0.001 to 0.2).
    public var lambdaMax: Float = 0.2
    /// Steps with L1 and steps of polish (without it) per ramp round.
    public var rampSteps = 300
    public var rampPolishSteps = 200
    /// Weights below this magnitude are cut at the end of each ramp round.
    public var rampCutoff: Float = 0.01
    public var pruneSchedule = PruneSchedule()
    /// The pruner's final polish starts at `learningRate × polishRateScale`.
    public var polishRateScale: Float = 1
    /// Learning-rate decay, each a factor reached geometrically at the end of its stretch:
    /// the main fit's second half ends at `learningRate × mainDecay`, each ramp round's polish
    /// at `× rampDecay`, the final polish at `learningRate × polishRateScale × polishDecay`.
    /// Adam at a constant rate hovers around a minimum at a distance set by the rate; the
    /// decays let every loss the schedule compares with its bound be a settled one, and the
    /// last one makes a network of the teacher's structure exact.
    /// (A decaying main fit does not help: the ramp's first L1 steps at the full rate throw a
    /// settled dense fit far off, so `mainDecay` is 1 by default.)
    public var mainDecay: Float = 1
    public var rampDecay: Float = 0.03
    public var polishDecay: Float = 0.001
    public var seed: UInt64 = 0

    public init() { pruneSchedule.polishSteps = 4000 }

    /// The rate `fraction` of the way down a geometric decay from `rate` to `rate × final`
    /// (clamped to 0…1: before the decay begins the rate is `rate`).
    static func decayed(_ rate: Float, final: Float, at fraction: Double) -> Float {
        rate * Float(pow(Double(final), min(1, max(0, fraction))))
    }

    public var resolvedTrialSteps: Int { min(steps, trialSteps ?? max(50, steps / 4)) }
}

/// The ramp's memory between steps.
public struct RampState: Codable, Sendable, Equatable {
    public var lambda: Float
    public var round = 0
    public var stepInRound = 0
    /// Weights active when the round began (a round that cuts nothing at λmax ends the ramp).
    public var activeAtStart: Int
    /// The sparsest run within the bound so far.
    public var best: RunState?
    /// The reference loss: the data loss when the ramp began, lowered to the polished loss of
    /// every kept round. A round (and later a cut) is kept while its loss stays within
    /// max(targetLoss, 2 × this), so the ramp works even when the dense fit is above target
    /// and the bound tightens as the sparser network fits better.
    public var startLoss: Double?
}

/// A distillation's state between steps: what a checkpoint holds.
public struct DistillState: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable { case trials, main, ramp, prune, done }
    public var format = 1
    public var options: DistillOptions
    public var parameters: [WeightRef]
    public var phase: Phase
    public var runs: [RunState]
    public var winner = 0
    public var trialLosses: [Double] = []
    public var ramp: RampState?
    public var pruner: PrunerState?
}

/// Fits a student patch to a teacher's named outputs (`dmm fit STUDENT --teacher TEACHER`).
///
/// The loss is the sum over training inputs (a curriculum of texts) of `TreeBackprop`'s loss;
/// Adam with an optional L1 term, starts tried side by side, and an automatic sparsification:
/// λ doubles each round (up to `lambdaMax`) while the weights below `rampCutoff` are cut and
/// the student, polished without L1, stays within `targetLoss`; then `Pruner` removes the
/// remaining weights one at a time (the 2022 hand schedule, made automatic).
public final class Distiller: @unchecked Sendable {
    public let engines: [any DistillEngine]
    public let student: Network
    /// The loss outputs (reachability from them decides which neurons the result keeps).
    public let outputs: [PortRef]
    public private(set) var state: DistillState

    public enum Outcome { case finished(DistillResult), interrupted(DistillState) }

    /// What a step reports.
    public struct Progress: Sendable {
        public var phase: DistillState.Phase
        public var step: Int
        public var loss: Double
        public var activeWeights: Int
        public var lambda: Float
    }

    public init(student: Network, outputs: [PortRef], engines: [any DistillEngine], options: DistillOptions) throws(FitError) {
        guard let first = engines.first else { throw FitError("no training input") }
        for e in engines where e.parameters != first.parameters { throw FitError("the training inputs give different parameters") }
        self.engines = engines; self.student = student; self.outputs = outputs
        let w0 = first.weights(of: student)
        var runs = [RunState(weights: w0, learningRate: options.learningRate)]
        for s in 1..<max(1, options.restarts) {
            var rng = RandomSource(seed: options.seed &+ UInt64(s) &* 0x9E37_79B9_7F4A_7C15)
            runs.append(RunState(weights: w0.map { _ in Float(0.01 * rng.normal()) }, learningRate: options.learningRate))
        }
        state = DistillState(options: options, parameters: first.parameters, phase: runs.count > 1 ? .trials : .main, runs: runs)
    }

    /// Continues a saved distillation (same student, inputs and options; `steps` may grow).
    public init(resuming saved: DistillState, student: Network, outputs: [PortRef], engines: [any DistillEngine],
                options: DistillOptions, name: String) throws(FitError) {
        guard let first = engines.first else { throw FitError("no training input") }
        var a = saved.options, b = options
        a.steps = 0; b.steps = 0
        guard saved.format == 1, saved.parameters == first.parameters, a == b,
              saved.runs.allSatisfy({ $0.weights.count == first.parameters.count && $0.active.count == first.parameters.count })
        else { throw FitError("\(name): not a checkpoint of this distillation (other student, inputs or options)") }
        self.engines = engines; self.student = student; self.outputs = outputs
        state = saved
        state.options.steps = options.steps
        // More steps than the saved run had: the main fit continues (and the schedule after it).
        if state.phase == .done && options.steps > saved.options.steps { state.phase = .main; state.ramp = nil; state.pruner = nil }
    }

    /// Data loss (summed over inputs) and gradient at `weights`.
    public func evaluate(_ weights: [Float], gradient: Bool = true) -> (loss: Double, gradient: [Double]) {
        var loss = 0.0, grad = gradient ? Array(repeating: 0.0, count: weights.count) : []
        for e in engines {
            let r = e.evaluate(weights, gradient: gradient)
            loss += r.loss
            if gradient { for i in grad.indices { grad[i] += r.gradient[i] } }
        }
        return (loss, grad)
    }

    /// One Adam step with L1 on the active weights; returns the data loss before the update.
    func step(_ run: inout RunState, l1: Float) -> Double {
        let e = evaluate(run.weights)
        Trainer.update(&run, gradient: e.gradient, l1: l1, loss: e.loss)
        return e.loss
    }

    public func run(shouldStop: @escaping @Sendable () -> Bool = { false },
                    progress: @escaping @Sendable (Progress) -> Void = { _ in }) -> Outcome {
        let o = state.options
        while true {
            switch state.phase {
            case .trials:
                let trial = o.resolvedTrialSteps
                let done = StartPhases.trials(&state, trial: trial, shouldStop: shouldStop) { _, r in
                    let loss = self.step(&r, l1: o.l1)
                    progress(Progress(phase: .trials, step: r.step, loss: loss, activeWeights: r.activeCount, lambda: o.l1))
                }
                if !done { return .interrupted(state) }
                state.phase = .main
            case .main:
                let half = Double(o.steps) / 2
                let done = StartPhases.main(&state.runs[0], to: o.steps, shouldStop: shouldStop) { r in
                    r.adam.learningRate = DistillOptions.decayed(o.learningRate, final: o.mainDecay, at: (Double(r.step) - half) / max(1, half))
                    let loss = self.step(&r, l1: o.l1)
                    progress(Progress(phase: .main, step: r.step, loss: loss, activeWeights: r.activeCount, lambda: o.l1))
                }
                if !done { return .interrupted(state) }
                state.runs[0].adam.learningRate = o.learningRate
                state.phase = o.prune ? .ramp : .done
            case .ramp:
                var r = state.runs[0]
                // The dense fit is the fallback: a first round that leaves the bound goes back to it.
                var g = state.ramp ?? RampState(lambda: max(o.l1, 0.001), activeAtStart: r.activeCount,
                                                 startLoss: evaluate(r.weights, gradient: false).loss)
                while true {
                    if shouldStop() { state.runs[0] = r; state.ramp = g; return .interrupted(state) }
                    if g.stepInRound == o.rampSteps {
                        // The round's cut: every weight the L1 term has pushed below the cutoff.
                        for i in r.weights.indices where r.active[i] && abs(r.weights[i]) < o.rampCutoff {
                            r.weights[i] = 0; r.active[i] = false; r.adam.reset(i)
                        }
                    }
                    if g.stepInRound == o.rampSteps + o.rampPolishSteps {
                        let loss = evaluate(r.weights, gradient: false).loss
                        let within = loss <= max(o.targetLoss, 2 * (g.startLoss ?? 0))
                        // A kept round lowers the reference: the bound follows the best settled
                        // loss, so neither later rounds nor the pruner give back what was won.
                        if within { g.best = r; g.startLoss = min(g.startLoss ?? loss, loss) }
                        let cutNothing = r.activeCount == g.activeAtStart
                        if !within || (cutNothing && g.lambda >= o.lambdaMax) || g.round >= 40 {
                            if let b = g.best { let s = r.step, l = r.losses, c = r.counts; r = b; r.step = s; r.losses = l; r.counts = c }
                            break
                        }
                        g.lambda = min(o.lambdaMax, g.lambda * 2)
                        g.round += 1; g.stepInRound = 0; g.activeAtStart = r.activeCount
                        continue
                    }
                    let l1 = g.stepInRound < o.rampSteps ? g.lambda : 0
                    r.adam.learningRate = l1 > 0 ? o.learningRate
                        : DistillOptions.decayed(o.learningRate, final: o.rampDecay, at: Double(g.stepInRound - o.rampSteps) / Double(max(1, o.rampPolishSteps)))
                    let loss = step(&r, l1: l1)
                    g.stepInRound += 1
                    progress(Progress(phase: .ramp, step: r.step, loss: loss, activeWeights: r.activeCount, lambda: l1))
                }
                state.runs[0] = r; state.ramp = g
                state.phase = .prune
            case .prune:
                var r = state.runs[0]
                var schedule = o.pruneSchedule
                // One bound for the ramp and the cuts: the target, or twice the reference loss
                // (the best kept round's) when that is above it (so a cut never compounds the ramp's allowance). The
                // pruner's floor is a PSNR over −1…1 units: the bound expressed as one.
                let loss = evaluate(r.weights, gradient: false).loss
                let bound = max(o.targetLoss, 2 * (state.ramp?.startLoss ?? loss))
                schedule.floorPSNR = 10 * log10(4 / max(1e-30, bound))
                schedule.tolerance = 0
                if state.pruner == nil { state.pruner = Pruner.start(r, loss: loss, schedule: schedule) }
                var p = state.pruner!
                while true {
                    if shouldStop() { state.runs[0] = r; state.pruner = p; return .interrupted(state) }
                    let action = Pruner.beforeStep(&p, &r, schedule: schedule)
                    if action == .finished { break }
                    // The final polish decays its rate: it settles the few weights left exactly.
                    let polished = Double(schedule.polishSteps - (p.polishLeft ?? schedule.polishSteps)) / Double(max(1, schedule.polishSteps))
                    r.adam.learningRate = action == .polish
                        ? DistillOptions.decayed(o.learningRate * o.polishRateScale, final: o.polishDecay, at: polished)
                        : o.learningRate
                    let before = r
                    let loss = step(&r, l1: 0)
                    Pruner.afterStep(&p, &r, evaluated: before, loss: loss, schedule: schedule)
                    progress(Progress(phase: .prune, step: r.step, loss: loss, activeWeights: r.activeCount, lambda: 0))
                }
                state.runs[0] = r; state.pruner = p
                state.phase = .done
            case .done:
                return .finished(result())
            }
        }
    }

    /// The student with the fitted weights, cut weights removed and, after pruning, every
    /// neuron that no loss output depends on removed.
    func result() -> DistillResult {
        let r = state.runs[0]
        var net = student
        let scales = engines.first?.scales ?? []
        for (k, p) in state.parameters.enumerated() {
            net.matrix.set(p.input, p.output, r.active[k] ? r.weights[k] * (k < scales.count ? scales[k] : 1) : 0)
        }
        let loss = evaluate(r.weights, gradient: false).loss
        let perInput = engines.map { $0.evaluate(r.weights, gradient: false).loss }
        if state.options.prune {
            // Reachability backwards from the loss outputs along non-zero weights.
            var live = Set(outputs.map(\.neuron)).union([0])
            var stack = Array(live)
            var readers = [[Int]](repeating: [], count: net.neurons.count)
            for e in net.matrix.entries where e.entry.weight != 0 { readers[e.input.neuron].append(e.output.neuron) }
            while let n = stack.popLast() { for s in readers[n] where !live.contains(s) { live.insert(s); stack.append(s) } }
            let dead = Set(net.neurons.indices.filter { !live.contains($0) }.map { net.neurons[$0].name })
            if let smaller = try? net.removingNeurons(dead) { net = smaller }
        }
        // The weights of the network written: a cut weight, one that trained to exactly 0 and
        // one on a neuron removed above are not in it (nor in the patch read back).
        let kept = state.parameters.indices.filter { k in
            let p = state.parameters[k]
            guard r.active[k], r.weights[k] != 0 else { return false }
            return net.index(of: student.neurons[p.input.neuron].name) != nil && net.index(of: student.neurons[p.output.neuron].name) != nil
        }.count
        return DistillResult(network: net, loss: loss, inputLosses: perInput, losses: r.losses, counts: r.counts,
                             steps: r.step, activeWeights: kept, initialWeights: state.parameters.count,
                             winner: state.winner, trialLosses: state.trialLosses)
    }
}

/// What a distillation produced.
public struct DistillResult: Sendable {
    /// The student with its fitted weights (pruned neurons removed).
    public var network: Network
    /// Data loss summed over the training inputs, and per input.
    public var loss: Double
    public var inputLosses: [Double]
    /// Data loss and active weights at every step.
    public var losses: [Float]
    public var counts: [Int]
    public var steps: Int
    /// Trainable weights of `network` (what the patch written holds).
    public var activeWeights: Int
    public var initialWeights: Int
    public var winner: Int
    public var trialLosses: [Double]
}
