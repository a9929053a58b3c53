/// A kind of the form `y = f(a·x + b)` with inputs (a, x, b) and one output: `sin`, `cos`.
///
/// When a and b are uniform over a tile (constants or scalars, the usual case), the plan does
/// not write them, or x, to scratch: `forwardPhase` reads x's sources, forms x, a·x + b and f in
/// registers, and writes y. The arithmetic is the same, operation for operation, as the
/// down movement followed by `forward`, so pictures are bit-identical either way
/// (`FieldVariantTests`). `backwardPhase` is that calc's VJP, used by the fitter.
public protocol PhaseKind: NeuronKind {
    /// f over sixteen lanes.
    static func phase(_ u: FastMath.V) -> FastMath.V
    /// The fused pass (a requirement, so each kind gets its own specialised copy of the
    /// default below, with `phase` inlined into the loop).
    func forwardPhase(a: Float, b: Float, c: Float, weights: UnsafeBufferPointer<Float>,
                      sources: UnsafeBufferPointer<UnsafeMutablePointer<Float>>,
                      out: UnsafeMutablePointer<Float>, count: Int)
    /// f′ over sixteen lanes (the VJP of the fused pass).
    static func phaseDerivative(_ u: FastMath.V) -> FastMath.V
    /// The VJP of `forwardPhase` (see the default below).
    func backwardPhase(a: Float, b: Float, c: Float, weights: UnsafeBufferPointer<Float>,
                       sources: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, outGrad: UnsafeMutablePointer<Float>,
                       gx: UnsafeMutablePointer<Float>, count: Int) -> (a: Double, b: Double)
}

extension PhaseKind {
    /// The fused calc when a and b are uniform and x is not (the usual `sin` over a field).
    /// Each conforming kind returns this from its own `fieldVariant(uniform:)`, so the choice is
    /// written in the kind's file.
    public func phaseVariant(uniform: [Bool]) -> FieldVariant {
        uniform.count == 3 && uniform[0] && uniform[2] && !uniform[1] && outputs.count == 1 ? .phase(self) : .plain
    }

    /// The fused VJP: x is recomputed from the sources (the same terms in the same order as
    /// `forwardPhase`), d = f′(b + a·x)·g, and `gx` receives dL/dx = a·d, lane by lane, for the
    /// transpose of the down movement to distribute over x's terms. Returns Σ d·x and Σ d, the
    /// gradients of the uniform rows a and b.
    ///
    /// Sums run in Float over blocks of 256 lanes and in Double across blocks (as the fitter's
    /// other reductions), in a fixed order.
    public func backwardPhase(a: Float, b: Float, c: Float, weights: UnsafeBufferPointer<Float>,
                              sources: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, outGrad: UnsafeMutablePointer<Float>,
                              gx: UnsafeMutablePointer<Float>, count: Int) -> (a: Double, b: Double) {
        typealias V = FastMath.V
        let av = V(repeating: a), bv = V(repeating: b), cv = V(repeating: c)
        let n = weights.count
        let plain = n == 1 && c == 0 && weights[0] == 1
        var ta = 0.0, tb = 0.0
        var block = 0
        while block < count {
            let end = min(count, block + 256)
            var ga = V(repeating: 0), gb = ga
            var i = block
            while i < end {
                var x: V
                if plain {
                    x = Lanes.load(sources[0], i)
                } else if n == 1 {
                    x = cv.madd(V(repeating: weights[0]), Lanes.load(sources[0], i))
                } else {
                    x = cv.madd(V(repeating: weights[0]), Lanes.load(sources[0], i))
                        .madd(V(repeating: weights[1]), Lanes.load(sources[1], i))
                    var k = 2
                    while k < n { x = x.madd(V(repeating: weights[k]), Lanes.load(sources[k], i)); k += 1 }
                }
                let d = Self.phaseDerivative(bv.madd(av, x)) * Lanes.load(outGrad, i)
                ga = ga.madd(d, x)
                gb += d
                Lanes.store(av * d, gx, i)
                i += 16
            }
            ta += Lanes.sumToDouble(ga); tb += Lanes.sumToDouble(gb)
            block = end
        }
        return (ta, tb)
    }

    /// y = f(b + a·x) with x = c + Σ weights[k] · sources[k] (terms summed in order, the first
    /// two in one fused expression, exactly as the down movement does).
    public func forwardPhase(a: Float, b: Float, c: Float, weights: UnsafeBufferPointer<Float>,
                             sources: UnsafeBufferPointer<UnsafeMutablePointer<Float>>,
                             out: UnsafeMutablePointer<Float>, count: Int) {
        let av = FastMath.V(repeating: a), bv = FastMath.V(repeating: b), cv = FastMath.V(repeating: c)
        let n = weights.count
        if n == 1 && c == 0 && weights[0] == 1 {
            let s0 = sources[0]
            var i = 0
            while i < count { Lanes.store(Self.phase(bv.madd(av, Lanes.load(s0, i))), out, i); i += 16 }
        } else if n == 1 {
            let w0 = FastMath.V(repeating: weights[0]), s0 = sources[0]
            var i = 0
            while i < count {
                let x = cv.madd(w0, Lanes.load(s0, i))
                Lanes.store(Self.phase(bv.madd(av, x)), out, i); i += 16
            }
        } else if n == 2 {
            let w0 = FastMath.V(repeating: weights[0]), s0 = sources[0]
            let w1 = FastMath.V(repeating: weights[1]), s1 = sources[1]
            var i = 0
            while i < count {
                let x = cv.madd(w0, Lanes.load(s0, i)).madd(w1, Lanes.load(s1, i))
                Lanes.store(Self.phase(bv.madd(av, x)), out, i); i += 16
            }
        } else {
            let w0 = FastMath.V(repeating: weights[0]), s0 = sources[0]
            let w1 = FastMath.V(repeating: weights[1]), s1 = sources[1]
            var i = 0
            while i < count {
                var x = cv.madd(w0, Lanes.load(s0, i)).madd(w1, Lanes.load(s1, i))
                for k in 2..<n { x = x.madd(FastMath.V(repeating: weights[k]), Lanes.load(sources[k], i)) }
                Lanes.store(Self.phase(bv.madd(av, x)), out, i); i += 16
            }
        }
    }
}
