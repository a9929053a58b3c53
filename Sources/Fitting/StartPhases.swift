import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A fit's state as far as its first two phases are concerned: `Trainer`'s `FitState` and
/// `Distiller`'s `DistillState` both are one.
protocol StartedFit {
    /// One run per start during the trials; afterwards the single run being trained.
    var runs: [RunState] { get set }
    /// The start that won the trials (0 when there was one start).
    var winner: Int { get set }
    /// Every start's loss at the end of the trials.
    var trialLosses: [Double] { get set }
}

extension FitState: StartedFit {}
extension DistillState: StartedFit {}

/// The two phases every fit begins with, one implementation for `Trainer` and `Distiller`
/// (each brings its own step: an engine and an L1 term, and its own progress report).
///
/// 1. **trials**: every start runs to `trial` steps, side by side; the lowest last loss wins
///    (ties: the lower index) and the other starts are dropped.
/// 2. **main**: the remaining run continues to `steps` steps.
///
/// Both check `shouldStop` before every step and leave each run where it stopped, so a
/// checkpoint of the state continues to the same weights (each step is a deterministic
/// function of its run alone).
enum StartPhases {
    /// The trials. Returns false when stopped before every start reached `trial` steps (the
    /// runs hold their progress); true when done, with `state.runs` reduced to the winner.
    static func trials<S: StartedFit>(_ state: inout S, trial: Int, shouldStop: @escaping @Sendable () -> Bool,
                                      step: @escaping @Sendable (_ start: Int, _ run: inout RunState) -> Void) -> Bool {
        let box = RunsBox(state.runs)
        DispatchQueue.concurrentPerform(iterations: state.runs.count) { i in
            var r = box.run(i)
            while r.step < trial && !shouldStop() { step(i, &r) }
            box.set(i, r)
        }
        state.runs = box.runs
        if state.runs.contains(where: { $0.step < trial }) { return false }
        state.trialLosses = state.runs.map { r in r.losses.last.map(Double.init) ?? .infinity }
        var best = 0
        for (i, l) in state.trialLosses.enumerated() where l < state.trialLosses[best] { best = i }
        state.winner = best
        state.runs = [state.runs[best]]
        return true
    }

    /// The main run: `run` continues to `steps` steps. Returns false when stopped first.
    static func main(_ run: inout RunState, to steps: Int, shouldStop: () -> Bool, step: (inout RunState) -> Void) -> Bool {
        while run.step < steps {
            if shouldStop() { return false }
            step(&run)
        }
        return true
    }
}

/// The runs of the parallel trials, each written by its own task.
final class RunsBox: @unchecked Sendable {
    private var stored: [RunState]
    private let lock = NSLockish()
    init(_ runs: [RunState]) { stored = runs }
    var runs: [RunState] { lock.locked { stored } }
    func run(_ i: Int) -> RunState { lock.locked { stored[i] } }
    func set(_ i: Int, _ r: RunState) { lock.locked { stored[i] = r } }
}

/// A tiny mutex over pthread (Fitting avoids Foundation).
final class NSLockish: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func locked<T>(_ body: () -> T) -> T { pthread_mutex_lock(&m); defer { pthread_mutex_unlock(&m) }; return body() }
}
