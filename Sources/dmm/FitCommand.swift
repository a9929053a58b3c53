import ArgumentParser
import DMMCore
import Dispatch
import Fitting
import MediaIO
import PatchLanguage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `dmm fit`: gradient fitting of a patch's weights to target frames.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a patch's weights to target frames (Adam on exact gradients through time).",
        discussion: """
        Minimises the mean squared pixel error over all frames. Writes the fitted patch (same \
        layout and comments, new weights) and, beside it, NAME-sheet.png (targets above, fit \
        below), NAME-loss.png and NAME-loss.csv. Ctrl-C saves NAME-checkpoint.json and exits \
        130; --resume continues to the same weights an uninterrupted run reaches. A fit that \
        completes removes its checkpoint. \
        From scratch, try `dmm template cppn` with --restarts 4 --prune.
        """)

    @Argument(help: "The patch whose weights are fitted (.dmm).")
    var patch: String

    @Option(help: "Target frames: a folder of PNGs or a glob pattern ('frames/*.png').")
    var target: String?

    @Option(help: "Fit to this patch's outputs instead of frames (distillation: its picture for a student that draws, its sound for one that sounds, named tree/scalar outputs for tree patches).")
    var teacher: String?

    @Option(help: "With --teacher: text for every `text` neuron of both patches; repeat for a curriculum.")
    var input: [String] = []

    @Option(help: "With --teacher: ticks per input (default: every character plus two; half a second for a sound).")
    var ticks: Int?

    @Option(help: "With --teacher: the outputs compared, comma-separated (default: those both patches name; the sound for a sound student).")
    var outputs: String?

    @Option(help: "With --teacher and --prune (tree, scalar and sound students): the data loss the sparsified student must keep.")
    var targetLoss: Double = 0.002

    @Option(name: .shortAndLong, help: "Fitted patch to write (default PATCH-fitted.dmm).")
    var output: String?

    @Option(help: "Adam steps of the main fit.")
    var steps: Int = 1000

    @Option(help: "Adam learning rate.")
    var lr: Float = 0.01

    @Option(help: "Use only the first N target frames.")
    var frames: Int?

    @Flag(help: "Resample targets whose size differs from the patch's.")
    var resize = false

    @Option(help: "Independent starts tried in parallel (start 0: the patch's weights; the others frequency-aware).")
    var restarts: Int = 1

    @Option(help: "Steps each start gets before the best continues (default a quarter of --steps, at least 50).")
    var trialSteps: Int?

    @Option(help: "L1 penalty λ·Σ|w| (drives unneeded weights towards 0).")
    var l1: Float = 0

    @Flag(help: "After the fit, remove weights one at a time while the loss recovers.")
    var prune = false

    @Option(help: "Seed for the starts.")
    var seed: UInt64 = 0

    @Option(help: "Starting weights: auto, given or frequency.")
    var initialisation: String = "auto"

    @Flag(help: "Continue from the checkpoint beside the output.")
    var resume = false

    @Flag(name: .shortAndLong, help: "No progress output.")
    var quiet = false

    @Flag(help: "Print fit statistics as one JSON line on stdout.")
    var stats = false

    @Option(help: ArgumentHelp("Pixels per tile (tuning).", visibility: .hidden))
    var tileLanes: Int = 0

    @Option(help: ArgumentHelp("Trace bytes per worker before ticks are checkpointed and recomputed (tuning).", visibility: .hidden))
    var traceBudget: Int = BackpropThroughTime.Options().traceBudgetBytes

    /// Bounds on the loop counts: a step count past this is a typo, not a fit (and every
    /// restart holds its own copy of the weights and Adam moments).
    static let maxSteps = 100_000_000
    static let maxRestarts = 1024

    func validate() throws {
        guard (target == nil) != (teacher == nil) else { throw ValidationError("give either --target (frames) or --teacher (a patch)") }
        if teacher != nil { try validateTeacher() }
        guard (0...Self.maxSteps).contains(steps) else { throw ValidationError("--steps must be a whole number from 0 to \(Self.maxSteps), not '\(steps)'") }
        if let trialSteps, !(1...Self.maxSteps).contains(trialSteps) {
            throw ValidationError("--trial-steps must be a whole number from 1 to \(Self.maxSteps), not '\(trialSteps)'")
        }
        guard lr.isFinite, lr > 0 else { throw ValidationError("--lr must be a finite number above 0, not '\(lr)'") }
        guard (1...Self.maxRestarts).contains(restarts) else { throw ValidationError("--restarts must be a whole number from 1 to \(Self.maxRestarts), not '\(restarts)'") }
        guard l1.isFinite, l1 >= 0 else { throw ValidationError("--l1 must be a finite number ≥ 0, not '\(l1)'") }
        guard (0...(1 << 20)).contains(tileLanes) else { throw ValidationError("--tile-lanes must be 0 (automatic) to 1048576") }
        guard (1...(1 << 40)).contains(traceBudget) else { throw ValidationError("--trace-budget must be 1 to 2^40 bytes") }
        if let frames { try checkOption { try TimingLimits.check(frames, TimingLimits.frames, name: "--frames") } }
        guard FitOptions.Initialisation(rawValue: initialisation) != nil else {
            throw ValidationError("--initialisation must be auto, given or frequency")
        }
        if let output { try OutputPath.check(output, option: "--output", extensions: ["dmm"], what: "it writes a patch:") }
    }

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            let loaded = try PatchLoader.load(path: patch)
            let net = loaded.network
            let out = output ?? (patch.hasSuffix(".dmm") ? String(patch.dropLast(4)) : patch) + "-fitted.dmm"
            let stem = out.hasSuffix(".dmm") ? String(out.dropLast(4)) : out
            let targets: FitTargets
            if let teacher {
                // A student that draws is fitted to the teacher's rendered frames, below; others by the tree distiller.
                guard let t = try visualTeacherTargets(teacher, student: loaded) else { try runTeacher(teacher); return }
                targets = t
            } else {
                guard let target else { return }
                let paths = try FitTargets.paths(matching: target)
                targets = try FitTargets.load(paths: paths, size: (net.timing.width, net.timing.height), resize: resize,
                                              maxFrames: frames)
            }
            var o = FitOptions()
            o.steps = steps; o.learningRate = lr; o.restarts = restarts; o.trialSteps = trialSteps
            o.l1 = l1; o.prune = prune; o.seed = seed
            o.initialisation = FitOptions.Initialisation(rawValue: initialisation)!
            let checkpoint = Checkpoint.path(forOutput: out)
            let eo = BackpropThroughTime.Options(tileLanes: tileLanes, traceBudgetBytes: traceBudget)
            let trainer = resume
                ? try Trainer(resuming: try Checkpoint.load(from: checkpoint), network: net, targets: targets, options: o,
                              engineOptions: eo, checkpointName: checkpoint)
                : try Trainer(network: net, targets: targets, options: o, engineOptions: eo)

            let display = FitProgressDisplay(quiet: quiet, options: o, name: loaded.name)
            let started = ContinuousClock.now
            let cpu0 = processCPUSeconds()
            // Ctrl-C or SIGTERM: the loop polls the flag between steps and hands back its state,
            // which is saved as a checkpoint (a second signal stops at once).
            let outcome = SignalGuard.cooperating { trainer.run(shouldStop: { SignalGuard.stopRequested }, progress: { display.report($0) }) }
            display.finish()
            switch outcome {
            case .interrupted(let state):
                try Checkpoint.save(state, to: checkpoint)
                let step = state.runs.map(\.step).max() ?? 0
                FileHandleStderr.write("fit: interrupted at step \(step); checkpoint saved to \(checkpoint) (continue with --resume)\n")
                throw ExitCode(SignalGuard.exitCode)
            case .finished(let r):
                let seconds = Double((ContinuousClock.now - started).components.seconds)
                    + Double((ContinuousClock.now - started).components.attoseconds) * 1e-18
                let cpu = processCPUSeconds() - cpu0
                try writeOutputs(r, loaded: loaded, targets: targets, patchPath: out, stem: stem, options: o)
                // The fit is complete and written: a checkpoint left behind would only be stale
                // (it is kept on Ctrl-C, which is what --resume is for).
                Checkpoint.remove(checkpoint)
                if let warning = r.pruneWarning { FileHandleStderr.write("fit: warning: \(warning)\n") }
                if !quiet {
                    if r.startDescriptions.count > 1 {
                        FileHandleStderr.write("fit: start \(r.winner) won: \(r.startDescriptions[r.winner])\n")
                        for (i, l) in r.trialLosses.enumerated() {
                            FileHandleStderr.write("  start \(i): loss \(fmt(l)) (\(fmt(Trainer.psnr(l))) dB) after the trials\n")
                        }
                    }
                    FileHandleStderr.write("fit: loss \(fmt(r.loss)) (PSNR \(fmt(r.psnr)) dB) after \(r.steps) steps; \(r.activeWeights) of \(r.initialWeights) weights\(prune ? " (\(r.prunedKept) cut, \(r.prunedUndone) cuts undone)" : "")\n")
                    FileHandleStderr.write("wrote \(out), \(stem)-sheet.png, \(stem)-loss.png, \(stem)-loss.csv\n")
                }
                if stats {
                    let ms = r.steps > 0 ? seconds * 1000 / Double(r.steps) : 0
                    print("{\"steps\": \(r.steps), \"loss\": \(r.loss), \"psnr\": \(r.psnr), \"weights\": \(r.activeWeights), \"winner\": \(r.winner), \"seconds\": \(seconds), \"cpu_seconds\": \(cpu), \"ms_per_step\": \(ms), \"losses_at\": {\(lossesAt(r.losses))}}")
                }
            }
        } catch let e as ValidationError {
            throw e
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }

    func writeOutputs(_ r: FitResult, loaded: LoadedPatch, targets: FitTargets, patchPath: String, stem: String,
                      options o: FitOptions) throws {
        let doc = loaded.document.updatingWeights(from: r.network)
        try AtomicFile.write(Array(PatchPrinter.format(doc).utf8), to: patchPath)
        // Contact sheet: up to six frames, targets above, fit below.
        let n = min(6, r.pictures.frames)
        let picks = (0..<n).map { n > 1 ? $0 * (r.pictures.frames - 1) / (n - 1) : 0 }
        let images = picks.map { targets.image(frame: $0) } + picks.map { r.pictures.image(frame: $0) }
        let sheet = ContactSheet.make(images: images, columns: n, thumbWidth: min(targets.width, 160))
        try PNGCodec.write(sheet, to: stem + "-sheet.png")
        let chart = ContactSheet.lineChart(values: r.losses.isEmpty ? [Float(r.loss)] : r.losses, width: 640, height: 240, logScale: true)
        try PNGCodec.write(chart, to: stem + "-loss.png")
        var csv = "step,phase,loss,psnr_db,weights\n"
        let trial = r.startDescriptions.count > 1 ? o.resolvedTrialSteps : 0
        for (i, l) in r.losses.enumerated() {
            let step = i + 1
            let phase = step <= trial ? "trial" : (step <= o.steps ? "main" : "prune")
            csv += "\(step),\(phase),\(l),\(fmt(Trainer.psnr(Double(l)))),\(i < r.counts.count ? r.counts[i] : r.activeWeights)\n"
        }
        try AtomicFile.write(Array(csv.utf8), to: stem + "-loss.csv")
    }

    func lossesAt(_ l: [Float]) -> String {
        Array(Set([1, 10, 50, 100, 200, 250, 300, 500, 1000, 2000, l.count])).sorted().filter { $0 >= 1 && $0 <= l.count }
            .map { "\"\($0)\": \(l[$0 - 1])" }.joined(separator: ", ")
    }
}

/// Four significant digits, for messages.
func fmt(_ x: Double) -> String {
    guard x.isFinite else { return "\(x)" }
    if x != 0 && (abs(x) < 1e-3 || abs(x) >= 1e5) {
        var e = 0, m = abs(x)
        while m >= 10 { m /= 10; e += 1 }
        while m < 1 { m *= 10; e -= 1 }
        return (x < 0 ? "-" : "") + String(Double(Int(m * 1000 + 0.5)) / 1000) + "e\(e)"
    }
    // Four significant digits: 0.001517, 0.05312, 12.35 (two fixed decimals showed 0.0015 as 0.0).
    var digits = 3, m = abs(x)
    while m >= 10 && digits > 0 { m /= 10; digits -= 1 }
    while m < 1 && m > 0 { m *= 10; digits += 1 }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return String(Double((x * scale).rounded()) / scale)
}

/// CPU seconds of this process (user + system), for benchmark figures.
func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
}

/// Progress bars for the phases of a fit (trials: all starts together; main; pruning).
final class FitProgressDisplay: Sendable {
    let quiet: Bool
    let options: FitOptions
    let name: String
    let trialsDone = Atomic<Int>(0)
    let bars: Mutex<[String: ProgressReporter]> = Mutex([:])

    init(quiet: Bool, options: FitOptions, name: String) { self.quiet = quiet; self.options = options; self.name = name }

    func report(_ p: Trainer.Progress) {
        guard !quiet else { return }
        let extra = "loss \(fmt(p.loss)) \(fmt(p.psnr)) dB"
        switch p.phase {
        case .trials:
            let done = trialsDone.add(1, ordering: .relaxed).newValue
            bar("trials", total: options.resolvedTrialSteps * options.restarts, label: "fit \(name): \(options.restarts) starts")
                .update(completed: done, extra: extra)
        case .main:
            closeBar("trials")
            bar("main", total: options.steps, label: "fit \(name)").update(completed: p.step, extra: extra)
        case .prune:
            closeBar("main")
            bar("prune", total: 0, label: "prune \(name)").update(completed: p.step, extra: "\(p.activeWeights) weights " + extra)
        case .done: break
        }
    }

    func bar(_ key: String, total: Int, label: String) -> ProgressReporter {
        bars.withLock { b in
            if let r = b[key] { return r }
            let r = ProgressReporter(total: total, label: label, unit: "steps")
            b[key] = r
            return r
        }
    }

    func closeBar(_ key: String) { bars.withLock { $0[key] }?.finish() }

    func finish() { for k in ["trials", "main", "prune"] { closeBar(k) } }
}
