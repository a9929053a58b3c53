import DMMCore
import Fitting
import PatchLanguage
import Testing

/// Fitting from scratch: an over-complete template, several starts, pruning.
@Suite struct SynthesisTests {
    @Test func templatePrunesToTheTargetsStructure() throws {
        let truth = try TestPatches.network(TestPatches.small)     // 3 neurons, 10 weights
        let targets = try renderTargets(truth, frames: 8)
        let template = try CPPNTemplate.make(neurons: 16, width: 32, height: 32, fps: 30, frames: 8, seed: 1)
        #expect(template.matrix.count > 150)
        var o = FitOptions()
        o.steps = 1500; o.restarts = 4; o.prune = true; o.seed = 1
        let trainer = try Trainer(network: template, targets: targets, options: o)
        guard case .finished(let r) = trainer.run() else { Issue.record("interrupted"); return }
        let text = PatchPrinter.print(network: r.network)
        print("synthesis: start \(r.winner) won (\(r.startDescriptions[r.winner])); \(r.initialWeights) → \(r.activeWeights) weights, PSNR \(r.psnr) dB\n\(text)")
        #expect(r.activeWeights <= 12)
        #expect(r.psnr >= 35)
        #expect(r.trialLosses.count == 4)
        // The printed patch reads back as the same network.
        let back = try TestPatches.network(text)
        #expect(back.matrix.count == r.network.matrix.count)
    }
}
