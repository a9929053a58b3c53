/// `phasor`: a phase ramp from 0 to 1 per cycle, freq in Hz, one value per sample.
///
/// The audio-rate phase source for the pointwise kinds: `s: sin`, `s.a = 6.2832`, `s.x = ph`
/// is a sine oscillator built from DMM parts, and `s.b` then takes phase modulation. The ramp
/// is naive (it jumps from 1 to 0), which is what a phase should do. Its output is always a
/// signal; for slow scalar ramps use `lf.saw`. Stateful (the phase integrates the frequency),
/// so `.notDifferentiable` per tick; `dmm fit --teacher` takes its gradient for freq through a
/// whole run (`backwardRun`).
public struct Phasor: NeuronKind {
    public static let name = "phasor"
    public static let summary = "phase ramp 0…1 per cycle (signal): freq (Hz)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 440)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { LFOscillator.stateBytes }
    public func forward(_ io: KernelIO) { LFOscillator.run(io, shape: .phasor) }
}

extension Phasor: DifferentiableSignal {
    /// The reverse of one signal-domain run from a fresh state (see `LFOscillator`).
    public func backwardRun(_ io: KernelIO, _ grads: KernelGrads) { LFOscillator.backwardRun(io, grads, shape: .phasor) }
    /// The frequency is integrated into the phase: plain steps.
    public func stepScale(input port: Int, weight: Float, sampleRate: Double) -> Float { port == 0 ? 1 : Self.ownSize(weight) }
}
