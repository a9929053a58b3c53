/// `sample(file: "kick.wav", loop: 0)`: plays a sound file.
///
/// Any file libsndfile reads (WAV, FLAC, Ogg, AIFF…), at any rate, channels mixed to mono;
/// the patch loader decodes it (a missing or unreadable file is a load error at the `file`
/// option's line and column; a relative path is relative to the patch file). Playback
/// resamples with a windowed sinc (Blackman, 8 zero crossings each side, band-limited when
/// played faster than the output rate can carry), so a 44.1 kHz file in a 48 kHz patch keeps
/// its pitch and `rate: 2` is an octave up without aliasing.
///
/// Inputs: `trig` (a rising edge through 0 restarts from the beginning; its default is a
/// constant 1, which rises once at tick 0, so an unwired sample plays once from the start), `rate` (playback speed, 1 = the recorded pitch; negative plays
/// backwards), `gain` (1). Output `y`. With `loop: 1` it wraps around at either end;
/// otherwise it is silent after the end until the next trigger. Before tick 0 (the warm-up) it
/// is silent. Stateful: `.notDifferentiable`.
public struct SamplePlayer: NeuronKind {
    public static let name = "sample"
    public static let summary = "sound file player (libsndfile, windowed-sinc resampling): trig, rate, gain → y; config file, loop"
    public static let configKeys = ["file", "loop"]
    public let config: NeuronConfig
    /// The file as written in the patch.
    public let file: String
    let loop: Bool
    /// The decoded sound, attached by the patch loader (silence until then).
    public let data: SampleData?

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        // Without `file` the kind still exists (so `dmm kinds` can list its ports); the patch
        // loader refuses it with "needs file" at the declaration.
        let v = config["file"] ?? .string("")
        guard let s = v.string, config["file"] == nil || !s.isEmpty else {
            throw KindError("'file' must be a file name in quotes, not \(DiagnosticText.shortened(DiagnosticText.visible(v.description), limit: DiagnosticText.quoteLimit))", key: "file")
        }
        file = s
        loop = try config.wholeNumber("loop", default: 0, in: 0...1) != 0
        data = nil
    }

    private init(_ other: SamplePlayer, data: SampleData) {
        config = other.config; file = other.file; loop = other.loop; self.data = data
    }

    /// A copy that plays `data`.
    public func attaching(_ data: SampleData) -> SamplePlayer { SamplePlayer(self, data: data) }

    public var inputs: [PortSpec] { [PortSpec("trig", default: 1), PortSpec("rate", default: 1), PortSpec("gain", default: 1)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// Position in file frames (Double) at 0; flags (playing, trig was high) at 8.
    public var stateBytes: Int { 16 }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        guard let st = io.state, let data, !data.samples.isEmpty else { Lanes.fill(out, io.count, 0); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let trig = io.inputs[0], rate = io.inputs[1], gain = io.inputs[2]
        let first = AudioMath.firstSample(io.context)
        let step = data.rate / io.context.sampleRate
        let count = data.samples.count
        var p = st.get(0, as: Double.self)
        let flags = st.get(8, as: Int32.self)
        var playing = flags & 1 != 0, was = flags & 2 != 0
        SampleData.kernel.withUnsafeBufferPointer { kb in
            data.samples.withUnsafeBufferPointer { xb in
                let kernel = kb.baseAddress!, x = xb.baseAddress!
                for j in 0..<n {
                    if first + j < 0 { out[j] = 0; continue }
                    let high = trig[j] > 0
                    if high && !was { p = 0; playing = true }
                    was = high
                    guard playing else { out[j] = 0; continue }
                    let speed = Double(AudioMath.finite(rate[j])) * step
                    let cutoff = Float(min(1, 0.95 / max(abs(speed), 1e-9)))
                    out[j] = AudioMath.finite(gain[j]) * data.interpolate(p, cutoff: max(cutoff, 0.125), loop: loop,
                                                                          kernel: kernel, samples: x, count: count)
                    p += speed
                    if loop {
                        if p >= Double(count) || p < 0 { p -= (p / Double(count)).rounded(.down) * Double(count) }
                    } else if p >= Double(count) + Double(SampleData.halfWidth) || p < -Double(SampleData.halfWidth) {
                        playing = false
                    }
                }
            }
        }
        for j in n..<io.count { out[j] = n > 0 ? out[n - 1] : 0 }
        st.set(0, p.isFinite ? p : 0)
        st.set(8, Int32((playing ? 1 : 0) | (was ? 2 : 0)))
    }
}
