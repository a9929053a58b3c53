import Testing
import DMMCore
import Foundation
import MediaIO
import Rendering

/// Rendering sound: files, determinism, block sizes, audio in sync with pictures.
@Suite struct AudioRenderTests {
    /// A patch with most audio kinds: FM, band-limited saws, noise, envelopes, a resonant
    /// filter, a delay feedback loop through the matrix and a scalar LFO.
    static let mixed = """
        rate 48000
        block 64
        seed 3
        lfo: lf.tri
        m: fm.op
        c: fm.op
        s: osc.saw
        p: osc.pulse
        n: noise.pink
        e: env.breakpoints(points: "0 0, 0.01 1, 0.3 0.2")
        f: filter.lowpass
        d: delay(max: 0.1)
        v: mul
        out: audio.out
        lfo.freq = 3
        m.freq = 330
        m.fb = 0.5
        c.freq = 220
        c.pm = 2 m
        s.freq = 110 + 3 lfo
        p.freq = 165
        p.width = 0.3
        f.in = 0.4 s + 0.3 p + 0.2 n
        f.cutoff = 900 + 400 lfo
        f.res = 0.5
        v.a = f + 0.5 c
        v.b = e
        d.in = v + 0.5 d
        d.time = 0.011
        out.left = 0.5 v + 0.3 d
        out.right = 0.4 v + 0.4 d
        """

    @Test func renderIsDeterministic() throws {
        let dir = ScratchDirectory()
        let net = try AudioTest.network(Self.mixed)
        for format in [AudioFormat.wav16, .float, .flac, .ogg] {
            let a = dir.file("a.\(format.fileExtension)"), b = dir.file("b.\(format.fileExtension)")
            _ = try AudioRenderer.render(network: net, seconds: 0.4, to: a, format: format)
            _ = try AudioRenderer.render(network: net, seconds: 0.4, to: b, format: format)
            let da = try #require(FileManager.default.contents(atPath: a))
            let db = try #require(FileManager.default.contents(atPath: b))
            #expect(da == db, "\(format) renders differ")
            #expect(da.count > 1000)
        }
        let read = try AudioFileWriter.read(path: dir.file("a.wav"))
        #expect(read.channels == 2 && read.sampleRate == 48_000 && read.samples.count == 2 * 19_200)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
                == ["a.flac", "a.ogg", "a.wav", "b.flac", "b.ogg", "b.wav"])
    }

    /// Mono patches (nothing on `right`) are written as one channel.
    @Test func monoIsOneChannel() throws {
        let r = try AudioRenderer.renderSamples(network: AudioTest.network(AudioTest.single("osc.sine", "o.freq = 100")), seconds: 0.1)
        #expect(r.channels == 1 && r.samples.count == 4800)
        let s = try AudioRenderer.renderSamples(network: AudioTest.network(Self.mixed), seconds: 0.1)
        #expect(s.channels == 2 && s.samples.count == 9600)
    }

    /// Warm-up lines the longest chain up with time 0, so a feed-forward patch whose sources
    /// all sit at the same depth from `audio.out` sounds the same at any block size. (Every
    /// connection costs a tick, so a source on a shorter path, an envelope started at tick 0
    /// or a modulator feeding `pm` is shifted by a whole number of blocks: DMM semantics.)
    @Test func blockSizeIndependence() throws {
        let text = """
            rate 48000
            s: osc.saw
            t: osc.tri
            f: filter.lowpass
            g: onepole
            d: delay(max: 0.05)
            v: mul
            out: audio.out
            s.freq = 110
            t.freq = 333
            f.in = 0.5 s + 0.3 t
            f.cutoff = 1500
            f.res = 0.3
            g.in = f
            g.cutoff = 5000
            d.in = g
            d.time = 0.0123
            v.a = g
            v.b = 0.7
            out.left = v + 0.4 d
            """
        let reference = try AudioTest.render(text, seconds: 0.2, block: 64)
        #expect(AudioTest.rms(reference[...]) > 0.05)
        for block in [1, 7, 16, 100, 1000] {
            let x = try AudioTest.render(text, seconds: 0.2, block: block)
            var worst: Float = 0
            for j in 0..<x.count { worst = max(worst, abs(x[j] - reference[j])) }
            #expect(worst < 1e-4, "block \(block): \(worst)")
        }
    }

    /// Batched ticks (`runAudio`) against one `tick` at a time, with a loop through the matrix,
    /// a scalar LFO ramped into signals and grouped operators: the same sound.
    @Test(arguments: [1, 3, 64])
    func batchedEqualsTickByTick(_ block: Int) throws {
        let net = try AudioTest.network(Self.mixed, block: block)
        let n = net.timing.samplesPerTick
        let ticks = 12_000 / n
        let a = try TickPlan(network: net, startTick: -2), b = try TickPlan(network: net, startTick: -2)
        var one = [Float](repeating: 0, count: ticks * n * 2), many = one
        one.withUnsafeMutableBufferPointer { p in for k in 0..<ticks { a.tick(audio: p.baseAddress! + k * n * 2) } }
        many.withUnsafeMutableBufferPointer { b.runAudio(ticks: ticks, audio: $0.baseAddress) }
        var worst: Float = 0
        for j in 0..<one.count { worst = max(worst, abs(one[j] - many[j])) }
        #expect(worst < 1e-4, "max difference \(worst)")
        #expect(a.currentTick == b.currentTick)
        #expect(AudioTest.rms(many[...]) > 0.01)
    }

    /// Ten minutes of 440 Hz stay on the exact phase (it is kept in `Double`).
    @Test func noDriftOverTenMinutes() throws {
        let net = try AudioTest.network(AudioTest.single("osc.sine", "o.freq = 440", block: 4800))
        let plan = try TickPlan(network: net, startTick: -1)
        plan.runAudio(ticks: 1, audio: nil)
        var buffer = [Float](repeating: 0, count: 4800 * 2)
        let blocks = 600 * 10
        for _ in 0..<(blocks - 1) { plan.runAudio(ticks: 1, audio: nil) }
        buffer.withUnsafeMutableBufferPointer { plan.runAudio(ticks: 1, audio: $0.baseAddress) }
        var worst = 0.0
        for j in 0..<4800 {
            let t = Double((blocks - 1) * 4800 + j) / 48_000
            var p = 440 * t; p -= p.rounded(.down)
            worst = max(worst, abs(Double(buffer[2 * j]) - Foundation.sin(2 * Double.pi * p)))
        }
        #expect(worst < 1e-4, "phase error after 10 min: \(worst)")
    }

    /// Samples per tick follow the picture in audiovisual patches and the block otherwise.
    @Test func samplesPerTick() {
        var t = Timing()
        t.visual = true; t.fps = 30; t.sampleRate = 48_000
        #expect(t.samplesPerTick == 1600)
        t.fps = 25; t.sampleRate = 44_100
        #expect(t.samplesPerTick == 1764)
        t.visual = false; t.block = 1
        #expect(t.samplesPerTick == 1)
        t.block = 64
        #expect(t.samplesPerTick == 64 && abs(t.secondsPerTick - 64.0 / 44_100) < 1e-12)
    }

    /// `dmm render` of a patch with a picture and a sound writes audio of exactly
    /// frames ÷ fps seconds.
    @Test func audioVisualSync() throws {
        let text = """
            size 32x32
            fps 30
            rate 48000
            lfo: lf.tri
            r: coord.r
            pic: rgb
            tone: osc.sine
            out: audio.out
            lfo.freq = 0.5
            pic.r = lfo + 0.5 r
            pic.g = 0.5 lfo
            pic.b = r
            tone.freq = 330 + 110 lfo
            out.left = 0.3 tone
            out.right = 0.3 tone
            """
        let dir = ScratchDirectory()
        var options = FrameRenderer.Options(directory: dir.path, frames: 45)
        options.audioPath = dir.file("audio.wav")
        let stats = try FrameRenderer.render(network: AudioTest.network(text), options: options)
        #expect(stats.frames == 45)
        let audio = try AudioFileWriter.read(path: dir.file("audio.wav"))
        #expect(audio.samples.count / audio.channels == 45 * 48_000 / 30)
        // The pitch follows the LFO. The LFO (a 0.5 Hz triangle, 0 at phase 0, 1 at 0.5 s) starts
        // with the warm-up, two ticks before frame 1, and the tone hears it one tick late: over
        // the first 20 ms it is between 0 and 0.18, the pitch between 330 and 350 Hz (10 Hz bins).
        let left = stride(from: 0, to: 2 * 960, by: 2).map { audio.samples[$0] }
        let early = AudioTest.peakFrequency(left[...], fftSize: 4800)
        #expect(early >= 330 && early <= 350, "pitch \(early) Hz over the first 20 ms")
        // Half a second later the LFO is near its peak (≈ 1): the pitch has risen towards 440 Hz.
        let later = stride(from: 2 * 24_000, to: 2 * 24_960, by: 2).map { audio.samples[$0] }
        #expect(AudioTest.peakFrequency(later[...], fftSize: 4800) > 400)
    }

    @Test func noSoundIsAnError() throws {
        let text = "rate 48000\no: osc.sine\no.freq = 100"
        #expect(throws: RenderError.self) {
            try AudioRenderer.renderSamples(network: AudioTest.network(text), seconds: 0.1)
        }
    }
}
