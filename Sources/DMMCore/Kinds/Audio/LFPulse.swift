/// `lf.pulse`: a naive pulse, +1 for the first 0.5 + width of each cycle, −1 after: gates,
/// clocks and square LFOs.
///
/// Pointwise like `lf.saw` (steps once per tick as a scalar, per sample as a signal). Width is
/// an offset from a square wave so that nothing wired means 50 %. Stateful: `.notDifferentiable`.
public struct LFPulse: NeuronKind {
    public static let name = "lf.pulse"
    public static let summary = "pulse ±1 (naive, for gates and modulation): freq (Hz), width (duty − 0.5)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq"), PortSpec("width")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { LFOscillator.stateBytes }
    public func forward(_ io: KernelIO) { LFOscillator.run(io, shape: .pulse) }
}
