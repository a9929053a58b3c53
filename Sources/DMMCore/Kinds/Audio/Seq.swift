/// `seq(pattern: "c4 [e4 g4] ~ <a4 b4>*2")`: a step sequencer in Tidal's mini-notation
/// (`MiniNotation`), one cycle per bar at the patch's `bpm`.
///
/// Outputs, all signals, sample-accurate: `value` (the step's number or note in Hz; it holds
/// through rests so a release keeps its pitch), `gate` (1 from a step's first sample for
/// `legato` of its length, 0 on rests: so repeated notes retrigger an envelope) and `trig`
/// (1 on the first sample of every sounding step, else 0). A step starts at the first
/// sample whose time is at or after its start: bar b starts at sample ⌈b · rate · 240 / bpm⌉,
/// counted from tick 0 (before tick 0, in the warm-up, the gate is closed and `value` is the
/// first step's). Like every connection, `seq → osc → audio.out` adds a tick per hop: the
/// sound of a step begins two ticks (blocks) after its start.
///
/// Wire it to pitches and envelopes: `o.freq = s.value`, `e.gate = s.gate`. Config `pattern`
/// (without it, `"c4 e4 g4 c5"`), `legato` (0…1, default 0.9). Stateful: `.notDifferentiable`.
public struct Seq: NeuronKind {
    public static let name = "seq"
    public static let summary = "pattern sequencer (mini-notation, a bar per cycle at bpm): value (Hz), gate, trig; config pattern, legato"
    public static let configKeys = ["pattern", "legato"]
    public let config: NeuronConfig
    /// Without `pattern`: a C major arpeggio, one bar (as `env.breakpoints` without points is
    /// a percussive hit: a newcomer hears something).
    static let defaultPattern = "c4 e4 g4 c5"
    let pattern: MiniNotation
    let legato: Double

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        let v = config["pattern"] ?? .string(Self.defaultPattern)
        guard let text = v.string else { throw KindError("'pattern' must be a string such as \"c4 e4 g4 ~\", not \(v)", key: "pattern") }
        do { pattern = try MiniNotation(text) } catch {
            throw KindError("'pattern' \(error.message)", key: "pattern", offset: error.offset)
        }
        legato = try config.number("legato", default: 0.9, in: 0...1)
    }

    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] {
        [PortSpec("value", .fixed(.signal)), PortSpec("gate", .fixed(.signal)), PortSpec("trig", .fixed(.signal))]
    }
    public var traits: KindTraits { [.notDifferentiable] }
    /// The current step's start (Double, cycles) at 0, the held value (Float) at 8, started
    /// (Int32) at 12.
    public var stateBytes: Int { 16 }

    public func forward(_ io: KernelIO) {
        let value = io.outputs[0], gate = io.outputs[1], trig = io.outputs[2]
        guard let st = io.state else {
            Lanes.fill(value, io.count, 0); Lanes.fill(gate, io.count, 0); Lanes.fill(trig, io.count, 0)
            return
        }
        let n = max(0, min(io.context.logicalCount, io.count))
        let first = AudioMath.firstSample(io.context)
        let bpm = io.context.bpm.isFinite && io.context.bpm > 0 ? io.context.bpm : 120
        let perCycle = io.context.sampleRate * 240 / bpm
        var started = st.get(12, as: Int32.self) != 0
        var current = st.get(0, as: Double.self)
        var held = st.get(8, as: Float.self)
        for j in 0..<n {
            let s = first + j
            if s < 0 {
                if !started { held = pattern.step(at: 0).value ?? 0 }
                value[j] = held; gate[j] = 0; trig[j] = 0
                continue
            }
            // Cycle and phase apart, the phase from the remainder: exact when a bar is a
            // whole number of samples, so boundaries at thirds land on the right sample.
            let cycle = (Double(s) / perCycle).rounded(.down)
            let phase = min(max((Double(s) - cycle * perCycle) / perCycle, 0), 1.0.nextDown)
            let step = pattern.step(cycle: Int64(cycle), phase: phase)
            let fresh = !started || step.start != current
            started = true
            current = step.start
            if let v = step.value {
                held = v
                value[j] = v
                trig[j] = fresh ? 1 : 0
                gate[j] = phase - (step.start - cycle) < legato * (step.end - step.start) ? 1 : 0
            } else {
                value[j] = held; gate[j] = 0; trig[j] = 0
            }
        }
        for j in n..<io.count { value[j] = held; gate[j] = 0; trig[j] = 0 }
        st.set(0, current); st.set(8, held); st.set(12, Int32(started ? 1 : 0))
    }
}
