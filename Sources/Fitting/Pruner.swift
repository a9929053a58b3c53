#if canImport(Glibc)
import Glibc
#endif

/// The pruner's memory, a value so that a checkpoint can hold it.
public struct PrunerState: Codable, Sendable, Equatable {
    /// Loss when pruning began, and the loss a cut must recover to.
    public var baseline: Double
    public var threshold: Double
    /// The smallest acceptable patch so far, with its loss and optimiser.
    public var best: RunState
    public var bestLoss: Double
    /// The weight being tried (its index), or nil between cuts.
    public var trying: Int?
    /// Steps since the current cut.
    public var recoverySteps = 0
    /// Weights whose removal failed once: never tried again.
    public var protected: [Int] = []
    public var failures = 0
    /// Steps left in the final polish (nil before it starts).
    public var polishLeft: Int?
    public var finished = false
    /// Cuts kept and undone, for the report.
    public var kept = 0, undone = 0
}

/// Automated sparsification: remove the smallest weight, let Adam recover, keep the cut if
/// the loss comes back below a threshold, otherwise undo it; stop after a few undone cuts in
/// a row; finish with a polish of the remaining weights.
///
/// This is the schedule that was run by hand in 2022 (`shared/docs/dmm.md` §6), made
/// automatic: one weight at a time, the cut weight's optimiser moments reset, the best
/// checkpoint (fewest weights within the threshold) always kept, and a back-off when the
/// loss after a cut stops recovering (no improvement over a window) instead of waiting.
public enum Pruner {
    /// Starts the schedule from a trained run whose data loss is `loss`.
    public static func start(_ run: RunState, loss: Double, schedule: PruneSchedule) -> PrunerState {
        let floor = 4 * pow10(-schedule.floorPSNR / 10)
        return PrunerState(baseline: loss, threshold: max(loss * (1 + schedule.tolerance), floor), best: run, bestLoss: loss)
    }

    /// What the trainer should do next.
    public enum Action: Equatable {
        /// Take a normal step (with L1) on the current run.
        case train
        /// Take a step without the L1 term (the polish).
        case polish
        case finished
    }

    /// Called before each step: may cut a weight from `run`.
    public static func beforeStep(_ s: inout PrunerState, _ run: inout RunState, schedule: PruneSchedule) -> Action {
        if s.finished { return .finished }
        if let left = s.polishLeft { return left > 0 ? .polish : .finished }
        if s.trying == nil {
            // The smallest active weight that has not failed before.
            var pick: Int?
            for i in run.weights.indices where run.active[i] && !s.protected.contains(i) {
                if pick == nil || abs(run.weights[i]) < abs(run.weights[pick!]) { pick = i }
            }
            guard let i = pick else { beginPolish(&s, &run, schedule: schedule); return .polish }
            run.weights[i] = 0
            run.active[i] = false
            run.adam.reset(i)
            s.trying = i
            s.recoverySteps = 0
        }
        return .train
    }

    /// Called after each step with the data loss the step evaluated (at the weights it
    /// started from) and the run before that step's update (`evaluated`).
    public static func afterStep(_ s: inout PrunerState, _ run: inout RunState, evaluated: RunState, loss: Double,
                                 schedule: PruneSchedule) {
        if s.polishLeft != nil {
            s.polishLeft! -= 1
            if loss < s.bestLoss { s.best = evaluated; s.bestLoss = loss }
            if s.polishLeft! <= 0 { run = s.best; s.finished = true }
            return
        }
        guard let i = s.trying else { return }
        s.recoverySteps += 1
        if loss <= s.threshold {
            s.best = evaluated; s.bestLoss = loss
            s.trying = nil; s.failures = 0; s.kept += 1
            return
        }
        let n = run.losses.count, w = schedule.stallWindow
        let stalled = s.recoverySteps > w && n > w && Double(run.losses[n - 1]) > Double(run.losses[n - 1 - w]) * (1 - schedule.stallImprovement)
        if s.recoverySteps >= schedule.maxRecoverySteps || stalled {
            // Undo: back to the best patch, and never try this weight again.
            let steps = run.step, losses = run.losses, counts = run.counts
            run = s.best
            run.step = steps; run.losses = losses; run.counts = counts
            s.protected.append(i)
            s.trying = nil; s.failures += 1; s.undone += 1
            if s.failures >= schedule.maxFailures { beginPolish(&s, &run, schedule: schedule) }
        }
    }

    static func beginPolish(_ s: inout PrunerState, _ run: inout RunState, schedule: PruneSchedule) {
        let steps = run.step, losses = run.losses, counts = run.counts
        run = s.best
        run.step = steps; run.losses = losses; run.counts = counts
        s.trying = nil
        s.polishLeft = schedule.polishSteps
        if schedule.polishSteps <= 0 { s.finished = true }
    }

    static func pow10(_ x: Double) -> Double { pow(10, x) }
}
