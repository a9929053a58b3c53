import DMMCore

/// One training input of a distillation, as `Distiller` sees it: a fixed list of fitted weights,
/// and the loss with its gradient at any values of them. `TreeBackprop` (tree and scalar
/// students) and `SignalBackprop` (students that sound) are the two; Adam, L1, the λ ramp,
/// pruning, restarts and checkpoints are the same for both.
public protocol DistillEngine: AnyObject, Sendable {
    /// The weights being fitted, in a fixed order (a checkpoint records it).
    var parameters: [WeightRef] { get }
    /// The parameters' values in `network`, in the units Adam works in (see `scales`).
    func weights(of network: Network) -> [Float]
    /// Per parameter, the patch's weight per unit of the fitted value: Adam moves every value by
    /// about the learning rate a step, so a weight that means hundreds of hertz is fitted in
    /// units of its own size. The written patch holds value × scale.
    var scales: [Float] { get }
    /// The data loss at `weights` and, when asked, its gradient (one entry per parameter).
    func evaluate(_ weights: [Float], gradient: Bool) -> (loss: Double, gradient: [Double])
}

extension DistillEngine {
    /// Every value in the patch's own units.
    public var scales: [Float] { Array(repeating: 1, count: parameters.count) }
}

extension TreeBackprop: DistillEngine {}
