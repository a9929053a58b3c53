/// `filter.lowpass`: 12 dB/octave resonant lowpass (SVF): in, cutoff (Hz), res (0 = −3 dB at cutoff).
///
/// A trapezoidal state-variable filter (see `StateVariableFilter` for the maths and the
/// meaning of `res`). Its output depends on its own past (integrator state), so it has no
/// per-tick gradient (`.notDifferentiable`); `dmm fit --teacher` takes its gradient for in,
/// cutoff and res through a whole run (`backwardRun`).
public struct FilterLowpass: NeuronKind {
    public static let name = "filter.lowpass"
    public static let summary = "12 dB/octave resonant lowpass (SVF): in, cutoff (Hz), res (0 = −3 dB at cutoff)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("in"), PortSpec("cutoff", default: 1000), PortSpec("res")] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { StateVariableFilter.stateBytes }
    public func forward(_ io: KernelIO) { StateVariableFilter.run(io, mode: .lowpass) }
}

extension FilterLowpass: DifferentiableSignal {
    /// The reverse of one signal-domain run from a fresh state (see `StateVariableFilter`).
    public func backwardRun(_ io: KernelIO, _ grads: KernelGrads) { StateVariableFilter.backwardRun(io, grads, mode: .lowpass) }
}
