import Testing
import Foundation
import MediaIO

/// Catalogue part: live input (command lines into `dmm live`), edit logs into
/// `dmm render --replay`, and fit checkpoints into `dmm fit --resume`.
///
/// A live session must survive every bad line: those cases expect exit 0 (the session ran to
/// its frame count after stdin ended) and the refusal as the first line of stderr. Logs and
/// checkpoints are files: a bad one is a one-line error naming it, exit 1, nothing written.
extension BadInput {
    /// `dmm live` headless and stepped: the patch runs 2 frames after the last line of stdin.
    static func live(_ name: String, _ stdin: String, _ message: String, exact: Bool = true) -> BadInput {
        // The session survives the line and runs to its end: `BadInputLiveTests.liveRunsToTheEnd`
        // checks that its last frame was written.
        BadInput(name, files: ["p.dmm": Fixture.visual],
                 args: ["live", "p.dmm", "--step", "--frames", "2", "--output", "out", "--no-audio", "--plain", "-q"],
                 stdin: stdin + "\n", status: 0, message: message, exact: exact)
    }

    static let liveLines: [BadInput] = [
        live("glide over 1e300 s", "glide s.a 8 1e300s",
             "error: '1e300s' is not a duration: write 2s, 500ms, 1.5 or 30t (0 to 1000000 s, or up to 1000000000 ticks)"),
        live("glide over 2^63 ticks", "glide s.a 8 9223372036854775807t",
             "error: '9223372036854775807t' is not a duration: write 2s, 500ms, 1.5 or 30t (0 to 1000000 s, or up to 1000000000 ticks)"),
        live("glide over a negative time", "glide s.a 8 -2s",
             "error: '-2s' is not a duration: write 2s, 500ms, 1.5 or 30t (0 to 1000000 s, or up to 1000000000 ticks)"),
        live("connect with a 1e30 s glide", "connect t -> s.b 0.5 1e30",
             "error: unexpected '1e30' after the weight; a duration must be one: write 2s, 500ms, 1.5 or 30t (0 to 1000000 s, or up to 1000000000 ticks)"),
        live("set to 3.4e38", "set s.a 3.4e38", "error: the value 3.4e+38 is out of range: weights must be within ±1e15"),
        live("set to -3.4e38 from a source", "set s.x -3.4e38 x", "error: the value -3.4e+38 is out of range: weights must be within ±1e15"),
        live("set to nan", "set s.a nan", "error: the value must be a finite number, not nan"),
        live("set to inf", "set s.a inf", "error: the value must be a finite number, not inf"),
        live("glide to -inf", "glide s.a -inf 2s", "error: the value must be a finite number, not -inf"),
        live("connect with weight 1e300", "connect t -> s.b 1e300", "error: the weight 1e+300 is out of range: weights must be within ±1e15"),
        live("row with a 1e300 weight", "s.x = 1e300 x", "error: weight 1e300 is out of range: weights must be finite, at most ±3.4e38"),
        live("+= past the weight range", "set s.x 9e14 x\ns.x += 9e14 x",
             "error: s.x += 9e+14 x: s.x ← x would become 1.8e+15, outside the weight range ±1e15"),
        live("ΔW past the weight range", "delta {s.a:{one:9e14}}\ndelta {s.a:{one:9e14}}",
             "error: delta {s.a:{one:900000000000000}}: s.a ← one would become 1.8e+15, outside the weight range ±1e15"),
        live("ΔW of 1e20", "delta {s.a:{one:1e20}}", "error: the ΔW s.a ← one 1e+20 is out of range: weights must be within ±1e15"),
        live("at a tick past 2^63", "at 99999999999999999999 set s.a 1",
             "error: 'at' needs a tick number from 0 to 1000000000 or +N, not '99999999999999999999'"),
        live("at +Int.max", "at +9223372036854775807 set s.a 1",
             "error: 'at' needs a tick number from 0 to 1000000000 or +N, not '+9223372036854775807'"),
        live("at a negative tick", "at -5 set s.a 1", "error: 'at' needs a tick number from 0 to 1000000000 or +N, not '-5'"),
        live("step Int.max", "step 9223372036854775807",
             "error: 'step' needs a whole number of ticks from 0 to 1000000000, not '9223372036854775807'"),
        live("step -1", "step -1", "error: 'step' needs a whole number of ticks from 0 to 1000000000, not '-1'"),
        live("ΔW nested three deep", "delta {s.a:{one:{x:1}}}", "error: ΔW: nested deeper than {row:{column:dw}}"),
        live("ΔW nested 5,000 deep", "delta " + String(repeating: "{a:", count: 5_000) + "1" + String(repeating: "}", count: 5_000),
             "error: ΔW: nested deeper than {row:{column:dw}}"),
        live("unknown command", "frobnicate s.a", "error: unknown command 'frobnicate'; type 'help' for the list"),
        live("glide over a bare 1e300 (seconds)", "glide s.a 8 1e300",
             "error: '1e300' is not a duration: write 2s, 500ms, 1.5 or 30t (0 to 1000000 s, or up to 1000000000 ticks)"),
        // Options of `dmm live` from the same number classes: bad usage, exit 64 (1 for the port,
        // which is checked where the socket is bound).
        BadInput("--morph of 1e300 s", files: ["p.dmm": Fixture.visual], args: ["live", "p.dmm", "--step", "--morph", "1e300s"],
                 status: 64, message: "--morph must be a duration such as 500ms, 2s or 30t"),
        BadInput("--smooth of nan", files: ["p.dmm": Fixture.visual], args: ["live", "p.dmm", "--step", "--smooth", "nan"],
                 status: 64, message: "--smooth must be a duration such as 5ms"),
        BadInput("--ticks-per-second of 1e300", files: ["p.dmm": Fixture.visual], args: ["live", "p.dmm", "--ticks-per-second", "1e300"],
                 status: 64, message: "--ticks-per-second must be above 0 and at most 100000"),
        BadInput("--record onto the patch itself", files: ["p.dmm": Fixture.visual],
                 args: ["live", "./p.dmm", "--step", "--frames", "1", "--no-audio", "-o", "out", "--record", "p.dmm"], stdin: "",
                 status: 64, message: "--record p.dmm is the patch file; the log would overwrite it", absent: ["out"]),
        BadInput("--osc port 70000", files: ["p.dmm": Fixture.visual], args: ["live", "p.dmm", "--step", "--osc", "70000"], stdin: "",
                 status: 64, message: "--osc port must be 0 to 65535, not 70000"),
        BadInput("--osc port -1", files: ["p.dmm": Fixture.visual], args: ["live", "p.dmm", "--step", "--osc=-1"], stdin: "",
                 status: 64, message: "--osc port must be 0 to 65535, not -1"),
    ]
}

extension BadInput {
    /// `dmm render --replay` of a log written beside the fixture patch.
    static func replay(_ name: String, log: String, status: Int32 = 1, _ message: String, exact: Bool = true,
                       extra: [String] = [], patch: String = Fixture.visual) -> BadInput {
        BadInput(name, files: ["p.dmm": patch, "edits.log": log],
                 args: ["render", "p.dmm", "--replay", "edits.log", "-o", "out", "-q"] + extra, status: status,
                 message: message, exact: exact, absent: status == 0 ? [] : ["out"])
    }

    /// The hash `dmm live --record` writes for the fixture patch, read from a real recording
    /// (so the replay cases start from a header the recorder really writes).
    static let fixtureHash: String = {
        let dir = CLI.tempDir()
        try? Fixture.visual.write(toFile: dir + "/p.dmm", atomically: true, encoding: .utf8)
        _ = try? CLI.run(["live", "p.dmm", "--step", "--frames", "1", "--output", "o", "--no-audio", "--record", "r.log", "-q"],
                         cwd: dir, stdin: "")
        let log = (try? String(contentsOfFile: dir + "/r.log", encoding: .utf8)) ?? ""
        let line = log.split(separator: "\n").first { $0.hasPrefix("# patch ") }
        return line.map { String($0.dropFirst(8)) } ?? "no hash recorded"
    }()
    static var header: String { "# dmm live edit log for p.dmm\n# patch \(fixtureHash)\n" }

    /// FNV-1a (64 bit) in hex, as `EditLogFile.patchHash` computes it over a patch's
    /// canonical text (checked against a recording by `BadInputLiveTests.hashIsOfTheCanonicalText`).
    static func fnv(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static let replays: [BadInput] = [
        replay("log of another patch", log: "# patch fnv1a64:0123456789abcdef\n1\t{s.a:{one:1}}\n",
               "edits.log:1:1: error: the log was recorded with another patch (fnv1a64:0123456789abcdef) than p.dmm (\(fixtureHash)): the replay would render something else; pass --force-replay to replay it anyway"),
        replay("log of another patch, forced", log: "# patch fnv1a64:0123456789abcdef\n1\t{s.a:{one:1}}\n", status: 0,
               "edits.log: warning: the log was recorded with another patch (fnv1a64:0123456789abcdef) than p.dmm (\(fixtureHash)); replaying it anyway (--force-replay)",
               extra: ["--force-replay"]),
        replay("old log without a hash (warning even with -q)", log: "1\t{s.a:{one:1}}\n", status: 0,
               "edits.log: warning: the log has no patch hash (recorded by an older dmm); replaying it on p.dmm unchecked"),
        replay("truncated ΔW line", log: header + "1\t{s.a:{one:", "edits.log:3:3: error: ΔW:", exact: false),
        replay("tick past 2^63", log: header + "99999999999999999999\t{s.a:{one:1}}\n",
               "edits.log:3:1: error: '99999999999999999999' is not a tick: a whole number from 0 to 1000000000"),
        replay("negative tick", log: header + "-4\t{s.a:{one:1}}\n",
               "edits.log:3:1: error: '-4' is not a tick: a whole number from 0 to 1000000000"),
        replay("ticks out of order", log: header + "5\t{s.a:{one:1}}\n2\t{s.a:{one:1}}\n",
               "edits.log:4:1: error: tick 2 comes after tick 5: a log is in tick order"),
        replay("ΔW that overflows Float", log: header + "1\t{s.a:{one:1e39}}\n",
               "edits.log:3:3: error: ΔW s.a ← one is 1e+39, not a finite weight change"),
        replay("ΔW of nan", log: header + "1\t{s.a:{one:nan}}\n", "edits.log:3:3: error: ΔW:", exact: false),
        replay("ΔWs that add up past Float", log: header + "1\t{s.a:{one:3e38}}\n2\t{s.a:{one:3e38}}\n",
               "edits.log:4:3: error: this ΔW makes s.a ← one inf: weights must stay finite"),
        replay("ΔW nested too deep", log: header + "1\t{s.a:{one:{x:1}}}\n",
               "edits.log:3:3: error: a ΔW is {row:{column:dw}}; this one is nested deeper"),
        replay("ΔW nested 20,000 deep", log: header + "1\t" + String(repeating: "{a:", count: 20_000) + "1" + String(repeating: "}", count: 20_000) + "\n",
               "edits.log:3:3: error: a ΔW is {row:{column:dw}}; this one is nested deeper"),
        replay("ΔW with a number for a row", log: header + "1\t{s.a:5}\n",
               "edits.log:3:3: error: a ΔW is {row:{column:dw}}; this one has a number under 's.a'"),
        replay("unknown edit command", log: header + "1\tfrobnicate s\n",
               "edits.log:3:3: error: unknown edit 'frobnicate'; expected 'declare', 'remove' or 'clone'"),
        replay("line without a tab", log: header + "1 {s.a:{one:1}}\n",
               "edits.log:3:1: error: expected 'TICK<TAB>{…}', 'TICK<TAB>declare …' or 'TICK<TAB>remove …'"),
        replay("tick and nothing else", log: header + "7\t\n",
               "edits.log:3:1: error: expected 'TICK<TAB>{…}', 'TICK<TAB>declare …' or 'TICK<TAB>remove …'"),
        replay("unknown neuron", log: header + "1\t{s9.a:{one:1}}\n",
               "edits.log:3:3: error: ΔW names unknown input 's9.a'"),
    ]
}

extension BadInput {
    /// A 4×4 patch with one trainable weight (`out.r ← x`): a checkpoint small enough to write
    /// by hand, then corrupt one field at a time.
    static let fitPatch = """
    size 4x4
    fps 10
    frames 1
    x: coord.x
    out: rgb
    out.r = 0.5 x
    out.g = 0.5! x
    out.b = 0.5! x

    """

    /// A 4×4 grey target frame.
    static let target: [UInt8] = {
        let px = [UInt8](repeating: 128, count: 4 * 4 * 3)
        return (try? px.withUnsafeBufferPointer { try PNGCodec.encode(rgb: $0, width: 4, height: 4) }) ?? []
    }()

    /// A valid checkpoint of `fitPatch` after 2 steps, as JSON with every field; `edit`
    /// replaces text in it.
    static func checkpoint(_ edits: [(String, String)] = []) -> String {
        var s = """
        {"format":1,"options":{"initialisation":"auto","l1":0,"learningRate":0.01,"prune":false,\
        "pruneSchedule":{"floorPSNR":45,"maxFailures":8,"maxRecoverySteps":150,"polishSteps":300,"stallImprovement":0.03,\
        "stallWindow":30,"tolerance":1},"restarts":1,"seed":0,"steps":5},\
        "parameters":[{"inputNeuron":2,"inputPort":0,"outputNeuron":1,"outputPort":0}],"phase":"main",\
        "runs":[{"active":[true],"adam":{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"learningRate":0.01,"m":[0.001],"step":2,"v":[1e-06]},\
        "counts":[1,1],"losses":[0.1,0.09],"step":2,"weights":[0.52]}],\
        "startDescriptions":["the patch's weights"],"trialLosses":[],"winner":0}
        """
        for (a, b) in edits { s = s.replacingOccurrences(of: a, with: b) }
        return s
    }

    static func resume(_ name: String, _ json: String, _ message: String, exact: Bool = true) -> BadInput {
        BadInput(name, files: ["fit.dmm": fitPatch, "fit-checkpoint.json": json], rawFiles: ["target/f1.png": target],
                 args: ["fit", "fit.dmm", "--target", "target", "--steps", "5", "--resume", "-o", "fit.dmm", "-q"], status: 1,
                 message: message, exact: exact, absent: ["fit-sheet.png", "fit-loss.csv"])
    }

    static let checkpoints: [BadInput] = [
        resume("checkpoint with an extra parameter",
               checkpoint([("\"outputPort\":0}]", "\"outputPort\":0},{\"inputNeuron\":2,\"inputPort\":1,\"outputNeuron\":1,\"outputPort\":0}]")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: it lists 2 parameters but the patch has 1 trainable weights"),
        resume("checkpoint with truncated weights", checkpoint([("\"weights\":[0.52]", "\"weights\":[]")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: runs[0].weights has 0 entries for 1 parameters"),
        resume("checkpoint with winner 99", checkpoint([("\"winner\":0", "\"winner\":99")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: winner 99 is not one of the 1 starts (0 to 0)"),
        resume("checkpoint at step -5", checkpoint([("\"step\":2,\"weights\"", "\"step\":-5,\"weights\"")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: runs[0].step is -5, below 0"),
        resume("checkpoint with a NaN weight", checkpoint([("\"weights\":[0.52]", "\"weights\":[\"nan\"]")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: runs[0].weights[0] is nan, not finite"),
        resume("checkpoint with a negative second moment", checkpoint([("\"v\":[1e-06]", "\"v\":[-1]")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: runs[0].adam.v[0] is -1.0, not a finite value ≥ 0"),
        resume("checkpoint with a parameter of another neuron",
               checkpoint([("\"inputNeuron\":2,\"inputPort\":0,\"outputNeuron\":1", "\"inputNeuron\":7,\"inputPort\":0,\"outputNeuron\":1")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: parameters[0] is 7.0←1.0, the patch's is 2.0←1.0 (a patch with other weights)"),
        resume("checkpoint with two runs in phase main",
               checkpoint([("\"runs\":[{", "\"runs\":[{\"active\":[true],\"adam\":{\"beta1\":0.9,\"beta2\":0.999,\"epsilon\":1e-08,\"learningRate\":0.01,\"m\":[0],\"step\":0,\"v\":[0]},\"counts\":[],\"losses\":[],\"step\":0,\"weights\":[0.5]},{")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: phase main needs 1 runs, it has 2"),
        resume("checkpoint whose history is short", checkpoint([("\"losses\":[0.1,0.09]", "\"losses\":[0.1]")]),
               "error: fit-checkpoint.json: not a checkpoint of this fit: runs[0] took 2 steps but records 1 losses and 2 weight counts"),
        resume("checkpoint with a step count past Int", checkpoint([("\"step\":2,\"weights\"", "\"step\":1e30,\"weights\"")]),
               "error: fit-checkpoint.json: not a readable fit checkpoint (The given data was not valid JSON.)"),
        resume("checkpoint that is not JSON", "{\"format\":1,\"opt", "error: fit-checkpoint.json: not a readable fit checkpoint (", exact: false),
        BadInput("--lr inf", files: ["fit.dmm": fitPatch], rawFiles: ["target/f1.png": target],
                 args: ["fit", "fit.dmm", "--target", "target", "--lr", "inf", "-q"], status: 64,
                 message: "--lr must be a finite number above 0", absent: ["fit-fitted.dmm", "fit-fitted-checkpoint.json"]),
        BadInput("--l1 inf", files: ["fit.dmm": fitPatch], rawFiles: ["target/f1.png": target],
                 args: ["fit", "fit.dmm", "--target", "target", "--l1", "inf", "-q"], status: 64,
                 message: "--l1 must be a finite number ≥ 0", absent: ["fit-fitted.dmm"]),
        BadInput("--trial-steps -5", files: ["fit.dmm": fitPatch], rawFiles: ["target/f1.png": target],
                 args: ["fit", "fit.dmm", "--target", "target", "--restarts", "2", "--trial-steps=-5", "-q"], status: 64,
                 message: "--trial-steps must be a whole number from 1 to", absent: ["fit-fitted.dmm"]),
        resume("checkpoint of other options", checkpoint([("\"seed\":0", "\"seed\":3")]),
               "error: fit-checkpoint.json: made with different options (seed 3 vs 0); run without --resume to start over"),
    ]
}

@Suite struct BadInputLiveTests {
    @Test(arguments: BadInput.liveLines) func liveLine(_ c: BadInput) throws { try c.check() }

    /// Each bad line leaves a session that runs to its last frame (2 of 2), not one that
    /// stopped early with exit 0.
    @Test(arguments: BadInput.liveLines.filter { $0.stdin != nil && $0.status == 0 })
    func liveRunsToTheEnd(_ c: BadInput) throws {
        let dir = CLI.tempDir()
        for (name, bytes) in c.files { #expect(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes))) }
        let r = try CLI.run(c.args, cwd: dir, stdin: c.stdin, timeout: 30)
        #expect(r.status == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/out/frame_00002.png"), "\(c.name): \(r.stderr)")
    }
    @Test(arguments: BadInput.replays) func replayLog(_ c: BadInput) throws { try c.check() }
    @Test(arguments: BadInput.checkpoints) func resumeCheckpoint(_ c: BadInput) throws { try c.check() }

    /// The hand-written checkpoint is valid: resuming it finishes the fit (so every case above
    /// is refused for its one corruption), and the completed fit removes its checkpoint.
    @Test func theValidCheckpointResumesAndIsRemoved() throws {
        let dir = CLI.tempDir()
        try BadInput.fitPatch.write(toFile: dir + "/fit.dmm", atomically: true, encoding: .utf8)
        try BadInput.checkpoint().write(toFile: dir + "/fit-checkpoint.json", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/target", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/target/f1.png", contents: Data(BadInput.target)))
        let r = try CLI.run(["fit", "fit.dmm", "--target", "target", "--steps", "5", "--resume", "-o", "fitted.dmm", "-q"], cwd: dir)
        // The checkpoint goes with the output name: fitted-checkpoint.json is missing here.
        #expect(r.status == 1 && r.stderr.hasPrefix("error: fitted-checkpoint.json: no checkpoint to resume from"), "\(r.stderr)")
        let ok = try CLI.run(["fit", "fit.dmm", "--target", "target", "--steps", "5", "--resume", "-o", "fit.dmm", "-q"], cwd: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/fit-checkpoint.json"), "a completed fit leaves its checkpoint")
        #expect(FileManager.default.fileExists(atPath: dir + "/fit-loss.csv"))
        let csv = try String(contentsOfFile: dir + "/fit-loss.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 6, "2 resumed + 3 new steps and the header:\n\(csv)")
    }

    /// The hash a recording carries is FNV-1a of the patch's canonical text (`dmm fmt`): the
    /// same for a re-spaced copy of the patch, another for a changed weight.
    @Test func hashIsOfTheCanonicalText() throws {
        let dir = CLI.tempDir()
        try Fixture.visual.write(toFile: dir + "/p.dmm", atomically: true, encoding: .utf8)
        let r = try CLI.run(["fmt", "p.dmm"], cwd: dir)
        #expect(r.status == 0)
        #expect(BadInput.fixtureHash == "fnv1a64:" + BadInput.fnv(r.stdout))
        let spaced = Fixture.visual.replacingOccurrences(of: "s.x = 3 x", with: "s.x   =  3   x")
        let changed = Fixture.visual.replacingOccurrences(of: "s.x = 3 x", with: "s.x = 4 x")
        for (text, same) in [(spaced, true), (changed, false)] {
            try text.write(toFile: dir + "/p.dmm", atomically: true, encoding: .utf8)
            let f = try CLI.run(["fmt", "p.dmm"], cwd: dir)
            #expect((BadInput.fixtureHash == "fnv1a64:" + BadInput.fnv(f.stdout)) == same)
        }
    }
}
