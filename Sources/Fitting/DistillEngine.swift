import DMMCore

/// One training input of a distillation, as `Distiller` sees it: a fixed list of fitted weights,
/// and the loss with its gradient at any values of them. `TreeBackprop` (tree and scalar
/// students) and `SignalBackprop` (students that sound) are the two; Adam, L1, the λ ramp,
/// pruning, restarts and checkpoints are the same for both.
public protocol DistillEngine: AnyObject, Sendable {
    /// The weights being fitted, in a fixed order (a checkpoint records it).
    var parameters: [WeightRef] { get }
    /// The parameters' values in `network`.
    func weights(of network: Network) -> [Float]
    /// The data loss at `weights` and, when asked, its gradient (one entry per parameter).
    func evaluate(_ weights: [Float], gradient: Bool) -> (loss: Double, gradient: [Double])
}

extension TreeBackprop: DistillEngine {}
