import DMMTestSupport
import Foundation
import Testing

/// `dmm fit STUDENT --teacher TEACHER` for students that draws, through the real binary: the
/// same fit as `--target` on the teacher's rendered PNGs, deterministic, resumable, and one-line
/// refusals for what it cannot fit.
@Suite(.serialized) struct FieldDistillationCLITests {
    /// The teacher: four sines, a product and a tanh (24 weights), 16×16, 8 frames.
    static let teacher = DistillationPatches.fieldTeacher

    /// A folder with teacher.dmm and student.dmm (`dmm template cppn`, 5 sines, same timing).
    static func setUp(size: String = "16x16", frames: Int = 8) throws -> String {
        let dir = CLI.tempDir()
        let text = Self.teacher.replacingOccurrences(of: "16x16", with: size).replacingOccurrences(of: "frames 8", with: "frames \(frames)")
        try text.write(toFile: dir + "/teacher.dmm", atomically: true, encoding: .utf8)
        try Claims.ok(["template", "cppn", "--neurons", "5", "--size", size, "--frames", "\(frames)", "-o", "student.dmm"], in: dir)
        return dir
    }

    static func json(_ s: String) throws -> [String: Any] {
        let line = s.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? "{}"
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// The targets in memory are the 8-bit frames `dmm render` writes, so `--teacher` and
    /// `--target` on those PNGs are one fit: the same loss (asserted to 1e-9, in fact equal),
    /// the same losses at every step, and byte-identical patches, with restarts, L1 and pruning.
    @Test func teacherEqualsTargetOnTheRenderedFrames() throws {
        let dir = try Self.setUp()
        try Claims.ok(["render", "teacher.dmm", "-o", "frames", "-q"], in: dir)
        let common = ["--steps", "200", "--restarts", "2", "--lr", "0.02", "--l1", "0.0005", "--prune", "--seed", "4", "--stats", "-q"]
        let viaTeacher = try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "-o", "a.dmm"] + common, in: dir)
        let viaTarget = try Claims.ok(["fit", "student.dmm", "--target", "frames", "-o", "b.dmm"] + common, in: dir)
        let a = try Self.json(viaTeacher.stdout), b = try Self.json(viaTarget.stdout)
        let la = try #require(a["loss"] as? Double), lb = try #require(b["loss"] as? Double)
        #expect(abs(la - lb) <= 1e-9, "--teacher \(la) vs --target \(lb)")
        #expect(a["weights"] as? Int == b["weights"] as? Int)
        #expect(try Self.bytes(dir + "/a.dmm") == Self.bytes(dir + "/b.dmm"))
        #expect(try Self.bytes(dir + "/a-loss.csv") == Self.bytes(dir + "/b-loss.csv"))
        #expect(try Self.bytes(dir + "/a-sheet.png") == Self.bytes(dir + "/b-sheet.png"))
    }

    /// A 5-sine student learns the 24-weight teacher: 300 steps take the loss below a fifth
    /// of the first step's, well within 20 s.
    @Test func studentLossFalls() throws {
        let dir = try Self.setUp()
        let r = try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--steps", "300", "--restarts", "2", "--lr", "0.02",
                               "--seed", "3", "--stats", "-q"], in: dir, timeout: 60)
        let s = try Self.json(r.stdout)
        let first = try #require((s["losses_at"] as? [String: Any])?["1"] as? Double)
        let loss = try #require(s["loss"] as? Double)
        let seconds = try #require(s["seconds"] as? Double)
        #expect(loss < 0.2 * first, "loss \(first) → \(loss)")
        #expect(seconds < 20)
        #expect(FileManager.default.fileExists(atPath: dir + "/student-fitted.dmm"))
        #expect(FileManager.default.fileExists(atPath: dir + "/student-fitted-sheet.png"))
    }

    /// Same student, teacher, seed and flags: byte-identical patch and loss curve.
    @Test func deterministic() throws {
        let dir = try Self.setUp()
        let args = ["fit", "student.dmm", "--teacher", "teacher.dmm", "--steps", "120", "--restarts", "3", "--seed", "11", "-q"]
        try Claims.ok(args + ["-o", "one.dmm"], in: dir)
        try Claims.ok(args + ["-o", "two.dmm"], in: dir)
        #expect(try Self.bytes(dir + "/one.dmm") == Self.bytes(dir + "/two.dmm"))
        #expect(try Self.bytes(dir + "/one-loss.csv") == Self.bytes(dir + "/two-loss.csv"))
    }

    /// Ctrl-C saves a checkpoint (exit 130) and `--resume` re-renders the teacher and ends at
    /// the patch an uninterrupted run writes.
    @Test func ctrlCAndResume() throws {
        let dir = try Self.setUp(size: "32x32")
        let common = ["fit", "student.dmm", "--teacher", "teacher.dmm", "--steps", "20000", "--restarts", "2", "-q"]
        try Claims.ok(common + ["-o", "a.dmm"], in: dir, timeout: 300)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = common + ["-o", "b.dmm"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.5)
        if p.isRunning { kill(p.processIdentifier, SIGINT) }
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        #expect(FileManager.default.fileExists(atPath: dir + "/b-checkpoint.json"))
        try Claims.ok(common + ["-o", "b.dmm", "--resume"], in: dir, timeout: 300)
        #expect(try Self.bytes(dir + "/a.dmm") == Self.bytes(dir + "/b.dmm"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/b-checkpoint.json"))
    }

    /// Every refusal is one line on stderr with a non-zero exit, before any fitting.
    @Test func refusalsAreOneLine() throws {
        let dir = try Self.setUp()
        let student = try String(contentsOfFile: dir + "/student.dmm", encoding: .utf8)
        try student.replacingOccurrences(of: "size 16x16", with: "size 20x16").write(toFile: dir + "/wide.dmm", atomically: true, encoding: .utf8)
        try student.replacingOccurrences(of: "fps 30", with: "fps 25").write(toFile: dir + "/slow.dmm", atomically: true, encoding: .utf8)
        try student.replacingOccurrences(of: "frames 8", with: "frames 12").write(toFile: dir + "/long.dmm", atomically: true, encoding: .utf8)
        try "fps 30\nt: lf.saw\nl: sin\nl.x = 3 t\n".write(toFile: dir + "/lfo.dmm", atomically: true, encoding: .utf8)
        let trees = CLI.repoRoot + "/patches/duplicates-teacher.dmm"
        let audio = CLI.repoRoot + "/patches/drone.dmm"
        let cases: [([String], [String])] = [
            (["wide.dmm", "--teacher", "teacher.dmm"], ["20×16", "16×16", "same size"]),
            (["slow.dmm", "--teacher", "teacher.dmm"], ["25.0 fps", "30.0 fps"]),
            (["long.dmm", "--teacher", "teacher.dmm"], ["12 frames", "--frames"]),
            ([trees, "--teacher", "teacher.dmm"], ["draws a picture", "tree patch"]),
            ([trees, "--teacher", "teacher.dmm", "--outputs", "dup"], ["no output"]),
            (["student.dmm", "--teacher", trees], ["draws no picture"]),
            ([audio, "--teacher", audio, "--input", "abc"], ["--input", "sound student"]),
            ([trees, "--teacher", audio, "--outputs", "hiss"], ["'hiss' is a signal output", "no signal neurons"]),
            (["lfo.dmm", "--teacher", "lfo.dmm", "--ticks", "10"], ["neuron 't' (lf.saw) keeps state between ticks"]),
            (["student.dmm", "--teacher", "teacher.dmm", "--outputs", "s1_1"], ["not the picture", "not supported yet"]),
            (["student.dmm", "--teacher", "teacher.dmm", "--outputs", "out.r"], ["all three channels"]),
            (["student.dmm", "--teacher", "teacher.dmm", "--ticks", "5"], ["--frames"]),
            (["student.dmm", "--teacher", "teacher.dmm", "--resize"], ["--resize"]),
        ]
        for (args, wanted) in cases {
            let r = try CLI.run(["fit"] + args + ["-q"], cwd: dir)
            let lines = r.stderr.split(separator: "\n")
            #expect(r.status != 0 && lines.count == 1, "dmm fit \(args.joined(separator: " ")): exit \(r.status): \(r.stderr)")
            for w in wanted { #expect(r.stderr.contains(w), "dmm fit \(args.joined(separator: " ")): \(r.stderr) lacks \(w)") }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/student-fitted.dmm"))
        // --frames N fits the first N frames when the lengths differ; --outputs may name the picture.
        try Claims.ok(["fit", "long.dmm", "--teacher", "teacher.dmm", "--frames", "4", "--steps", "5", "-q"], in: dir)
        try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--outputs", "out", "--steps", "5", "-q"], in: dir)
        try Claims.ok(["fit", "student.dmm", "--teacher", "teacher.dmm", "--outputs", "out.b,out.g,out.r", "--steps", "5", "-q"], in: dir)
    }
}
