/// `osc.sine`: a sine oscillator, freq in Hz, pm a phase offset in radians.
///
/// The phase is kept in `Double` in the neuron's state and only the distance travelled inside
/// a block is `Float`, so an hour of 440 Hz stays in tune to the sample. Wire a signal into
/// `freq` for FM, into `pm` for phase modulation (what DX-style "FM" really is). Stateful (the
/// output depends on every past frequency), so it has no per-tick gradient: `.notDifferentiable`.
public struct OscSine: NeuronKind, DifferentiableSignal {
    public static let name = "osc.sine"
    public static let summary = "sine oscillator: freq (Hz), pm (phase offset, radians)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 440), PortSpec("pm")] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { AudioMath.sineStateBytes }
    public func forward(_ io: KernelIO) { AudioMath.sineBlock(io, pm: 1) }
    public func backwardRun(_ io: KernelIO, _ grads: KernelGrads) { AudioMath.sineBackward(io, grads, pm: 1) }
    /// The frequency is integrated into the phase: plain steps.
    public func stepScale(input port: Int, weight: Float, sampleRate: Double) -> Float { port == 0 ? 1 : Self.ownSize(weight) }
}
