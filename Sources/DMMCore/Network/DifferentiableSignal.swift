/// A signal kind whose gradient `dmm fit --teacher` can take through a whole recorded run:
/// the reverse of a stateful per-sample recurrence (an oscillator's phase, a filter's
/// integrators), which the per-lane `backward` of the pointwise kinds cannot express.
///
/// The fitter records what the engine's own forward did (`SignalTrace`: every input exactly as
/// the down movement delivered it, every output as the kernel wrote it), from a fresh state at
/// the run's first tick. Because kernels are block-size independent, that run is one call of
/// `forward` over all its samples; `backwardRun` is the reverse of that call. It lives beside
/// `forward` in the kind's file and recovers the state trajectory it needs with the same
/// helpers the forward uses (for `osc.sine`, `AudioMath.phases`), so the two cannot drift.
public protocol DifferentiableSignal: NeuronKind {
    /// The reverse of one `forward` call from a fresh (zeroed) state over the whole run.
    ///
    /// - `io.inputs`, `io.outputs`: the recorded samples (`io.count` lanes, a multiple of 16;
    ///   `io.context.logicalCount` of them are samples, the rest padding); `io.context` is the
    ///   first tick's context (sample rate, tick, seconds per tick); `io.state` is nil.
    /// - `grads.outputGrads`: dL/d(output) per sample; kernels *add* dL/d(input) per sample
    ///   into `grads.inputGrads` (both `io.count` lanes; padding lanes are zero and stay unread).
    func backwardRun(_ io: KernelIO, _ grads: KernelGrads)

    /// True when the kind integrates input `port` over time (an oscillator's frequency: the
    /// phase is its running sum). A small change of such a weight adds up over a run to a large
    /// change of the output, so the fitter moves it in plain steps, not in steps the size of the
    /// weight as it does for levels, cutoffs and the like. Default: false.
    func integrates(input port: Int) -> Bool
}

extension DifferentiableSignal {
    public func integrates(input port: Int) -> Bool { false }
}
