import Testing
import Foundation
import MediaIO

/// `dmm fit` through the real binary: what it reports is what its output renders.
@Suite(.serialized) struct FitCommandTests {
    static func json(_ s: String) throws -> [String: Any] {
        let line = s.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? "{}"
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    /// Mean squared error, in −1…1 units, between two folders of PNG frames (same names).
    static func mse(_ a: String, _ b: String) throws -> Double {
        let names = try FileManager.default.contentsOfDirectory(atPath: a).filter { $0.hasSuffix(".png") }.sorted()
        var s = 0.0, n = 0
        for f in names {
            let x = try PNGCodec.read(path: a + "/" + f), y = try PNGCodec.read(path: b + "/" + f)
            for (p, q) in zip(x.pixels, y.pixels) { let d = (Double(p) - Double(q)) / 127.5; s += d * d; n += 1 }
        }
        return s / Double(max(1, n))
    }

    /// The patch `--prune` writes renders to the loss the fit reported: the only difference
    /// allowed is the rounding of the render to bytes, at most 2·√L·(0.5/127.5) + (0.5/127.5)².
    @Test func prunedPatchRendersToTheReportedLoss() throws {
        let dir = CLI.tempDir()
        let truth = """
        size 24x24
        fps 30
        frames 6
        x: coord.x
        y: coord.y
        t: clock
        s1: sin
        s2: sin
        out: rgb
        s1.x = 3 x + 1.5 y + 6 t
        s2.x = -2.5 y + x - 4 t
        out.r = 0.8 s1
        out.g = 0.7 s2
        out.b = 0.5 s1 - 0.4 s2
        """
        try truth.write(toFile: dir + "/truth.dmm", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["render", "truth.dmm", "-o", "target", "-q"], cwd: dir).status == 0)
        let t = try CLI.run(["template", "cppn", "--neurons", "8", "--size", "24x24", "--frames", "6", "-o", "start.dmm"], cwd: dir)
        #expect(t.status == 0, "\(t.stderr)")
        let f = try CLI.run(["fit", "start.dmm", "--target", "target", "--restarts", "2", "--steps", "300", "--prune", "--stats",
                             "-q", "-o", "pruned.dmm"], cwd: dir, timeout: 300)
        #expect(f.status == 0, "\(f.stderr)")
        let stats = try Self.json(f.stdout)
        let loss = try #require(stats["loss"] as? Double)
        let weights = try #require(stats["weights"] as? Int)
        let text = try String(contentsOfFile: dir + "/pruned.dmm", encoding: .utf8)
        // Dead neurons and empty rows are gone: no `= 0` rows for inputs without a default.
        for line in text.split(separator: "\n") where line.hasSuffix("= 0") {
            #expect(line.contains(".a ="), "an empty row without a port default was printed: \(line)")
        }
        let r = try CLI.run(["render", "pruned.dmm", "-o", "again", "-q"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let rendered = try Self.mse(dir + "/again", dir + "/target")
        let q = 0.5 / 127.5
        let bound = 2 * loss.squareRoot() * q + q * q
        #expect(abs(rendered - loss) <= bound,
                "fit reported \(loss) with \(weights) weights; the written patch renders to \(rendered) (allowed ±\(bound))\n\(text)")
        // And fitting the written patch again starts from that same loss.
        let again = try CLI.run(["fit", "pruned.dmm", "--target", "target", "--steps", "1", "--stats", "-q",
                                 "--initialisation", "given", "-o", "again.dmm"], cwd: dir)
        let first = try #require((try Self.json(again.stdout)["losses_at"] as? [String: Any])?["1"] as? Double)
        #expect(abs(first - loss) <= 1e-5 * max(loss, 1e-3), "refit starts at \(first), the prune reported \(loss)")
    }

    /// A patch fitted to its own render starts at the quantisation floor (frame f of the
    /// target is tick f of the fit: no warm-up offset).
    @Test func ownRenderIsAtTheQuantisationFloor() throws {
        let dir = CLI.tempDir()
        let t = try CLI.run(["template", "cppn", "--neurons", "16", "--size", "32x32", "--frames", "12", "-o", "c.dmm"], cwd: dir)
        #expect(t.status == 0)
        #expect(try CLI.run(["render", "c.dmm", "-o", "own", "-q"], cwd: dir).status == 0)
        let f = try CLI.run(["fit", "c.dmm", "--target", "own", "--steps", "1", "--stats", "-q", "--initialisation", "given",
                             "-o", "f.dmm"], cwd: dir)
        #expect(f.status == 0, "\(f.stderr)")
        let first = try #require((try Self.json(f.stdout)["losses_at"] as? [String: Any])?["1"] as? Double)
        #expect(first <= (0.5 / 127.5) * (0.5 / 127.5), "loss against its own render is \(first)")
    }

    /// A patch that edits its own matrix is refused with a one-line error, not fitted wrongly.
    @Test func selfModifyingPatchIsRefused() throws {
        let dir = CLI.tempDir()
        #expect(try CLI.run(["render", CLI.repoRoot + "/patches/rewire.dmm", "--frames", "2", "-o", "t", "-q"], cwd: dir).status == 0)
        let f = try CLI.run(["fit", CLI.repoRoot + "/patches/rewire.dmm", "--target", "t", "--steps", "1", "-q", "-o", "x.dmm"], cwd: dir)
        #expect(f.status != 0)
        #expect(f.stderr.contains("self-modifying"), "\(f.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.dmm"))
    }
}
