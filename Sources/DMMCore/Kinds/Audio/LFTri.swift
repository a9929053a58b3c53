/// `lf.tri`: triangle −1…1 (naive, for modulation): freq (Hz).
///
/// Pointwise: a scalar that steps once per tick when fed by scalars (an LFO for pictures and
/// pitches alike), per sample when fed by a signal (see `LFOscillator`). Stateful (the phase
/// integrates the frequency), so `.notDifferentiable` per tick; in the signal domain
/// `dmm fit --teacher` takes its gradient for freq through a whole run (`backwardRun`).
public struct LFTri: NeuronKind {
    public static let name = "lf.tri"
    public static let summary = "triangle −1…1 (naive, for modulation): freq (Hz)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 1)] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { LFOscillator.stateBytes }
    public func forward(_ io: KernelIO) { LFOscillator.run(io, shape: .triangle) }
}

extension LFTri: DifferentiableSignal {
    /// The reverse of one signal-domain run from a fresh state (see `LFOscillator`).
    public func backwardRun(_ io: KernelIO, _ grads: KernelGrads) { LFOscillator.backwardRun(io, grads, shape: .triangle) }
    /// The frequency is integrated into the phase: plain steps.
    public func stepScale(input port: Int, weight: Float, sampleRate: Double) -> Float { port == 0 ? 1 : Self.ownSize(weight) }
}
