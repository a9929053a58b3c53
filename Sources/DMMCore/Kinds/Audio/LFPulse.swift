/// `lf.pulse`: a naive pulse, +1 for the first `width` of each cycle, −1 after: gates, clocks
/// and square LFOs.
///
/// Pointwise like `lf.saw` (steps once per tick as a scalar, per sample as a signal). Width is
/// the duty cycle, 0.5 while nothing is wired to it. Stateful: `.notDifferentiable`.
public struct LFPulse: NeuronKind {
    public static let name = "lf.pulse"
    public static let summary = "pulse ±1 (naive, for gates and modulation): freq (Hz), width (duty cycle)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 1), PortSpec("width", default: 0.5)] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { LFOscillator.stateBytes }
    public func forward(_ io: KernelIO) { LFOscillator.run(io, shape: .pulse) }
}
