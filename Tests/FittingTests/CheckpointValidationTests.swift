import DMMCore
import Fitting
import Testing

/// A checkpoint is validated whole before a resume uses any of it: each corruption of a real
/// checkpoint (in every phase's shape) is a `FitError` naming the file and the field, never a
/// trap, and the uncorrupted state still resumes.
@Suite struct CheckpointValidationTests {
    struct Setup {
        let net: Network
        let targets: FitTargets
        let options: FitOptions
        let saved: FitState
    }

    /// A fit with two starts and pruning, stopped two steps into the main phase (the trials
    /// poll exactly 5 times per start, so the stop is deterministic).
    static func setup(prune: Bool = true) throws -> Setup {
        let net = try TestPatches.network(TestPatches.small)
        let targets = try renderTargets(net, frames: 2)
        var o = FitOptions()
        o.steps = 20; o.restarts = 2; o.trialSteps = 5; o.prune = prune
        let t = try Trainer(network: net, targets: targets, options: o)
        let counter = StepCounter()
        guard case .interrupted(let s) = t.run(shouldStop: { counter.next() > 12 }) else { throw FitError("not interrupted") }
        return Setup(net: net, targets: targets, options: o, saved: s)
    }

    func refusal(_ s: Setup, _ corrupt: (inout FitState) -> Void) -> String? {
        var state = s.saved
        corrupt(&state)
        do {
            _ = try Trainer(resuming: state, network: s.net, targets: s.targets, options: s.options, checkpointName: "c.json")
            return nil
        } catch { return error.message }
    }

    @Test func eachCorruptionIsRefusedByName() throws {
        let s = try Self.setup()
        #expect(s.saved.phase == .main && s.saved.runs.count == 1 && s.saved.runs[0].step == 7)
        let n = s.saved.parameters.count
        let prefix = "c.json: not a checkpoint of this fit: "
        let cases: [(String, (inout FitState) -> Void)] = [
            ("it lists \(n + 1) parameters but the patch has \(n) trainable weights", { $0.parameters.append($0.parameters[0]) }),
            ("it lists \(n - 1) parameters but the patch has \(n) trainable weights", { $0.parameters.removeLast() }),
            ("parameters[0] is", { $0.parameters[0].inputNeuron = 99 }),
            ("runs[0].weights has \(n - 1) entries for \(n) parameters", { $0.runs[0].weights.removeLast() }),
            ("runs[0].active has \(n + 1) entries for \(n) parameters", { $0.runs[0].active.append(true) }),
            ("runs[0].adam.m has 0 entries for \(n) parameters", { $0.runs[0].adam.m = [] }),
            ("runs[0].adam.v has \(n - 1) entries for \(n) parameters", { $0.runs[0].adam.v.removeLast() }),
            ("winner 99 is not one of the 2 starts (0 to 1)", { $0.winner = 99 }),
            ("winner -1 is not one of the 2 starts (0 to 1)", { $0.winner = -1 }),
            ("runs[0].step is -5, below 0", { $0.runs[0].step = -5 }),
            ("runs[0].adam.step is -1, below 0", { $0.runs[0].adam.step = -1 }),
            ("runs[0].weights[2] is nan, not finite", { $0.runs[0].weights[2] = .nan }),
            ("runs[0].weights[0] is inf, not finite", { $0.runs[0].weights[0] = .infinity }),
            ("runs[0].adam.v[1] is -1.0, not a finite value ≥ 0", { $0.runs[0].adam.v[1] = -1 }),
            ("runs[0].adam.m[0] is nan, not finite", { $0.runs[0].adam.m[0] = .nan }),
            ("phase trials needs 2 runs, it has 1", { $0.phase = .trials }),
            ("phase main needs 1 runs, it has 2", { $0.runs.append($0.runs[0]) }),
            ("it describes 3 starts but the fit has 2", { $0.startDescriptions.append("x") }),
            ("it has 1 trial losses for 2 starts", { $0.trialLosses = [0.5] }),
            ("trialLosses[1] is nan", { $0.trialLosses = [0.5, .nan] }),
            ("format 2 (this dmm writes format 1)", { $0.format = 2 }),
            ("runs[0] took", { $0.runs[0].losses.removeLast() }),
            ("runs[0].adam.learningRate is 0.5 but the fit's is 0.01", { $0.runs[0].adam.learningRate = 0.5 }),
            ("runs[0].adam has beta1 1.0", { $0.runs[0].adam.beta1 = 1 }),
            ("runs[0].counts[0] is", { $0.runs[0].counts[0] = n + 1 }),
        ]
        for (want, corrupt) in cases {
            let got = refusal(s, corrupt)
            #expect(got?.hasPrefix(prefix + want) == true, "want '\(want)', got \(got ?? "accepted")")
        }
        #expect(refusal(s, { _ in }) == nil, "the uncorrupted checkpoint resumes")
    }

    /// The pruner's indices and counts, in a checkpoint taken while pruning.
    @Test func prunerStateIsChecked() throws {
        let net = try TestPatches.network(TestPatches.small)
        let targets = try renderTargets(net, frames: 2)
        var o = FitOptions()
        o.steps = 4; o.prune = true
        o.pruneSchedule.maxRecoverySteps = 5; o.pruneSchedule.polishSteps = 5
        let t = try Trainer(network: net, targets: targets, options: o)
        let counter = StepCounter()
        guard case .interrupted(let saved) = t.run(shouldStop: { counter.next() > 7 }) else { Issue.record("ran to the end"); return }
        try #require(saved.phase == .prune && saved.pruner != nil)
        let s = Setup(net: net, targets: targets, options: o, saved: saved)
        let n = saved.parameters.count
        let prefix = "c.json: not a checkpoint of this fit: "
        let cases: [(String, (inout FitState) -> Void)] = [
            ("pruner.trying is \(n), not a parameter index", { $0.pruner!.trying = n }),
            ("pruner.protected holds -3, not a parameter index", { $0.pruner!.protected = [0, -3] }),
            ("pruner.best.weights has 1 entries", { $0.pruner!.best.weights = [1] }),
            ("pruner.baseline is nan", { $0.pruner!.baseline = .nan }),
            ("pruner.polishLeft is -2, below 0", { $0.pruner!.polishLeft = -2 }),
        ]
        for (want, corrupt) in cases {
            let got = refusal(s, corrupt)
            #expect(got?.hasPrefix(prefix + want) == true, "want '\(want)', got \(got ?? "accepted")")
        }
        var noPrune = o
        noPrune.prune = false
        #expect(throws: FitError.self) { try Trainer(resuming: saved, network: net, targets: targets, options: noPrune) }
        #expect(refusal(s, { _ in }) == nil)
    }
}
