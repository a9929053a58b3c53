import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Rendering
import Testing

/// `sample`: a file at another rate plays at its recorded pitch (windowed-sinc resampling,
/// checked sample by sample against the continuous sine in Double), `rate` transposes,
/// `loop` repeats, a missing or bad file is a load error at its line.
@Suite struct SampleTests {
    /// Writes `seconds` of a sine at `hz` Hz, amplitude 0.5, at `rate` as 32-bit float WAV.
    static func tone(_ dir: String, hz: Double, rate: Int, seconds: Double) throws -> String {
        let n = Int(Double(rate) * seconds)
        let x = (0..<n).map { Float(0.5 * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
        let path = dir + "/tone.wav"
        try AudioFileWriter.write(interleaved: x, channels: 1, sampleRate: rate, format: .float, to: path)
        return path
    }

    static func patch(_ file: String, rows: String = "", loop: Int = 0) -> String {
        """
        rate 48000
        block 64
        p: sample(file: "\(file)", loop: \(loop))
        out: audio.out
        \(rows)
        out.left = p
        """
    }

    /// A 44.1 kHz 1 kHz tone in a 48 kHz patch: every output sample is the continuous sine at
    /// that instant (one block late, the connection into audio.out) within −80 dB.
    @Test func resampledPlaybackIsTheContinuousSignal() throws {
        let dir = ScratchDirectory()
        let file = try Self.tone(dir.path, hz: 1000, rate: 44_100, seconds: 1)
        let y = try AudioTest.render(Self.patch(file), seconds: 1.2)
        var worst = 0.0
        for n in 2_000..<40_000 {
            let t = Double(n - 64) / 48_000
            worst = max(worst, abs(Double(y[n]) - 0.5 * sin(2 * Double.pi * 1000 * t)))
        }
        #expect(AudioTest.db(worst / 0.5) < -80, "worst error \(AudioTest.db(worst / 0.5)) dB")
        #expect(abs(AudioTest.peakFrequency(y[4_000..<40_000]) - 1000) < 5.1)
        // Not looped: silent after the file's one second (plus the kernel's reach).
        #expect(AudioTest.rms(y[49_000..<57_000]) == 0)
    }

    /// `rate` 1.5 plays a fifth up; `rate` 3 (above what 48 kHz carries for the file's top
    /// octave) still gives the right pitch; `loop` keeps it going.
    @Test(arguments: [(1.5, 1500.0), (0.5, 500.0), (3.0, 3000.0)])
    func rateTransposesAndLoopRepeats(rate: Double, hz: Double) throws {
        let dir = ScratchDirectory()
        let file = try Self.tone(dir.path, hz: 1000, rate: 22_050, seconds: 0.5)
        let y = try AudioTest.render(Self.patch(file, rows: "p.rate = \(rate)", loop: 1), seconds: 2)
        #expect(abs(AudioTest.peakFrequency(y[48_000..<96_000], fftSize: 48_000) - hz) <= 2, "rate \(rate)")
        #expect(AudioTest.rms(y[90_000..<96_000]) > 0.3)
    }

    /// A trigger restarts the sound: two hits of a seq, each replays the file from its start.
    @Test func trigRestarts() throws {
        let dir = ScratchDirectory()
        let file = try Self.tone(dir.path, hz: 1000, rate: 48_000, seconds: 0.1)
        let text = """
        rate 48000
        block 64
        bpm 120
        s: seq(pattern: "1 ~ 1 ~")
        p: sample(file: "\(file)")
        out: audio.out
        p.trig = s.trig
        out.left = p
        """
        let y = try AudioTest.render(text, seconds: 2)
        // Hits at 0 and 1 s (step 0 and 2 of a 2 s bar); seq → sample → out is two ticks.
        for hit in [0, 48_000] {
            let a = hit + 128
            #expect(abs(Double(y[a + 12]) - 0.5 * sin(2 * Double.pi * 1000 * 12 / 48_000)) < 1e-4)
            #expect(AudioTest.rms(y[(a + 100)..<(a + 4_000)]) > 0.3)
            #expect(AudioTest.rms(y[(a + 5_000)..<(a + 20_000)]) == 0)
        }
    }

    @Test func missingOrBadFileIsALoadErrorAtItsLine() throws {
        let dir = ScratchDirectory()
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: dir.path + "/bad.wav"))
        for (file, why) in [("nope.wav", "cannot read 'nope.wav'"), ("bad.wav", "cannot read 'bad.wav'")] {
            let path = dir.path + "/p.dmm"
            try Self.patch(file).write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try PatchLoader.load(path: path)
                Issue.record("\(file) loaded")
            } catch {
                #expect(error.line == 3 && error.column == 17, "\(error)")
                #expect(error.message.contains(why), "\(error.message)")
            }
        }
        // No file at all: refused at the declaration.
        do {
            _ = try PatchBuilder.build(PatchParser.parse("rate 48000\np: sample\nout: audio.out\nout.left = p\n", file: "t.dmm"))
            Issue.record("a sample without a file loaded")
        } catch {
            #expect(error.line == 2 && error.message.contains("sample needs file"), "\(error)")
        }
        // A file next to the patch is found by its relative name.
        _ = try Self.tone(dir.path, hz: 440, rate: 8_000, seconds: 0.1)
        let path = dir.path + "/p.dmm"
        try Self.patch("tone.wav").write(toFile: path, atomically: true, encoding: .utf8)
        let net = try PatchLoader.load(path: path).network
        #expect((net.neurons[net.index(of: "p")!].kind as? SamplePlayer)?.data?.rate == 8_000)
    }
}
