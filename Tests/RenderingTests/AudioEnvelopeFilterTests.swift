import Testing
import DMMCore
import Foundation
import Rendering

/// Envelope timing, filter gains, noise statistics and delay time.
@Suite struct AudioEnvelopeFilterTests {
    /// First index where x reaches `level` (from below).
    func firstReach(_ x: [Float], _ level: Float, from: Int = 0) -> Int? {
        (from..<x.count).first { x[$0] >= level }
    }

    /// ADSR on a gate held 50 ms: attack 10 ms to 1, decay 20 ms to 0.5, release 20 ms to 0.
    /// The envelope starts at tick 0 and reaches `audio.out` one tick (64 samples) later.
    @Test func adsrTiming() throws {
        let text = """
            rate 48000
            block 64
            g: env.breakpoints(points: "0 1, 0.05 1, 0.05 0")
            e: env.adsr
            out: audio.out
            e.gate = g
            e.attack = 0.01
            e.decay = 0.02
            e.sustain = 0.5
            e.release = 0.02
            out.left = e
            """
        let x = try AudioTest.render(text, seconds: 0.1)
        // The gate reaches the ADSR one tick after it starts: two ticks in all.
        let start = 128
        #expect(x[start - 1] == 0)
        let peak = try #require(firstReach(x, 0.9999))
        #expect(abs(peak - (start + 480 - 1)) <= 1, "attack peaks at \(peak)")
        let sustain = try #require((peak..<x.count).first { x[$0] <= 0.5 })
        #expect(abs(sustain - (peak + 960)) <= 2, "decay ends at \(sustain)")
        // Release: the gate falls 50 ms after it rose (2400 samples), 20 ms to silence.
        let silent = try #require((sustain..<x.count).first { x[$0] <= 0 })
        #expect(abs(silent - (start + 2400 + 960 - 1)) <= 2, "release ends at \(silent)")
    }

    /// A breakpoint envelope: 10 ms up, 20 ms down; a retrigger glides, it does not jump.
    @Test func breakpointTiming() throws {
        let x = try AudioTest.render(AudioTest.single("env.breakpoints(points: \"0 0, 0.01 1, 0.03 0\")", ""), seconds: 0.06)
        let start = 64
        let peak = try #require(firstReach(x, 1))
        #expect(peak == start + 480)
        #expect(abs(x[start + 480 + 480] - 0.5) < 0.002)
        #expect(x[start + 1440 + 10] == 0)
    }

    @Test func retriggerDoesNotClick() throws {
        let text = AudioTest.single("env.breakpoints(points: \"0 0, 0.005 1, 0.2 0\")",
                                    "clock: lf.pulse\nclock.freq = 20\nclock.width = 0.1\no.trig = clock")
        let x = try AudioTest.render(text, seconds: 0.3)
        var jump: Float = 0
        for j in 1..<x.count { jump = max(jump, abs(x[j] - x[j - 1])) }
        #expect(jump < 0.01, "largest step \(jump)")
    }

    /// Filter gain at the cutoff (res 0: Butterworth): −3 dB for the lowpass and the
    /// highpass, 0 dB at the bandpass centre, and 12 dB/octave beyond.
    @Test(arguments: [("filter.lowpass", 1000.0, -3.01), ("filter.highpass", 1000.0, -3.01),
                      ("filter.bandpass", 1000.0, 0.0), ("filter.lowpass", 4000.0, -24.1),
                      ("filter.highpass", 250.0, -24.1), ("onepole", 1000.0, -3.0)])
    func filterGain(_ kind: String, _ tone: Double, _ expected: Double) throws {
        let text = """
            rate 48000
            block 64
            s: osc.sine
            f: \(kind)
            out: audio.out
            s.freq = \(tone)
            f.in = s
            f.cutoff = 1000
            out.left = f
            """
        let x = try AudioTest.render(text, seconds: 0.3)
        let gain = AudioTest.db(AudioTest.rms(x[4800..<14400]) / 0.70710678)
        #expect(abs(gain - expected) < 0.5, "\(kind) at \(tone) Hz: \(gain) dB")
    }

    /// Resonance raises the lowpass peak near the cutoff (Q = 0.707 / (1 − res)).
    @Test func resonance() throws {
        let text = """
            rate 48000
            block 64
            s: osc.sine
            f: filter.lowpass
            out: audio.out
            s.freq = 1000
            f.in = s
            f.cutoff = 1000
            f.res = 0.75
            out.left = f
            """
        let x = try AudioTest.render(text, seconds: 0.3)
        let gain = AudioTest.db(AudioTest.rms(x[4800..<14400]) / 0.70710678)
        #expect(abs(gain - AudioTest.db(0.70710678 / 0.25)) < 0.5, "gain \(gain) dB")
    }

    /// White noise: uniform in [−1, 1), the same for the same seed, different otherwise.
    @Test func whiteNoise() throws {
        func noise(seed: Int) throws -> [Float] {
            try AudioTest.render("seed \(seed)\n" + AudioTest.single("noise.white", ""), seconds: 0.2)
        }
        let a = try noise(seed: 1), b = try noise(seed: 1), c = try noise(seed: 2)
        #expect(a == b)
        #expect(a != c)
        let body = a[64...]
        #expect(abs(AudioTest.rms(body) - 0.5774) < 0.01)
        #expect(abs(body.reduce(0.0) { $0 + Double($1) } / Double(body.count)) < 0.01)
        #expect(body.allSatisfy { $0 >= -1 && $0 < 1 })
    }

    /// Pink noise: about equal energy per octave (white has twice as much per octave up).
    @Test func pinkNoise() throws {
        let x = try AudioTest.render(AudioTest.single("noise.pink", ""), seconds: 1)
        var low = 0.0, high = 0.0
        for start in stride(from: 4800, to: 48000 - 4800, by: 4800) {
            let s = AudioTest.spectrum(x[start..<(start + 4800)], fftSize: 4800)   // 10 Hz bins
            for k in 20..<40 { low += Double(s[k] * s[k]) }        // 200–400 Hz
            for k in 320..<640 { high += Double(s[k] * s[k]) }     // 3.2–6.4 kHz
        }
        let tilt = 10 * log10(high / low)
        #expect(abs(tilt) < 2, "octave energy differs by \(tilt) dB")
        #expect(AudioTest.rms(x[4800...]) < 0.5)
    }

    /// An impulse through a 10 ms delay arrives 480 samples (plus one tick) later.
    @Test func delayTime() throws {
        let text = """
            rate 48000
            block 64
            imp: env.breakpoints(points: "0 1, 0 0")
            d: delay(max: 0.1)
            out: audio.out
            d.in = imp
            d.time = 0.01
            out.left = d
            """
        let x = try AudioTest.render(text, seconds: 0.05)
        let hits = x.indices.filter { x[$0] > 0.5 }
        // imp starts at tick 0 = sample 128 of the output (warm-up 2 ticks, then two hops).
        #expect(hits == [128 + 480])
    }

    /// A fractional delay interpolates between neighbours.
    @Test func fractionalDelay() throws {
        let text = """
            rate 48000
            block 64
            imp: env.breakpoints(points: "0 1, 0 0")
            d: delay(max: 0.1)
            out: audio.out
            d.in = imp
            d.time = 0.0100104166666
            out.left = d
            """
        let x = try AudioTest.render(text, seconds: 0.05)
        #expect(abs(x[128 + 480] - 0.5) < 0.01 && abs(x[128 + 481] - 0.5) < 0.01)
    }
}
