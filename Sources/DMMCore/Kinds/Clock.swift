/// Seconds since frame 1 (tick 0), as a scalar.
///
/// It reads the tick counter rather than integrating 1/fps in Float, so ten minutes of
/// animation do not drift. Warm-up ticks before the first frame read negative time.
public struct Clock: NeuronKind {
    public static let name = "clock"
    public static let summary = "seconds since the first frame (scalar); scaled by `rate` if given"
    public static let configKeys = ["rate"]
    public let config: NeuronConfig
    package let rate: Double
    /// The fastest clock: a day of patch time read at this rate stays far inside `Float`.
    public static let maxRate = 1_000_000.0
    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        rate = try config.number("rate", default: 1, in: -Self.maxRate...Self.maxRate, "times real time")
    }
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("t", .fixed(.scalar))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public func forward(_ io: KernelIO) {
        Lanes.fill(io.outputs[0], io.count, Float(io.context.time * rate))
    }
}
