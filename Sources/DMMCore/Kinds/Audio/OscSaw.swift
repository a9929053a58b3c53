/// `osc.saw`: a band-limited sawtooth rising from −1 to 1, freq in Hz.
///
/// Naive sawtooth plus windowed-sinc BLEP residuals at every wrap (`BLEPTable`): a 5 kHz saw
/// at 48 kHz keeps its aliases below −60 dB, where two-sample PolyBLEP reaches only about
/// −21 dB. Output lags the phase by 8 samples (linear-phase correction). Frequencies beyond
/// ±Nyquist are clamped; negative frequencies run the saw backwards. Stateful:
/// `.notDifferentiable`.
public struct OscSaw: NeuronKind {
    public static let name = "osc.saw"
    public static let summary = "band-limited sawtooth (BLEP): freq (Hz)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("freq", default: 440)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public var stateBytes: Int { BLEPOscillator.stateBytes }
    public func forward(_ io: KernelIO) { BLEPOscillator.run(io, shape: .saw) }
}
