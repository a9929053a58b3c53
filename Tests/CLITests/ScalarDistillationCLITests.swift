import Foundation
import Testing

/// `dmm fit STUDENT --teacher TEACHER` on scalar patches: sine LFOs over `clock` learn a
/// teacher's mix, `--prune` writes a readable patch that the engine runs as the teacher does,
/// outputs repeat byte for byte, and kinds with state are refused in one line.
@Suite struct ScalarDistillationCLITests {
    static let teacher = """
        rate 48000
        block 4800
        t: clock
        a: sin
        b: sin
        y: id
        a.x = 2 t
        b.x = 5 t
        y.x = 0.6 a + 0.3 b

        """
    /// Three LFOs at the wrong rates, mixed by the wrong weights.
    static let student = """
        # sine LFOs over the clock, mixed by weights
        rate 48000
        block 4800
        t: clock
        a: sin
        b: sin
        c: sin
        y: id
        a.x = 1.8 t
        b.x = 5.3 t
        c.x = 3.5 t
        y.x = 0.2 a + 0.2 b + 0.1 c + 0.1

        """

    static func setUp() throws -> String {
        let dir = CLI.tempDir()
        try Claims.write(teacher, dir, "teacher.dmm")
        try Claims.write(student, dir, "student.dmm")
        return dir
    }

    static func stats(_ r: CLI.Result) throws -> [String: Any] {
        let line = try #require(r.stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// `y` after each tick from `dmm trace --json`.
    static func trace(_ patch: String, in dir: String, ticks: Int) throws -> [Double] {
        let r = try Claims.ok(["trace", patch, "--ticks", "\(ticks)", "--outputs", "y", "--json"], in: dir)
        return try r.stdout.split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(o["y"] as? Double)
        }
    }

    /// The loss falls below 10⁻⁶ of its first step's in 2000 steps (a fraction of a second
    /// here), and the written patch keeps the teacher's mix.
    @Test func lfoStudentLearnsTheTeachersMix() throws {
        let dir = try Self.setUp()
        let r = try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--ticks", "100", "--outputs", "y",
                               "--steps", "2000", "--stats", "-q"], in: dir)
        let s = try Self.stats(r)
        let loss = try #require(s["loss"] as? Double), seconds = try #require(s["seconds"] as? Double)
        let csv = try String(contentsOfFile: dir + "/student-fitted-loss.csv", encoding: .utf8).split(separator: "\n")
        let first = try #require(Double(csv[1].split(separator: ",")[1]))
        #expect(first > 1, "initial loss \(first)")
        #expect(loss < 1e-6 * first, "loss \(loss) from \(first)")
        #expect(seconds < 5, "\(seconds) s")
        let fitted = try String(contentsOfFile: dir + "/student-fitted.dmm", encoding: .utf8)
        #expect(fitted.contains("y.x = 0.6") && fitted.contains("# sine LFOs over the clock"), "\(fitted)")
    }

    /// `--prune` drops the third LFO and writes a patch that `dmm trace` runs as the teacher
    /// (every tick within 10⁻³); two runs write the same bytes.
    @Test func pruneWritesAReadablePatchDeterministically() throws {
        let dir = try Self.setUp()
        for out in ["p1.dmm", "p2.dmm"] {
            try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--ticks", "100", "--outputs", "y",
                           "--steps", "2000", "--prune", "-q", "-o", out], in: dir)
        }
        #expect(Claims.bytes(dir + "/p1.dmm") == Claims.bytes(dir + "/p2.dmm"))
        #expect(Claims.bytes(dir + "/p1-loss.csv") == Claims.bytes(dir + "/p2-loss.csv"))
        let text = try String(contentsOfFile: dir + "/p1.dmm", encoding: .utf8)
        #expect(!text.contains("c: sin") && text.contains("a: sin") && text.contains("b: sin") && text.contains("y.x = "), "\(text)")
        let got = try Self.trace("p1.dmm", in: dir, ticks: 100), want = try Self.trace("teacher.dmm", in: dir, ticks: 100)
        #expect(got.count == 100 && want.count == 100)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest deviation \(worst)")
        #expect(want.map(abs).max()! > 0.5)
    }

    /// A scalar kind with state (an `lf.tri` LFO) is refused in one line naming it; a student
    /// that sounds is compared on signals, not on a scalar teacher's outputs.
    @Test func statefulAndAudioStudentsAreRefused() throws {
        let dir = try Self.setUp()
        try Claims.write(Self.student + "lfo: lf.tri\ny.x += 0.1 lfo\n", dir, "tri.dmm")
        let drone = CLI.repoRoot + "/patches/drone.dmm"
        for (args, wanted) in [(["tri.dmm"], ["'lfo'", "lf.tri", "state"]), ([drone], ["no output", "y"])] {
            let r = try CLI.run(["fit"] + args + ["--teacher", "teacher.dmm", "--ticks", "10", "--outputs", "y", "-q"], cwd: dir)
            #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            for w in wanted { #expect(r.stderr.contains(w), "\(r.stderr) lacks \(w)") }
        }
    }

    /// `clock` makes a scalar student's outputs depend on the tick length: a student that ticks
    /// at another rate than its teacher is refused in one line rather than fitted to the wrong time.
    @Test func differentTickLengthsAreRefused() throws {
        let dir = try Self.setUp()
        try Claims.write(Self.student.replacingOccurrences(of: "block 4800", with: "block 2400"), dir, "fast.dmm")
        let r = try CLI.run(["fit", "fast.dmm", "--teacher", "teacher.dmm", "--ticks", "10", "--outputs", "y", "-q"], cwd: dir)
        #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("ticks every 0.05 s") && r.stderr.contains("every 0.1 s"), "\(r.stderr)")
    }
}
