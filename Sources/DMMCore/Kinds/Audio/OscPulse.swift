/// `osc.pulse`: a band-limited pulse wave, +1 for the first part of each cycle, −1 after.
///
/// Inputs freq (Hz) and width: the duty cycle is 0.5 + width, so nothing wired is a square wave
/// and `p.width = 0.3 lfo` sweeps it between 20 % and 80 % (inputs are sums of weighted
/// streams, so zero is the neutral value). Both edges get BLEP residuals at their sub-sample
/// position, as in `osc.saw`. Stateful: `.notDifferentiable`.
public struct OscPulse: NeuronKind {
    public static let name = "osc.pulse"
    public static let summary = "band-limited pulse (BLEP): freq (Hz), width (duty − 0.5)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq"), PortSpec("width")] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { BLEPOscillator.stateBytes }
    public func forward(_ io: KernelIO) { BLEPOscillator.run(io, shape: .pulse) }
}
