/// `audio.out`: the sound. Its inputs `left` and `right` become the tick's audio samples.
///
/// The plan copies the two input rows (the weighted sums wired into them: gains and mixes are
/// weights) into the tick's audio buffer; the kernel itself does nothing and the neuron has no
/// outputs. With nothing wired to `right` the sound is mono: both channels carry `left`, and
/// `dmm synth` writes a one-channel file. Values are full scale at ±1; integer file formats
/// clip beyond that (use `tanh` before it for a soft clip).
public struct AudioOut: NeuronKind {
    public static let name = "audio.out"
    public static let summary = "sound output: left, right (right unwired = mono)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("left", .fixed(.signal)), PortSpec("right", .fixed(.signal))] }
    public var outputs: [PortSpec] { [] }
    public var traits: KindTraits { [.audioOut] }
    public func forward(_ io: KernelIO) {}
}
