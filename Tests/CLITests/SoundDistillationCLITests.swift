import DMMTestSupport
import Foundation
import MediaIO
import Testing

/// `dmm fit STUDENT --teacher TEACHER` on students that sound, through the binary: the fitted
/// patch sounds like the teacher when `dmm synth` renders both, `--prune` turns the shipped
/// over-complete additive bank into a short readable patch, runs repeat byte for byte, weights
/// without a gradient are named, and what the fitter cannot take is refused in one line.
@Suite struct SoundDistillationCLITests {
    static let teacher = DistillationPatches.twoSines([220, 330, 0.7, 1.5, 0.8, 0.3, 0.2])
    /// The same structure, every weight off (a.freq by 1 Hz).
    static let student = DistillationPatches.twoSines([221, 329, 0.2, 1, 0.5, 0.5, 0.1], comment: "# two sines through a saturator\n")

    static func setUp() throws -> String {
        let dir = CLI.tempDir()
        try Claims.write(teacher, dir, "teacher.dmm")
        try Claims.write(student, dir, "student.dmm")
        return dir
    }

    /// `dmm synth` of a patch as float samples.
    static func sound(_ patch: String, in dir: String, seconds: Double) throws -> [Float] {
        let wav = patch.replacingOccurrences(of: ".dmm", with: ".wav")
        try Claims.ok(["synth", patch, "-o", wav, "--seconds", "\(seconds)", "--format", "float", "-q"], in: dir)
        return try AudioFileWriter.read(path: dir + "/" + wav).samples
    }

    @Test func theFittedStudentSoundsLikeTheTeacher() throws {
        let dir = try Self.setUp()
        let r = try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--ticks", "60", "--steps", "5000", "--stats"], in: dir)
        let line = try #require(r.stdout.split(separator: "\n").last)
        let s = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let loss = try #require(s["loss"] as? Double), ms = try #require(s["ms_per_step"] as? Double)
        #expect(loss < 1e-9, "loss \(loss)")
        #expect(ms < 20, "\(ms) ms a step")
        #expect(r.stderr.contains("rendered as dmm synth renders it"), "\(r.stderr)")
        let fitted = try String(contentsOfFile: dir + "/student-fitted.dmm", encoding: .utf8)
        #expect(fitted.contains("# two sines through a saturator") && fitted.contains("a.freq = 220"), "\(fitted)")
        // Heard over twice the fitted stretch: the same sound as the teacher's.
        let got = try Self.sound("student-fitted.dmm", in: dir, seconds: 0.5)
        let want = try Self.sound("teacher.dmm", in: dir, seconds: 0.5)
        #expect(got.count == 4000 && want.count == 4000)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest difference \(worst)")
        #expect(want.map(abs).max()! > 0.3)
    }

    /// The shipped showcase: sixteen partials of 110 Hz with gains and phases, distilled from a
    /// filtered saw; pruning keeps the partials that matter. Two runs write the same bytes.
    @Test func pruningTheAdditiveBankWritesAShortPatchDeterministically() throws {
        let dir = CLI.tempDir()
        let student = CLI.repoRoot + "/patches/additive-student.dmm", teacher = CLI.repoRoot + "/patches/sound-teacher.dmm"
        for out in ["p1.dmm", "p2.dmm"] {
            try Claims.ok(["fit", student, "--teacher", teacher, "--ticks", "100", "--steps", "1500", "--lr", "0.02", "--prune",
                           "--target-loss", "0.001", "-q", "-o", out], in: dir, timeout: 300)
        }
        #expect(Claims.bytes(dir + "/p1.dmm") == Claims.bytes(dir + "/p2.dmm"))
        let text = try String(contentsOfFile: dir + "/p1.dmm", encoding: .utf8)
        let partials = text.split(separator: "\n").filter { $0.hasPrefix("p") && $0.hasSuffix("osc.sine") }.count
        #expect(partials >= 3 && partials < 16, "\(partials) partials:\n\(text)")
        #expect(text.contains("p1: ") && text.contains("out.left = "), "\(text)")
    }

    @Test func weightsWithoutAGradientAreNamed() throws {
        let dir = try Self.setUp()
        try Claims.write(Self.student + "s: osc.saw\ns.freq = 110\nout.left += 0.05 s\n", dir, "saw.dmm")
        let r = try Claims.ok(["fit", "saw.dmm", "--teacher", "teacher.dmm", "--ticks", "20", "--steps", "10"], in: dir)
        #expect(r.stderr.contains("1 weights stay as they are: s.freq ← one (osc.saw has no gradient"), "\(r.stderr)")
        // `--outputs out` (the audio.out neuron) is the sound, as without --outputs.
        let a = try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--ticks", "20", "--steps", "5", "--stats", "-q", "-o", "a.dmm"], in: dir)
        let b = try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--ticks", "20", "--steps", "5", "--stats", "-q", "-o", "b.dmm",
                               "--outputs", "out"], in: dir)
        #expect(Claims.bytes(dir + "/a.dmm") == Claims.bytes(dir + "/b.dmm"))
        #expect(a.stdout.split(separator: "\n").last?.split(separator: ",").first == b.stdout.split(separator: "\n").last?.split(separator: ",").first)
    }

    /// The shipped feedback drone (two delay lines through a damper and a saturator, noise, a
    /// band-limited saw, an LFO) fits against itself: its loops are reversed, the weights that
    /// read the LFO or feed the saw and the noise stay and are named, and the loss is zero.
    @Test func aPatchWithFeedbackLoopsFits() throws {
        let dir = CLI.tempDir()
        let drone = CLI.repoRoot + "/patches/drone.dmm"
        let r = try Claims.ok(["fit", drone, "--teacher", drone, "--ticks", "100", "--steps", "3", "--stats", "-o", "d.dmm"], in: dir)
        #expect(r.stderr.contains("weights stay as they are") && r.stderr.contains("root.freq ← one (osc.saw"), "\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").last)
        let s = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((s["loss"] as? Double) == 0 && (s["weights"] as? Int ?? 0) > 10, "\(line)")
    }

    @Test func whatTheFitterCannotTakeIsRefusedInOneLine() throws {
        let dir = try Self.setUp()
        try Claims.write(Self.student.replacingOccurrences(of: "rate 8000", with: "rate 16000"), dir, "fast.dmm")
        try Claims.write(Self.student + "c: const(tree: \"{x: 1}\")\n", dir, "tree.dmm")
        let cases: [([String], [String])] = [
            (["fast.dmm", "--teacher", "teacher.dmm"], ["16000", "8000"]),
            (["tree.dmm", "--teacher", "teacher.dmm"], ["'c'", "tree neuron"]),
            (["student.dmm", "--teacher", "teacher.dmm", "--input", "abc"], ["--input", "sound"]),
            (["student.dmm", "--teacher", "teacher.dmm", "--outputs", "nope"], ["nope"]),
            (["student.dmm", "--teacher", "teacher.dmm", "--ticks", "2000000"], ["--ticks"]),
        ]
        for (args, wanted) in cases {
            let r = try CLI.run(["fit"] + args + ["--steps", "5", "-q"], cwd: dir)
            #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            for w in wanted { #expect(r.stderr.contains(w), "\(r.stderr) lacks \(w)") }
            #expect(!FileManager.default.fileExists(atPath: dir + "/student-fitted.dmm"))
        }
    }
}
