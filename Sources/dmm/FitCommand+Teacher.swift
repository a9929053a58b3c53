import ArgumentParser
import DMMCore
import Fitting
import MediaIO
import PatchLanguage

/// `dmm fit STUDENT --teacher TEACHER`: distillation of one patch into another (tree patches).
extension Fit {
    func validateTeacher() throws {
        if let ticks { try checkOption { try TimingLimits.check(ticks, TimingLimits.frames, name: "--ticks") } }
        for t in input where t.count > TextInput.maxLength { throw ValidationError("--input must be at most \(TextInput.maxLength) characters") }
        guard input.count <= 64 else { throw ValidationError("--input may be given at most 64 times") }
        guard targetLoss.isFinite, targetLoss > 0 else { throw ValidationError("--target-loss must be a finite number above 0, not '\(targetLoss)'") }
    }

    /// Ticks that show every character of every `text` neuron and two more periods.
    static func defaultTicks(_ net: Network) -> Int {
        var t = 1
        for n in net.neurons { if let k = n.kind as? TextInput { t = max(t, k.every * (k.characters.count + 2)) } }
        return min(t, TimingLimits.frames.upperBound)
    }

    func runTeacher(_ teacherPath: String) throws {
        let loaded = try PatchLoader.load(path: patch)
        let teacherNet = try PatchLoader.load(path: teacherPath).network
        if try loaded.network.domains().contains(.signal) {
            try runSoundTeacher(teacherPath, loaded: loaded, teacher: teacherNet)
            return
        }
        // Names compared: --outputs, or every output both patches name (but `one`).
        let names: String
        if let outputs { names = outputs } else {
            let common = try NamedOutputs.resolve(nil, in: loaded.network).map(\.name)
                .filter { n in teacherNet.output(String(n.split(separator: ".")[0]), n.contains(".") ? String(n.split(separator: ".", maxSplits: 1)[1]) : nil) != nil }
            guard !common.isEmpty else { throw NamedOutputs.Problem(description: "the student and the teacher name no common output: give --outputs") }
            names = common.joined(separator: ",")
        }
        // Scalar kinds may read time (`clock`): a student must tick as fast as its teacher.
        // Pure tree patches (the text input counts characters in ticks) do not depend on it.
        let sTick = loaded.network.timing.secondsPerTick, tTick = teacherNet.timing.secondsPerTick
        let timeFree = { (n: Network) in n.neurons.dropFirst().allSatisfy { $0.kind is any TreeKind } }
        if sTick != tTick, !(timeFree(loaded.network) && timeFree(teacherNet)) {
            throw FitError("the student \(patch) ticks every \(sTick) s and the teacher \(teacherPath) every \(tTick) s: give both the same fps (or rate and block)")
        }
        var engines: [TreeBackprop] = []
        var studentOutputs: [PortRef] = []
        for text in input.isEmpty ? [nil] : input.map(Optional.some) {
            var student = loaded.network, teacher = teacherNet
            if let text {
                try TextInput.replaceInput(in: &student, with: text)
                try TextInput.replaceInput(in: &teacher, with: text)
            }
            let n = ticks ?? max(Self.defaultTicks(student), Self.defaultTicks(teacher))
            let so = try NamedOutputs.resolve(names, in: student)
            let to = try NamedOutputs.resolve(names, in: teacher)
            let plan = try TickPlan(network: teacher)
            var targets: [[VValue]] = []
            targets.reserveCapacity(n)
            for _ in 0..<n {
                plan.tick()
                targets.append(to.map { o in
                    plan.outputKind(neuron: o.ref.neuron, port: o.ref.port) == .scalar
                        ? VValue(Double(plan.scalarOutput(neuron: o.ref.neuron, port: o.ref.port)))
                        : plan.treeOutput(neuron: o.ref.neuron, port: o.ref.port)
                })
            }
            engines.append(try TreeBackprop(student: student, outputs: so.map(\.ref), targets: targets))
            studentOutputs = so.map(\.ref)
        }
        try distil(loaded, teacherPath: teacherPath, outputs: studentOutputs, engines: engines)
    }

    /// Adam, L1, the λ ramp and pruning over `engines` (one per training input), with
    /// checkpoints and progress; writes the fitted patch and its loss curve. The part of
    /// `dmm fit --teacher` common to every kind of student.
    func distil(_ loaded: LoadedPatch, teacherPath: String, outputs studentOutputs: [PortRef], engines: [any DistillEngine],
                report: ((DistillResult) throws -> String?)? = nil) throws {
        let out = output ?? (patch.hasSuffix(".dmm") ? String(patch.dropLast(4)) : patch) + "-fitted.dmm"
        let stem = out.hasSuffix(".dmm") ? String(out.dropLast(4)) : out
        var o = DistillOptions()
        o.steps = steps; o.learningRate = lr; o.restarts = restarts; o.trialSteps = trialSteps
        o.l1 = l1; o.prune = prune; o.seed = seed; o.targetLoss = targetLoss
        let checkpoint = Checkpoint.path(forOutput: out)
        let distiller = resume
            ? try Distiller(resuming: try DistillCheckpoint.load(from: checkpoint), student: loaded.network, outputs: studentOutputs,
                            engines: engines, options: o, name: checkpoint)
            : try Distiller(student: loaded.network, outputs: studentOutputs, engines: engines, options: o)
        let bar = quiet ? nil : ProgressReporter(total: 0, label: "fit \(loaded.name) to \(teacherPath)", unit: "steps")
        let started = ContinuousClock.now
        let outcome = SignalGuard.cooperating {
            distiller.run(shouldStop: { SignalGuard.stopRequested }, progress: { p in
                bar?.update(completed: p.step, extra: "\(p.phase.rawValue) loss \(fmt(p.loss)) \(p.activeWeights) weights λ \(fmt(Double(p.lambda)))")
            })
        }
        bar?.finish()
        switch outcome {
        case .interrupted(let state):
            try DistillCheckpoint.save(state, to: checkpoint)
            let step = state.runs.map(\.step).max() ?? 0
            FileHandleStderr.write("fit: interrupted at step \(step); checkpoint saved to \(checkpoint) (continue with --resume)\n")
            throw ExitCode(SignalGuard.exitCode)
        case .finished(let r):
            guard r.loss.isFinite else {
                Checkpoint.remove(checkpoint)
                throw FitError("the fit diverged: its loss is not finite after \(r.steps) steps; nothing written (try a smaller --lr)")
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let doc = loaded.document.updatingWeights(from: r.network)
            try AtomicFile.write(Array(PatchPrinter.format(doc).utf8), to: out)
            var csv = "step,loss,weights\n"
            for (i, l) in r.losses.enumerated() { csv += "\(i + 1),\(l),\(i < r.counts.count ? r.counts[i] : r.activeWeights)\n" }
            try AtomicFile.write(Array(csv.utf8), to: stem + "-loss.csv")
            Checkpoint.remove(checkpoint)
            if !quiet {
                let per = r.inputLosses.count > 1 ? " (per input: " + r.inputLosses.map { fmt($0) }.joined(separator: ", ") + ")" : ""
                FileHandleStderr.write("fit: loss \(fmt(r.loss))\(per) after \(r.steps) steps; \(r.activeWeights) of \(r.initialWeights) weights\n")
                FileHandleStderr.write("wrote \(out), \(stem)-loss.csv\n")
            }
            if let report, let line = try report(r), !quiet { FileHandleStderr.write(line + "\n") }
            if stats {
                let ms = r.steps > 0 ? seconds * 1000 / Double(r.steps) : 0
                print("{\"steps\": \(r.steps), \"loss\": \(r.loss), \"input_losses\": [\(r.inputLosses.map { "\($0)" }.joined(separator: ", "))], \"weights\": \(r.activeWeights), \"initial_weights\": \(r.initialWeights), \"winner\": \(r.winner), \"seconds\": \(seconds), \"ms_per_step\": \(ms)}")
            }
        }
    }
}
