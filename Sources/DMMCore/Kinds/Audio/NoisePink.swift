/// `noise.pink`: pink (1/f, −3 dB per octave) noise, roughly within ±1 (RMS about 0.1).
///
/// `noise.white` (same counter-based, seeded source, so just as repeatable) through Paul
/// Kellett's refined sum of seven one-pole filters, accurate to ±0.05 dB above 9 Hz at 44.1 kHz
/// and close enough at 48 kHz. The filter memory is the neuron's state: `.notDifferentiable`.
public struct NoisePink: NeuronKind {
    public static let name = "noise.pink"
    public static let summary = "pink noise (−3 dB/octave), seeded by the patch's seed"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// Sample counter (`UInt64`) at byte 0, seven filter states (`Float`) from byte 8.
    public var stateBytes: Int { 48 }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        let n = max(0, min(io.context.logicalCount, io.count))
        let counter = io.state?.get(0, as: UInt64.self) ?? 0
        NoiseWhite.fill(out, count: io.count, counter: counter, seed: io.context.seed)
        guard let st = io.state else { return }
        st.set(0, counter &+ UInt64(n))
        let b = UnsafeMutableRawPointer(st + 8).assumingMemoryBound(to: Float.self)
        var b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6]
        for j in 0..<n {
            let w = out[j]
            b0 = 0.99886 * b0 + w * 0.0555179
            b1 = 0.99332 * b1 + w * 0.0750759
            b2 = 0.96900 * b2 + w * 0.1538520
            b3 = 0.86650 * b3 + w * 0.3104856
            b4 = 0.55000 * b4 + w * 0.5329522
            b5 = -0.7616 * b5 - w * 0.0168980
            out[j] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362) * 0.11
            b6 = w * 0.115926
        }
        b[0] = b0; b[1] = b1; b[2] = b2; b[3] = b3; b[4] = b4; b[5] = b5; b[6] = b6
    }
}
