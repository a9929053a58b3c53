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
            store(V(repeating: 1) / (1 + exp(-load(x, i & mx))), y, i)
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

    /// `Sigmoid.exp`, copied operation for operation (it is internal to DMMCore).
    @inline(__always)
    static func exp(_ x: V) -> V {
        var xc = x
        xc.replace(with: -87, where: x .< -87)
        xc.replace(with: 88, where: x .> 88)
        let t = xc * 1.44269504088896341
        let mt = t + FastMath.magic
        let n = mt - FastMath.magic
        let f = (t - n) * 0.693147180559945309
        var p = V(repeating: 1.0 / 720)
        p = V(repeating: 1.0 / 120).addingProduct(f, p)
        p = V(repeating: 1.0 / 24).addingProduct(f, p)
        p = V(repeating: 1.0 / 6).addingProduct(f, p)
        p = V(repeating: 0.5).addingProduct(f, p)
        p = V(repeating: 1).addingProduct(f, p)
        p = V(repeating: 1).addingProduct(f, p)
        let scale = unsafeBitCast((FastMath.bits(mt) &- 0x4B40_0000 &+ 127) &<< 23, to: V.self)
        return p * scale
    }
}
