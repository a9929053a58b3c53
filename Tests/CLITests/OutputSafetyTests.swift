import Testing
import Foundation
import MediaIO

/// Through the real binary: SIGINT/SIGTERM leave complete files only, `--on-nan` clip/zero go
/// on with a warning that `-q` keeps, clipping is reported under `-q`, symlinks are followed.
@Suite(.serialized) struct OutputSafetyTests {
    static let longAudio = """
    rate 48000
    block 64
    seconds 36000
    o: osc.sine
    out: audio.out
    o.freq = 220
    out.left = 0.5 o

    """
    static let longVisual = """
    size 256x256
    fps 30
    frames 100000
    t: clock
    x: coord.x
    y: coord.y
    s: sin
    out: rgb
    s.x = 30 x + 20 y
    s.b = t
    out.r = s
    out.g = s
    out.b = s

    """

    /// Starts `dmm args` in `dir`, sends `sig` after `delay` s, returns (status, stderr).
    static func interrupt(_ args: [String], in dir: String, signal sig: Int32, after delay: Double) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: delay)
        kill(p.processIdentifier, sig)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    static func tmpLeftovers(_ dir: String) -> [String] {
        ((FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []).filter { $0.contains(".tmp") }
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func synthStopsCleanly(_ c: (Int32, Int32)) throws {
        let dir = CLI.tempDir()
        try Self.longAudio.write(toFile: dir + "/long.dmm", atomically: true, encoding: .utf8)
        let (status, stderr) = try Self.interrupt(["synth", "long.dmm", "-q", "-o", "long.wav"], in: dir, signal: c.0, after: 0.4)
        #expect(status == c.1, "\(stderr)")
        #expect(stderr.hasPrefix("error: interrupted by SIG"))
        #expect(Self.tmpLeftovers(dir).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir + "/long.wav"))
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func renderKeepsFinishedFramesOnly(_ c: (Int32, Int32)) throws {
        let dir = CLI.tempDir()
        try Self.longVisual.write(toFile: dir + "/v.dmm", atomically: true, encoding: .utf8)
        let (status, stderr) = try Self.interrupt(["render", "v.dmm", "-q", "-o", "fr"], in: dir, signal: c.0, after: 0.5)
        #expect(status == c.1, "\(stderr)")
        #expect(Self.tmpLeftovers(dir).isEmpty)
        let frames = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/fr")) ?? []
        for f in frames {
            let image = try PNGCodec.read(path: dir + "/fr/" + f)   // every frame left decodes
            #expect(image.width == 256 && image.height == 256)
        }
    }

    /// A live session stopped by Ctrl-C or SIGTERM keeps what it wrote: exit 130/143, every
    /// frame it finished decodes, no temporary file, and its edit log replays.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func liveStopsCleanly(_ c: (Int32, Int32)) throws {
        let dir = CLI.tempDir()
        try Self.longVisual.write(toFile: dir + "/v.dmm", atomically: true, encoding: .utf8)
        let (status, stderr) = try Self.interrupt(["live", "v.dmm", "--no-audio", "--plain", "--frames", "100000",
                                                   "--output", "lv", "--record", "lv.log", "--latest", "latest.png"],
                                                  in: dir, signal: c.0, after: 1.5)
        #expect(status == c.1, "\(stderr)")
        #expect(Self.tmpLeftovers(dir).isEmpty)
        let frames = ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/lv")) ?? []).filter { $0.hasSuffix(".png") }
        #expect(!frames.isEmpty, "no frame was written in 1.5 s")
        for f in frames { _ = try PNGCodec.read(path: dir + "/lv/" + f) }
        let replay = try CLI.run(["render", "v.dmm", "--replay", "lv.log", "--frames", "2", "-o", "rp", "-q"], cwd: dir)
        #expect(replay.status == 0, "the log of an interrupted session must replay: \(replay.stderr)")
    }

    static let runaway = BadInput.runaway

    @Test(arguments: ["clip", "zero"]) func onNanGoesOnWithAWarning(_ policy: String) throws {
        let dir = CLI.tempDir()
        try Self.runaway.write(toFile: dir + "/r.dmm", atomically: true, encoding: .utf8)
        let r = try CLI.run(["synth", "r.dmm", "-q", "--on-nan", policy, "-o", "r.wav"], cwd: dir)
        #expect(r.status == 0)
        #expect(r.stderr.hasPrefix("warning: neuron 'acc' (accum) produced inf at tick 79 (0.63 s); "))
        #expect(r.stderr.contains("(--on-nan \(policy))"))
        let audio = try AudioFileWriter.read(path: dir + "/r.wav")
        #expect(audio.samples.count == 16_000)
        #expect(audio.samples.allSatisfy { $0.isFinite })
    }

    @Test func clippingIsReportedUnderQuiet() throws {
        let dir = CLI.tempDir()
        try "rate 8000\nblock 64\nseconds 0.5\no: osc.sine\nout: audio.out\no.freq = 220\nout.left = 3 o\n"
            .write(toFile: dir + "/l.dmm", atomically: true, encoding: .utf8)
        let r = try CLI.run(["synth", "l.dmm", "-q"], cwd: dir)
        #expect(r.status == 0)
        #expect(r.stderr.hasPrefix("warning: 3140 samples beyond full scale were clipped, first at 0.0 s"))
        let f = try CLI.run(["synth", "l.dmm", "-q", "--format", "float"], cwd: dir)
        #expect(f.stderr.isEmpty, "float keeps values beyond ±1: \(f.stderr)")
    }

    @Test func symlinkIsFollowedAndKept() throws {
        let dir = CLI.tempDir()
        try Fixture.audio.write(toFile: dir + "/a.dmm", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.wav", withDestinationPath: "real.wav")
        let r = try CLI.run(["synth", "a.dmm", "-q", "-o", "link.wav"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.wav") == "real.wav")
        #expect(try AudioFileWriter.read(path: dir + "/real.wav").samples.count == 1600)   // 0.1 s at 8 kHz, stereo
        #expect(Self.tmpLeftovers(dir).isEmpty)
    }
}
