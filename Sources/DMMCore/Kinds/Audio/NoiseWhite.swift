/// `noise.white`: uniform white noise in [−1, 1) (RMS 0.577), one value per sample.
///
/// Counter-based: sample k of a neuron is a hash of (k, the neuron's seed), so the noise is the
/// same whatever the block size, repeats exactly from `seed` in the patch header, differs
/// between two noise neurons, and needs no serial random-number state (sixteen samples per
/// SIMD step). Not differentiable (it has no inputs to differentiate).
public struct NoiseWhite: NeuronKind {
    public static let name = "noise.white"
    public static let summary = "white noise in [−1, 1), seeded by the patch's seed"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// Samples produced so far (`UInt64`) at byte 0.
    public var stateBytes: Int { 16 }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        let counter = io.state?.get(0, as: UInt64.self) ?? 0
        Self.fill(out, count: io.count, counter: counter, seed: io.context.seed)
        io.state?.set(0, counter &+ UInt64(max(0, min(io.context.logicalCount, io.count))))
    }

    /// Writes noise samples `counter ..< counter + count` for `seed` into `out`.
    @inline(__always)
    static func fill(_ out: UnsafeMutablePointer<Float>, count: Int, counter: UInt64, seed: UInt64) {
        let key = UInt32(truncatingIfNeeded: seed ^ (seed >> 32))
        let hi = UInt32(truncatingIfNeeded: counter >> 32) &* 0x9E37_79B9
        let lanes = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        let scale = SIMD16<Float>(repeating: 1.0 / 8_388_608)
        var i = 0
        while i < count {
            var x = (SIMD16<UInt32>(repeating: UInt32(truncatingIfNeeded: counter &+ UInt64(i))) &+ lanes) ^ SIMD16(repeating: key ^ hi)
            // lowbias32 (C. Wellons): a fast integer hash with good avalanche.
            x ^= x &>> 16; x &*= 0x7feb_352d
            x ^= x &>> 15; x &*= 0x846c_a68b
            x ^= x &>> 16
            x ^= SIMD16(repeating: key) &* 0x2545_F491
            x ^= x &>> 15; x &*= 0x846c_a68b; x ^= x &>> 16
            let v = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: x &>> 8)) * scale - 1
            Lanes.store(v, out, i)
            i += 16
        }
    }
}
