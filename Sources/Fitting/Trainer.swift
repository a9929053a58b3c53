import DMMCore
#if canImport(Glibc)
import Glibc
#endif

/// A fit from start to finish: parallel starts, the main Adam run, pruning; resumable.
///
/// The loop is driven step by step and keeps all of its state in a `FitState` value, so a
/// stop (Ctrl-C) can happen between any two steps and `init(resuming:)` continues to the very
/// same weights as an uninterrupted run: every step is a deterministic function of that state
/// (full-batch gradients, per-tile partial sums reduced in a fixed order, no clocks).
///
/// Phases:
/// 1. **trials** (`restarts > 1`): every start runs `trialSteps` steps, all starts in
///    parallel; the lowest loss wins (ties: the lower index) and the others are dropped.
/// 2. **main**: the winner (or the only start) continues to `steps` steps.
/// 3. **prune** (`prune`): the `Pruner` schedule, then a polish.
///
/// Nothing here prints; progress goes to a callback.
public final class Trainer: @unchecked Sendable {
    /// A step report for progress displays.
    public struct Progress: Sendable {
        public var phase: FitState.Phase
        /// Start index during trials, else the winner.
        public var start: Int
        public var step: Int
        /// Steps planned for this phase (0 when open-ended, as pruning is).
        public var total: Int
        /// Data loss of the step (MSE in −1…1 units).
        public var loss: Double
        public var activeWeights: Int
        public var psnr: Double { Trainer.psnr(loss) }
    }

    /// How a call to `run` ended.
    public enum Outcome: Sendable {
        case finished(FitResult)
        /// Stopped between steps; the state continues with `init(resuming:)`.
        case interrupted(FitState)
    }

    public let network: Network
    public let targets: FitTargets
    public private(set) var state: FitState
    let engineOptions: BackpropThroughTime.Options
    var engines: [BackpropThroughTime]

    /// Prepares a fit: compiles the engine(s) and chooses the starts.
    public init(network: Network, targets: FitTargets, options: FitOptions,
                engineOptions: BackpropThroughTime.Options = .init()) throws(FitError) {
        guard options.steps >= 0, options.restarts >= 1, options.learningRate > 0 else {
            throw FitError("steps must be ≥ 0, restarts ≥ 1 and the learning rate > 0")
        }
        self.network = network
        self.targets = targets
        self.engineOptions = engineOptions
        let first = try BackpropThroughTime(network: network, targets: targets, frames: options.frames, options: engineOptions)
        guard !first.parameters.isEmpty else { throw FitError("the patch has no trainable weights (every weight is frozen)") }
        let starts = Initialiser.starts(engine: first, targets: targets, options: options)
        let runs = starts.map { RunState(weights: $0.weights, learningRate: options.learningRate) }
        state = FitState(options: options, parameters: first.parameters, phase: starts.count > 1 ? .trials : .main,
                         runs: runs, startDescriptions: starts.map(\.description))
        engines = [first]
        for _ in 1..<starts.count {
            engines.append(try BackpropThroughTime(network: network, targets: targets, frames: options.frames, options: engineOptions))
        }
    }

    /// Continues from a checkpoint. The patch and options must be those of the checkpoint
    /// (`steps` may differ: a finished fit can be extended). The whole state is validated
    /// first (`Checkpoint.validate`), so a corrupted file is an error naming `checkpointName`,
    /// never a trap.
    public init(resuming saved: FitState, network: Network, targets: FitTargets, options: FitOptions,
                engineOptions: BackpropThroughTime.Options = .init(), checkpointName: String = "the checkpoint") throws(FitError) {
        guard saved.options.trajectoryKey == options.trajectoryKey else {
            throw FitError("\(checkpointName): made with different options (\(Self.difference(saved.options, options))); run without --resume to start over")
        }
        self.network = network
        self.targets = targets
        self.engineOptions = engineOptions
        let first = try BackpropThroughTime(network: network, targets: targets, frames: options.frames, options: engineOptions)
        try Checkpoint.validate(saved, parameters: first.parameters, options: options, name: checkpointName)
        var s = saved
        s.options = options
        if s.phase == .done && options.steps > (s.runs.first?.step ?? 0) && !options.prune { s.phase = .main }
        state = s
        let warmUp = try Self.warmUp(network, s.runs.first, saved.parameters)
        engines = []
        for _ in 0..<max(1, s.runs.count) {
            if engines.isEmpty && warmUp == first.warmUpTicks { engines.append(first); continue }
            engines.append(try BackpropThroughTime(network: network, targets: targets, frames: options.frames, warmUp: warmUp,
                                                   options: engineOptions))
        }
    }

    /// Runs until done or until `shouldStop` returns true (checked before every step).
    public func run(shouldStop: @escaping @Sendable () -> Bool = { false },
                    progress: @escaping @Sendable (Progress) -> Void = { _ in }) -> Outcome {
        let o = state.options
        while true {
            switch state.phase {
            case .trials:
                let trial = o.resolvedTrialSteps, trialEngines = self.engines, l1 = o.l1
                let done = StartPhases.trials(&state, trial: trial, shouldStop: shouldStop) { i, r in
                    let loss = Self.step(&r, trialEngines[i], l1: l1)
                    progress(Progress(phase: .trials, start: i, step: r.step, total: trial, loss: loss, activeWeights: r.activeCount))
                }
                if !done { return .interrupted(state) }
                self.engines = [self.engines[state.winner]]
                state.phase = .main
            case .main:
                let engine = engines[0], winner = state.winner
                let done = StartPhases.main(&state.runs[0], to: o.steps, shouldStop: shouldStop) { r in
                    let loss = Self.step(&r, engine, l1: o.l1)
                    progress(Progress(phase: .main, start: winner, step: r.step, total: o.steps, loss: loss, activeWeights: r.activeCount))
                }
                if !done { return .interrupted(state) }
                state.phase = o.prune ? .prune : .done
            case .prune:
                var r = state.runs[0]
                if state.pruner == nil {
                    let loss = engines[0].evaluate(r.weights, gradient: false, active: r.active).loss
                    state.pruner = Pruner.start(r, loss: loss, schedule: o.pruneSchedule)
                }
                var p = state.pruner!
                while true {
                    if shouldStop() { state.runs[0] = r; state.pruner = p; return .interrupted(state) }
                    let action = Pruner.beforeStep(&p, &r, schedule: o.pruneSchedule)
                    if action == .finished { break }
                    // A cut may shorten the longest chain into the picture: the warm-up follows.
                    if let w = try? Self.warmUp(network, r, state.parameters), w != engines[0].warmUpTicks,
                       let e = try? BackpropThroughTime(network: network, targets: targets, frames: o.frames, warmUp: w,
                                                        options: engineOptions) {
                        engines[0] = e
                    }
                    let before = r
                    let loss = Self.step(&r, engines[0], l1: action == .polish ? 0 : o.l1)
                    Pruner.afterStep(&p, &r, evaluated: before, loss: loss, schedule: o.pruneSchedule)
                    progress(Progress(phase: .prune, start: state.winner, step: r.step, total: 0, loss: loss, activeWeights: r.activeCount))
                }
                state.runs[0] = r
                state.pruner = p
                state.phase = .done
            case .done:
                return .finished(result())
            }
        }
    }

    /// One Adam step on `run`; returns the data loss at the weights it started from.
    static func step(_ run: inout RunState, _ engine: BackpropThroughTime, l1: Float) -> Double {
        let e = engine.evaluate(run.weights, active: run.active)
        update(&run, gradient: e.gradient, l1: l1, loss: e.loss)
        return e.loss
    }

    /// The update half of a step, shared with `Distiller`: the L1 subgradient on the active
    /// weights, Adam, and the step's record (data loss `loss` at the weights it started from).
    static func update(_ run: inout RunState, gradient: [Double], l1: Float, loss: Double) {
        var g = gradient.map { Float($0) }
        if l1 > 0 {
            for i in g.indices where run.active[i] { g[i] += run.weights[i] > 0 ? l1 : (run.weights[i] < 0 ? -l1 : 0) }
        }
        for i in g.indices where !run.active[i] { g[i] = 0 }
        run.adam.update(&run.weights, gradient: g, active: run.active)
        run.step += 1
        run.losses.append(Float(loss))
        run.counts.append(run.activeCount)
    }

    /// The fitted network and the figures of the fit.
    ///
    /// The loss and the pictures are those of the network that is returned (and written), run
    /// by a fresh engine compiled from it: with pruning, dead neurons are removed first and the
    /// warm-up is that network's own, so the reported loss is what the written patch renders.
    func result() -> FitResult {
        let r = state.runs[0]
        var net = network
        for (i, p) in state.parameters.enumerated() { net.matrix.set(p.input, p.output, r.active[i] ? r.weights[i] : 0) }
        if state.options.prune { net = net.removingDeadNeurons() }
        let engine: BackpropThroughTime
        if let e = try? BackpropThroughTime(network: net, targets: targets, frames: state.options.frames, options: engineOptions) {
            engine = e
        } else {
            // Nothing left that draws (pruned to nothing): report the first engine's view.
            engine = engines[0]
        }
        let w = engine === engines[0] ? r.weights : engine.initialWeights
        let act: [Bool]? = engine === engines[0] ? r.active : nil
        let final = engine.evaluate(w, gradient: false, active: act).loss
        return FitResult(network: net, loss: final, steps: r.step, losses: r.losses, counts: r.counts,
                         winner: state.winner, startDescriptions: state.startDescriptions, trialLosses: state.trialLosses,
                         activeWeights: engine === engines[0] ? r.activeCount : engine.parameters.count,
                         initialWeights: state.parameters.count,
                         prunedKept: state.pruner?.kept ?? 0, prunedUndone: state.pruner?.undone ?? 0,
                         pictures: engine.pictures(w, active: act),
                         pruneBaseline: state.pruner?.baseline, pruneThreshold: state.pruner?.threshold)
    }

    /// The renderer's warm-up for the network with `run`'s surviving weights.
    static func warmUp(_ network: Network, _ run: RunState?, _ params: [WeightRef]) throws(FitError) -> Int {
        var n = network
        if let run { for (i, p) in params.enumerated() where !run.active[i] { n.matrix.set(p.input, p.output, 0) } }
        return n.warmUpTicks
    }

    /// PSNR in dB of a loss in −1…1 units (peak-to-peak 2, i.e. 255 in bytes).
    public static func psnr(_ loss: Double) -> Double { loss > 0 ? 10 * log10(4 / loss) : .infinity }

    static func difference(_ a: FitOptions, _ b: FitOptions) -> String {
        var d: [String] = []
        if a.learningRate != b.learningRate { d.append("lr \(a.learningRate) vs \(b.learningRate)") }
        if a.restarts != b.restarts { d.append("restarts \(a.restarts) vs \(b.restarts)") }
        if a.l1 != b.l1 { d.append("l1 \(a.l1) vs \(b.l1)") }
        if a.prune != b.prune { d.append("prune \(a.prune) vs \(b.prune)") }
        if a.seed != b.seed { d.append("seed \(a.seed) vs \(b.seed)") }
        if a.frames != b.frames { d.append("frames \(a.frames.map(String.init) ?? "all") vs \(b.frames.map(String.init) ?? "all")") }
        if a.initialisation != b.initialisation { d.append("init \(a.initialisation) vs \(b.initialisation)") }
        return d.isEmpty ? "schedule settings" : d.joined(separator: ", ")
    }
}
