import Foundation
import MediaIO
import Testing

/// `dmm synth` end to end: files, formats, channels, errors, the showcase patches.
@Suite struct SynthCommandTests {
    @Test func writesTheFormatAskedFor() throws {
        let dir = CLI.tempDir()
        let patch = dir + "/tone.dmm"
        try "rate 48000\no: osc.saw\nout: audio.out\no.freq = 220\nout.left = 0.3 o\n".write(toFile: patch, atomically: true, encoding: .utf8)
        let r = try CLI.run(["synth", patch, "--seconds", "0.25", "-q", "--stats"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let wav = try AudioFileWriter.read(path: dir + "/tone.wav")           // default name, mono
        #expect(wav.channels == 1 && wav.sampleRate == 48_000 && wav.samples.count == 12_000)
        #expect(r.stdout.contains("\"frames\": 12000"))
        let f = try CLI.run(["synth", patch, "-o", "t.flac", "--seconds", "0.1", "--rate", "44100", "--block", "1", "-q"], cwd: dir)
        #expect(f.status == 0, "\(f.stderr)")
        let flac = try AudioFileWriter.read(path: dir + "/t.flac")
        #expect(flac.sampleRate == 44_100 && flac.samples.count == 4410)
        let s = try CLI.run(["synth", patch, "-o", "t.ogg", "--seconds", "0.2", "--spectrogram", "t.png", "-q"], cwd: dir)
        #expect(s.status == 0)
        // Both files decode: 0.2 s of mono Vorbis at 48 kHz, a 1024×512 spectrogram (the samples
        // and the tone's row are checked in ClaimsSynthTests.oggDecodesLikeWav and
        // .spectrogramShowsTheToneAtItsRow).
        let ogg = try AudioFileWriter.read(path: dir + "/t.ogg")
        #expect(ogg.channels == 1 && ogg.sampleRate == 48_000 && ogg.samples.count == 9600)
        let png = try PNGCodec.read(path: dir + "/t.png")
        #expect(png.width == 1024 && png.height == 512)
    }

    @Test func errorsNameTheProblem() throws {
        let dir = CLI.tempDir()
        try "o: osc.sine\n".write(toFile: dir + "/silent.dmm", atomically: true, encoding: .utf8)
        let r = try CLI.run(["synth", "silent.dmm", "-q"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("no sound output"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/silent.wav"))
        let bad = try CLI.run(["synth", "silent.dmm", "--format", "mp3"], cwd: dir)
        #expect(bad.status == 64)
    }

    /// The showcase patches render, sound, and do not clip.
    @Test(arguments: ["fm-bell", "saw-pad", "drone", "av-pulse", "seq-melody", "audio-reactive"])
    func showcasePatches(_ name: String) throws {
        let dir = CLI.tempDir()
        let r = try CLI.run(["synth", CLI.repoRoot + "/patches/\(name).dmm", "-o", "x.wav", "--seconds", "1.5", "-q", "--stats"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let rms = try #require(json?["rms"] as? Double), peak = try #require(json?["peak"] as? Double)
        #expect(rms > 0.01 && peak <= 1, "\(name): rms \(rms), peak \(peak)")
    }
}
