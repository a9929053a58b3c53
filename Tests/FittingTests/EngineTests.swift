import DMMTestSupport
import DMMCore
import Fitting
import Testing

/// The fitting engine against the renderer (forward) and finite differences (backward).
@Suite struct EngineTests {
    static func engine(_ text: String, frames: Int, options: BackpropThroughTime.Options = .init(),
                       targetShift: Float = 0.05) throws -> BackpropThroughTime {
        let net = try TestPatches.network(text)
        let base = try BackpropThroughTime(network: net, targets: try blank(net, frames: frames), options: options)
        // Targets: the picture at slightly different weights, so the loss is smooth and non-zero.
        var rng = SplitMix(seed: 11)
        let w = base.initialWeights.map { $0 + targetShift * rng.uniform(-1, 1) }
        let targets = base.pictures(w)
        return try BackpropThroughTime(network: net, targets: targets, options: options)
    }

    static func blank(_ net: Network, frames: Int) throws -> FitTargets {
        let lanes = (net.timing.pixels + 15) / 16 * 16
        return try FitTargets(width: net.timing.width, height: net.timing.height, frames: frames,
                              planar: [Float](repeating: 0, count: frames * 3 * lanes))
    }

    @Test(arguments: [TestPatches.perPixel, TestPatches.spatial, TestPatches.frozenA])
    func forwardDrawsTheRenderersPicture(text: String) throws {
        let net = try TestPatches.network(text)
        let frames = 6
        let e = try BackpropThroughTime(network: net, targets: try Self.blank(net, frames: frames),
                                        options: .init(tileLanes: 32, segmentTicks: 2, workers: 2))
        let pictures = e.pictures(e.initialWeights)
        let theirs = try renderBytesWithPlan(net, frames: frames)
        let px = net.timing.pixels
        var mismatches = 0
        for f in 0..<frames {
            for p in 0..<px {
                for c in 0..<3 where pictureByte(pictures.values[(f * 3 + c) * pictures.lanes + p]) != theirs[(f * px + p) * 3 + c] {
                    mismatches += 1
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test(arguments: [TestPatches.perPixel, TestPatches.spatial, TestPatches.frozenA])
    func gradientMatchesFiniteDifferences(text: String) throws {
        let e = try Self.engine(text, frames: 5, options: .init(tileLanes: 48, segmentTicks: 3, workers: 2))
        let w = e.initialWeights
        let g = e.evaluate(w).gradient
        #expect(g.count == e.parameters.count && g.count > 10)
        var bad: [String] = []
        for p in e.parameters.indices {
            let h = 2e-3 * max(1, abs(w[p]))
            var a = w, b = w
            a[p] += h; b[p] -= h
            let num = (e.evaluate(a, gradient: false).loss - e.evaluate(b, gradient: false).loss) / Double(a[p] - b[p])
            if abs(num - g[p]) > 2e-5 + 2e-2 * abs(num) {
                bad.append("\(e.parameters[p].name(in: e.network)): analytic \(g[p]) numeric \(num)")
            }
        }
        #expect(bad.isEmpty, "\(bad.joined(separator: "\n"))")
    }

    @Test(arguments: [TestPatches.perPixel, TestPatches.spatial, TestPatches.frozenA])
    func checkpointingAndWorkersDoNotChangeTheResult(text: String) throws {
        var results: [BackpropThroughTime.Evaluation] = []
        for (seg, workers) in [(1, 1), (2, 2), (4, 1), (100, 2)] {
            let e = try Self.engine(text, frames: 5, options: .init(tileLanes: 32, segmentTicks: seg, workers: workers))
            results.append(e.evaluate(e.initialWeights))
        }
        for r in results.dropFirst() {
            #expect(r.loss == results[0].loss)
            #expect(r.gradient == results[0].gradient)
        }
    }
}
