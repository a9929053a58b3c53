/// Small loop helpers shared by the pointwise kinds: each walks the lanes sixteen at a time.
///
/// They are `@inlinable` and generic over a closure so that the closure inlines into a tight
/// SIMD loop (a non-inlinable generic call with a closure ran 40–100× slower).
public enum Lanes {
    public typealias V = SIMD16<Float>

    @inlinable @inline(__always)
    public static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    /// Σ of the sixteen lanes by halving, in a fixed order (deterministic), as a Double.
    @inlinable @inline(__always)
    public static func sumToDouble(_ v: V) -> Double {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return Double(c[0] + c[1])
    }

    @inlinable @inline(__always)
    public static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// out[0] = f(in[0]).
    @inlinable @inline(__always)
    public static func map1(_ io: KernelIO, _ f: (V) -> V) {
        let x = io.inputs[0], y = io.outputs[0]
        var i = 0
        while i < io.count { store(f(load(x, i)), y, i); i += 16 }
    }

    /// out[0] = f(in[0], in[1]).
    @inlinable @inline(__always)
    public static func map2(_ io: KernelIO, _ f: (V, V) -> V) {
        let a = io.inputs[0], b = io.inputs[1], y = io.outputs[0]
        var i = 0
        while i < io.count { store(f(load(a, i), load(b, i)), y, i); i += 16 }
    }

    /// out[0] = f(in[0], in[1], in[2]).
    @inlinable @inline(__always)
    public static func map3(_ io: KernelIO, _ f: (V, V, V) -> V) {
        let a = io.inputs[0], b = io.inputs[1], c = io.inputs[2], y = io.outputs[0]
        var i = 0
        while i < io.count { store(f(load(a, i), load(b, i), load(c, i)), y, i); i += 16 }
    }

    /// Fills `count` lanes with one value.
    @inlinable @inline(__always)
    public static func fill(_ p: UnsafeMutablePointer<Float>, _ count: Int, _ value: Float) {
        let v = V(repeating: value)
        var i = 0
        while i < count { store(v, p, i); i += 16 }
    }

    /// Adds `g · d(in[k])` for a unary kind: inputGrads[0] += grad(x, y, g).
    @inlinable @inline(__always)
    public static func vjp1(_ io: KernelIO, _ gr: KernelGrads, _ f: (V, V, V) -> V) {
        let x = io.inputs[0], y = io.outputs[0], g = gr.outputGrads[0], gx = gr.inputGrads[0]
        var i = 0
        while i < io.count { store(load(gx, i) + f(load(x, i), load(y, i), load(g, i)), gx, i); i += 16 }
    }
}
