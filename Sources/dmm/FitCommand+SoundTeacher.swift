import DMMCore
import Fitting
import PatchLanguage

/// `dmm fit STUDENT --teacher TEACHER` when the student sounds: its sound (or the signal outputs
/// named with `--outputs`) is fitted to the teacher's render by `SignalBackprop`, through the
/// same Adam, L1, λ ramp and pruning as every other distillation.
extension Fit {
    /// Ticks compared when `--ticks` is not given: half a second of sound.
    static func defaultSoundTicks(_ t: Timing) -> Int {
        let perTick = max(1e-9, t.secondsPerTick)
        return max(1, min(TimingLimits.frames.upperBound, Int((0.5 / perTick).rounded(.up))))
    }

    func runSoundTeacher(_ teacherPath: String, loaded: LoadedPatch, teacher: Network) throws {
        let net = loaded.network
        guard input.isEmpty else {
            throw FitError("--input feeds the text neurons of tree students; the sound student \(patch) is compared on its sound")
        }
        let n = ticks ?? Self.defaultSoundTicks(net.timing)
        var pairs: [(student: PortRef, teacher: PortRef)]?
        let lossOutputs: [PortRef]
        // `--outputs out` naming the audio.out neuron means the sound, the default.
        let soundName = net.neurons.first { $0.kind.traits.contains(.audioOut) }?.name
        let named = outputs.flatMap { Substring($0).trimmingCharacters(in: " ") == soundName ? nil : $0 }
        if let outputs = named {
            let so = try NamedOutputs.resolve(outputs, in: net), to = try NamedOutputs.resolve(outputs, in: teacher)
            pairs = zip(so, to).map { (student: $0.ref, teacher: $1.ref) }
            lossOutputs = so.map(\.ref)
        } else {
            guard let a = net.neurons.firstIndex(where: { $0.kind.traits.contains(.audioOut) }) else {
                throw FitError("the student \(patch) has no audio.out: name the signal outputs compared (--outputs)")
            }
            guard teacher.hasAudio else {
                throw FitError("the teacher \(teacherPath) has no audio.out: name the signal outputs compared (--outputs)")
            }
            lossOutputs = [PortRef(a, 0)]
        }
        let samples = Double(n) * Double(net.timing.samplesPerTick)
        guard samples <= 48_000 * 60 else {
            throw FitError("--ticks \(n) compares \(Int(samples)) samples; audio distillation takes at most 2,880,000 (a minute at 48 kHz)")
        }
        let engine = try SignalBackprop(student: net, teacher: teacher, outputs: pairs, ticks: n)
        if !quiet, !engine.heldFixed.isEmpty {
            let shown = engine.heldFixed.prefix(6).map { f in
                "\(net.name(ofInput: f.weight.input)) ← \(net.name(ofOutput: f.weight.output)) (\(f.reason))"
            }
            let more = engine.heldFixed.count > 6 ? "; and \(engine.heldFixed.count - 6) more" : ""
            FileHandleStderr.write("fit: \(engine.heldFixed.count) weights stay as they are: \(shown.joined(separator: "; "))\(more)\n")
        }
        try distil(loaded, teacherPath: teacherPath, outputs: lossOutputs, engines: [engine]) { r in
            guard let heard = engine.renderedLoss(of: r.network) else { return nil }
            return "fit: the fitted patch rendered as dmm synth renders it: loss \(fmt(heard)) against the teacher over \(n) ticks"
        }
    }
}
