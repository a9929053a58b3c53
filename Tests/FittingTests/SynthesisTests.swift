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
        // The truth has 12 weights (two sins with a = 1 and three x terms each, four output
        // terms). Cutting `a` means a = 0 (a pruned weight is 0 everywhere), so a survives; a
        // sign flip may cost one more weight, b = ±π.
        #expect(r.activeWeights <= 13)
        #expect(r.psnr >= 35)
        // The structure is the truth's: two sin neurons whose effective frequency vectors
        // a·(w_x, w_y, w_t·rate) are the truth's, up to sign, one each.
        let sins = r.network.neurons.indices.filter { r.network.neurons[$0].kindName == "sin" }
        #expect(sins.count == 2)
        let net = r.network
        let rate = (net.neurons.first { $0.kindName == "clock" }?.kind.config["rate"]?.number) ?? 1
        func w(_ n: Int, _ input: String, _ src: String) -> Double {
            guard let row = net.input(net.neurons[n].name, input), let o = net.output(src) else { return 0 }
            return Double(net.matrix[row, o])
        }
        let truths: [[Double]] = [[3, 1.5, 6], [1, -2.5, -4]]
        var matched = Set<Int>()
        for n in sins {
            let a = w(n, "a", "one")
            let v = [a * w(n, "x", "x"), a * w(n, "x", "y"), a * w(n, "x", "t") * rate]
            let hit = truths.indices.first { k in
                [1.0, -1.0].contains { sg in zip(v, truths[k]).allSatisfy { abs($0 * sg - $1) <= 0.02 * max(1, abs($1)) } }
            }
            #expect(hit != nil, "sin \(net.neurons[n].name): effective frequencies \(v) match neither of the truth's \(truths)")
            if let hit { matched.insert(hit) }
        }
        #expect(matched.count == 2)
        #expect(r.trialLosses.count == 4)
        // The printed patch reads back as the same network.
        let back = try TestPatches.network(text)
        #expect(back.matrix.count == r.network.matrix.count)
    }
}
