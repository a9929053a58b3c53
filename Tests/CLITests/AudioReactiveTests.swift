import DMMCore
import Foundation
import MediaIO
import Testing

/// Sound drives pictures: `follow` and `band` of a gated tone, rendered by `dmm render`,
/// show up in the frames' brightness frame by frame, in step with the rendered audio.
@Suite struct AudioReactiveTests {
    static let patch = """
    # A gated 440 Hz tone; red follows its envelope, green its 300-600 Hz band level.
    size 16x16
    fps 30
    frames 60
    rate 48000
    bpm 120

    s: seq(pattern: "1 ~ 1 1 ~ ~ 1 ~")
    o: osc.sine
    v: mul
    d: id
    fo: follow(attack: 0.002, release: 0.03)
    bd: band(lo: 300, hi: 600)
    pic: rgb
    out: audio.out

    o.freq = 440
    v.a = 0.8 o
    v.b = s.gate
    fo.in = v
    bd.in = v
    d.x = v
    pic.r = 2 fo - 1
    pic.g = 3 bd - 1
    pic.b = -1
    out.left = d
    """

    /// The picture quantiser, written out: −1…1 → round(127.5·(v + 1)), clamped.
    static func byte(_ v: Double) -> Double { min(max((127.5 * (v + 1)).rounded(), 0), 255) }

    /// Band RMS in Double: Hann window over the 2048 samples ending at `end`, a direct DFT of
    /// the bins between 300 and 600 Hz, scaled by Parseval.
    static func bandLevel(_ x: [Float], end: Int) -> Double {
        let n = 2048, rate = 48_000.0
        var w = [Double](repeating: 0, count: n), power = 0.0
        for i in 0..<n { w[i] = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n)); power += w[i] * w[i] }
        let start = end - n + 1
        let k0 = Int((300 / (rate / Double(n))).rounded(.up)), k1 = Int((600 / (rate / Double(n))).rounded(.down))
        var sum = 0.0
        for k in k0...k1 {
            var re = 0.0, im = 0.0
            for i in 0..<n {
                let v = start + i >= 0 ? Double(x[start + i]) * w[i] : 0
                let ph = -2 * Double.pi * Double(k * i) / Double(n)
                re += v * cos(ph); im += v * sin(ph)
            }
            sum += 2 * (re * re + im * im)
        }
        return (sum / (Double(n) * power)).squareRoot()
    }

    @Test func gatedToneEnvelopeIsInThePictureFrameByFrame() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.patch, dir, "av.dmm")
        try Claims.ok(["render", "av.dmm", "-o", "out", "-q"], in: dir)
        let frames = try Claims.frames(dir + "/out", count: 60)
        let x = try Claims.left(dir + "/out/audio.wav")
        #expect(x.count == 60 * 1600)
        // The follower in Double over the rendered sound.
        var env = [Double](repeating: 0, count: x.count)
        let up = exp(-1 / (0.002 * 48_000)), down = exp(-1 / (0.03 * 48_000))
        var e = 0.0
        for i in 0..<x.count {
            let a = abs(Double(x[i]))
            e = a + (a > e ? up : down) * (e - a)
            env[i] = e
        }
        // Both paths have two connections (v → d → out; v → fo → pic): frame f shows the
        // envelope and the band level at the last sample of the sound of frame f.
        var bright = 0, dark = 0, worstR = 0.0, worstG = 0.0
        for f in 2..<60 {
            let last = (f + 1) * 1600 - 1
            let r = Double(frames[f].pixels[0]), g = Double(frames[f].pixels[1])
            worstR = max(worstR, abs(r - Self.byte(2 * env[last] - 1)))
            worstG = max(worstG, abs(g - Self.byte(3 * Self.bandLevel(x, end: last) - 1)))
            if r > 180 { bright += 1 } else if r < 20 { dark += 1 }
        }
        #expect(worstR <= 1, "red differs from the envelope by \(worstR) levels")
        #expect(worstG <= 2, "green differs from the band level by \(worstG) levels")
        #expect(bright >= 15 && dark >= 15, "bright \(bright), dark \(dark)")
        // The picture is uniform: the scalar broadcasts to every pixel.
        #expect(frames[10].pixels.enumerated().allSatisfy { $0.element == frames[10].pixels[$0.offset % 3] })
    }

    /// A signal cannot feed a field directly (still refused); `follow` is the way.
    @Test func signalIntoFieldIsStillRefused() throws {
        let dir = CLI.tempDir()
        try Claims.write("size 8x8\nrate 48000\no: osc.sine\npic: rgb\nout: audio.out\npic.r = o\nout.left = o\n", dir, "bad.dmm")
        let r = try CLI.run(["render", "bad.dmm", "-o", "out", "-q"], cwd: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.dmm:6:") && r.stderr.contains("cannot connect signal"), "\(r.stderr)")
    }
}
