import Testing
import Foundation

/// Nothing that decides output may depend on hash order, thread scheduling or the number of
/// cores: the same patch, seed and flags give byte-identical files from separate processes
/// (each with its own hash seed) and with one or two CPUs (`taskset`, which sets how many
/// workers Dispatch runs). Patches with loops through the matrix are the ones that broke
/// before (the loop cut and the warm-up depended on a Set's order).
@Suite(.serialized) struct DeterminismTests {
    /// A visual patch whose neurons feed each other through the matrix (a two-neuron loop and
    /// a feedback field), so warm-up and loop cutting decide every pixel.
    static let visualLoops = """
    size 48x32
    fps 12
    frames 6
    seed 3
    t: clock
    x: coord.x
    y: coord.y
    a: sin
    b: sin
    c: cos
    fb: feedback
    out: rgb
    a.x = 3 x + 0.9 b
    a.b = t
    b.x = 2 y + 0.8 a + 0.3 c
    c.x = 0.7 a - 0.6 b + 0.5 fb.y
    fb.in = c
    fb.zoom = 1.02
    out.r = a
    out.g = 0.5 b + 0.5 fb.y
    out.b = c

    """

    /// One allowed CPU, and two where the machine has them (the CI machine has two cores).
    static let one = "\(CLI.allowedCPUs[0])"
    static let two = CLI.allowedCPUs.prefix(2).map(String.init).joined(separator: ",")

    /// Runs `args` three times with one CPU and three times with two, and returns the bytes
    /// of `file` (relative to each run's folder) from every run.
    static func outputs(_ files: [String: String], _ args: [String], reading file: String) throws -> [Data] {
        var results: [Data] = []
        for cpus in [one, two, one, two, two, one] {
            let dir = CLI.tempDir()
            for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
            let r = try CLI.run(args, cwd: dir, taskset: cpus)
            #expect(r.status == 0, "taskset -c \(cpus) dmm \(args.joined(separator: " ")): \(r.stderr)")
            results.append((try? Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))) ?? Data())
        }
        return results
    }

    static func expectAllEqual(_ outs: [Data], _ what: String) {
        #expect(outs.allSatisfy { !$0.isEmpty }, "\(what): a run wrote nothing")
        for (i, o) in outs.enumerated().dropFirst() {
            #expect(o == outs[0], "\(what): run \(i + 1) (\(i % 2 == 0 ? 1 : 2) CPU) differs from run 1")
        }
    }

    @Test func visualLoopPatchIsIdenticalAcrossProcessesAndCores() throws {
        for frame in ["frame_00001.png", "frame_00006.png"] {
            let outs = try Self.outputs(["loops.dmm": Self.visualLoops], ["render", "loops.dmm", "-o", "f", "-q"], reading: "f/" + frame)
            Self.expectAllEqual(outs, "loops.dmm \(frame)")
        }
    }

    @Test func selfModifyingPatchIsIdentical() throws {
        let text = try String(contentsOfFile: CLI.repoRoot + "/patches/rewire.dmm", encoding: .utf8)
        let outs = try Self.outputs(["rewire.dmm": text], ["render", "rewire.dmm", "-o", "f", "-q", "--frames", "40", "--size", "64x64"],
                                    reading: "f/frame_00040.png")
        Self.expectAllEqual(outs, "rewire.dmm frame 40 (after two scheduled ΔW edits)")
    }

    @Test func audioFeedbackDroneIsIdentical() throws {
        // drone.dmm: noise, delay lines feeding each other, tanh: 5 or 6 warm-up ticks from
        // process to process before the loop cut was made order-independent.
        let text = try String(contentsOfFile: CLI.repoRoot + "/patches/drone.dmm", encoding: .utf8)
        let outs = try Self.outputs(["drone.dmm": text], ["synth", "drone.dmm", "-o", "d.wav", "-q", "--seconds", "1.5"], reading: "d.wav")
        Self.expectAllEqual(outs, "drone.dmm")
    }

    @Test func audiovisualPatchIsIdentical() throws {
        let text = try String(contentsOfFile: CLI.repoRoot + "/patches/av-pulse.dmm", encoding: .utf8)
        for file in ["f/audio.wav", "f/frame_00012.png"] {
            let outs = try Self.outputs(["av.dmm": text], ["render", "av.dmm", "-o", "f", "-q", "--frames", "12", "--size", "64x64"], reading: file)
            Self.expectAllEqual(outs, "av-pulse.dmm \(file)")
        }
    }

    @Test func fitIsIdenticalOnOneAndTwoCores() throws {
        // Per-tile gradients are summed in tile order, so the fitted weights do not depend on
        // how many workers ran the tiles.
        let dir = CLI.tempDir()
        try Self.visualLoops.write(toFile: dir + "/loops.dmm", atomically: true, encoding: .utf8)
        let target = try CLI.run(["render", "loops.dmm", "-o", "target", "-q", "--frames", "3"], cwd: dir)
        #expect(target.status == 0, "\(target.stderr)")
        let perturbed = Self.visualLoops.replacingOccurrences(of: "a.x = 3 x", with: "a.x = 2.5 x")
        var fitted: [String] = []
        for cpus in [Self.one, Self.two, Self.one] {
            let run = CLI.tempDir()
            try perturbed.write(toFile: run + "/p.dmm", atomically: true, encoding: .utf8)
            let r = try CLI.run(["fit", "p.dmm", "--target", dir + "/target", "--frames", "3", "--steps", "25",
                                 "--restarts", "2", "--trial-steps", "10", "-q", "-o", "fit.dmm"], cwd: run, taskset: cpus)
            #expect(r.status == 0, "\(r.stderr)")
            fitted.append((try? String(contentsOfFile: run + "/fit.dmm", encoding: .utf8)) ?? "")
        }
        #expect(!fitted[0].isEmpty)
        #expect(fitted[1] == fitted[0], "fit on 2 CPUs differs from 1 CPU")
        #expect(fitted[2] == fitted[0], "fit differs between two processes")
    }
}
