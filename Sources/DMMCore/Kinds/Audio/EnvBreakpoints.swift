/// `env.breakpoints(points: "0 0, 0.01 1, 1.5 0")`: a breakpoint envelope, one value per sample.
///
/// `points` lists time (seconds) and value pairs, times non-decreasing; the output moves in
/// straight lines between them, starts at the first value and holds the last. `loop: 1`
/// repeats it. A rising edge on `trig` (crossing above 0) restarts it from time 0: wire an
/// `lf.pulse` for a rhythm; the restart glides from the current level to the second point, so
/// it never clicks. It starts at tick 0, not during the warm-up ticks before a render (it is
/// 0 until then), so its first attack is heard whole. Without `points` it is a percussive hit (0 → 1 in 10 ms,
/// back to 0 at 1 s). Stateful: `.notDifferentiable`.
public struct EnvBreakpoints: NeuronKind {
    public static let name = "env.breakpoints"
    public static let summary = "breakpoint envelope: config points \"t v, t v, …\" (s), loop; trig restarts"
    public static let configKeys = ["points", "loop"]
    /// Without `points`: a percussive hit, 10 ms up, one second down.
    static let defaultPoints = "0 0, 0.01 1, 1 0"
    public let config: NeuronConfig
    /// The latest breakpoint time: a day, the longest a patch runs (`TimingLimits.maxSeconds`),
    /// so the sample count of an envelope always fits its counter.
    public static let maxTime = TimingLimits.maxSeconds
    let times: [Double]
    let values: [Float]
    let loop: Bool

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        let v = config["points"] ?? .string(Self.defaultPoints)
        guard let text = v.string else { throw KindError("'points' must be a string of time value pairs, not \(v)", key: "points") }
        var numbers: [Double] = []
        var offsets: [Int] = []
        var offset = 0, start = -1
        var word = ""
        func isSeparator(_ c: Character) -> Bool { c == " " || c == "," || c == "\t" || c == ";" }
        for c in text + " " {
            if isSeparator(c) {
                if start >= 0 {
                    guard let x = NumberText.double(word), x.isFinite else {
                        throw KindError("'points' has \(DiagnosticText.quoted(word)), which is not a number", key: "points", offset: start)
                    }
                    numbers.append(x); offsets.append(start)
                    word = ""; start = -1
                }
            } else {
                if start < 0 { start = offset }
                word.append(c)
            }
            offset += 1
        }
        guard !numbers.isEmpty, numbers.count % 2 == 0 else {
            throw KindError("'points' needs time value pairs, got \(numbers.count) number(s)", key: "points")
        }
        var t: [Double] = [], y: [Float] = []
        for k in stride(from: 0, to: numbers.count, by: 2) {
            let time = numbers[k], value = numbers[k + 1]
            let show = { (x: Double) in ConfigValue.number(x).description }
            guard time >= 0, time <= Self.maxTime else {
                throw KindError("'points' times must be from 0 to \(show(Self.maxTime)) seconds, not \(show(time))", key: "points", offset: offsets[k])
            }
            if let last = t.last, time < last {
                throw KindError("'points' times must not decrease (\(show(time)) after \(show(last)))", key: "points", offset: offsets[k])
            }
            guard Float(value).isFinite else {
                throw KindError("'points' values must be finite numbers of at most ±3.4e38, not \(show(value))", key: "points", offset: offsets[k + 1])
            }
            t.append(time); y.append(Float(value))
        }
        times = t; values = y
        loop = try config.wholeNumber("loop", default: 0, in: 0...1) != 0
    }

    public var inputs: [PortSpec] { [PortSpec("trig")] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// Samples since the start (Int64) at 0, current segment (Int32) at 8, flags (trig was
    /// high, started) at 12, the level the current run started from at 16, the last output at 20.
    public var stateBytes: Int { 24 }

    /// The envelope at `t` seconds, searching forward from segment `seg`; `first` stands in
    /// for the first point's value (the level a retrigger started from).
    @inline(__always)
    func value(at t: Double, segment seg: inout Int, first: Float) -> Float {
        if t <= times[0] { seg = 0; return first }
        while seg + 1 < times.count && t >= times[seg + 1] { seg += 1 }
        if seg + 1 >= times.count { return values[values.count - 1] }
        let t0 = times[seg], t1 = times[seg + 1]
        guard t1 > t0 else { return values[seg + 1] }
        let f = Float((t - t0) / (t1 - t0))
        let v0 = seg == 0 ? first : values[seg]
        return v0 + (values[seg + 1] - v0) * f
    }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        guard let st = io.state else { Lanes.fill(out, io.count, values[0]); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let trig = io.inputs[0]
        let rate = io.context.sampleRate
        let first = AudioMath.firstSample(io.context)
        // Checked before the conversion: a last time of 1e300 s would trap in Int64(_:).
        let last = (times[times.count - 1] * rate).rounded()
        let total = last < 9e18 ? Int64(last) : Int64.max
        var count = st.get(0, as: Int64.self)
        var seg = Int(st.get(8, as: Int32.self))
        var was = st.get(12, as: Int32.self) & 1 != 0
        var started = st.get(12, as: Int32.self) & 2 != 0
        var from = started ? st.get(16, as: Float.self) : values[0]
        var y = started ? st.get(20, as: Float.self) : 0
        for j in 0..<n {
            if first + j < 0 { out[j] = 0; continue }
            let high = trig[j] > 0
            // A retrigger restarts the time but glides from the current level: no click.
            if high && !was && started { count = 0; seg = 0; from = y }
            was = high
            started = true
            if loop && total > 0 && count >= total { count %= total; seg = 0; from = values[0] }
            y = value(at: Double(count) / rate, segment: &seg, first: from)
            out[j] = y
            count += 1
        }
        for j in n..<io.count { out[j] = y }
        st.set(0, count); st.set(8, Int32(seg)); st.set(12, Int32(was ? 1 : 0) | (started ? 2 : 0))
        st.set(16, from); st.set(20, y)
    }
}
