import Testing
import Foundation
import MediaIO

@Suite(.serialized) struct RenderCommandTests {
    /// The acceptance check: 120 PNGs of 256×256 whose pixels match an independent
    /// evaluation of the network, and two renders byte for byte the same.
    @Test func plasmaMatchesIndependentEvaluationAndRepeats() throws {
        let dir = CLI.tempDir()
        let patch = CLI.repoRoot + "/patches/plasma.dmm"
        let r1 = try CLI.run(["render", patch, "-o", dir + "/a", "-q"])
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = try CLI.run(["render", patch, "-o", dir + "/b", "-q"])
        #expect(r2.status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/a").filter { $0.hasSuffix(".png") }.sorted()
        #expect(files.count == 120)
        #expect(files.first == "frame_00001.png" && files.last == "frame_00120.png")
        for f in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a/" + f))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b/" + f))
            #expect(a == b, "\(f) differs between two renders")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/a").filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)

        var worst = 0, checked = 0
        for frame in [1, 2, 3, 60, 120] {
            let img = try PNGCodec.read(path: dir + "/a/" + String(format: "frame_%05d.png", frame))
            #expect(img.width == 256 && img.height == 256)
            let expected = PlasmaReference.frame(frame, width: 256, height: 256, sampleEvery: 7)
            for (pixel, rgb) in expected {
                for c in 0..<3 {
                    worst = max(worst, abs(Int(img.pixels[pixel * 3 + c]) - Int(rgb[c])))
                    checked += 1
                }
            }
        }
        #expect(checked > 10_000)
        #expect(worst <= 1, "Float kernels may differ from the Double reference by one step of rounding, no more")
    }

    @Test func badPatchFailsWithLocationAndWritesNothing() throws {
        let dir = CLI.tempDir()
        try "t: clock\nout: rgb\nout.r = t + s9\n".write(toFile: dir + "/bad.dmm", atomically: true, encoding: .utf8)
        let r = try CLI.run(["render", "bad.dmm", "-q"], cwd: dir)
        #expect(r.status == 1)
        let first = r.stderr.split(separator: "\n").first.map(String.init)
        #expect(first == "bad.dmm:3:13: error: unknown neuron 's9'")
        #expect(!FileManager.default.fileExists(atPath: dir + "/renders"))
    }

    @Test func missingPatchAndBadOptions() throws {
        let r = try CLI.run(["render", "nope.dmm", "-q"])
        #expect(r.status == 1)
        #expect(r.stderr == "nope.dmm: error: cannot read patch: No such file or directory\n")
        let v = try CLI.run(["render", CLI.repoRoot + "/patches/plasma.dmm", "--frames", "0"])
        #expect(v.status == 64)
        #expect(v.stderr.contains("--frames must be a whole number from 1 to 10000000, not '0'"))
    }

    @Test func demoRendersWithNoPatch() throws {
        let dir = CLI.tempDir()
        let r = try CLI.run(["render", "-q", "--frames", "3", "--size", "64x48"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let img = try PNGCodec.read(path: dir + "/renders/demo/frame_00003.png")
        #expect(img.width == 64 && img.height == 48)
        #expect(Set(img.pixels).count > 10, "frame 3 is not blank")
        // It moves, and it repeats exactly.
        let first = try PNGCodec.read(path: dir + "/renders/demo/frame_00001.png")
        #expect(first.pixels != img.pixels, "frames 1 and 3 of the demo are the same picture")
        let dir2 = CLI.tempDir()
        #expect(try CLI.run(["render", "-q", "--frames", "3", "--size", "64x48"], cwd: dir2).status == 0)
        #expect(try PNGCodec.read(path: dir2 + "/renders/demo/frame_00003.png").pixels == img.pixels)
    }

    /// An audiovisual patch: frames, a WAV of exactly frames ÷ fps seconds, and an MP4 with both
    /// streams when ffmpeg is installed.
    @Test(.enabled(if: FFmpeg.path() != nil, "needs ffmpeg on PATH"))
    func audiovisualRenderMuxesMP4() throws {
        let dir = CLI.tempDir()
        let r = try CLI.run(["render", CLI.repoRoot + "/patches/av-pulse.dmm", "-o", dir, "--frames", "15", "--mp4", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let audio = try AudioFileWriter.read(path: dir + "/audio.wav")
        #expect(audio.samples.count / audio.channels == 15 * audio.sampleRate / 30)
        let mp4 = (try? FileManager.default.attributesOfItem(atPath: dir + "/av-pulse.mp4")[.size] as? Int) ?? 0
        #expect(mp4 > 1000)
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: FFmpeg.path()!.replacingOccurrences(of: "ffmpeg", with: "ffprobe"))
        probe.arguments = ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", dir + "/av-pulse.mp4"]
        let out = Pipe()
        probe.standardOutput = out
        try probe.run(); probe.waitUntilExit()
        let kinds = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").sorted()
        #expect(kinds == ["audio", "video"])
        // 15 frames at 30 fps: half a second, within a frame.
        let dur = Process()
        dur.executableURL = probe.executableURL
        dur.arguments = ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", dir + "/av-pulse.mp4"]
        let dout = Pipe()
        dur.standardOutput = dout
        try dur.run(); dur.waitUntilExit()
        let seconds = Double(String(decoding: dout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(abs(seconds - 0.5) <= 1.0 / 30 + 0.03, "the MP4 lasts \(seconds) s, not 0.5 s")
    }

    @Test func fmtAndInspect() throws {
        let dir = CLI.tempDir()
        try "# keep me\nsize 8x8\nx:coord.x\no: rgb\no.r=0.5 x+1 # bright\n".write(toFile: dir + "/p.dmm", atomically: true, encoding: .utf8)
        let f = try CLI.run(["fmt", "p.dmm"], cwd: dir)
        #expect(f.status == 0)
        #expect(f.stdout == "# keep me\nsize 8x8\nx: coord.x\no: rgb\no.r = 0.5 x + 1  # bright\n")
        let i = try CLI.run(["inspect", "p.dmm"], cwd: dir)
        #expect(i.stdout.contains("o    rgb [field]  in: r, g, b  out: r, g, b"))
        #expect(i.stdout.contains("o.r = 1 + 0.5 x"))
        #expect(i.stdout.contains("warm-up ticks before frame 1: 1"), "\(i.stdout)")   // x → o
        let d = try CLI.run(["inspect", "p.dmm", "--dot", "-"], cwd: dir)
        #expect(d.stdout.hasPrefix("digraph dmm {"))
        #expect(d.stdout.contains("\"x\" -> \"o\" [label=\"0.5 → r\"]"))
    }
}
