import Foundation
import Testing

/// `clone` through the real binary: trace, export, fit, render reports and bad input.
@Suite struct GrowthCLITests {
    static let scalarPatch = """
    a: id
    b: tanh
    sink: id
    grow: clone(of: "a b", prefix: "h", scale: 0.5, gain: 0.5, at: 1, every: 2, times: 2)
    a.x = 0.8
    b.x = 1.5 a
    sink.x = 0.9 b

    """

    static let picturePatch = """
    size 16x16
    frames 6
    x: coord.x
    c: sin
    out: rgb
    grow: clone(of: "c", scale: 2, gain: 0.5, at: 1)
    c.a = 0
    c.b = 3 x
    out.r = 0.5 c

    """

    static func write(_ text: String, _ name: String, in dir: String) throws {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    @Test("dmm trace prints twins as null until they grow, then their values; clone's n as a number")
    func traceFollowsGrowth() throws {
        let dir = CLI.tempDir()
        try Self.write(Self.scalarPatch, "p.dmm", in: dir)
        let r = try CLI.run(["trace", "p.dmm", "--ticks", "6", "--outputs", "grow,h1_b,h2_a", "--json"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(rows.count == 6)
        // Independently: growth at the end of ticks 1 and 3; h1_a = 0.4 from tick 2, h1_b = tanh(0.75 · h1_a).
        let grow: [Double] = [0, 0, 1, 1, 2, 2]
        // A twin prints from the tick whose boundary made it (its output still 0 then).
        let h1b: [Double?] = [nil, 0, 0, tanh(0.3), tanh(0.3), tanh(0.3)]
        let h2a: [Double?] = [nil, nil, nil, 0, 0.2, 0.2]
        for t in 0..<6 {
            guard let row = rows[t] ?? nil else { Issue.record("line \(t) is not JSON: \(r.stdout)"); continue }
            #expect(row["tick"] as? Int == t)
            #expect(row["grow"] as? Double == grow[t], "tick \(t): \(row)")
            for (name, want) in [("h1_b", h1b[t]), ("h2_a", h2a[t])] {
                if let want { #expect(abs((row[name] as? Double ?? .nan) - want) < 1e-6, "tick \(t) \(name): \(row)") }
                else { #expect(row[name] is NSNull, "tick \(t) \(name): \(row)") }
            }
        }
        let text = try CLI.run(["trace", "p.dmm", "--ticks", "3", "--outputs", "h1_a"], cwd: dir)
        #expect(text.stdout == "0  h1_a=-\n1  h1_a=0\n2  h1_a=0.4\n", "\(text.stdout)")
        let missing = try CLI.run(["trace", "p.dmm", "--ticks", "3", "--outputs", "h3_a"], cwd: dir)
        #expect(missing.status != 0 && missing.stderr.contains("no output 'h3_a'"), "\(missing.stderr)")
    }

    @Test("the JAX export and the fitter refuse a patch that grows, naming the neuron")
    func exportAndFitRefuse() throws {
        let dir = CLI.tempDir()
        try Self.write(Self.picturePatch, "g.dmm", in: dir)
        let e = try CLI.run(["export", "g.dmm", "--jax", "-o", "g.py"], cwd: dir)
        #expect(e.status == 1 && e.stderr.contains("neuron 'grow' (clone)"), "\(e.stderr)")
        #expect(e.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/g.py"))
        #expect(try CLI.run(["render", "g.dmm", "-o", "t", "-q"], cwd: dir).status == 0)
        let f = try CLI.run(["fit", "g.dmm", "--target", "t", "--steps", "1", "-q", "-o", "x.dmm"], cwd: dir)
        #expect(f.status != 0 && f.stderr.contains("'grow'") && f.stderr.contains("self-modifying"), "\(f.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.dmm"))
    }

    @Test("bad clone configurations and names are one-line errors at file:line:col")
    func badInput() throws {
        let dir = CLI.tempDir()
        let cases: [(String, String)] = [
            ("grow: clone(of: \"c\", times: 2.5)", "'times' must be a whole number from 1 to 4096"),
            ("grow: clone(of: \"c\", times: 1e40)", "'times' must be a whole number"),
            ("grow: clone(of: \"c\", every: -1)", "'every' must be a whole number"),
            ("grow: clone(of: \"c\", scale: 1e300)", "'scale' must be from -1000 to 1000"),
            ("grow: clone(of: \"ghost\")", "'of' names 'ghost', which the patch does not declare"),
        ]
        for (k, (line, message)) in cases.enumerated() {
            let text = Self.picturePatch.replacingOccurrences(of: "grow: clone(of: \"c\", scale: 2, gain: 0.5, at: 1)", with: line)
            try Self.write(text, "b\(k).dmm", in: dir)
            let r = try CLI.run(["render", "b\(k).dmm", "-o", "o\(k)", "-q"], cwd: dir)
            #expect(r.status != 0 && r.stderr.contains(message), "\(line): \(r.stderr)")
            #expect(r.stderr.hasPrefix("b\(k).dmm:6:"), "\(line): \(r.stderr)")
            // One error line (the patch loader then quotes the source line under it).
            #expect(r.stderr.split(separator: "\n").filter { $0.contains("error:") }.count == 1, "\(r.stderr)")
        }
    }

    @Test("dmm render of patches/grow.dmm: frames, sound and a heat map per frame; a NaN in a twin is named")
    func renderShowcase() throws {
        let dir = CLI.tempDir()
        let r = try CLI.run(["render", CLI.repoRoot + "/patches/grow.dmm", "--size", "16x16", "--frames", "40", "--matrix", "-o", "g", "-q"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/g/matrix").filter { $0.hasSuffix(".png") }
        #expect(files.count == 40)
        #expect(FileManager.default.fileExists(atPath: dir + "/g/audio.wav"))
        let kinds = try CLI.run(["kinds"], cwd: dir)
        #expect(kinds.stdout.contains("clone"))

        try Self.write("""
        size 8x8
        frames 8
        m: mul
        pic: rgb
        grow: clone(of: "m", scale: 100, at: 2)
        m.a = 1e18
        m.b = 1e18
        pic.r = 1e-36 m

        """, "nan.dmm", in: dir)
        let stop = try CLI.run(["render", "nan.dmm", "-o", "n", "-q"], cwd: dir)
        #expect(stop.status != 0 && stop.stderr.contains("neuron 'g1_m' (mul) produced inf"), "\(stop.stderr)")
        // A growth that cannot happen (one of its twins' names is declared) is a warning; the
        // render goes on. (A generation whose names all exist counts as grown.)
        let taken = Self.picturePatch.replacingOccurrences(of: "out: rgb", with: "out: rgb\ng1_c: sin")
            .replacingOccurrences(of: "clone(of: \"c\"", with: "clone(of: \"c x\"")
        try Self.write(taken, "taken.dmm", in: dir)
        let w = try CLI.run(["render", "taken.dmm", "-o", "tk", "-q"], cwd: dir)
        #expect(w.status == 0 && w.stderr == "warning: clone 'grow': generation 1: clone: 'g1_c' exists already; the patch ran on without that growth\n", "\(w.stderr)")
        let clip = try CLI.run(["render", "nan.dmm", "-o", "n", "-q", "--on-nan", "clip"], cwd: dir)
        #expect(clip.status == 0 && clip.stderr.contains("warning: neuron 'g1_m' (mul) produced inf"), "\(clip.stderr)")
    }
}
