import Testing
import Foundation
import Live

/// `dmm live --osc` through the real binary against the datagrams that used to kill it, and
/// the other hostile shapes of the same kinds: each one is refused with one stderr line, the
/// session keeps ticking, applies the good packets between them and exits 0 at end of input.
@Suite struct LiveOSCHardeningCLITests {
    @Test func hostileDatagramsNeverStopTheSession() throws {
        let dir = LiveFixtures.tempDir()
        try LiveFixtures.write(LiveFixtures.visual, to: dir + "/p.dmm")
        let p = try DMMProcess(["live", "p.dmm", "--step", "--frames", "8", "--output", "out", "--no-audio",
                                "--record", "osc.log", "--osc", "0", "--plain"], cwd: dir)
        guard let listening = p.waitFor("osc: listening on 127.0.0.1:"),
              let port = Int(listening.split(separator: ":").last ?? "") else {
            Issue.record("no OSC port: \(p.stdout) \(p.stderr)"); p.process.terminate(); return
        }
        let udp = try OSCSender(port: port)
        let deep = String(repeating: "{a:", count: 16_000) + "1" + String(repeating: "}", count: 16_000)
        var nested = OSCPacket.message(OSCMessage("/s1/a", [.float(2)]))
        for _ in 0..<12 { nested = .bundle(timetag: 1, elements: [nested]) }
        let refused: [(OSCPacket, String)] = [
            (.message(OSCMessage("/s1/a", [.float(6.5), .float(1e30)])), "1e+30 seconds is not a duration"),
            (.message(OSCMessage("/dmm/glide", [.string("s1.a"), .float(6.5), .float(3.4e38)])), "3.4e+38 seconds is not a duration"),
            (.message(OSCMessage("/dmm/connect", [.string("t"), .string("s1.b"), .float(0.5), .float(1e30)])), "/dmm/connect: argument 4"),
            (.message(OSCMessage("/dmm/cmd", [.string("glide s1.a 8 1e300s")])), "'1e300s' is not a duration"),
            (.message(OSCMessage("/dmm/set", [.string("s1.a"), .float(3.4e38)])), "the value 3.4e+38 is out of range"),
            (.message(OSCMessage("/dmm/set", [.string("s1.a"), .float(-.nan)])), "must be a finite number"),
            (.message(OSCMessage("/dmm/cmd", [.string("at +9223372036854775807 set s1.a 1")])), "'at' needs a tick number"),
            (.message(OSCMessage("/dmm/cmd", [.string("quit")])), "not available over OSC"),
            (.message(OSCMessage("/dmm/delta", [.string(String(repeating: "{a:", count: 7_000) + "1" + String(repeating: "}", count: 7_000))])),
             "ΔW: nested deeper than {row:{column:dw}}"),
        ]
        let malformed: [([UInt8], String)] = [
            (OSCCodec.encode(.message(OSCMessage("/dmm/delta", [.string(deep)]))), "over the 32768-byte limit; dropped"),
            (OSCCodec.encode(nested), "bundles nested deeper than 8"),
            (Array("/b\0\0,b\0\0".utf8) + [0xFF, 0xFF, 0xFF, 0xFF], "blob size -1 is invalid"),
            (Array("#bundle\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFC], "bundle element size 2147483644 is invalid"),
            (Array("/a\0\0,s\0\0abcd".utf8), "string without its terminating NUL"),
        ]
        for (k, (packet, why)) in refused.enumerated() {
            udp.send(packet)
            #expect(p.waitFor("osc: refused from", count: k + 1, stderr: true, timeout: 10), "no refusal for \("\(packet)".prefix(80))")
            #expect(p.waitFor(why, stderr: true, timeout: 1) != nil, "expected '\(why)'")
        }
        for (k, (bytes, why)) in malformed.enumerated() {
            udp.send(bytes)
            #expect(p.waitFor("osc: malformed packet from", count: k + 1, stderr: true, timeout: 10), "no report for \(why)")
            #expect(p.waitFor(why, stderr: true, timeout: 1) != nil, "expected '\(why)'")
        }
        // A far-future timetag is placed at the last tick an edit may name, not a trap.
        udp.send(.bundle(timetag: 0xFFFF_FFFF_FFFF_FFFF, elements: [.message(OSCMessage("/s1/a", [.float(4)]))]))
        #expect(p.waitFor("osc: queued set s1.a 4 from", timeout: 10) != nil)
        // Still alive and applying edits.
        udp.send(.message(OSCMessage("/s1/a", [.float(3)])))
        #expect(p.waitFor("osc: queued set s1.a 3") != nil)
        p.send("step 2")
        #expect(p.waitFor("at tick 2") != nil)
        p.closeInput()
        #expect(p.wait() == 0, "\(p.stderr)")
        #expect(p.stdout.contains { $0.contains("@0 osc: set s1.a 3") })
        #expect(p.stdout.contains { $0.contains("OSC: 16 packets, 5 malformed, 9 refused") }, "\(p.stdout)")
        // The log replays (and names its patch).
        let r = try DMMProcess.run(["render", "p.dmm", "--replay", "osc.log", "-o", "replay", "--frames", "8", "-q"], cwd: dir)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        #expect(Frames.firstDifference(dir + "/out", dir + "/replay", count: 8) == nil)
    }

    /// `dmm render --replay` of a log recorded with another patch is an error; --force-replay
    /// replays it with a warning.
    @Test func replayChecksThePatch() throws {
        let dir = LiveFixtures.tempDir()
        try LiveFixtures.write(LiveFixtures.visual, to: dir + "/p.dmm")
        let live = try DMMProcess(["live", "p.dmm", "--step", "--frames", "4", "--output", "out", "--no-audio",
                                   "--record", "e.log", "--plain", "-q"], cwd: dir)
        live.send("step 1"); live.send("set s1.a 3")
        live.closeInput()
        #expect(live.wait() == 0, "\(live.stderr)")
        try LiveFixtures.write(LiveFixtures.visual.replacingOccurrences(of: "s1.a = 6", with: "s1.a = 5"), to: dir + "/q.dmm")
        let bad = try DMMProcess.run(["render", "q.dmm", "--replay", "e.log", "-o", "q", "-q"], cwd: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("e.log:2:1: error: the log was recorded with another patch (fnv1a64:"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/q"))
        let forced = try DMMProcess.run(["render", "q.dmm", "--replay", "e.log", "-o", "q", "-q", "--force-replay"], cwd: dir)
        #expect(forced.status == 0 && forced.stderr.hasPrefix("e.log: warning: the log was recorded with another patch"), "\(forced.stderr)")
    }
}
