import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Rendering
import Testing

/// `follow` and `band` (signal in, scalar out) against double-precision evaluations written
/// here, and `reverb`'s decay, stability and determinism.
@Suite struct AudioAnalysisTests {
    /// Runs `ticks` ticks of a patch and returns, per tick, the scalar output of `name` and the
    /// samples of signal `source`.
    static func trace(_ text: String, ticks: Int, scalar name: String, source: String) throws -> (values: [Float], samples: [Float]) {
        let net = try AudioTest.network(text)
        let plan = try TickPlan(network: net)
        let n = net.index(of: name)!, s = net.index(of: source)!
        var values: [Float] = [], samples: [Float] = []
        for _ in 0..<ticks {
            plan.tick()
            values.append(plan.scalarOutput(neuron: n))
            samples += plan.signalOutput(neuron: s)
        }
        return (values, samples)
    }

    /// The follower in Double: one-pole towards |x| with the attack or release coefficient.
    static func follow(_ x: [Float], attack: Double, release: Double, rate: Double) -> [Double] {
        let up = attack > 0 ? exp(-1 / (attack * rate)) : 0, down = release > 0 ? exp(-1 / (release * rate)) : 0
        var e = 0.0
        return x.map { v in
            let a = abs(Double(v))
            e = a + (a > e ? up : down) * (e - a)
            return e
        }
    }

    /// `follow` of a gated tone, per tick, equals the Double follower at the last sample of the
    /// tick before (its input reads its source one tick late), through `runAudio` and `tick`.
    @Test(arguments: [64, 1, 480])
    func followTracksAGatedTone(block: Int) throws {
        let text = """
        rate 48000
        block \(block)
        g: lf.pulse
        o: osc.sine
        v: mul
        f: follow(attack: 0.005, release: 0.05)
        out: audio.out
        g.freq = 2
        g.width = 0.5
        o.freq = 330
        v.a = 0.8 o
        v.b = 0.5 g + 0.5
        f.in = v
        out.left = v
        """
        let ticks = 48_000 / block
        let (values, samples) = try Self.trace(text, ticks: ticks, scalar: "f", source: "v")
        let want = Self.follow(samples, attack: 0.005, release: 0.05, rate: 48_000)
        var worst = 0.0
        for t in 1..<ticks {
            let w = want[t * block - 1]   // the end of tick t − 1
            worst = max(worst, abs(Double(values[t]) - w))
        }
        #expect(worst < 2e-4, "worst \(worst)")
        // It does move: between 2/π·0.8 and 0.8 while the gate is open (a 5 ms attack averages
        // |x| a little), near 0 three release times after the gate closed (at 0.8 s).
        let late = values[(ticks * 19) / 20]
        #expect(values.max()! > 0.6 && values.max()! <= 0.8 && late < 0.05, "max \(values.max()!), late \(late)")
    }

    /// `band` reads the RMS of a sine in its band (A/√2) and nearly nothing outside it; a
    /// two-tone signal splits by band, checked against Parseval in Double.
    @Test func bandSeparatesTwoTones() throws {
        let text = """
        rate 48000
        block 64
        a: osc.sine
        b: osc.sine
        lo: band(lo: 200, hi: 800)
        hi: band(lo: 2000, hi: 8000)
        all: band(lo: 0, hi: 24000)
        out: audio.out
        a.freq = 440
        b.freq = 4000
        lo.in = 0.6 a + 0.3 b
        hi.in = 0.6 a + 0.3 b
        all.in = 0.6 a + 0.3 b
        out.left = 0.1 a
        """
        let net = try AudioTest.network(text)
        let plan = try TickPlan(network: net)
        plan.runAudio(ticks: 200, audio: nil)
        let lo = Double(plan.scalarOutput(neuron: net.index(of: "lo")!))
        let hi = Double(plan.scalarOutput(neuron: net.index(of: "hi")!))
        let all = Double(plan.scalarOutput(neuron: net.index(of: "all")!))
        #expect(abs(lo - 0.6 / 2.0.squareRoot()) < 0.01, "lo \(lo)")
        #expect(abs(hi - 0.3 / 2.0.squareRoot()) < 0.01, "hi \(hi)")
        #expect(abs(all - (0.36 / 2 + 0.09 / 2).squareRoot()) < 0.01, "all \(all)")
    }

    /// A `follow` read by a scalar that drives a pitch: the loop signal → scalar → signal runs
    /// the same through `runAudio` (one tick per batch) as tick by tick.
    @Test func signalToScalarLoopMatchesTick() throws {
        let text = """
        rate 48000
        block 32
        o: osc.sine
        f: follow(attack: 0.001, release: 0.01)
        l: lf.tri
        out: audio.out
        l.freq = 3
        o.freq = 200 + 300 f + 50 l
        f.in = o
        out.left = o
        """
        let net = try AudioTest.network(text)
        let a = try TickPlan(network: net), b = try TickPlan(network: net)
        let ticks = 600
        var bufA = [Float](repeating: 0, count: ticks * 64), bufB = bufA
        bufA.withUnsafeMutableBufferPointer { a.runAudio(ticks: ticks, audio: $0.baseAddress) }
        bufB.withUnsafeMutableBufferPointer { p in for k in 0..<ticks { b.tick(audio: p.baseAddress! + k * 64) } }
        #expect(bufA == bufB)
        #expect(bufA.contains { $0 != 0 })
    }

    /// The time for the reverb's impulse response to fall 60 dB, from its energy decay curve.
    static func decayTime(size: Double) throws -> (seconds: Double, samples: [Float]) {
        let text = """
        rate 48000
        block 64
        hit: env.breakpoints(points: "0 0, 0.0001 1, 0.0002 0")
        r: reverb(size: \(size), damp: 0.2)
        out: audio.out
        r.in = hit
        out.left = r.left
        out.right = r.right
        """
        let net = try AudioTest.network(text)
        let res = try AudioRenderer.renderSamples(network: net, seconds: 12)
        let left = stride(from: 0, to: res.samples.count, by: 2).map { Double(res.samples[$0]) }
        // Schroeder's backward integral, in Double.
        var tail = [Double](repeating: 0, count: left.count + 1)
        for i in stride(from: left.count - 1, through: 0, by: -1) { tail[i] = tail[i + 1] + left[i] * left[i] }
        let total = tail[0]
        guard total > 0 else { return (0, res.samples) }
        // RT60 from the −5 … −25 dB range of the curve, extrapolated (T20 × 3).
        func crossing(_ db: Double) -> Int { tail.firstIndex { 10 * log10(max($0, 1e-300) / total) < db } ?? left.count }
        return (Double(crossing(-25) - crossing(-5)) * 3 / 48_000, res.samples)
    }

    @Test func reverbDecayGrowsWithSizeAndStaysFinite() throws {
        let (small, a) = try Self.decayTime(size: 0.2)
        let (large, b) = try Self.decayTime(size: 0.9)
        #expect(small > 0.2 && small < 2, "size 0.2: \(small) s")
        #expect(large > 2 * small, "size 0.9: \(large) s against \(small) s")
        for x in [a, b] {
            #expect(x.allSatisfy { $0.isFinite && abs($0) < 1 })
            // It dies away: the last second is 60 dB below the loudest.
            let peak = x.map { abs($0) }.max()!, last = x.suffix(96_000).map { abs($0) }.max()!
            #expect(last < peak * 1e-3, "tail \(last) of peak \(peak)")
        }
        // Stereo: the channels differ (decorrelated by the spread) but carry the same energy.
        let l = stride(from: 0, to: b.count, by: 2).map { Double(b[$0]) }, r = stride(from: 1, to: b.count, by: 2).map { Double(b[$0]) }
        #expect(l != r)
        let el = l.reduce(0) { $0 + $1 * $1 }, er = r.reduce(0) { $0 + $1 * $1 }
        #expect(abs(el / er - 1) < 0.5)
        // Same patch, same samples.
        let (_, again) = try Self.decayTime(size: 0.9)
        #expect(again == b)
    }

    /// Reverb config outside 0…1 is refused with the range in the message.
    @Test func reverbOptionsAreRangeChecked() throws {
        for bad in ["size: 1.5", "damp: -0.1", "size: \"big\""] {
            do {
                _ = try AudioTest.network("rate 48000\nr: reverb(\(bad))\nout: audio.out\nout.left = r.left\n")
                Issue.record("\(bad) loaded")
            } catch {
                #expect(String(describing: error).contains("reverb:"), "\(error)")
            }
        }
    }
}
