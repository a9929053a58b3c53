/// `delay(max: 2)`: a fractional delay line: y[n] = x[n − time·rate], linearly interpolated.
///
/// Inputs in and time (seconds, 0.25 unwired, clamped to 0 … max; move it for chorus, flanging,
/// Doppler).
/// Feedback goes through the matrix like any other connection (`d.in = src + 0.6 d`), so a
/// loop adds one tick to the delay time: a block of 64 samples is 1.3 ms at 48 kHz. Config
/// `max` (seconds, default 1) sizes the buffer, which lives in the neuron's state: a power of
/// two above max × rate samples (60 s at 48 kHz: 16 MB). Stateful: `.notDifferentiable` per
/// tick; `dmm fit --teacher` takes its gradient through a whole run (`backwardRun`).
public struct Delay: NeuronKind {
    public static let name = "delay"
    public static let summary = "fractional delay line: in, time (s); config max (s, default 1)"
    public static let configKeys = ["max"]
    public let config: NeuronConfig
    /// Longest delay in seconds.
    let maxSeconds: Double

    /// The ring buffer's length at `rate`: the power of two above max × rate + 4 samples
    /// (rates are capped at 768 kHz here, so the loop is bounded for any input).
    static func capacity(maxSeconds: Double, rate: Double) -> Int {
        let samples = Int(min(max(maxSeconds, 0), 60) * min(max(rate, 1), 768_000)) + 4
        var c = 16
        while c < samples { c *= 2 }
        return c
    }

    /// The longest delay in samples at `rate`: max × rate, and never past the buffer.
    static func longest(maxSeconds: Double, rate: Double) -> Double {
        min(maxSeconds * rate, Double(capacity(maxSeconds: maxSeconds, rate: rate) - 2))
    }

    /// Where sample j reads for a delay of `time` seconds: `whole` samples back, then `f` of
    /// the way to the one before (y = a + (b − a)·f with a = x[j − whole], b = x[j − whole − 1]).
    /// NaN and negative times read the newest sample, +inf and huge ones the oldest; `moves`
    /// says the time is strictly inside those clamps, where dy/dtime = (b − a)·rate.
    @inline(__always)
    static func tap(_ time: Float, rate: Double, longest: Double) -> (whole: Int, f: Float, moves: Bool) {
        let d = AudioMath.clamp(Double(time) * rate, 0, longest, nan: 0)
        let whole = Int(d)
        return (whole, Float(d - Double(whole)), d > 0 && d < longest)
    }

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        maxSeconds = try config.number("max", default: 1)
        guard maxSeconds > 0, maxSeconds <= 60 else {
            throw KindError("'max' must be above 0 and at most 60 seconds, not \(ConfigValue.number(maxSeconds))", key: "max")
        }
    }

    public var inputs: [PortSpec] { [PortSpec("in"), PortSpec("time", default: 0.25)] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// Write position (Int64) at 0, the ring buffer from byte 16 (at 192 kHz; the engine asks
    /// ``stateBytes(sampleRate:)``).
    public var stateBytes: Int { stateBytes(sampleRate: 192_000) }
    public func stateBytes(sampleRate: Int) -> Int { 16 + 4 * Self.capacity(maxSeconds: maxSeconds, rate: Double(sampleRate)) }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        guard let st = io.state else { out.update(from: io.inputs[0], count: io.count); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0], time = io.inputs[1]
        let buf = UnsafeMutableRawPointer(st + 16).assumingMemoryBound(to: Float.self)
        let rate = io.context.sampleRate
        let capacity = Self.capacity(maxSeconds: maxSeconds, rate: rate)
        let mask = capacity - 1
        let most = Self.longest(maxSeconds: maxSeconds, rate: rate)
        var w = Int(st.get(0, as: Int64.self))
        for j in 0..<n {
            buf[w & mask] = x[j]
            let (whole, f, _) = Self.tap(time[j], rate: rate, longest: most)
            let a = buf[(w - whole) & mask], b = buf[(w - whole - 1) & mask]
            out[j] = a + (b - a) * f
            w &+= 1
        }
        st.set(0, Int64(w & mask))
        for j in n..<io.count { out[j] = 0 }
    }
}

extension Delay: DifferentiableSignal {
    /// The reverse of one `forward` from a fresh (silent) line: sample j read x[j − whole]
    /// with weight 1 − f and x[j − whole − 1] with weight f (samples before the run are the
    /// line's zeros), so dL/dy_j goes back to those two inputs, and to time_j as
    /// (b − a)·rate where `tap` says the time moves the read. The line never needs
    /// rebuilding: every read lies within the last `capacity` samples of the recorded input.
    public func backwardRun(_ io: KernelIO, _ grads: KernelGrads) {
        let n = max(0, min(io.context.logicalCount, io.count))
        let x = io.inputs[0], time = io.inputs[1]
        let gy = grads.outputGrads[0], gx = grads.inputGrads[0], gTime = grads.inputGrads[1]
        let rate = io.context.sampleRate
        let most = Self.longest(maxSeconds: maxSeconds, rate: rate)
        for j in 0..<n {
            let (whole, f, moves) = Self.tap(time[j], rate: rate, longest: most)
            let ia = j - whole, ib = j - whole - 1
            let a: Float = ia >= 0 ? x[ia] : 0, b: Float = ib >= 0 ? x[ib] : 0
            let g = gy[j]
            if ia >= 0 { gx[ia] += g * (1 - f) }
            if ib >= 0 { gx[ib] += g * f }
            if moves { gTime[j] += g * (b - a) * Float(rate) }
        }
    }

    /// A time moves in steps of about a sample at `--lr 0.01` (the reverse is exact only
    /// within the sample interval the read lies in).
    public func stepScale(input port: Int, weight: Float, sampleRate: Double) -> Float {
        port == 1 ? Float(100 / max(1, sampleRate)) : Self.ownSize(weight)
    }
}
