import Testing
import DMMCore
import Rendering

/// Pitch, level and band-limiting of the oscillators (0.3 s renders).
@Suite struct AudioOscillatorTests {
    /// Kind, expected RMS of a full-scale wave.
    static let shapes: [(String, Double)] = [
        ("osc.sine", 0.7071), ("osc.saw", 0.5774), ("osc.pulse", 1.0), ("osc.tri", 0.5774), ("fm.op", 0.7071),
    ]

    @Test(arguments: shapes)
    func pitchAndLevel(_ kind: String, _ level: Double) throws {
        let x = try AudioTest.render(AudioTest.single(kind, "o.freq = 440"), seconds: 0.3)
        let window = x[4800..<14400]                        // 0.2 s: 88 whole periods
        #expect(AudioTest.peakFrequency(window) == 440)
        #expect(abs(AudioTest.rms(window) - level) < 0.02 * level, "\(kind) RMS \(AudioTest.rms(window))")
    }

    /// The naive LFO shapes as scalars at block 1 (one tick per sample) and the phasor.
    @Test(arguments: [("lf.saw", 0.5774), ("lf.tri", 0.5774), ("lf.pulse", 1.0), ("phasor", 0.5774)])
    func lowFrequencyShapes(_ kind: String, _ level: Double) throws {
        let x = try AudioTest.render(AudioTest.single(kind, "o.freq = 440", block: 1), seconds: 0.3)
        let window = x[4800..<14400]
        #expect(AudioTest.peakFrequency(window) == 440)
        #expect(abs(AudioTest.rms(window) - level) < 0.02 * level, "\(kind) RMS \(AudioTest.rms(window))")
    }

    /// The phasor is an exact ramp: every step is freq/rate (mod 1), every value in 0…1.
    @Test func phasorRamps() throws {
        let x = try AudioTest.render(AudioTest.single("phasor", "o.freq = 440", block: 64), seconds: 0.1)
        let step = 440.0 / 48_000
        var worst = 0.0
        for i in 1..<x.count {
            var d = Double(x[i]) - Double(x[i - 1])
            if d < 0 { d += 1 }
            worst = max(worst, abs(d - step))
        }
        #expect(worst < 1e-4, "a phasor step is off by \(worst)")
        #expect(x.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    /// A 5 kHz saw at 48 kHz: everything that is not a harmonic stays 60 dB under the
    /// fundamental (two-sample PolyBLEP manages about −21 dB; a naive saw −7 dB).
    @Test(arguments: ["osc.saw", "osc.pulse", "osc.tri"])
    func bandLimited(_ kind: String) throws {
        let x = try AudioTest.render(AudioTest.single(kind, "o.freq = 5000"), seconds: 0.3)
        let level = AudioTest.aliasLevel(x[4800..<14400], f0: 5000)
        #expect(level < -60, "\(kind) aliasing \(level) dB")
    }

    /// The measurement itself: a naive saw (`lf.saw` made to run per sample by a negligible
    /// signal on its frequency) aliases loudly.
    @Test func naiveSawAliases() throws {
        let text = AudioTest.single("lf.saw", "n: noise.white\no.freq = 5000 + 0.000001 n")
        let x = try AudioTest.render(text, seconds: 0.3)
        #expect(AudioTest.peakFrequency(x[4800..<14400]) == 5000)
        #expect(AudioTest.aliasLevel(x[4800..<14400], f0: 5000) > -20)
    }

    /// Pulse width is the duty cycle: its mean is 2·width − 1.
    @Test func pulseWidth() throws {
        let x = try AudioTest.render(AudioTest.single("osc.pulse", "o.freq = 400\no.width = 0.25"), seconds: 0.3)
        let mean = x[4800..<14400].reduce(0.0) { $0 + Double($1) } / 9600
        #expect(abs(mean - (-0.5)) < 0.01)
    }

    /// y = sin(2π·φ + pm + fb·y[n−1]) against the formula in `Double`, with a strongly negative
    /// phase modulation and several operators (grouped into one SIMD call) with feedback.
    @Test(arguments: [1, 64])
    func fmOperatorMatchesTheFormula(_ block: Int) throws {
        let text = """
            rate 48000
            block \(block)
            m1: fm.op
            m2: fm.op
            m3: fm.op
            c: fm.op
            out: audio.out
            m1.freq = 100
            m1.fb = 0.7
            m2.freq = 230
            m2.fb = 0.9
            m3.freq = 55
            m3.fb = 0.2
            c.freq = 150
            c.pm = -6 m1 + 2 m2 + m3
            out.left = c
            """
        let x = try AudioTest.render(text, seconds: 0.1)
        // Reference: every neuron starts at tick −2 (warm-up), each connection costs a tick.
        let sr = 48_000.0, warm = 2 * block, total = x.count + warm + block
        func op(_ f: Double, _ fb: Double) -> [Double] {
            var y = 0.0
            return (0..<total).map { k in
                var p = Double(k) * f / sr; p -= p.rounded(.down)
                y = Foundation.sin(2 * Double.pi * p + fb * y); return y
            }
        }
        let m1 = op(100, 0.7), m2 = op(230, 0.9), m3 = op(55, 0.2)
        func late(_ a: [Double], _ k: Int) -> Double { k >= block ? a[k - block] : 0 }
        var worst = 0.0
        for j in 0..<x.count {
            let k = j + warm - block                        // audio.out hears c one tick late
            guard k >= 0 else { continue }
            var p = Double(k) * 150 / sr; p -= p.rounded(.down)
            let pm = -6 * late(m1, k) + 2 * late(m2, k) + late(m3, k)
            worst = max(worst, abs(Double(x[j]) - Foundation.sin(2 * Double.pi * p + pm)))
        }
        #expect(worst < 2e-4, "max error \(worst)")
    }
}

import Foundation
