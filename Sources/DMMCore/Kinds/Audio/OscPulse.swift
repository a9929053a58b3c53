/// `osc.pulse`: a band-limited pulse wave, +1 for the first `width` of each cycle, −1 after.
///
/// Inputs freq (Hz) and width, the duty cycle (0…1; 0.5, a square wave, while nothing is
/// wired to it; `p.width = 0.5 + 0.3 lfo` sweeps it between 20 % and 80 %). Both edges get BLEP
/// residuals at their sub-sample position, as in `osc.saw`. Stateful: `.notDifferentiable`.
public struct OscPulse: NeuronKind {
    public static let name = "osc.pulse"
    public static let summary = "band-limited pulse (BLEP): freq (Hz), width (duty cycle 0…1)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 440), PortSpec("width", default: 0.5)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { BLEPOscillator.stateBytes }
    public func forward(_ io: KernelIO) { BLEPOscillator.run(io, shape: .pulse) }
}
