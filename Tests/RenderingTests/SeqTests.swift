import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Rendering
import Testing

/// `seq`, the `bpm` header and the mini-notation: steps land on the right samples with the
/// right pitches, rests are silent, bad patterns point at their column.
@Suite struct SeqTests {
    /// Hz of a MIDI note, written here independently of the engine.
    static func hz(_ midi: Double) -> Double { 440 * pow(2, (midi - 69) / 12) }

    /// A step the test expects: its span in twelfths of a bar and its MIDI note (nil: a rest).
    struct Expected { var start: Int; var end: Int; var midi: Double? }

    /// "c4 e4 [g4 a4] ~ m72 <f#3 bb2>": seven steps of a six-part bar, the last alternating.
    static func expected(cycle c: Int) -> [Expected] {
        let b = 12 * c
        return [Expected(start: b, end: b + 2, midi: 60), Expected(start: b + 2, end: b + 4, midi: 64),
                Expected(start: b + 4, end: b + 5, midi: 67), Expected(start: b + 5, end: b + 6, midi: 69),
                Expected(start: b + 6, end: b + 8, midi: nil), Expected(start: b + 8, end: b + 10, midi: 72),
                Expected(start: b + 10, end: b + 12, midi: c % 2 == 0 ? 54 : 46)]
    }

    /// Synthesises the pattern at 100 bpm, then per step: the FFT peak is the step's pitch,
    /// a rest is silent, and the gate (on the right channel) rises on the step's first
    /// sample (plus the one tick that the connection into `audio.out` costs).
    @Test(arguments: [64, 1, 300])
    func patternPitchesAndRestsPerStep(block: Int) throws {
        let text = """
        rate 48000
        bpm 100
        s: seq(pattern: "c4 e4 [g4 a4] ~ m72 <f#3 bb2>")
        o: osc.sine
        v: mul
        out: audio.out
        o.freq = s.value
        v.a = o
        v.b = s.gate
        out.left = v
        out.right = s.gate
        """
        let net = try AudioTest.network(text, block: block)
        let r = try AudioRenderer.renderSamples(network: net, seconds: 4.8)   // two bars of 2.4 s
        #expect(r.channels == 2)
        let left = stride(from: 0, to: r.samples.count, by: 2).map { r.samples[$0] }
        let right = stride(from: 1, to: r.samples.count, by: 2).map { r.samples[$0] }
        let twelfth = 48_000 * 240 / 100 / 12        // a bar is 115,200 samples at 100 bpm
        // Every connection costs a tick: the gate reaches the right channel one block late,
        // the left channel two (seq → mul → out), the pitch three (seq → osc → mul → out).
        let gateLag = block, soundLag = 2 * block, pitchLag = 3 * block
        var steps = 0
        for c in 0..<2 {
            for e in Self.expected(cycle: c) {
                let start = e.start * twelfth, end = e.end * twelfth
                let gateEnd = start + (9 * (end - start) + 9) / 10
                // The gate rises exactly on the step's first sample.
                if e.midi != nil {
                    #expect(right[start + gateLag] == 1, "cycle \(c) step at \(e.start): gate at its first sample")
                    if start + gateLag - 1 >= 0, start > 0 { #expect(right[start + gateLag - 1] == 0, "gate low just before \(e.start)") }
                } else {
                    #expect(right[(start + gateLag)..<(end + gateLag)].allSatisfy { $0 == 0 }, "rest gate")
                }
                let a = start + pitchLag + 256, b = min(left.count, (e.midi == nil ? end : gateEnd) + soundLag - 256)
                let slice = left[a..<b]
                if let m = e.midi {
                    let f = AudioTest.peakFrequency(slice, fftSize: 1 << 16)
                    let want = Self.hz(m)
                    #expect(abs(f - want) <= max(0.004 * want, 1.5), "cycle \(c) step \(e.start): \(f) Hz, want \(want)")
                } else {
                    #expect(AudioTest.rms(slice) == 0, "rest at \(e.start) is silent")
                }
                steps += 1
            }
        }
        #expect(steps == 14)
    }

    /// The same patch at any block size plays the same seq values, sample for sample.
    @Test func seqIsBlockSizeIndependent() throws {
        let text = """
        rate 48000
        bpm 137
        s: seq(pattern: "<1 2 [3 4]*3> ~ 5*2 [6 <7 ~>]")
        out: audio.out
        out.left = s.value
        out.right = s.trig
        """
        func run(_ block: Int) throws -> [Float] {
            let r = try AudioRenderer.renderSamples(network: AudioTest.network(text, block: block), seconds: 4)
            return r.samples
        }
        let a = try run(64), b = try run(1), c = try run(1000)
        // The output lags one tick, so compare after aligning by the block.
        func aligned(_ x: [Float], _ block: Int) -> ArraySlice<Float> { x[(2 * block)..<(2 * block + 300_000)] }
        #expect(aligned(a, 64) == aligned(b, 1))
        #expect(aligned(a, 64) == aligned(c, 1000))
    }

    /// Tidal's semantics of `<…>` and `*`, checked by value at points of the cycle.
    @Test func miniNotationSemantics() throws {
        let p = try MiniNotation("<1 2 [3 4]*3> ~ 5*2 [6 <7 ~>]")
        func v(_ x: Double) -> Float? { p.step(at: x).value }
        // Cycle 0: the alternation picks 1; cycle 1: 2; cycle 2: [3 4]*3.
        #expect(v(0.1) == 1 && v(1.1) == 2 && v(3.1) == 1)
        #expect(v(2.0) == 3 && v(2.0 + 1.0 / 24 + 0.001) == 4 && v(2.0 + 2.0 / 24 + 0.001) == 3)
        #expect(v(0.3) == nil)
        #expect(v(0.5 + 0.01) == 5 && v(0.5 + 0.125 + 0.01) == 5)
        #expect(p.step(at: 0.5 + 0.01).start == 0.5 && p.step(at: 0.5 + 0.13).start == 0.625)
        #expect(v(0.76) == 6 && v(0.9) == 7 && v(1.9) == nil && v(2.9) == 7)
        // Notes: A4 = 440, C4 = MIDI 60, flats and sharps, MIDI numbers.
        let notes = try MiniNotation("a4 c4 f#3 bb2 m69 m60.5 -0.25 1e3")
        let want: [Double] = [440, Self.hz(60), Self.hz(54), Self.hz(46), 440, Self.hz(60.5), -0.25, 1000]
        for (k, w) in want.enumerated() {
            let got = Double(notes.step(at: (Double(k) + 0.5) / 8).value ?? .nan)
            #expect(abs(got - w) <= 1e-4 * abs(w), "note \(k): \(got) want \(w)")
        }
    }

    /// Bad patterns are load errors at the column of the fault inside the string; a bad
    /// `bpm` names its range.
    @Test(arguments: [
        ("c4 x9 e4", 3, "not a number, a note"),
        ("c4 [e4 g4", 3, "without its ']'"),
        ("c4 e4]", 5, "unmatched ']'"),
        ("c4 e4*0", 5, "whole number from 1 to 256"),
        ("c4 h4", 3, "not a number"),
        ("c10 c4", 0, "octave from -1 to 9"),
        ("m128", 0, "MIDI note"),
        ("c4 []", 3, "empty group"),
        ("", 0, "is empty"),
        ("*2", 0, "nothing before it"),
    ])
    func badPatternPointsAtItsColumn(_ pattern: String, _ offset: Int, _ message: String) throws {
        let prefix = "s: seq(pattern: \""
        let text = "rate 48000\n" + prefix + pattern + "\")\nout: audio.out\nout.left = s.value\n"
        do {
            _ = try PatchBuilder.build(PatchParser.parse(text, file: "bad.dmm"))
            Issue.record("\(pattern) loaded")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == prefix.count + 1 + offset, "\(pattern): column \(error.column)")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test(arguments: ["0", "1001", "abc", "nan", "-5"])
    func badBPMIsALoadError(_ value: String) throws {
        let text = "rate 48000\nbpm \(value)\nout: audio.out\n"
        do {
            _ = try PatchBuilder.build(PatchParser.parse(text, file: "bad.dmm"))
            Issue.record("bpm \(value) loaded")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("'bpm' must be a number from 1 to 1000"), "\(error.message)")
        }
    }

    /// `bpm` prints back, and a patch without it plays at 120.
    @Test func bpmRoundTrips() throws {
        let net = try AudioTest.network("rate 48000\nbpm 92.5\nout: audio.out\n")
        #expect(net.timing.bpm == 92.5)
        #expect(PatchPrinter.print(network: net).contains("bpm 92.5"))
        #expect(try AudioTest.network("rate 48000\nout: audio.out\n").timing.bpm == 120)
    }
}
