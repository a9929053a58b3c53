import DMMCore

/// Figures of a finished audio render, for the command line's summary and for benchmarks.
public struct AudioRenderStats: Sendable {
    /// Frames (samples per channel) written, after the warm-up.
    public var frames: Int
    /// 1 for a mono patch (nothing wired to `audio.out.right`), else 2.
    public var channels: Int
    public var sampleRate: Int
    /// Ticks run, warm-up included, and the warm-up alone (discarded audio).
    public var ticks: Int
    public var warmUpTicks: Int
    /// Largest |sample| and the RMS over all channels, before any clipping by the file format.
    public var peak: Float
    public var rms: Double
    /// Samples beyond ±1 (clipped by integer formats), and the time of the first (seconds).
    public var clippedSamples: Int
    public var firstClipSeconds: Double? = nil
    /// The first non-finite output of any neuron (when scanning was on), and how many values
    /// `--on-nan clip`/`zero` replaced.
    public var nonFinite: NonFiniteEvent? = nil
    public var nonFiniteReplaced = 0
    /// Seconds spent ticking the network, and in the whole render (files included).
    public var computeSeconds: Double
    public var totalSeconds: Double
    /// The network at the end of the render: the patch's own, or grown (`clone`), so that a
    /// report names a twin neuron by its name.
    public var finalNetwork: Network? = nil
    /// The last growth a `clone` neuron could not make (a taken name, the neuron cap).
    public var growthError: NetworkError? = nil

    /// Seconds of sound written.
    public var seconds: Double { Double(frames) / Double(sampleRate) }
}
