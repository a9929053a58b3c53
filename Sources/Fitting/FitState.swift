/// One optimisation trajectory: weights, which of them are still in the patch, the
/// optimiser, and the loss of every step so far.
public struct RunState: Codable, Sendable, Equatable {
    /// Values of the engine's `parameters`.
    public var weights: [Float]
    /// False for pruned weights (held at exactly 0).
    public var active: [Bool]
    public var adam: Adam
    /// Steps taken.
    public var step: Int = 0
    /// Data loss (MSE, −1…1 units) evaluated at each step, before its update.
    public var losses: [Float] = []
    /// Active weights at each step (changes only while pruning).
    public var counts: [Int] = []

    public init(weights: [Float], learningRate: Float) {
        self.weights = weights
        active = Array(repeating: true, count: weights.count)
        adam = Adam(parameters: weights.count, learningRate: learningRate)
    }

    /// Number of weights still in the patch.
    public var activeCount: Int { active.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

/// Everything needed to continue a fit exactly where it stopped (a checkpoint's content).
public struct FitState: Codable, Sendable, Equatable {
    /// Where the fit is.
    public enum Phase: String, Codable, Sendable {
        /// Several starts, each for `trialSteps`.
        case trials
        /// The winner (or the only start) up to `steps`.
        case main
        /// The sparsification schedule.
        case prune
        case done
    }

    public var format = 1
    public var options: FitOptions
    /// The weights being fitted, to check that a resume continues the same problem.
    public var parameters: [WeightRef]
    public var phase: Phase
    /// During trials one run per start; afterwards the single run being trained.
    public var runs: [RunState]
    /// How each start was initialised (for the report).
    public var startDescriptions: [String]
    /// Index of the start that won the trials (0 when there was one start).
    public var winner: Int = 0
    /// Loss of each start at the end of the trials.
    public var trialLosses: [Double] = []
    public var pruner: PrunerState?
}
