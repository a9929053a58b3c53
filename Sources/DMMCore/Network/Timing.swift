/// How a network maps onto time and space: frame size, frame rate, audio rate and block.
///
/// A visual patch ticks once per frame; an audio-only patch ticks once per block; an
/// audiovisual patch ticks once per frame and every audio neuron renders rate ÷ fps samples.
public struct Timing: Sendable, Equatable {
    public var width: Int = 256
    public var height: Int = 256
    public var fps: Double = 30
    public var sampleRate: Int = 48_000
    /// Samples per tick in audio-only patches.
    public var block: Int = 64
    /// Tempo in beats (quarter notes) per minute, from the `bpm` header: a bar (one cycle of
    /// a `seq` pattern, the unit of `at +1bar`) is four beats.
    public var bpm: Double = 120
    /// True when the patch draws (has a display neuron): ticks follow frames.
    public var visual: Bool = true
    /// Length from the patch header: `frames N` or `seconds S` (nil: the renderer's default).
    public var frames: Int?
    public var seconds: Double?

    public init() {}

    /// Seconds per tick.
    public var secondsPerTick: Double { visual ? 1 / fps : Double(block) / Double(sampleRate) }
    /// Audio samples per tick. Total for any fps: `TimingLimits.check` refuses the timings
    /// where this would leave `1 … TimingLimits.maxSamplesPerTick`, and this clamps into it.
    public var samplesPerTick: Int { visual ? Self.clampedCount(Double(sampleRate) / fps, 1...TimingLimits.maxSamplesPerTick) : block }
    /// Frames to render: `frames`, else `seconds × fps`, else `fallback`.
    public func frameCount(default fallback: Int = 120) -> Int {
        if let frames { return frames }
        if let seconds { return Self.clampedCount(seconds * fps, TimingLimits.frames) }
        return fallback
    }
    /// Seconds of sound: `seconds`, else `frames ÷ fps`, else `fallback` (what `dmm synth`
    /// renders when the command line does not say).
    public func lengthSeconds(default fallback: Double) -> Double {
        if let seconds { return seconds }
        if let frames { return Double(frames) / fps }
        return fallback
    }

    /// `x` rounded into `range` (NaN gives the lower end): a count derived from timing never
    /// traps the conversion, whatever the numbers.
    static func clampedCount(_ x: Double, _ range: ClosedRange<Int>) -> Int {
        let r = x.rounded()
        guard r >= Double(range.lowerBound) else { return range.lowerBound }
        guard r <= Double(range.upperBound) else { return range.upperBound }
        return Int(r)
    }

    /// Seconds per bar (four beats).
    public var secondsPerBar: Double { 240 / bpm }

    /// Pixels per field.
    public var pixels: Int { width * height }
}
