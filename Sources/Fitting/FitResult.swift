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
    /// The fitted pictures (unrounded), planar like the targets.
    public var pictures: FitTargets
}
