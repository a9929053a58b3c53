/// Everything that decides a fit's trajectory. A checkpoint stores it, and `--resume`
/// refuses to continue with different values (except `steps`, which may be raised).
public struct FitOptions: Codable, Sendable, Equatable {
    /// How the starting weights are chosen.
    public enum Initialisation: String, Codable, Sendable, CaseIterable {
        /// The patch's own weights for start 0, frequency-aware starts for the others.
        case auto
        /// Every start from the patch's weights (restarts then only differ by nothing: use
        /// with `restarts = 1`).
        case given
        /// Every start frequency-aware (start 0 included).
        case frequency
    }

    /// Adam steps of the main fit (the winning start's trial steps count towards them).
    public var steps: Int = 1000
    public var learningRate: Float = 0.01
    /// Independent starts tried in parallel; the best after `trialSteps` continues.
    public var restarts: Int = 1
    /// Steps each start gets before the best is chosen (nil: a quarter of `steps`, at least 50).
    public var trialSteps: Int?
    /// Weight of the L1 penalty `λ·Σ|w|` added to the loss (pushes unneeded weights to 0).
    public var l1: Float = 0
    /// Run the pruning schedule after the main fit.
    public var prune: Bool = false
    public var pruneSchedule = PruneSchedule()
    /// Seed of every random choice (initialisations); the fit is deterministic given it.
    public var seed: UInt64 = 0
    public var initialisation: Initialisation = .auto
    /// Frames in the loss (nil: every target frame).
    public var frames: Int?

    public init() {}

    /// `trialSteps` resolved.
    public var resolvedTrialSteps: Int { min(steps, trialSteps ?? max(50, steps / 4)) }

    /// The options with `steps` cleared: what must match for a resume.
    var trajectoryKey: FitOptions { var o = self; o.steps = 0; return o }
}

/// The automated sparsification schedule (see `Pruner`).
public struct PruneSchedule: Codable, Sendable, Equatable {
    /// A cut is kept while the loss recovers to at most `baseline × (1 + tolerance)`…
    public var tolerance: Double = 1
    /// …or to the loss of this PSNR (dB), whichever is larger: a near-perfect fit may lose
    /// a little precision for a much smaller patch.
    public var floorPSNR: Double = 45
    /// Steps a cut gets to recover before it is undone.
    public var maxRecoverySteps: Int = 150
    /// A cut is undone early when the loss improved by less than `stallImprovement`
    /// (relative) over the last `stallWindow` steps: it stopped recovering.
    public var stallWindow: Int = 30
    public var stallImprovement: Double = 0.03
    /// Consecutive undone cuts that end the schedule.
    public var maxFailures: Int = 8
    /// Adam steps on the final structure, without the L1 term.
    public var polishSteps: Int = 300

    public init() {}
}
