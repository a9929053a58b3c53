/// `reverb(size: 0.5, damp: 0.5)`: Freeverb (Jezar's public-domain design), mono in, stereo out.
///
/// Eight parallel lowpass-feedback comb filters and four series allpasses per channel, the
/// right channel's delays 23 samples longer than the left's for width; delay lengths are
/// Freeverb's (tuned at 44.1 kHz) scaled to the patch's rate. `size` (0…1) sets the combs'
/// feedback, 0.7 + 0.28·size, so the decay time grows with it (RT60 0.8 s at 0.2, 1.3 s at
/// 0.5, 4.3 s at 0.9 with damp 0.2; the feedback stays below 0.98 and every comb's loop gain
/// below 1, so the network is always stable); `damp` (0…1)
/// sets how fast highs die (the comb's one-pole lowpass coefficient 0.4·damp).
///
/// Input `in` (a signal); outputs `left` and `right` are the wet sound only: mix the dry
/// signal with weights, `out.left = o + 0.4 r.left`, `out.right = o + 0.4 r.right`.
/// Stateful: `.notDifferentiable`.
public struct Reverb: NeuronKind {
    public static let name = "reverb"
    public static let summary = "Freeverb, mono in → stereo wet out left, right; config size, damp (0…1)"
    public static let configKeys = ["size", "damp"]
    public let config: NeuronConfig
    let feedback: Float
    let damp: Float

    /// Freeverb's delay lengths at 44.1 kHz and the right channel's spread.
    static let combTuning = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617]
    static let allpassTuning = [556, 441, 341, 225]
    static let spread = 23
    /// Freeverb's input gain (the combs sum eight copies) and allpass feedback.
    static let inputGain: Float = 0.015
    static let allpassFeedback: Float = 0.5
    /// Header bytes: 24 Int32 positions at 0, 16 comb filter states at 96, the 24 delay
    /// lengths (Int32) at 160; the delay lines follow.
    static let header = 256

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        let size = try config.number("size", default: 0.5, in: 0...1)
        damp = Float(0.4 * (try config.number("damp", default: 0.5, in: 0...1)))
        feedback = Float(0.7 + 0.28 * size)
    }

    public var inputs: [PortSpec] { [PortSpec("in")] }
    public var outputs: [PortSpec] { [PortSpec("left", .fixed(.signal)), PortSpec("right", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }

    /// The 24 delay lengths at `rate` (8 combs left, 8 right, 4 allpasses left, 4 right).
    static func lengths(rate: Double) -> [Int] {
        let scale = min(max(rate, 1_000), 768_000) / 44_100
        func len(_ n: Int) -> Int { max(1, Int((Double(n) * scale).rounded())) }
        return combTuning.map(len) + combTuning.map { len($0 + spread) }
            + allpassTuning.map(len) + allpassTuning.map { len($0 + spread) }
    }
    public var stateBytes: Int { stateBytes(sampleRate: 48_000) }
    public func stateBytes(sampleRate: Int) -> Int { Self.header + 4 * Self.lengths(rate: Double(sampleRate)).reduce(0, +) }

    public func forward(_ io: KernelIO) {
        let left = io.outputs[0], right = io.outputs[1]
        guard let st = io.state else { Lanes.fill(left, io.count, 0); Lanes.fill(right, io.count, 0); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0]
        let pos = st.assumingMemoryBound(to: Int32.self)
        let filter = (st + 96).assumingMemoryBound(to: Float.self)
        // Delay lengths at this rate, kept in the header (written on the first call).
        let len = (st + 160).assumingMemoryBound(to: Int32.self)
        if len[0] == 0 { for (k, l) in Self.lengths(rate: io.context.sampleRate).enumerated() { len[k] = Int32(l) } }
        let fb = feedback, d1 = damp, d2 = 1 - damp, g = Self.allpassFeedback
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: 24) { buf in
            var at = st + Self.header
            for k in 0..<24 { buf[k] = at.assumingMemoryBound(to: Float.self); at += 4 * Int(len[k]) }
            for j in 0..<n {
                let input = AudioMath.finite(x[j]) * Self.inputGain
                for channel in 0..<2 {
                    var sum: Float = 0
                    for c in (8 * channel)..<(8 * channel + 8) {
                        let b = buf[c], i = Int(pos[c])
                        let y = b[i]
                        var f = y * d2 + filter[c] * d1
                        if !(abs(f) >= 1e-25) { f = 0 }   // denormals (and a NaN) die here
                        filter[c] = f
                        b[i] = input + f * fb
                        sum += y
                        pos[c] = i + 1 == Int(len[c]) ? 0 : Int32(i + 1)
                    }
                    for a in (16 + 4 * channel)..<(20 + 4 * channel) {
                        let b = buf[a], i = Int(pos[a])
                        let y = b[i]
                        b[i] = sum + y * g
                        sum = y - sum
                        pos[a] = i + 1 == Int(len[a]) ? 0 : Int32(i + 1)
                    }
                    if channel == 0 { left[j] = sum } else { right[j] = sum }
                }
            }
        }
        for j in n..<io.count { left[j] = n > 0 ? left[n - 1] : 0; right[j] = n > 0 ? right[n - 1] : 0 }
    }
}
