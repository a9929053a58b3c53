/// `band(lo: 200, hi: 2000)`: the level of a signal between two frequencies, one scalar per
/// tick, so the bass can pulse a picture while the hats shimmer it.
///
/// Its input `in` is a signal; its output `y` is a scalar: the RMS level of the part of `in`
/// between `lo` and `hi` Hz over the last `fftSize` (2048) samples, from FFTW through
/// `FFTPlan` (a Hann window; bins whose centre lies in [lo, hi], scaled so that by Parseval
/// a sine of amplitude A in the band reads A/√2, and white noise reads its RMS times the
/// share of the spectrum the band covers, square-rooted). The window is 43 ms at 48 kHz.
///
/// The analysis runs at the end of a tick, at most once per `hop` (256) samples: with
/// `block 1` it runs every 256th tick and holds its value in between (48,000 transforms a
/// second would cost more than the sound). Like `follow` it runs in the signal stroke and
/// reports a scalar; it hears its source one tick late, and readers see it a tick later.
/// Stateful: `.notDifferentiable`.
public struct Band: NeuronKind {
    public static let name = "band"
    public static let summary = "band level (RMS, FFTW): signal in → scalar y per tick; config lo, hi (Hz)"
    public static let configKeys = ["lo", "hi"]
    /// Samples the analysis window spans.
    public static let fftSize = 2048
    /// The fewest samples between two analyses.
    public static let hop = 256
    public let config: NeuronConfig
    let lo: Double
    let hi: Double

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        lo = try config.number("lo", default: 100, in: 0...400_000, "Hz")
        hi = try config.number("hi", default: 1000, in: 0...400_000, "Hz")
        guard hi > lo else {
            throw KindError("'hi' must be above 'lo' (\(ConfigValue.number(lo))), not \(ConfigValue.number(hi))", key: "hi")
        }
    }

    public var inputs: [PortSpec] { [PortSpec("in", .fixed(.signal))] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.scalar))] }
    public var traits: KindTraits { [.notDifferentiable] }

    /// Header: write position (Int64) at 0, samples since the last analysis (Int64) at 8, the
    /// level (Float) at 16; then the ring of the last `fftSize` samples, the windowed copy FFTW
    /// transforms, and its `fftSize/2 + 1` complex bins.
    static let ringOffset = 32
    static let inputOffset = ringOffset + 4 * fftSize
    static let outputOffset = inputOffset + 4 * fftSize
    public var stateBytes: Int { Self.outputOffset + 4 * (Self.fftSize + 2) }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        guard let st = io.state else { Lanes.fill(out, io.count, 0); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let size = Self.fftSize, mask = size - 1
        let ring = (st + Self.ringOffset).assumingMemoryBound(to: Float.self)
        let x = io.inputs[0]
        var w = Int(st.get(0, as: Int64.self))
        var since = Int(st.get(8, as: Int64.self))
        var level = st.get(16, as: Float.self)
        for j in 0..<n { ring[(w + j) & mask] = AudioMath.finite(x[j]) }
        w = (w + n) & mask
        since += n
        if since >= Self.hop {
            since = 0
            level = analyse(ring, newest: w, rate: io.context.sampleRate, state: st)
        }
        st.set(0, Int64(w)); st.set(8, Int64(min(since, Self.hop))); st.set(16, level)
        Lanes.fill(out, io.count, level)
    }

    /// The band's RMS over the ring (oldest sample at `newest`).
    func analyse(_ ring: UnsafeMutablePointer<Float>, newest w: Int, rate: Double, state st: UnsafeMutableRawPointer) -> Float {
        let plan = FFTPlan.band
        let size = plan.size, mask = size - 1
        let input = (st + Self.inputOffset).assumingMemoryBound(to: Float.self)
        let bins = (st + Self.outputOffset).assumingMemoryBound(to: Float.self)
        plan.window.withUnsafeBufferPointer { win in
            for i in 0..<size { input[i] = ring[(w + i) & mask] * win[i] }
        }
        plan.execute(input, bins)
        let binHz = rate / Double(size)
        let k0 = max(0, Int((lo / binHz).rounded(.up))), k1 = min(size / 2, Int((hi / binHz).rounded(.down)))
        guard k1 >= k0 else { return 0 }
        var sum = 0.0
        for k in k0...k1 {
            let re = Double(bins[2 * k]), im = Double(bins[2 * k + 1])
            sum += (k == 0 || k == size / 2 ? 1 : 2) * (re * re + im * im)
        }
        let level = (sum / (Double(size) * plan.windowPower)).squareRoot()
        return level.isFinite ? Float(level) : 0
    }
}
