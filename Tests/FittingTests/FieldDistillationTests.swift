import DMMCore
import DMMTestSupport
import Fitting
import Foundation
import MediaIO
import PatchLanguage
import Rendering
import Testing

/// Distilling a visual patch into a smaller one (`TeacherFrames` + `Trainer`): the targets are
/// the teacher's rendered 8-bit frames exactly, the fit lowers the loss, and timings that do
/// not agree are refused in one line.
@Suite struct FieldDistillationTests {
    /// A bigger teacher: four sines, a product and a tanh over x, y and t (24 weights).
    static let teacher = DistillationPatches.fieldTeacher

    /// The small student: the CPPN template with 5 sines at the teacher's timing.
    static func student(seed: UInt64 = 1) throws -> Network {
        try CPPNTemplate.make(neurons: 5, layers: 2, width: 16, height: 16, fps: 30, frames: 8, seed: seed)
    }

    static func names() -> (student: String, teacher: String) { ("student.dmm", "teacher.dmm") }

    /// The in-memory targets are the frames `dmm render` writes, to the bit: rendered by the
    /// renderer to PNG files and loaded as `--target` loads them, they give the same Floats;
    /// and the bytes are those of the plan ticked frame by frame (`renderBytesWithPlan`, which
    /// does not batch ticks as the renderer does).
    @Test func targetsAreTheRenderedFrames() throws {
        let teacher = try TestPatches.network(Self.teacher)
        let targets = try TeacherFrames.targets(teacher: teacher, student: try Self.student(), names: Self.names())
        #expect(targets.frames == 8 && targets.width == 16 && targets.height == 16)

        let dir = NSTemporaryDirectory() + "dmm-field-distil-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try FrameRenderer.render(network: teacher, options: FrameRenderer.Options(directory: dir, frames: 8))
        let files = try FitTargets.paths(matching: dir)
        let loaded = try FitTargets.load(paths: files, size: (16, 16), resize: false)
        #expect(loaded.values == targets.values)

        let bytes = try renderBytesWithPlan(teacher, frames: 8)
        for f in 0..<8 {
            #expect(targets.image(frame: f).pixels == Array(bytes[(f * 16 * 16 * 3)..<((f + 1) * 16 * 16 * 3)]), "frame \(f)")
        }
        // Every target value is a byte's value: b/127.5 − 1 for a whole b in 0…255.
        for v in targets.values.prefix(16 * 16) {
            let b = (Double(v) + 1) * 127.5
            #expect(abs(b - b.rounded()) < 1e-4 && b >= 0 && b <= 255)
        }
    }

    /// The teacher's frames against the picture written out in Double from the definitions:
    /// coordinates at pixel centres (the shorter side spans −1…1, y up), the clock at tick k
    /// reading k/fps, each neuron one tick after its inputs (so frame k shows the sine of tick
    /// k − 1, which read the clock of tick k − 2), bytes (v + 1)·127.5 rounded. Float and the
    /// polynomial sine may move a value across a rounding boundary: at most one step, rarely.
    @Test func teacherFramesMatchAnIndependentEvaluation() throws {
        let text = """
        size 16x12
        fps 30
        frames 5
        x: coord.x
        y: coord.y
        t: clock
        s: sin
        out: rgb

        s.x = 3 x + 1.5 y + 2 t
        s.b = 0.4
        out.r = 0.8 s
        out.g = 0.5
        out.b = -0.3 x
        """
        let teacher = try TestPatches.network(text)
        let targets = try TeacherFrames.targets(teacher: teacher, student: teacher, names: Self.names())
        let w = 16, h = 12, scale = 2.0 / Double(min(w, h))
        func byte(_ v: Double) -> Int { Int((min(max(v, -1), 1) + 1) * 127.5 + 0.5) }
        var off = 0, worst = 0
        for k in 0..<5 {
            let img = targets.image(frame: k)
            for row in 0..<h {
                for col in 0..<w {
                    let x = (Double(col) + 0.5 - Double(w) / 2) * scale, y = (Double(h) / 2 - Double(row) - 0.5) * scale
                    let want = [byte(0.8 * sin(3 * x + 1.5 * y + 2 * Double(k - 2) / 30 + 0.4)), byte(0.5), byte(-0.3 * x)]
                    for c in 0..<3 {
                        let d = abs(Int(img.pixels[(row * w + col) * 3 + c]) - want[c])
                        worst = max(worst, d)
                        if d != 0 { off += 1 }
                    }
                }
            }
        }
        #expect(worst <= 1 && off <= 5 * w * h * 3 / 50, "\(off) values off, by at most \(worst)")
    }

    /// A 5-sine student distilled from the teacher: 300 Adam steps from two starts bring the
    /// loss below a fifth of the first step's, and the fitted student's own render agrees with
    /// the reported loss (up to the rounding of its picture to bytes).
    @Test func smallStudentLearnsTheTeacher() throws {
        let teacher = try TestPatches.network(Self.teacher)
        let student = try Self.student()
        let targets = try TeacherFrames.targets(teacher: teacher, student: student, names: Self.names())
        var o = FitOptions()
        o.steps = 300; o.restarts = 2; o.learningRate = 0.02; o.seed = 3
        let clock = ContinuousClock.now
        guard case .finished(let r) = try Trainer(network: student, targets: targets, options: o).run() else {
            Issue.record("the fit was interrupted"); return
        }
        let seconds = Double((ContinuousClock.now - clock).components.seconds)
        let first = Double(r.losses[0])
        #expect(r.loss < 0.2 * first, "loss \(first) → \(r.loss)")
        #expect(seconds < 20, "took \(seconds) s")
        // What the fitted patch renders is what was reported.
        let bytes = try renderBytesWithPlan(r.network, frames: 8)
        let again = try FitTargets(images: (0..<8).map { f in
            RGBImage(width: 16, height: 16, pixels: Array(bytes[(f * 768)..<((f + 1) * 768)]))
        })
        var sum = 0.0
        for (a, b) in zip(again.values, targets.values) { sum += Double(a - b) * Double(a - b) }
        let rendered = sum / Double(8 * 16 * 16 * 3)
        let q = 0.5 / 127.5
        #expect(abs(rendered - r.loss) <= 2 * r.loss.squareRoot() * q + q * q, "rendered \(rendered) vs reported \(r.loss)")
    }

    /// Size, fps and length must agree; a teacher that draws nothing is refused. One line each,
    /// naming both patches.
    @Test func disagreeingTimingsAreRefused() throws {
        let teacher = try TestPatches.network(Self.teacher)
        func message(_ student: Network, _ t: Network = teacher, frames: Int? = nil) -> String? {
            do { _ = try TeacherFrames.targets(teacher: t, student: student, names: Self.names(), frames: frames); return nil }
            catch { return error.message }
        }
        var wrongSize = try Self.student(); wrongSize.timing.width = 20
        let m1 = try #require(message(wrongSize))
        #expect(m1.contains("20×16") && m1.contains("16×16") && m1.contains("teacher.dmm") && !m1.contains("\n"), "\(m1)")
        var wrongFPS = try Self.student(); wrongFPS.timing.fps = 25
        let m2 = try #require(message(wrongFPS))
        #expect(m2.contains("25.0 fps") && m2.contains("30.0 fps") && !m2.contains("\n"), "\(m2)")
        var longer = try Self.student(); longer.timing.frames = 12
        let m3 = try #require(message(longer))
        #expect(m3.contains("12 frames") && m3.contains("--frames") && !m3.contains("\n"), "\(m3)")
        // With a frame count given, the lengths need not agree.
        #expect(message(longer, frames: 4) == nil)
        let blind = try TestPatches.network("size 16x16\nfps 30\nframes 8\nt: clock\ns: sin\ns.x = t\n")
        let m4 = try #require(message(try Self.student(), blind))
        #expect(m4.contains("draws no picture") && !m4.contains("\n"), "\(m4)")
    }

    /// The same student, teacher and seed give the same fitted weights, bit for bit.
    @Test func deterministic() throws {
        let teacher = try TestPatches.network(Self.teacher)
        func fit() throws -> [Float] {
            let student = try Self.student(seed: 2)
            let targets = try TeacherFrames.targets(teacher: teacher, student: student, names: Self.names())
            var o = FitOptions()
            o.steps = 40; o.restarts = 2; o.seed = 9
            guard case .finished(let r) = try Trainer(network: student, targets: targets, options: o).run() else { return [] }
            return r.network.matrix.entries.map(\.entry.weight)
        }
        let a = try fit(), b = try fit()
        #expect(!a.isEmpty && a.map(\.bitPattern) == b.map(\.bitPattern))
    }
}
