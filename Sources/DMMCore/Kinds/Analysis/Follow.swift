#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `follow(attack: 0.01, release: 0.1)`: an envelope follower, so sound can move pictures.
///
/// Its input `in` is a signal; its output `y` is a *scalar*, one value per tick: the envelope
/// of |in| at the tick's last sample. The envelope is a peak follower with separate one-pole
/// time constants: rising towards |x| with `attack` seconds, falling with `release` seconds
/// (the time to cover 1 − 1/e of the way; 0 follows instantly). With `attack: 0` it is a
/// peak follower: a steady sine of amplitude A reads A less a ripple of about
/// A·(1 − e^(−1/(2·release·f))); a longer attack averages |in| more (a sine then reads between
/// 2A/π and A: 0.88·A for a 330 Hz sine with a 5 ms attack and 50 ms release).
///
/// Wire it like any scalar: `out.r = 0.5 f` in an audiovisual patch makes the picture's red
/// breathe with the sound, `feedback.zoom += f`. Like every connection it costs a tick: the
/// follower at tick t hears its source's samples of tick t − 1, and whatever reads `y` sees
/// it at tick t + 1. The kind runs in the signal stroke and reports a scalar (see
/// `SignalProgram.hasScalarOutputs`). Stateful: `.notDifferentiable`.
public struct Follow: NeuronKind {
    public static let name = "follow"
    public static let summary = "envelope follower: signal in → scalar y per tick; config attack, release (s)"
    public static let configKeys = ["attack", "release"]
    public let config: NeuronConfig
    let attack: Double
    let release: Double

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        attack = try config.number("attack", default: 0.01, in: 0...60, "seconds")
        release = try config.number("release", default: 0.1, in: 0...60, "seconds")
    }

    public var inputs: [PortSpec] { [PortSpec("in", .fixed(.signal))] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.scalar))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// The envelope (Float) at 0.
    public var stateBytes: Int { 16 }

    /// The one-pole coefficient for a time constant of `seconds` at `rate` (0: instant).
    static func coefficient(_ seconds: Double, rate: Double) -> Float {
        seconds > 0 ? Float(exp(-1 / (seconds * rate))) : 0
    }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        guard let st = io.state else { Lanes.fill(out, io.count, 0); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0]
        let perLane = AudioMath.secondsPerLane(io.context)
        let up = Self.coefficient(attack, rate: 1 / perLane), down = Self.coefficient(release, rate: 1 / perLane)
        var e = st.get(0, as: Float.self)
        for j in 0..<n {
            let v = abs(AudioMath.finite(x[j]))
            let a = v > e ? up : down
            e = v + a * (e - v)
            out[j] = e
        }
        if e < 1e-30 || !e.isFinite { e = 0 }   // denormals
        st.set(0, e)
        for j in n..<io.count { out[j] = e }
    }
}
