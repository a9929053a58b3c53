import DMMCore

/// Inlined forward and backward loops for the kinds a CPPN is made of (`sin`, `sigmoid`, `id`,
/// `rgb`), used by the engine instead of the kinds' own `forward`/`backward` through the
/// existential `NeuronKind`. They compute the same operations in the same order, so the
/// pictures and gradients are bit-identical to the kinds' (checked by the engine tests), but:
/// - a uniform input (a row without field terms: `sin.a`, a bias `sin.b`) is not written out
///   to a tile-wide buffer: it is read from a 16-lane buffer with index mask 0;
/// - input gradients are stored, not accumulated onto zeroed buffers, and only for the rows
///   whose gradient is wanted;
/// - no dynamic dispatch, no closure per 16 lanes.
enum FusedKernels {
    typealias V = SIMD16<Float>

    /// The op codes of `EngineTables.op`.
    static let generic: UInt8 = 0, sin: UInt8 = 1, sigmoid: UInt8 = 2, copy: UInt8 = 3

    /// The op of a field kind without private state, or `generic`.
    static func op(for kind: any NeuronKind) -> UInt8 {
        if kind is Sin { return sin }
        if kind is Sigmoid { return sigmoid }
        if kind is Identity || kind is RGB { return copy }
        return generic
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self) }

    /// y = sin(b + a·x) (one fused multiply-add, as `Sin.forward`). `m*` are index masks:
    /// −1 for a tile-wide input, 0 for a uniform one (16 lanes).
    @inline(__always)
    static func sinForward(_ a: UnsafePointer<Float>, _ ma: Int, _ x: UnsafePointer<Float>, _ mx: Int,
                           _ b: UnsafePointer<Float>, _ mb: Int, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i < count {
            store(FastMath.sin(load(b, i & mb).addingProduct(load(a, i & ma), load(x, i & mx))), y, i)
            i += 16
        }
    }

    // Copies of `FastMath`'s constants for the sine (internal to DMMCore).
    static let piHi: Float = 3.140625
    static let piLo: Float = 9.67653589793e-4
    static let invPi: Float = 0.318309886183790671537767526745
    static let s1: Float = -0.166666666666
    static let s2: Float = 0.00833333333
    static let s3: Float = -1.98412698e-4
    static let s4: Float = 2.75573e-6
    static let s5: Float = -2.5052e-8

    /// cos(r) for r reduced to [−π/2, π/2]: the even Taylor polynomial of degree 12
    /// (truncation error below 7e-9 at ±π/2).
    @inline(__always)
    static func cosReduced(_ r: V) -> V {
        let r2 = r * r
        var p = V(repeating: -1.0 / 3628800).addingProduct(r2, V(repeating: 1.0 / 479001600))
        p = V(repeating: 1.0 / 40320).addingProduct(r2, p)
        p = V(repeating: -1.0 / 720).addingProduct(r2, p)
        p = V(repeating: 1.0 / 24).addingProduct(r2, p)
        p = V(repeating: -0.5).addingProduct(r2, p)
        return V(repeating: 1).addingProduct(r2, p)
    }

    /// y = sin(b + a·x), bit-identical to `sinForward`, and c = cos(b + a·x) from the same
    /// range reduction (one reduction by π, two polynomials), for the backward pass. `c` may
    /// alias `x` (each 16 lanes are read before they are written).
    @inline(__always)
    static func sinCosForward(_ a: UnsafePointer<Float>, _ ma: Int, _ x: UnsafePointer<Float>, _ mx: Int,
                              _ b: UnsafePointer<Float>, _ mb: Int, _ y: UnsafeMutablePointer<Float>,
                              _ c: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i < count {
            let z = load(b, i & mb).addingProduct(load(a, i & ma), load(x, i & mx))
            // Exactly the operations of `FastMath.sin` (its helpers are internal to DMMCore).
            let m = z * invPi + FastMath.magic
            let n = m - FastMath.magic
            let r = z.addingProduct(-n, piHi).addingProduct(-n, piLo)
            let sign = FastMath.bits(m) &<< 31
            let r2 = r * r
            var p = V(repeating: s4).addingProduct(r2, V(repeating: s5))
            p = V(repeating: s3).addingProduct(r2, p)
            p = V(repeating: s2).addingProduct(r2, p)
            p = V(repeating: s1).addingProduct(r2, p)
            let s = r.addingProduct(r * r2, p)
            store(unsafeBitCast(FastMath.bits(s) ^ sign, to: V.self), y, i)
            store(unsafeBitCast(FastMath.bits(cosReduced(r)) ^ sign, to: V.self), c, i)
            i += 16
        }
    }

    /// `sinBackward` without ga, from the cosines stored by `sinCosForward`:
    /// d = c·g; gx = d·a, gb = d.
    @inline(__always)
    static func sinBackwardFromCos(_ a: UnsafePointer<Float>, _ ma: Int, _ c: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                                   _ gx: UnsafeMutablePointer<Float>?, _ gb: UnsafeMutablePointer<Float>?, _ count: Int) {
        var i = 0
        switch (gx != nil, gb != nil) {
        case (true, true):
            let gx = gx!, gb = gb!
            while i < count {
                let d = load(c, i) * load(g, i)
                store(d * load(a, i & ma), gx, i); store(d, gb, i)
                i += 16
            }
        default:
            while i < count {
                let d = load(c, i) * load(g, i)
                if let gx { store(d * load(a, i & ma), gx, i) }
                if let gb { store(d, gb, i) }
                i += 16
            }
        }
    }

    /// `Sin.backward` (d = cos(b + a·x)·g; ga = d·x, gx = d·a, gb = d), storing only the
    /// wanted input gradients.
    @inline(__always)
    static func sinBackward(_ a: UnsafePointer<Float>, _ ma: Int, _ x: UnsafePointer<Float>, _ mx: Int,
                            _ b: UnsafePointer<Float>, _ mb: Int, _ g: UnsafePointer<Float>,
                            _ ga: UnsafeMutablePointer<Float>?, _ gx: UnsafeMutablePointer<Float>?,
                            _ gb: UnsafeMutablePointer<Float>?, _ count: Int) {
        var i = 0
        switch (ga != nil, gx != nil, gb != nil) {
        case (false, true, true):
            let gx = gx!, gb = gb!
            while i < count {
                let av = load(a, i & ma), xv = load(x, i & mx)
                let d = FastMath.cos(load(b, i & mb).addingProduct(av, xv)) * load(g, i)
                store(d * av, gx, i); store(d, gb, i)
                i += 16
            }
        default:
            while i < count {
                let av = load(a, i & ma), xv = load(x, i & mx)
                let d = FastMath.cos(load(b, i & mb).addingProduct(av, xv)) * load(g, i)
                if let ga { store(d * xv, ga, i) }
                if let gx { store(d * av, gx, i) }
                if let gb { store(d, gb, i) }
                i += 16
            }
        }
    }

    /// y = 1/(1 + e^(−x)), as `Sigmoid.forward`.
    @inline(__always)
    static func sigmoidForward(_ x: UnsafePointer<Float>, _ mx: Int, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i < count {
            store(V(repeating: 1) / (1 + FastMath.exp(-load(x, i & mx))), y, i)
            i += 16
        }
    }

    /// gx = g·y·(1 − y), as `Sigmoid.backward`.
    @inline(__always)
    static func sigmoidBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i < count {
            let yv = load(y, i)
            store(load(g, i) * yv * (1 - yv), gx, i)
            i += 16
        }
    }

    /// dst = src (a uniform source broadcast).
    @inline(__always)
    static func copy(_ src: UnsafePointer<Float>, _ m: Int, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i < count { store(load(src, i & m), dst, i); i += 16 }
    }
}
