#if canImport(Glibc)
import Glibc
#endif

/// The strongest plane waves in the target frames: where a frequency-aware start puts the
/// first layer of sine neurons.
///
/// A sine over coordinates can only be fitted by gradient descent when it starts within
/// about half a cycle of the right frequency across the frame; from random weights plain
/// Adam stalls (0 of 11 runs in the reference benchmark). The frames are subsampled to at
/// most 48×48×32, each channel has its mean removed, and a separable 3-D DFT over a limited
/// band (|k| ≤ 16 cycles per frame width, ≤ 12 per clip) gives the energy at every wave
/// number; local maxima are refined to fractional frequencies by parabolic interpolation of
/// the log-magnitude along each axis.
public enum FrequencyAnalysis {
    /// A wave `A·cos(ωc·col + ωr·row + ωf·frame + φ)`.
    public struct Peak: Sendable, Equatable, CustomStringConvertible {
        /// Radians per pixel column, per pixel row (downwards) and per frame.
        public var perColumn: Double
        public var perRow: Double
        public var perFrame: Double
        /// Phase at pixel (0, 0) of frame 0, for the channel where the wave is strongest.
        public var phase: Double
        /// Amplitude (−1…1 units) summed over channels.
        public var amplitude: Double
        public var description: String {
            func f(_ x: Double) -> String { String(Double(Int(x * 1000)) / 1000) }
            return "(\(f(perColumn)), \(f(perRow)), \(f(perFrame))) rad/px,px,frame amp \(f(amplitude))"
        }
    }

    /// Up to `count` peaks, strongest first.
    public static func peaks(_ t: FitTargets, count: Int) -> [Peak] {
        let sx = (t.width + 47) / 48, sy = (t.height + 47) / 48, st = (t.frames + 31) / 32
        let W = (t.width + sx - 1) / sx, H = (t.height + sy - 1) / sy, F = (t.frames + st - 1) / st
        let Kx = min(W / 2, 16), Ky = min(H / 2, 16), Kt = min(F / 2, 12)
        let nx = Kx + 1, ny = 2 * Ky + 1, nt = 2 * Kt + 1
        // spec[c][kt][ky][kx] complex
        var re = [Double](repeating: 0, count: 3 * nt * ny * nx), im = re
        for c in 0..<3 {
            var d = [Double](repeating: 0, count: F * H * W)
            var mean = 0.0
            for m in 0..<F { for j in 0..<H { for i in 0..<W {
                let v = Double(t.values[((m * st) * 3 + c) * t.lanes + (j * sy) * t.width + i * sx])
                d[(m * H + j) * W + i] = v; mean += v
            } } }
            mean /= Double(F * H * W)
            for k in d.indices { d[k] -= mean }
            // Along x.
            var ar = [Double](repeating: 0, count: F * H * nx), ai = ar
            for row in 0..<(F * H) {
                for kx in 0..<nx {
                    var sr = 0.0, si = 0.0
                    for i in 0..<W {
                        let a = -2 * Double.pi * Double(kx * i) / Double(W)
                        sr += d[row * W + i] * cos(a); si += d[row * W + i] * sin(a)
                    }
                    ar[row * nx + kx] = sr; ai[row * nx + kx] = si
                }
            }
            // Along y.
            var br = [Double](repeating: 0, count: F * ny * nx), bi = br
            for m in 0..<F { for ky in -Ky...Ky { for kx in 0..<nx {
                var sr = 0.0, si = 0.0
                for j in 0..<H {
                    let a = -2 * Double.pi * Double(ky * j) / Double(H)
                    let xr = ar[(m * H + j) * nx + kx], xi = ai[(m * H + j) * nx + kx]
                    sr += xr * cos(a) - xi * sin(a); si += xr * sin(a) + xi * cos(a)
                }
                br[(m * ny + ky + Ky) * nx + kx] = sr; bi[(m * ny + ky + Ky) * nx + kx] = si
            } } }
            // Along t.
            for kt in -Kt...Kt { for y in 0..<ny { for kx in 0..<nx {
                var sr = 0.0, si = 0.0
                for m in 0..<F {
                    let a = -2 * Double.pi * Double(kt * m) / Double(F)
                    let xr = br[(m * ny + y) * nx + kx], xi = bi[(m * ny + y) * nx + kx]
                    sr += xr * cos(a) - xi * sin(a); si += xr * sin(a) + xi * cos(a)
                }
                let o = ((c * nt + kt + Kt) * ny + y) * nx + kx
                re[o] = sr; im[o] = si
            } } }
        }
        func energy(_ kt: Int, _ ky: Int, _ kx: Int) -> Double {
            // Conjugate symmetry for kx < 0.
            var (kt, ky, kx) = (kt, ky, kx)
            if kx < 0 { kt = -kt; ky = -ky; kx = -kx }
            guard abs(kt) <= Kt, abs(ky) <= Ky, kx <= Kx else { return 0 }
            var e = 0.0
            for c in 0..<3 {
                let o = ((c * nt + kt + Kt) * ny + ky + Ky) * nx + kx
                e += re[o] * re[o] + im[o] * im[o]
            }
            return e
        }
        var candidates: [(e: Double, kt: Int, ky: Int, kx: Int)] = []
        for kt in -Kt...Kt { for ky in -Ky...Ky { for kx in 0...Kx {
            if kx == 0 && (ky < 0 || (ky == 0 && kt <= 0)) { continue }
            let e = energy(kt, ky, kx)
            if e <= 0 { continue }
            var isMax = true
            search: for a in -1...1 { for b in -1...1 { for c in -1...1 where a != 0 || b != 0 || c != 0 {
                if energy(kt + a, ky + b, kx + c) > e { isMax = false; break search }
            } } }
            if isMax { candidates.append((e, kt, ky, kx)) }
        } } }
        candidates.sort { $0.e > $1.e }
        let n = Double(F * H * W)
        return candidates.prefix(count).map { p in
            // Parabolic refinement of log-energy along each axis.
            func refine(_ em: Double, _ e0: Double, _ ep: Double) -> Double {
                guard em > 0, ep > 0 else { return 0 }
                let a = log(em), b = log(e0), c = log(ep)
                let den = a - 2 * b + c
                return den < 0 ? max(-0.5, min(0.5, 0.5 * (a - c) / den)) : 0
            }
            let fx = Double(p.kx) + refine(energy(p.kt, p.ky, p.kx - 1), p.e, energy(p.kt, p.ky, p.kx + 1))
            let fy = Double(p.ky) + refine(energy(p.kt, p.ky - 1, p.kx), p.e, energy(p.kt, p.ky + 1, p.kx))
            let ft = Double(p.kt) + refine(energy(p.kt - 1, p.ky, p.kx), p.e, energy(p.kt + 1, p.ky, p.kx))
            var best = 0, mag = -1.0
            for c in 0..<3 {
                let o = ((c * nt + p.kt + Kt) * ny + p.ky + Ky) * nx + p.kx
                let m = re[o] * re[o] + im[o] * im[o]
                if m > mag { mag = m; best = c }
            }
            let o = ((best * nt + p.kt + Kt) * ny + p.ky + Ky) * nx + p.kx
            return Peak(perColumn: 2 * Double.pi * fx / Double(W * sx), perRow: 2 * Double.pi * fy / Double(H * sy),
                        perFrame: 2 * Double.pi * ft / Double(F * st), phase: atan2(im[o], re[o]),
                        amplitude: 2 * p.e.squareRoot() / n)
        }
    }
}
