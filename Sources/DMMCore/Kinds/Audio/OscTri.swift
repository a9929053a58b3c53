/// `osc.tri`: a band-limited triangle (0 at phase 0, peak 1 at ¼, −1 at ¾), freq in Hz.
///
/// The naive triangle has kinks, not jumps, so it gets the twice-integrated residual (BLAMP)
/// scaled by the change of slope at each corner. Stateful: `.notDifferentiable`.
public struct OscTri: NeuronKind {
    public static let name = "osc.tri"
    public static let summary = "band-limited triangle (BLAMP): freq (Hz)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 440)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { BLEPOscillator.stateBytes }
    public func forward(_ io: KernelIO) { BLEPOscillator.run(io, shape: .triangle) }
}
