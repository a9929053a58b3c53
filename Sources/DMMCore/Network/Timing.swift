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
    /// True when the patch draws (has a display neuron): ticks follow frames.
    public var visual: Bool = true
    /// Length from the patch header: `frames N` or `seconds S` (nil: the renderer's default).
    public var frames: Int?
    public var seconds: Double?

    public init() {}

    /// Seconds per tick.
    public var secondsPerTick: Double { visual ? 1 / fps : Double(block) / Double(sampleRate) }
    /// Audio samples per tick.
    public var samplesPerTick: Int { visual ? Int((Double(sampleRate) / fps).rounded()) : block }
    /// Frames to render: `frames`, else `seconds × fps`, else `fallback`.
    public func frameCount(default fallback: Int = 120) -> Int {
        if let frames { return frames }
        if let seconds { return Int((seconds * fps).rounded()) }
        return fallback
    }

    /// Pixels per field.
    public var pixels: Int { width * height }
}
