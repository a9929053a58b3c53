import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Testing

/// README claims about `dmm fit` through the real binary: the files it writes, frozen
/// weights, `--l1`, `--prune`, the reported winner of `--restarts`, the progress display.
@Suite struct ClaimsFitTests {
    static let truth = """
        size 16x16
        fps 10
        frames 4
        x: coord.x
        y: coord.y
        t: clock
        s: sin
        out: rgb
        s.x = 3 x - 2 y + 5 t
        out.r = 0.8 s
        out.g = -0.5 s
        out.b = 0.3 s

        """

    /// A start with the target's shape and wrong weights, a comment, a frozen `a` and a
    /// frozen output weight.
    static let start = """
        # start: the target's shape
        size 16x16
        fps 10
        frames 4
        x: coord.x
        y: coord.y
        t: clock
        s: sin
        out: rgb
        s.a = 1!            # frozen
        s.x = 2 x - 1 y + 4 t
        out.r = 0.5 s
        out.g = -0.25! s    # frozen too
        out.b = 0.1 s

        """

    /// A working folder with `target/` rendered from the truth and the start patch.
    static func setUp() throws -> String {
        let dir = CLI.tempDir()
        try Claims.write(Self.truth, dir, "truth.dmm")
        try Claims.write(Self.start, dir, "start.dmm")
        try Claims.ok(["render", "truth.dmm", "-o", "target", "-q"], in: dir)
        return dir
    }

    static func weights(_ path: String) throws -> [(row: String, column: String, weight: Float, frozen: Bool)] {
        let net = try PatchLoader.load(path: path).network
        return net.matrix.entries.map { e in
            (net.name(ofInput: e.input), net.neurons[e.output.neuron].name, e.entry.weight, e.entry.frozen)
        }
    }

    /// "Writes the fitted patch with the input's layout and comments, NAME-sheet.png (targets
    /// above, fit below), NAME-loss.png and NAME-loss.csv"; and the fitted patch renders what
    /// the sheet shows.
    @Test func fitWritesThePatchSheetLossPlotAndCSV() throws {
        let dir = try Self.setUp()
        let r = try Claims.ok(["fit", "start.dmm", "--target", "target", "--steps", "40", "--lr", "0.05", "-o", "learned.dmm",
                               "-q", "--stats"], in: dir)
        let stats = try FitCommandTests.json(r.stdout)
        let loss = try #require(stats["loss"] as? Double)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(files.isSuperset(of: ["learned.dmm", "learned-sheet.png", "learned-loss.png", "learned-loss.csv"]), "\(files)")
        #expect(!files.contains { $0.contains(".tmp") })
        // The patch: the input's lines, comments and order, with new numbers.
        let fitted = try String(contentsOfFile: dir + "/learned.dmm", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let input = Self.start.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(fitted.count == input.count)
        for (a, b) in zip(fitted, input) {
            let shape = { (l: Substring) in l.replacing(/-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?/, with: "N").replacing(#/ +/#, with: " ") }
            #expect(shape(a) == shape(b), "layout changed: \(a) for \(b)")
        }
        #expect(fitted[0] == "# start: the target's shape")
        // The sheet: four targets above, four fitted frames below, 16-pixel thumbnails, 2-pixel gaps.
        let sheet = try PNGCodec.read(path: dir + "/learned-sheet.png")
        #expect(sheet.width == 4 * 16 + 5 * 2 && sheet.height == 2 * 16 + 3 * 2, "sheet \(sheet.width)x\(sheet.height)")
        try Claims.ok(["render", "learned.dmm", "-o", "again", "-q"], in: dir)
        let targets = try Claims.frames(dir + "/target", count: 4), again = try Claims.frames(dir + "/again", count: 4)
        var worstTop = 0, worstBottom = 0
        for f in 0..<4 {
            for y in 0..<16 { for x in 0..<16 { for c in 0..<3 {
                let top = Int(sheet.pixels[((2 + y) * sheet.width + 2 + f * 18 + x) * 3 + c])
                let bottom = Int(sheet.pixels[((20 + y) * sheet.width + 2 + f * 18 + x) * 3 + c])
                worstTop = max(worstTop, abs(top - Int(targets[f].pixels[(y * 16 + x) * 3 + c])))
                worstBottom = max(worstBottom, abs(bottom - Int(again[f].pixels[(y * 16 + x) * 3 + c])))
            } } }
        }
        #expect(worstTop == 0, "the top row is not the targets")
        #expect(worstBottom <= 1, "the bottom row is not what the fitted patch renders (off by \(worstBottom))")
        // The loss plot and the CSV: one row per step, the reported loss at the end.
        let plot = try PNGCodec.read(path: dir + "/learned-loss.png")
        #expect(plot.width == 640 && plot.height == 240 && Set(plot.pixels).count > 1)
        let csv = try String(contentsOfFile: dir + "/learned-loss.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(csv.first == "step,phase,loss,psnr_db,weights")
        let rows = csv.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 40)
        #expect(rows.map { Int($0[0]) } == (1...40).map { $0 })
        #expect(rows.allSatisfy { $0[1] == "main" && $0[4] == "\(stats["weights"] as? Int ?? -1)" })
        let losses = rows.compactMap { Double($0[2]) }
        #expect(losses.count == 40 && losses.last! < losses.first!, "the loss did not fall: \(losses.first!) → \(losses.last!)")
        // Row k is the loss at step k's weights, before its update; the reported loss is that of
        // the weights written, after the last update: just below the last row.
        #expect(loss <= losses.last! && loss >= 0.9 * losses.last!, "the CSV ends at \(losses.last!), the fit reported \(loss)")
        for row in rows {
            let psnr = try #require(Double(row[3])), l = try #require(Double(row[2]))
            #expect(abs(psnr - 10 * log10(4 / l)) < 0.02, "psnr \(psnr) for loss \(l)")
        }
    }

    /// "`w!` in a patch is never changed" — while the other weights are.
    @Test func frozenWeightsAreUnchangedByAFit() throws {
        let dir = try Self.setUp()
        try Claims.ok(["fit", "start.dmm", "--target", "target", "--steps", "30", "--lr", "0.05", "--restarts", "2", "-o", "f.dmm", "-q"], in: dir)
        let before = try Self.weights(dir + "/start.dmm"), after = try Self.weights(dir + "/f.dmm")
        #expect(before.count == after.count)
        var changed = 0
        for b in before {
            let a = try #require(after.first { $0.row == b.row && $0.column == b.column }, "\(b.row) ← \(b.column) vanished")
            #expect(a.frozen == b.frozen)
            if b.frozen { #expect(a.weight == b.weight, "frozen \(b.row) ← \(b.column) moved from \(b.weight) to \(a.weight)") }
            else if a.weight != b.weight { changed += 1 }
        }
        #expect(changed >= 4, "the fit changed only \(changed) free weights")
        let text = try String(contentsOfFile: dir + "/f.dmm", encoding: .utf8)
        #expect(text.contains("s.a = 1!") && text.contains("out.g = -0.25! s"))
    }

    /// `--l1 λ` adds λ·Σ|w|: the same fit with a penalty ends with a smaller Σ|w|; `--prune`
    /// then removes weights (fewer than it started with, every one it keeps non-zero).
    @Test func l1ShrinksAndPruneRemovesWeights() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.truth, dir, "truth.dmm")
        try Claims.ok(["render", "truth.dmm", "-o", "target", "-q"], in: dir)
        try Claims.ok(["template", "cppn", "--neurons", "6", "--size", "16x16", "--frames", "4", "-o", "c.dmm"], in: dir)
        let common = ["fit", "c.dmm", "--target", "target", "--steps", "60", "--seed", "3", "-q", "--stats"]
        try Claims.ok(common + ["-o", "plain.dmm"], in: dir)
        try Claims.ok(common + ["--l1", "0.01", "-o", "l1.dmm"], in: dir)
        let pruned = try Claims.ok(common + ["--l1", "0.01", "--prune", "-o", "pruned.dmm"], in: dir)
        func l1(_ name: String) throws -> Double { try Self.weights(dir + "/" + name).filter { !$0.frozen }.reduce(0) { $0 + Double(abs($1.weight)) } }
        let (plain, penalised) = (try l1("plain.dmm"), try l1("l1.dmm"))
        #expect(penalised < plain, "Σ|w| with --l1 is \(penalised), without \(plain)")
        let start = try Self.weights(dir + "/c.dmm").count, kept = try Self.weights(dir + "/pruned.dmm")
        #expect(kept.count < start, "--prune kept \(kept.count) of \(start) weights")
        #expect(kept.allSatisfy { $0.weight != 0 || $0.row.hasSuffix(".a") })
        #expect(try FitCommandTests.json(pruned.stdout)["weights"] as? Int == kept.count)
    }

    /// `--restarts K` "reports which start won": the winner it names is the start with the
    /// lowest loss after the trials, and `--stats` agrees.
    @Test func reportedWinnerHasTheLowestTrialLoss() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.truth, dir, "truth.dmm")
        try Claims.ok(["render", "truth.dmm", "-o", "target", "-q"], in: dir)
        try Claims.ok(["template", "cppn", "--neurons", "4", "--size", "16x16", "--frames", "4", "-o", "c.dmm"], in: dir)
        let r = try Claims.ok(["fit", "c.dmm", "--target", "target", "--steps", "40", "--restarts", "4", "--stats", "-o", "f.dmm"], in: dir)
        let lines = r.stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
        let won = try #require(lines.first { $0.hasPrefix("fit: start ") && $0.contains(" won: ") }, "no winner line in \(r.stderr)")
        let winner = try #require(Int(won.dropFirst("fit: start ".count).prefix { $0.isNumber }))
        var trial: [Int: Double] = [:]
        for l in lines {
            guard let m = l.wholeMatch(of: #/  start ([0-9]+): loss ([0-9.e-]+) \(.*\) after the trials/#) else { continue }
            trial[Int(m.1)!] = Double(m.2)
        }
        #expect(trial.keys.sorted() == [0, 1, 2, 3], "\(lines)")
        let best = try #require(trial.values.min())
        #expect(trial[winner] == best, "start \(winner) was reported the winner with loss \(trial[winner] ?? -1); the lowest was \(best): \(trial)")
        #expect(try FitCommandTests.json(r.stdout)["winner"] as? Int == winner)
    }

    /// The fit's progress when stderr is not a terminal: plain lines with the step, the loss,
    /// steps per second and the ETA; nothing with `-q`.
    @Test func fitProgressShowsStepLossRateAndETA() throws {
        let dir = try Self.setUp()
        let r = try Claims.ok(["fit", "start.dmm", "--target", "target", "--steps", "50", "-o", "f.dmm"], in: dir)
        let bars = r.stderr.split(separator: "\n").filter { $0.hasPrefix("fit start ") }
        #expect(bars.count >= 5, "\(r.stderr)")
        #expect(!r.stderr.contains("\r"), "carriage returns in a pipe")
        for b in bars.dropLast() {
            #expect(b.wholeMatch(of: /fit start [0-9]+\/50 [0-9]+% [0-9.]+ steps\/s ETA [0-9.:]+s? loss [0-9.e-]+ [0-9.]+ dB/) != nil,
                    "progress line: \(b)")
        }
        let q = try Claims.ok(["fit", "start.dmm", "--target", "target", "--steps", "50", "-o", "g.dmm", "-q"], in: dir)
        #expect(q.stderr.isEmpty, "-q printed: \(q.stderr)")
    }

    /// `dmm template cppn --neurons N`: "an over-complete starting patch: layers of `sin` over
    /// x, y, t, every earlier output wired to every later input".
    @Test func templateWiresEveryEarlierOutputToEveryLaterInput() throws {
        let dir = CLI.tempDir()
        try Claims.ok(["template", "cppn", "--neurons", "16", "-o", "c.dmm"], in: dir)
        let net = try PatchLoader.load(path: dir + "/c.dmm").network
        let sins = net.neurons.filter { $0.kindName == "sin" }.map(\.name)
        #expect(sins.count == 16)
        func layer(_ name: String) -> Int { Int(name.dropFirst().prefix { $0.isNumber }) ?? -1 }
        #expect(Set(sins.map(layer)).count >= 2, "one layer only: \(sins)")
        func sources(_ row: String) -> Set<String> {
            Set(net.matrix.entries.filter { net.name(ofInput: $0.input) == row }.map { net.neurons[$0.output.neuron].name })
        }
        for s in sins {
            let earlier = sins.filter { layer($0) < layer(s) }
            #expect(sources(s + ".x") == Set(["x", "y", "t"] + earlier), "\(s).x reads \(sources(s + ".x").sorted())")
        }
        for c in ["r", "g", "b"] { #expect(sources("out." + c).isSuperset(of: sins), "out.\(c) misses a sin") }
    }

    /// "Pruning to nothing … is reported as a warning": a flat grey target needs no weight at
    /// all; the fit says so on stderr (even with -q: it is a warning, not progress) and writes a
    /// patch with no weights that renders the same grey.
    @Test func pruningToNothingIsReportedAsAWarning() throws {
        let dir = CLI.tempDir()
        try Claims.write("size 16x16\nfps 10\nframes 4\no: rgb\n", dir, "grey.dmm")
        try Claims.ok(["render", "grey.dmm", "-o", "grey", "-q"], in: dir)
        try Claims.ok(["template", "cppn", "--neurons", "4", "--size", "16x16", "--frames", "4", "-o", "c.dmm"], in: dir)
        let r = try Claims.ok(["fit", "c.dmm", "--target", "grey", "--steps", "100", "--prune", "-q", "-o", "g.dmm"], in: dir)
        #expect(r.stderr == "fit: warning: pruning removed every weight: the patch draws a constant picture\n", "\(r.stderr)")
        #expect(try Self.weights(dir + "/g.dmm").isEmpty)
        try Claims.ok(["render", "g.dmm", "-o", "again", "-q"], in: dir)
        #expect(try Claims.firstDifference(dir + "/grey", dir + "/again", count: 4) == nil)
    }

    /// `--target DIR|GLOB`: a folder and a glob over the same frames are the same targets.
    @Test func targetGlobIsTheFolder() throws {
        let dir = try Self.setUp()
        let folder = try Claims.ok(["fit", "start.dmm", "--target", "target", "--steps", "5", "--stats", "-q", "-o", "a.dmm"], in: dir)
        let glob = try Claims.ok(["fit", "start.dmm", "--target", "target/frame_*.png", "--steps", "5", "--stats", "-q", "-o", "b.dmm"], in: dir)
        let a = try FitCommandTests.json(folder.stdout)["loss"] as? Double, b = try FitCommandTests.json(glob.stdout)["loss"] as? Double
        #expect(a != nil && a == b, "folder \(a ?? -1), glob \(b ?? -1)")
        #expect(try String(contentsOfFile: dir + "/a.dmm", encoding: .utf8) == String(contentsOfFile: dir + "/b.dmm", encoding: .utf8))
        let one = try Claims.ok(["fit", "start.dmm", "--target", "target/frame_0000[12].png", "--steps", "5", "--stats", "-q", "-o", "c.dmm"], in: dir)
        #expect(try FitCommandTests.json(one.stdout)["loss"] as? Double != a, "a glob of two frames fitted the same as all four")
    }
}
