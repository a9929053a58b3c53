import Testing
import Foundation
import Live

/// `dmm live` driven as a user drives it: the real binary, commands on stdin, OSC over a real
/// UDP socket on 127.0.0.1, frames written headless, then compared with `dmm render --replay`.
@Suite(.serialized) struct LiveCLITests {
    let dir = LiveFixtures.tempDir()
    var patch: String { dir + "/p.dmm" }

    init() throws { try LiveFixtures.write(LiveFixtures.visual, to: dir + "/p.dmm") }

    func logLines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    func render(_ out: String, frames: Int, replay: String? = nil) throws {
        var args = ["render", patch, "-o", out, "--frames", "\(frames)", "-q"]
        if let replay { args += ["--replay", replay] }
        let r = try DMMProcess.run(args, cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// Commands on stdin in step mode land at exact ticks; the frames equal an offline replay
    /// of the recorded log, and first differ from the unedited patch where the edit shows.
    @Test func stdinEditsLandAtTheirTicks() throws {
        let script = """
        step 5
        set s1.a 3
        step 2
        glide s1.a 5 3t
        at 10 connect y -> s1.b 0.5
        set s9.a 1
        show s1
        """
        let p = try DMMProcess(["live", patch, "--step", "--frames", "14", "--output", "live", "--no-audio",
                                "--record", "edits.log", "--plain"], cwd: dir)
        for l in script.split(separator: "\n") { p.send(String(l)) }
        p.closeInput()
        #expect(p.wait() == 0, "\(p.stderr)")
        let out = p.stdout
        #expect(out.contains("at tick 5") && out.contains("at tick 7"))
        #expect(out.contains("@5 set s1.a 3"))
        #expect(out.contains("queued for tick 10: set s1.b 0.5 y"))
        // Errors go to stderr (not a terminal), replies and applied edits to stdout.
        #expect(p.waitFor("error: unknown neuron 's9'; did you mean 's1'?", stderr: true) != nil)
        #expect(!out.contains { $0.hasPrefix("error:") })
        #expect(out.contains("  s1.a = 3"))
        #expect(out.contains("@10 set s1.b 0.5 y"))
        let log = try logLines(dir + "/edits.log")
        #expect(log.count == 5)
        #expect(log.first == "5\t{s1.a:{one:-3}}")
        #expect(log.map { $0.split(separator: "\t")[0] } == ["5", "7", "8", "9", "10"])
        #expect(log.last == "10\t{s1.b:{y:0.5}}")

        try render(dir + "/replay", frames: 14, replay: dir + "/edits.log")
        #expect(Frames.firstDifference(dir + "/live", dir + "/replay", count: 14) == nil)
        try render(dir + "/base", frames: 14)
        // s1.a changes at tick 5, s1 at tick 5, the picture one connection later: frame 7.
        #expect(Frames.firstDifference(dir + "/live", dir + "/base", count: 14) == 7)
    }

    /// OSC over UDP on loopback in step mode: a malformed packet is counted and survived; a
    /// per-input message and an "immediately" bundle land at the next tick.
    @Test func oscOverUDPLandsAtTheNextTick() throws {
        let p = try DMMProcess(["live", patch, "--step", "--frames", "12", "--output", "live-osc", "--no-audio",
                                "--record", "osc.log", "--osc", "0", "--plain"], cwd: dir)
        guard let listening = p.waitFor("osc: listening on 127.0.0.1:"),
              let port = Int(listening.split(separator: ":").last ?? "") else {
            Issue.record("no OSC port: \(p.stdout) \(p.stderr)"); p.process.terminate(); return
        }
        p.send("step 4")
        #expect(p.waitFor("at tick 4") != nil)
        let udp = try OSCSender(port: port)
        udp.send([0x2F, 0x78, 0x00])                        // not OSC: 3 bytes
        udp.send(Array("/s1/a\0\0\0,x\0\0".utf8))            // bad type tag
        #expect(p.waitFor("malformed packet", stderr: true) != nil)
        udp.send(.message(OSCMessage("/s1/a", [.float(3)])))
        #expect(p.waitFor("osc: queued set s1.a 3") != nil)
        udp.send(.bundle(timetag: OSCCodec.immediately, elements: [
            .message(OSCMessage("/dmm/connect", [.string("y"), .string("s1.b"), .float(0.5)])),
        ]))
        #expect(p.waitFor("osc: queued set s1.b 0.5 y") != nil)
        udp.send(.message(OSCMessage("/dmm/set", [.string("s7.a"), .float(1)])))
        #expect(p.waitFor("osc: refused", stderr: true) != nil)
        p.send("step 3")
        #expect(p.waitFor("at tick 7") != nil)
        p.closeInput()
        #expect(p.wait() == 0, "\(p.stderr)")
        #expect(p.stdout.contains { $0.contains("@4 osc: set s1.a 3") })
        #expect(p.stdout.contains { $0.contains("OSC: 5 packets, 2 malformed, 1 refused") })
        #expect(try logLines(dir + "/osc.log") == ["4\t{s1.a:{one:-3}, s1.b:{y:0.5}}"])
        try render(dir + "/replay-osc", frames: 12, replay: dir + "/osc.log")
        #expect(Frames.firstDifference(dir + "/live-osc", dir + "/replay-osc", count: 12) == nil)
        try render(dir + "/base-osc", frames: 12)
        #expect(Frames.firstDifference(dir + "/live-osc", dir + "/base-osc", count: 12) == 6)
    }

    /// In real time (100 ticks a second), packets sent while the patch runs are applied at
    /// whatever tick they reach, logged with it, and the offline replay reproduces the run.
    @Test func realTimeOSCRecordAndReplay() throws {
        let p = try DMMProcess(["live", patch, "--ticks-per-second", "100", "--frames", "150", "--output", "live-rt",
                                "--no-audio", "--record", "rt.log", "--osc", "0", "--plain"], cwd: dir)
        guard let listening = p.waitFor("osc: listening on 127.0.0.1:"),
              let port = Int(listening.split(separator: ":").last ?? "") else {
            Issue.record("no OSC port: \(p.stdout) \(p.stderr)"); p.process.terminate(); return
        }
        let udp = try OSCSender(port: port)
        for (k, v) in [2.0, 3.5, 5.0].enumerated() {
            Thread.sleep(forTimeInterval: 0.1)
            udp.send(.message(OSCMessage("/dmm/glide", [.string("s1.a"), .float(Float(v)), .float(0.05)])))
            #expect(p.waitFor("osc: glide s1.a", count: k + 1, timeout: 10), "edit \(k)")
        }
        p.closeInput()
        #expect(p.wait() == 0, "\(p.stderr)")
        let log = try logLines(dir + "/rt.log")
        #expect(log.count >= 3)
        let ticks = log.map { Int($0.split(separator: "\t")[0])! }
        #expect(ticks == ticks.sorted() && ticks.first! > 0 && ticks.last! < 150)
        try render(dir + "/replay-rt", frames: 150, replay: dir + "/rt.log")
        #expect(Frames.firstDifference(dir + "/live-rt", dir + "/replay-rt", count: 150) == nil)
        try render(dir + "/base-rt", frames: 150)
        #expect(Frames.firstDifference(dir + "/live-rt", dir + "/base-rt", count: 150) == ticks.first! + 2)
    }

    /// `add` through the binary: the log carries the declaration and replays it.
    @Test func structuralEditsReplay() throws {
        let p = try DMMProcess(["live", patch, "--step", "--frames", "10", "--output", "live-add", "--no-audio",
                                "--record", "add.log", "--plain", "-q"], cwd: dir)
        for l in ["step 2", "add s2: cos", "s2.x = 4 x + y", "connect s2 -> out.b 0.5", "step 3", "remove fb"] { p.send(l) }
        p.closeInput()
        #expect(p.wait() == 0, "\(p.stderr)")
        #expect(try logLines(dir + "/add.log") == ["2\tdeclare s2: cos", "2\t{out.b:{s2:0.5}, s2.x:{x:4, y:1}}", "5\tremove fb"])
        try render(dir + "/replay-add", frames: 10, replay: dir + "/add.log")
        #expect(Frames.firstDifference(dir + "/live-add", dir + "/replay-add", count: 10) == nil)
    }

    @Test func badOptionsAndPatchErrors() throws {
        let r = try DMMProcess.run(["live", patch, "--step", "--no-pace"], cwd: dir)
        #expect(r.status == 64 && r.stderr.contains("choose one of --no-pace, --step and --ticks-per-second"))
        try "t: clock\nout: rgb\nout.r = t + s9\n".write(toFile: dir + "/bad.dmm", atomically: true, encoding: .utf8)
        let b = try DMMProcess.run(["live", "bad.dmm", "--no-audio"], cwd: dir)
        #expect(b.status == 1)
        #expect(b.stderr.hasPrefix("bad.dmm:3:13: error: unknown neuron 's9'"))
        let h = try DMMProcess.run(["live", patch, "--osc", "0", "--osc-host", "nowhere", "--step"], cwd: dir)
        #expect(h.status == 1 && h.stderr.contains("is not an IPv4 address"))
    }
}
