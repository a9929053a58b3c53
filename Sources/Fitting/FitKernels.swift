import DMMCore

/// The few vector loops of the backward pass that are not a kind's own: sums, dot products,
/// scaled adds and the loss, over `SIMD16<Float>` like the kinds' kernels.
///
/// Reductions accumulate sixteen lanes in `Float` for at most 256 lanes at a time and then
/// in `Double`, so a sum over a whole 512×512 frame keeps about seven significant digits and
/// the result does not depend on how many cores the fit ran on (the order is fixed).
enum FitKernels {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self) }

    @inline(__always)
    static func fill(_ p: UnsafeMutablePointer<Float>, _ count: Int, _ value: Float) {
        let v = V(repeating: value)
        var i = 0
        while i < count { store(v, p, i); i += 16 }
    }

    /// Σ of the sixteen lanes by halving, fixed order: the engine's one horizontal sum (four
    /// dependent adds instead of fifteen; one reduction per weight per tick showed in profiles).
    @inline(__always)
    static func hsum(_ v: V) -> Double { Lanes.sumToDouble(v) }

    @inline(__always)
    static func zero(_ p: UnsafeMutablePointer<Float>, _ count: Int) { fill(p, count, 0) }

    /// Σ p[i] over `count` lanes.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
        var total = 0.0
        var i = 0
        while i < count {
            let end = min(count, i + 256)
            // Four accumulators (one chain of dependent adds was latency-bound); fixed order.
            var a0 = V(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            while i + 64 <= end {
                a0 += load(p, i); a1 += load(p, i + 16); a2 += load(p, i + 32); a3 += load(p, i + 48)
                i += 64
            }
            while i < end { a0 += load(p, i); i += 16 }
            total += hsum((a0 + a1) + (a2 + a3))
        }
        return total
    }

    /// Σ a[i]·b[i] over `count` lanes.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Double {
        var total = 0.0
        var i = 0
        while i < count {
            let end = min(count, i + 256)
            var a0 = V(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            while i + 64 <= end {
                a0 = a0.madd(load(a, i), load(b, i)); a1 = a1.madd(load(a, i + 16), load(b, i + 16))
                a2 = a2.madd(load(a, i + 32), load(b, i + 32)); a3 = a3.madd(load(a, i + 48), load(b, i + 48))
                i += 64
            }
            while i < end { a0 = a0.madd(load(a, i), load(b, i)); i += 16 }
            total += hsum((a0 + a1) + (a2 + a3))
        }
        return total
    }

    /// Returns Σ g·y and does dst (+)= w·g in the same pass over g.
    @inline(__always)
    static func dotAndAxpy(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ w: Float,
                           accumulate: Bool, _ count: Int) -> Double {
        let wv = V(repeating: w)
        var total = 0.0
        var i = 0
        while i < count {
            let end = min(count, i + 256)
            var a0 = V(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            if accumulate {
                while i + 64 <= end {
                    let g0 = load(g, i), g1 = load(g, i + 16), g2 = load(g, i + 32), g3 = load(g, i + 48)
                    a0 = a0.madd(g0, load(y, i)); a1 = a1.madd(g1, load(y, i + 16))
                    a2 = a2.madd(g2, load(y, i + 32)); a3 = a3.madd(g3, load(y, i + 48))
                    store(load(dst, i).madd(wv, g0), dst, i); store(load(dst, i + 16).madd(wv, g1), dst, i + 16)
                    store(load(dst, i + 32).madd(wv, g2), dst, i + 32); store(load(dst, i + 48).madd(wv, g3), dst, i + 48)
                    i += 64
                }
                while i < end {
                    let gv = load(g, i)
                    a0 = a0.madd(gv, load(y, i))
                    store(load(dst, i).madd(wv, gv), dst, i)
                    i += 16
                }
            } else {
                while i + 64 <= end {
                    let g0 = load(g, i), g1 = load(g, i + 16), g2 = load(g, i + 32), g3 = load(g, i + 48)
                    a0 = a0.madd(g0, load(y, i)); a1 = a1.madd(g1, load(y, i + 16))
                    a2 = a2.madd(g2, load(y, i + 32)); a3 = a3.madd(g3, load(y, i + 48))
                    store(wv * g0, dst, i); store(wv * g1, dst, i + 16); store(wv * g2, dst, i + 32); store(wv * g3, dst, i + 48)
                    i += 64
                }
                while i < end {
                    let gv = load(g, i)
                    a0 = a0.madd(gv, load(y, i))
                    store(wv * gv, dst, i)
                    i += 16
                }
            }
            total += hsum((a0 + a1) + (a2 + a3))
        }
        return total
    }

    /// dst += w·x.
    @inline(__always)
    static func axpy(_ dst: UnsafeMutablePointer<Float>, _ w: Float, _ x: UnsafePointer<Float>, _ count: Int) {
        let wv = V(repeating: w)
        var i = 0
        while i < count { store(load(dst, i).madd(wv, load(x, i)), dst, i); i += 16 }
    }

    /// dst = w·x.
    @inline(__always)
    static func scale(_ dst: UnsafeMutablePointer<Float>, _ w: Float, _ x: UnsafePointer<Float>, _ count: Int) {
        let wv = V(repeating: w)
        var i = 0
        while i < count { store(wv * load(x, i), dst, i); i += 16 }
    }

    /// Lanes `0..<n` of a vector set, the rest zero (for the last, partial vector of a frame).
    @inline(__always)
    static func mask(_ n: Int) -> SIMDMask<SIMD16<Int32>> {
        SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .< SIMD16<Int32>(repeating: Int32(n))
    }

    /// The picture as the renderer draws it before rounding: clamped to −1…1.
    @inline(__always)
    static func gamut(_ v: V) -> V { FastMath.clamp(v, -1, 1) }

    /// 1 where −1 ≤ v ≤ 1, 0 where the gamut clamps v (compare masks, as `FastMath.clamp`:
    /// `pointwiseMin`/`Max` and `.!` on masks compiled to a compare and branch per lane).
    @inline(__always)
    static func inGamut(_ v: V) -> V {
        let one = V(repeating: 1), zero = V(repeating: 0)
        return one.replacing(with: zero, where: v .> one).replacing(with: zero, where: v .< -one)
    }

    /// Σ (clamp(y) − t)² over the first `logical` lanes: the render's error, since the
    /// quantiser clamps every value to −1…1 before it rounds.
    @inline(__always)
    static func squaredError(_ y: UnsafePointer<Float>, _ t: UnsafePointer<Float>, _ logical: Int) -> Double {
        var total = 0.0
        var i = 0
        let full = logical / 16 * 16
        while i < full {
            let end = min(full, i + 256)
            var acc = V(repeating: 0)
            while i < end { let d = gamut(load(y, i)) - load(t, i); acc = acc.madd(d, d); i += 16 }
            total += hsum(acc)
        }
        if full < logical {
            var d = gamut(load(y, full)) - load(t, full)
            d.replace(with: 0, where: .!mask(logical - full))
            total += hsum(d * d)
        }
        return total
    }

    /// g (+)= s·(clamp(y) − t)·[−1 ≤ y ≤ 1] on the first `logical` lanes, 0 on the rest of
    /// `count`: the exact gradient of `squaredError` (a pixel past the gamut is flat).
    @inline(__always)
    static func lossGradient(_ g: UnsafeMutablePointer<Float>, accumulate: Bool, _ s: Float,
                             _ y: UnsafePointer<Float>, _ t: UnsafePointer<Float>, _ logical: Int, _ count: Int) {
        let sv = V(repeating: s)
        @inline(__always) func d(_ i: Int) -> V {
            let yv = load(y, i)
            return (gamut(yv) - load(t, i)) * sv * inGamut(yv)
        }
        var i = 0
        let full = logical / 16 * 16
        while i < full {
            let e = d(i)
            store(accumulate ? load(g, i) + e : e, g, i)
            i += 16
        }
        if full < logical {
            var e = d(full)
            e.replace(with: 0, where: .!mask(logical - full))
            store(accumulate ? load(g, full) + e : e, g, full)
            i += 16
        }
        if !accumulate { while i < count { store(V(repeating: 0), g, i); i += 16 } }
    }
}
