import DMMCore
import Fitting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Fitting end to end through the library API.
@Suite struct FitTests {
    /// Weights of `net` perturbed by N(0, σ²), deterministic.
    static func perturbed(_ net: Network, sigma: Double, seed: UInt64) -> Network {
        var n = net
        var rng = RandomSource(seed: seed)
        for e in net.matrix.entries where !e.entry.frozen && e.output.neuron >= 0 {
            n.matrix.set(e.input, e.output, e.entry.weight + Float(sigma * rng.normal()))
        }
        return n
    }

    @Test func recoversPerturbedWeightsTo40dB() throws {
        let truth = try TestPatches.network(TestPatches.known)
        let targets = try renderTargets(truth, frames: 8)
        let start = Self.perturbed(truth, sigma: 0.3, seed: 3)
        var o = FitOptions()
        o.steps = 500
        let trainer = try Trainer(network: start, targets: targets, options: o)
        guard case .finished(let r) = trainer.run() else { Issue.record("interrupted"); return }
        let startLoss = Double(r.losses.first ?? 0)
        print("recovery: loss \(startLoss) → \(r.loss), PSNR \(Trainer.psnr(startLoss)) → \(r.psnr) dB in \(r.steps) steps")
        #expect(r.psnr >= 40)
    }
}

extension FitTests {
    /// Stopping after k steps, saving, loading and resuming ends at the weights of an
    /// uninterrupted run, bit for bit, in every phase (trials, main, pruning).
    @Test(arguments: [0.02, 0.3, 0.6, 0.95])
    func resumeEndsAtTheSameWeights(stopFraction: Double) throws {
        let truth = try TestPatches.network(TestPatches.small)
        let targets = try renderTargets(truth, frames: 4)
        let start = try CPPNTemplate.make(neurons: 4, width: 32, height: 32, fps: 30, frames: 4, seed: 2)
        var o = FitOptions()
        o.steps = 120; o.restarts = 2; o.trialSteps = 30; o.prune = true; o.seed = 5
        o.pruneSchedule.maxRecoverySteps = 20; o.pruneSchedule.polishSteps = 20
        let whole = try Trainer(network: start, targets: targets, options: o)
        let polls = StepCounter()
        guard case .finished(let a) = whole.run(shouldStop: { _ = polls.next(); return false }) else { Issue.record("interrupted"); return }
        let stopAfter = Int(Double(polls.next()) * stopFraction)

        let counter = StepCounter()
        let first = try Trainer(network: start, targets: targets, options: o)
        let outcome = first.run(shouldStop: { counter.next() > stopAfter })
        guard case .interrupted(let saved) = outcome else { Issue.record("not interrupted at \(stopAfter)"); return }
        let bytes = try Checkpoint.encode(saved)
        let loaded = try Checkpoint.decode(bytes)
        #expect(loaded == saved)
        let second = try Trainer(resuming: loaded, network: start, targets: targets, options: o)
        guard case .finished(let b) = second.run() else { Issue.record("interrupted"); return }
        #expect(a.network.matrix == b.network.matrix)
        #expect(a.losses == b.losses)
        #expect(a.winner == b.winner)
    }

    @Test func resumeRefusesOtherOptions() throws {
        let truth = try TestPatches.network(TestPatches.small)
        let targets = try renderTargets(truth, frames: 2)
        var o = FitOptions()
        o.steps = 5
        let t = try Trainer(network: truth, targets: targets, options: o)
        guard case .interrupted(let s) = t.run(shouldStop: { true }) else { Issue.record("ran"); return }
        var other = o
        other.learningRate = 0.1
        #expect(throws: FitError.self) { try Trainer(resuming: s, network: truth, targets: targets, options: other) }
    }

    @Test func targetsOfAnotherSizeAreAClearError() throws {
        let net = try TestPatches.network(TestPatches.small)
        let other = try FitTargets(width: 8, height: 8, frames: 1, planar: [Float](repeating: 0, count: 3 * 64))
        #expect(throws: FitError.self) { try BackpropThroughTime(network: net, targets: other) }
        #expect(other.resized(width: 32, height: 32).width == 32)
    }
}

/// Counts calls from any thread (the trials poll `shouldStop` in parallel).
final class StepCounter: @unchecked Sendable {
    private var n = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    func next() -> Int { pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }; n += 1; return n }
}
