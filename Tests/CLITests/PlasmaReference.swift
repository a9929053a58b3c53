import Foundation

/// An independent, deliberately plain evaluation of `patches/plasma.dmm` in Double precision
/// with libm: per pixel, the two-stroke cycle written out by hand. It shares no code with the
/// engine, so agreement means the engine implements the semantics, not just itself.
enum PlasmaReference {
    /// Expected RGB bytes of frame `frame` (1-based) for every `sampleEvery`-th pixel.
    static func frame(_ frame: Int, width w: Int, height h: Int, sampleEvery: Int) -> [(Int, [UInt8])] {
        let s = 2.0 / Double(min(w, h))
        let warmUp = 3                         // longest chain: x → s1 → s2 → out
        var result: [(Int, [UInt8])] = []
        var p = 0
        while p < w * h {
            let col = p % w, row = p / w
            let x = (Double(col) + 0.5 - Double(w) / 2) * s
            let y = (Double(h) / 2 - Double(row) - 0.5) * s
            // Outputs of the previous tick (all zero before the first).
            var t = 0.0, s1 = 0.0, s2 = 0.0, r = 0.0, g = 0.0, b = 0.0
            for tick in -warmUp...(frame - 1) {
                // Down movement: every input from the previous tick's outputs.
                let s1a = 6.0, s1x = x + 0.5 * y, s1b = 2 * t
                let s2a = 4.0, s2x = 0.7 * y - 0.3 * x, s2b = -1.5 * t + 0.25 * s1
                let outR = 0.8 * s1 + 0.2 * s2, outG = 0.5 * s2, outB = -0.6 * s1
                // Up movement.
                t = Double(tick) / 30
                s1 = sin(s1a * s1x + s1b)
                s2 = sin(s2a * s2x + s2b)
                r = outR; g = outG; b = outB
            }
            func byte(_ v: Double) -> UInt8 { UInt8(min(max(((v + 1) * 127.5).rounded(), 0), 255)) }
            result.append((p, [byte(r), byte(g), byte(b)]))
            p += sampleEvery
        }
        return result
    }
}
