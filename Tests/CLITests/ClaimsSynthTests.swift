import Foundation
import MediaIO
import Testing

/// README claims about `dmm synth` and the audio kinds, checked on the files the real binary
/// writes (float WAV where exact samples matter).
@Suite struct ClaimsSynthTests {
    /// White and pink noise, seeded by the patch.
    static let noise = """
        rate 16000
        block 64
        seconds 0.25
        seed 5
        w: noise.white
        p: noise.pink
        out: audio.out
        out.left = 0.5 w
        out.right = 0.5 p

        """

    static func synth(_ text: String, _ args: [String] = [], in dir: String = CLI.tempDir(), name: String = "x") throws -> [Float] {
        try Claims.write(text, dir, name + ".dmm")
        try Claims.ok(["synth", name + ".dmm", "-o", name + ".wav", "--format", "float", "-q"] + args, in: dir)
        return try Claims.left(dir + "/" + name + ".wav")
    }

    /// "noise.white, noise.pink: seeded by the patch seed, identical at any block size".
    @Test func noiseIsIdenticalAtAnyBlockSize() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.noise, dir, "n.dmm")
        var files: [Int: [Float]] = [:]
        for block in [1, 7, 64, 1000] {
            try Claims.ok(["synth", "n.dmm", "-o", "b\(block).wav", "--format", "float", "--block", "\(block)", "-q"], in: dir)
            files[block] = try AudioFileWriter.read(path: dir + "/b\(block).wav").samples
        }
        let reference = try #require(files[64])
        #expect(reference.count == 2 * 4000 && Claims.rms(reference[...]) > 0.05)
        for block in [1, 7, 1000] {
            let same = files[block] == reference
            #expect(same, "block \(block) sounds different from block 64")
        }
    }

    /// `--seed` replaces the patch's seed: another seed, other noise; the same seed, the same
    /// bytes; `--seed 5` is the patch's own `seed 5`.
    @Test func seedChangesTheNoiseAndRepeats() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.noise, dir, "n.dmm")
        for (name, seed) in [("own", nil), ("five", "5"), ("one", "1"), ("oneAgain", "1"), ("two", "2")] as [(String, String?)] {
            try Claims.ok(["synth", "n.dmm", "-o", name + ".wav", "-q"] + (seed.map { ["--seed", $0] } ?? []), in: dir)
        }
        let b = { (n: String) in Claims.bytes(dir + "/\(n).wav") }
        #expect(b("own") == b("five"))
        #expect(b("one") == b("oneAgain"))
        #expect(b("one") != b("two") && b("one") != b("own"))
        // The header is the same; the samples differ almost everywhere.
        let one = try Claims.left(dir + "/one.wav"), two = try Claims.left(dir + "/two.wav")
        #expect(zip(one, two).filter { $0 != $1 }.count > one.count * 9 / 10)
        // And through `dmm render` for an audiovisual patch.
        try Claims.write(ClaimsRenderTests.audiovisual, dir, "av.dmm")
        for (name, seed) in [("r1", "1"), ("r1b", "1"), ("r2", "2")] {
            try Claims.ok(["render", "av.dmm", "-o", name, "--frames", "2", "--seed", seed, "-q"], in: dir)
        }
        #expect(Claims.bytes(dir + "/r1/audio.wav") == Claims.bytes(dir + "/r1b/audio.wav"))
        #expect(Claims.bytes(dir + "/r1/audio.wav") != Claims.bytes(dir + "/r2/audio.wav"))
    }

    /// `--format ogg` writes Vorbis that decodes (libsndfile, through MediaIO) to the sound the
    /// WAV holds: same rate, channels and length, within the codec's error.
    @Test func oggDecodesLikeWav() throws {
        let dir = CLI.tempDir()
        try Claims.write("rate 48000\nseconds 0.5\no: osc.sine\nout: audio.out\no.freq = 440\nout.left = 0.5 o\n", dir, "tone.dmm")
        try Claims.ok(["synth", "tone.dmm", "-o", "t.wav", "--format", "float", "-q"], in: dir)
        try Claims.ok(["synth", "tone.dmm", "-o", "t.ogg", "-q"], in: dir)                  // format from the extension
        #expect(Claims.bytes(dir + "/t.ogg").starts(with: Array("OggS".utf8)))
        let wav = try AudioFileWriter.read(path: dir + "/t.wav"), ogg = try AudioFileWriter.read(path: dir + "/t.ogg")
        #expect(ogg.channels == 1 && ogg.sampleRate == 48_000 && ogg.samples.count == wav.samples.count)
        // Vorbis at the default quality keeps a pure tone to well under 1 % of full scale.
        let n = min(ogg.samples.count, wav.samples.count)
        let err = Claims.rms(zip(ogg.samples[0..<n], wav.samples[0..<n]).map { $0 - $1 }[...])
        #expect(err < 0.01, "Ogg differs from the WAV by \(err) RMS (the tone is 0.35 RMS)")
        #expect(abs(Claims.rms(ogg.samples[4800..<19200]) - Claims.rms(wav.samples[4800..<19200])) < 0.01)
    }

    /// `--spectrogram out.png`: 1024×512, 0 Hz at the bottom, Nyquist at the top; a 3 kHz tone
    /// lights the row at 3/24 of the height and little else.
    @Test func spectrogramShowsTheToneAtItsRow() throws {
        let dir = CLI.tempDir()
        try Claims.write("rate 48000\no: osc.sine\nout: audio.out\no.freq = 3000\nout.left = 0.5 o\n", dir, "tone.dmm")
        try Claims.ok(["synth", "tone.dmm", "--seconds", "0.5", "--spectrogram", "s.png", "-q"], in: dir)
        let img = try PNGCodec.read(path: dir + "/s.png")
        #expect(img.width == 1024 && img.height == 512)
        func brightness(_ x: Int, _ y: Int) -> Int { (0..<3).reduce(0) { $0 + Int(img.pixels[(y * img.width + x) * 3 + $1]) } }
        let expectedRow = 511 - Int((3000.0 / 24_000 * 512).rounded(.down))     // image y of the tone's row
        for column in [100, 512, 900] {
            let brightest = (0..<512).max { brightness(column, $0) < brightness(column, $1) }!
            #expect(abs(brightest - expectedRow) <= 1, "column \(column): brightest row \(brightest), tone at \(expectedRow)")
            #expect(brightness(column, 20) * 4 < brightness(column, brightest), "the top (Nyquist) is not dark")
        }
    }

    /// The oscillators' pitch to within one cent. A 1 s render and a 48000-point FFT give 1 Hz
    /// bins; at 441.7 Hz one cent is 0.255 Hz, a quarter of a bin, and the Hann-window
    /// log-parabolic peak estimate is good to a few hundredths of a bin, so a pitch error of a
    /// cent fails the test.
    @Test(arguments: ["osc.sine", "osc.saw", "osc.tri", "osc.pulse", "fm.op"])
    func pitchWithinOneCent(_ kind: String) throws {
        let f0 = 441.7
        let x = try Self.synth("rate 48000\no: \(kind)\nout: audio.out\no.freq = \(f0)\nout.left = 0.5 o\n", ["--seconds", "1.2"])
        let measured = Claims.peakFrequency(x[4800..<52_800], rate: 48_000, fftSize: 48_000)
        let cents = 1200 * log2(measured / f0)
        #expect(abs(cents) < 1, "\(kind): \(measured) Hz is \(cents) cents from \(f0) Hz")
    }

    /// "scalars wired into a signal input are ramped across the block": the clock (a scalar,
    /// one step per tick) into `audio.out` rises by the same amount every sample, not in
    /// 64-sample stairs.
    @Test func scalarsAreRampedAcrossTheBlock() throws {
        let x = try Self.synth("rate 8000\nblock 64\nt: clock\nout: audio.out\nout.left = 0.5 t\n", ["--seconds", "0.25"])
        let step = 0.5 / 8000      // 0.5 × one second per second, per sample
        var worst = 0.0
        for j in 200..<x.count { worst = max(worst, abs(Double(x[j] - x[j - 1]) - step)) }
        #expect(worst < step * 0.01, "a sample-to-sample step is off by \(worst) (the ramp step is \(step))")
        #expect(x.last! > 0.1)
    }

    /// A weight edited between ticks (here by a scheduled ΔW through `self`) on a signal term
    /// ramps across the next tick like a scalar does: the gain of a DC signal goes from 0.3 to
    /// 0.6 in 64 equal steps, not in one jump.
    @Test func weightEditsOnSignalsRampAcrossTheBlock() throws {
        let x = try Self.synth("""
            rate 8000
            block 64
            W: self
            e: edit(at: 10, delta: "{out.left:{o:0.3}}")
            o: osc.sine
            out: audio.out
            W.delta = e
            o.freq = 0
            o.pm = 1.5707963
            out.left = 0.3 o

            """, ["--seconds", "0.2"])
        let start = try #require(x.firstIndex { $0 > 0.3 + 1e-6 }, "the edit never reached the sound")
        let end = try #require(x.firstIndex { $0 >= 0.6 - 1e-6 })
        #expect(end - start == 63, "the gain moved over \(end - start + 1) samples, not one 64-sample tick")
        #expect(start % 64 == 0, "the ramp does not start at a tick boundary (sample \(start))")
        var largest: Float = 0
        for j in start...end { largest = max(largest, abs(x[j] - x[j - 1])) }
        #expect(largest <= 0.3 / 64 * 1.01, "a step of \(largest): the gain jumped")
        #expect(x[..<start].allSatisfy { abs($0 - 0.3) < 1e-6 || $0 == 0 } && x[end...].allSatisfy { abs($0 - 0.6) < 1e-6 })
    }

    /// `env.breakpoints(points:, loop: 1)` repeats its shape exactly; without `loop` it holds
    /// the last value.
    @Test func breakpointsLoop() throws {
        let points = "points: \"0 0, 0.01 1, 0.02 0\""
        let looped = try Self.synth("rate 8000\ne: env.breakpoints(\(points), loop: 1)\nout: audio.out\nout.left = e\n", ["--seconds", "0.2"])
        let once = try Self.synth("rate 8000\ne: env.breakpoints(\(points))\nout: audio.out\nout.left = e\n", ["--seconds", "0.2"])
        let start = try #require(looped.firstIndex { $0 > 0 }) - 1          // it starts at 0
        #expect(once.firstIndex { $0 > 0 } == start + 1)
        let period = 160                                                      // 20 ms at 8 kHz
        var worst: Float = 0
        for j in start..<(looped.count - period) { worst = max(worst, abs(looped[j] - looped[j + period])) }
        #expect(worst < 1e-5, "the loop does not repeat: \(worst)")
        #expect(abs(looped[start + 80] - 1) < 1e-5 && abs(looped[start + period * 5 + 80] - 1) < 1e-5)
        #expect(once[(start + period)...].allSatisfy { $0 == 0 }, "without loop it must hold 0 after 20 ms")
    }

    /// `env.adsr` "retriggers from the current level": a gate that falls and rises again
    /// mid-release restarts the attack from where the release had got to, never from 0.
    @Test func adsrRetriggersFromTheCurrentLevel() throws {
        // Gate on 0–50 ms, off 50–60 ms, on again from 60 ms. Attack 10 ms, decay 10 ms to 0.5,
        // release 100 ms: at 60 ms the release has fallen to 0.45.
        let x = try Self.synth("""
            rate 8000
            g: env.breakpoints(points: "0 1, 0.05 1, 0.05 0, 0.06 0, 0.06 1")
            e: env.adsr
            out: audio.out
            e.gate = g
            e.attack = 0.01
            e.decay = 0.01
            e.sustain = 0.5
            e.release = 0.1
            out.left = e
            """, ["--seconds", "0.15"])
        let start = try #require(x.firstIndex { $0 > 0 })
        let retrigger = start + 480                         // 60 ms after the gate first rose
        let low = x[(retrigger - 8)...(retrigger + 8)].min()!
        #expect(abs(low - 0.45) < 0.01, "the level at the retrigger is \(low), not the release's 0.45")
        // From there the attack climbs at its rate (1 per 10 ms): 0.55 to go takes 44 samples.
        let peak = try #require(x[retrigger...].firstIndex { $0 >= 0.9999 })
        #expect(abs(peak - retrigger - 44) <= 2, "the retriggered attack peaks after \(peak - retrigger) samples")
        var jump: Float = 0
        for j in 1..<x.count { jump = max(jump, abs(x[j] - x[j - 1])) }
        #expect(jump <= 1.0 / 80 + 1e-4, "largest step \(jump): the envelope jumped")
    }
}
