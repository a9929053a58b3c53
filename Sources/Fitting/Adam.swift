#if canImport(Glibc)
import Glibc
#endif

/// Adam (Kingma & Ba), written out so that its arithmetic is the reference script's:
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `w ← w − lr·m̂/(√v̂ + ε)` with the usual bias
/// corrections, all in `Float` like JAX on CPU.
///
/// Weights that are not `active` (pruned) are left exactly where they are and keep zero
/// moments, so a cut weight cannot creep back through stale momentum (the 2022 lesson in
/// `shared/docs/dmm.md` §6). The optimiser is a value: a checkpoint stores it whole.
public struct Adam: Codable, Sendable, Equatable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// First and second moments, one per parameter.
    public var m: [Float]
    public var v: [Float]
    /// Updates taken so far (the bias corrections' exponent).
    public var step: Int = 0

    public init(parameters: Int, learningRate: Float) {
        self.learningRate = learningRate
        m = Array(repeating: 0, count: parameters)
        v = Array(repeating: 0, count: parameters)
    }

    /// One update of `weights` along `gradient`, skipping inactive weights.
    public mutating func update(_ weights: inout [Float], gradient: [Float], active: [Bool]) {
        step += 1
        let c1 = 1 - Float(pow(Double(beta1), Double(step)))
        let c2 = 1 - Float(pow(Double(beta2), Double(step)))
        for i in weights.indices where active[i] {
            let g = gradient[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            let mh = m[i] / c1, vh = v[i] / c2
            weights[i] -= learningRate * mh / (vh.squareRoot() + epsilon)
        }
    }

    /// Forgets the moments of one weight (after pruning it).
    public mutating func reset(_ i: Int) { m[i] = 0; v[i] = 0 }
}
