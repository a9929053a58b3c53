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

    /// The size of one unit of a weight into input `port` as the fitter moves it (Adam moves
    /// every value by about the learning rate a step): by default the weight's own size, at
    /// least 1, so a cutoff of 1500 Hz moves in steps of ~15 Hz and a level of 0.3 in steps of
    /// 0.01. Kinds override it where that is wrong: an input integrated into a phase (an
    /// oscillator's frequency) adds up over a run, so it moves in plain steps (1); a delay
    /// time moves in steps of about a sample.
    func stepScale(input port: Int, weight: Float, sampleRate: Double) -> Float
}

extension DifferentiableSignal {
    public func stepScale(input port: Int, weight: Float, sampleRate: Double) -> Float { Self.ownSize(weight) }
    /// The default step scale: the weight's own size, at least 1.
    public static func ownSize(_ weight: Float) -> Float { max(1, abs(weight)) }
}
