import DMMCore

/// What a finished fit produced: the network with its new weights, and the story of the fit.
public struct FitResult: Sendable {
    /// The input network with fitted weights; pruned weights are removed from the matrix.
    public var network: Network
    /// Final data loss (MSE in −1…1 units) at the fitted weights.
    public var loss: Double
    public var psnr: Double { Trainer.psnr(loss) }
    /// Steps of the winning trajectory (trial + main + pruning) and their losses / weight counts.
    public var steps: Int
    public var losses: [Float]
    public var counts: [Int]
    /// Which start won, how each start was made, and each start's loss after the trials.
    public var winner: Int
    public var startDescriptions: [String]
    public var trialLosses: [Double]
    /// Weights in the fitted patch, and trainable weights at the start.
    public var activeWeights: Int
    public var initialWeights: Int
    /// Cuts the pruner kept and undid.
    public var prunedKept: Int
    public var prunedUndone: Int
    /// The fitted pictures (clamped to −1…1, unrounded), planar like the targets.
    public var pictures: FitTargets
    /// With pruning: the loss when pruning began, and the loss a cut had to recover to.
    public var pruneBaseline: Double? = nil
    public var pruneThreshold: Double? = nil

    /// Why the pruned patch deserves a second look, or nil: every weight was cut (the
    /// picture is constant), or the final loss is past what pruning was allowed to lose.
    public var pruneWarning: String? {
        guard let threshold = pruneThreshold, let baseline = pruneBaseline else { return nil }
        if activeWeights == 0 {
            return "pruning removed every weight: the patch draws a constant picture"
        }
        if loss > threshold * 1.0001 {
            return "the pruned patch's loss \(loss) is past the \(threshold) pruning allowed (the loss was \(baseline) before pruning)"
        }
        return nil
    }
}
