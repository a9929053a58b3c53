/// `env.adsr`: attack–decay–sustain–release envelope, 0…1, one value per sample.
///
/// Inputs: gate (on while > 0), attack, decay, release (seconds: attack is the time from 0 to
/// 1, decay from 1 to the sustain level, release from wherever the gate fell to 0), sustain
/// (level 0…1); unwired they are 5 ms, 0.1 s, 0.7 and 0.2 s. Segments are linear so the times
/// are exact. A new gate restarts the attack
/// from the current level, so retriggering never clicks. The envelope holds still before
/// tick 0, so the warm-up ticks before a render do not eat its attack. Multiply it with a
/// sound through `mul` (a VCA). Stateful: `.notDifferentiable`.
public struct EnvADSR: NeuronKind {
    public static let name = "env.adsr"
    public static let summary = "ADSR envelope 0…1: gate, attack, decay, sustain (level), release (seconds)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] {
        [PortSpec("gate"), PortSpec("attack", default: 0.005), PortSpec("decay", default: 0.1),
         PortSpec("sustain", default: 0.7), PortSpec("release", default: 0.2)]
    }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.signal))] }
    public var traits: KindTraits { [.notDifferentiable] }
    /// level (Float) at 0, stage (Int32) at 4, gate was on (Int32) at 8, release step at 12.
    public var stateBytes: Int { 16 }

    enum Stage: Int32 { case idle, attack, decay, sustain, release }

    /// A segment time in samples, at least 1: NaN, zero and negative times are one sample
    /// (`max(NaN, 1)` would be NaN and stick in the level); +inf never arrives (step 0).
    @inline(__always)
    static func steps(_ seconds: Float, _ rate: Float) -> Float {
        let s = seconds * rate
        return s >= 1 ? s : 1
    }

    public func forward(_ io: KernelIO) {
        let out = io.outputs[0]
        guard let st = io.state else { Lanes.fill(out, io.count, 0); return }
        let n = max(0, min(io.context.logicalCount, io.count))
        let gate = io.inputs[0], attack = io.inputs[1], decay = io.inputs[2], sustain = io.inputs[3], release = io.inputs[4]
        let rate = Float(io.context.sampleRate)
        let first = AudioMath.firstSample(io.context)
        var level = st.get(0, as: Float.self)
        var stage = Stage(rawValue: st.get(4, as: Int32.self)) ?? .idle
        var wasOn = st.get(8, as: Int32.self) != 0
        var releaseStep = st.get(12, as: Float.self)
        for j in 0..<n {
            if first + j < 0 { out[j] = level; continue }
            let on = gate[j] > 0
            if on && !wasOn { stage = .attack }
            if !on && wasOn {
                stage = .release
                releaseStep = level / Self.steps(release[j], rate)
            }
            wasOn = on
            switch stage {
            case .idle:
                level = 0
            case .attack:
                level += 1 / Self.steps(attack[j], rate)
                if level >= 1 { level = 1; stage = .decay }
            case .decay:
                let s = min(1, max(0, sustain[j]))
                level -= (1 - s) / Self.steps(decay[j], rate)
                if level <= s { level = s; stage = .sustain }
            case .sustain:
                level = min(1, max(0, sustain[j]))
            case .release:
                level -= releaseStep
                if level <= 0 { level = 0; stage = .idle }
            }
            out[j] = level
        }
        for j in n..<io.count { out[j] = level }
        if !level.isFinite { level = 0; stage = .idle }
        st.set(0, level); st.set(4, stage.rawValue); st.set(8, Int32(wasOn ? 1 : 0)); st.set(12, releaseStep)
    }
}
