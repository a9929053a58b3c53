import DMMCore
import Export
import Fitting
import Foundation
import PatchLanguage
import Testing

/// `dmm export` and `dmm import` without JAX: what is refused and why, the weight names, and
/// weights written back exactly.
struct ExportCommandTests {
    /// Every patch in patches/: those that draw with covered kinds export; the others are
    /// refused with one line naming the neuron (audio, Self) or saying nothing is drawn.
    @Test func patchesExportOrAreRefusedNamingTheNeuron() throws {
        let dir = Proc.tempDir()
        let expected: [String: String?] = [
            "plasma.dmm": nil,
            "rewire.dmm": "neuron 'W' (self)",
            "av-pulse.dmm": "neuron 'lfo' (lf.tri)",
            "drone.dmm": "draws nothing", "fm-bell.dmm": "draws nothing", "saw-pad.dmm": "draws nothing",
        ]
        let files = try FileManager.default.contentsOfDirectory(atPath: Proc.repoRoot + "/patches").filter { $0.hasSuffix(".dmm") }
        #expect(Set(files).isSuperset(of: expected.keys))
        for f in files.sorted() {
            let r = try Proc.dmm(["export", Proc.repoRoot + "/patches/" + f, "--jax", "-o", "\(f).py"], cwd: dir)
            guard let want = expected[f] else {
                // A patch added later: either it exports or the refusal names a neuron or says it draws nothing.
                #expect(r.status == 0 || r.stderr.contains("neuron '") || r.stderr.contains("draws nothing"), "\(f): \(r)")
                continue
            }
            if let want {
                #expect(r.status == 1, "\(f) should be refused: \(r)")
                #expect(r.stderr.contains(want) && r.stderr.contains(f), "\(f): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
                if want.hasPrefix("neuron") {
                    // At the neuron's declaration: file:line:col of its kind.
                    #expect(r.stderr.contains(try Regex("\(f):[0-9]+:[0-9]+: error: neuron")), "\(f): \(r.stderr)")
                }
                #expect(!FileManager.default.fileExists(atPath: dir + "/\(f).py"))
            } else {
                #expect(r.status == 0, "\(f): \(r)")
                let text = try String(contentsOfFile: dir + "/\(f).py", encoding: .utf8)
                #expect(text.contains("def tick(w, y, now, lanes):") && text.contains("\"s2.b <- s1\": 0.25,"))
            }
        }
        let noFormat = try Proc.dmm(["export", Proc.repoRoot + "/patches/plasma.dmm", "-o", "x.py"], cwd: dir)
        #expect(noFormat.status != 0 && noFormat.stderr.contains("--jax"), "\(noFormat)")
        let badExt = try Proc.dmm(["export", Proc.repoRoot + "/patches/plasma.dmm", "--jax", "-o", "x.txt"], cwd: dir)
        #expect(badExt.status != 0 && badExt.stderr.contains(".py"), "\(badExt)")
    }

    /// `params()` is exactly what `dmm fit` trains, in its order; frozen weights and the
    /// accumulator's implicit loop are not in it.
    @Test func trainableWeightsAreTheFittersParameters() throws {
        let texts = ExportFixtures.generated(1...14).map(\.text) + [ExportFixtures.feedbackHSV, """
        size 16x16
        frames 2
        x: coord.x
        y: coord.y
        s: sin
        out: rgb
        s.x = 3 x + 2! y
        out.r = s
        out.g = 0.5! s
        out.b = -s
        """]
        for text in texts {
            let net = try PatchBuilder.build(try PatchParser.parse(text, file: "t.dmm"))
            let t = net.timing
            let targets = try FitTargets(width: t.width, height: t.height, frames: 1,
                                         planar: [Float](repeating: 0, count: 3 * ((t.width * t.height + 15) / 16 * 16)))
            let engine = try BackpropThroughTime(network: net, targets: targets)
            let fitter = engine.parameters.map { WeightName.of(input: $0.input, output: $0.output, in: net) }
            let ours = WeightName.trainable(net, domains: try net.domains()).map { WeightName.of(input: $0.input, output: $0.output, in: net) }
            #expect(ours == fitter, "\(text.prefix(40))")
            #expect(Set(fitter).count == fitter.count)
        }
    }

    /// Weights written by name come back bit for bit from the written patch; its comments and
    /// layout stay; unknown, frozen, missing and out-of-range names are one-line errors.
    @Test func importWritesWeightsExactlyAndRefusesOtherPatches() throws {
        let dir = Proc.tempDir()
        let patch = """
        # a comment that must survive
        size 16x8
        frames 2
        x: coord.x
        y: coord.y
        t: clock
        s: sin   # the only sine
        out: rgb
        s.a = 2
        s.x = 3 x + 2! y
        s.b = t
        out.r = s
        out.g = 0.5 s
        out.b = -s + 0.25
        """
        try Proc.write(patch, to: dir + "/p.dmm")
        let net = try PatchBuilder.build(try PatchParser.parse(patch, file: "p.dmm"))
        let names = WeightName.trainable(net, domains: try net.domains()).map { WeightName.of(input: $0.input, output: $0.output, in: net) }
        #expect(names.contains("s.x <- x") && names.contains("out.b <- one") && !names.contains("s.x <- y"))
        var values: [String: Double] = [:]
        for (k, n) in names.enumerated() { values[n] = Double(Float(0.1 * Double(k + 1) + 1.0 / 3.0)) }
        func writeWeights(_ v: [String: Any], _ file: String) throws {
            try JSONSerialization.data(withJSONObject: ["format": "dmm-weights", "weights": v]).write(to: URL(fileURLWithPath: dir + "/" + file))
        }
        try writeWeights(values, "w.json")
        let r = try Proc.dmm(["import", "p.dmm", "--weights", "w.json", "-o", "out.dmm"], cwd: dir)
        try #require(r.status == 0, "\(r)")
        let text = try String(contentsOfFile: dir + "/out.dmm", encoding: .utf8)
        #expect(text.hasPrefix("# a comment that must survive") && text.contains("# the only sine"))
        let back = try PatchBuilder.build(try PatchParser.parse(text, file: "out.dmm"))
        for e in back.matrix.entries {
            let n = WeightName.of(input: e.input, output: e.output, in: back)
            if let v = values[n] { #expect(e.entry.weight.bitPattern == Float(v).bitPattern, "\(n)") }
            else { #expect(e.entry.frozen && e.entry.weight == 2, "\(n) stays frozen") }
        }

        var unknown = values; unknown["s.x <- t"] = 1
        var missing = values; missing["out.g <- s"] = nil
        var frozen = values; frozen["s.x <- x"] = nil
        var huge = values; huge["s.a <- one"] = 1e39
        try writeWeights(unknown, "unknown.json"); try writeWeights(missing, "missing.json"); try writeWeights(huge, "huge.json")
        try JSONSerialization.data(withJSONObject: frozen).write(to: URL(fileURLWithPath: dir + "/flat.json"))
        try Proc.write("{\"weights\": [1, 2]", to: dir + "/broken.json")
        for (file, want) in [("unknown.json", "unknown weight 's.x <- t'"), ("missing.json", "lacks 1 of the patch's"),
                             ("huge.json", "'s.a <- one' = 1e+39 is out of range"), ("flat.json", "lacks 1 of the patch's"),
                             ("broken.json", "not a weights file"), ("nothere.json", "cannot read")] {
            let bad = try Proc.dmm(["import", "p.dmm", "--weights", file, "-o", "bad.dmm"], cwd: dir)
            #expect(bad.status == 1 && bad.stderr.contains(want) && bad.stderr.contains(file), "\(file): \(bad)")
            #expect(bad.stderr.split(separator: "\n").count == 1, "\(file): one line: \(bad.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad.dmm"))
        }
        // The frozen weight's name is known but not importable.
        var withFrozen = values
        withFrozen["out.g <- s"] = nil
        let frozenName = back.matrix.entries.first { $0.entry.frozen }.map { WeightName.of(input: $0.input, output: $0.output, in: back) }
        try #require(frozenName != nil)
        withFrozen[frozenName!] = 1
        withFrozen["out.g <- s"] = 0.5
        try writeWeights(withFrozen, "frozen.json")
        let fr = try Proc.dmm(["import", "p.dmm", "--weights", "frozen.json", "-o", "bad.dmm"], cwd: dir)
        #expect(fr.status == 1 && fr.stderr.contains("is frozen"), "\(fr)")
    }
}
