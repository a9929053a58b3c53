/// A tree weighted entry by entry by another: `mask` outputs x ⊙ m, the Clojure DMM's
/// pointwise mask (jsa-aerial/DMM; `VValue.mask(m, x)`).
///
/// Each leaf of `x` is multiplied by the leaf of `m` at the same path, and a leaf of `m`
/// facing a whole subtree of `x` scales all of it: with `m = {s1.a: {one: 1}}` the output is
/// that one weight of Self's matrix as a tree, with `m = {s1.a: 1}` the whole row `s1.a`, and
/// with the scalar part of `m` (a number wired into it) all of `x`. So a constant mask reads a
/// sub-matrix of W, and a computed one weights it. On flattened trees that is
/// `y[q] = x[q] · Σ_{p prefix of q} m[p]` over the layout's paths: linear in each input.
public struct Mask: FlatTreeKind {
    public static let name = "mask"
    public static let summary = "trees x, m → x ⊙ m: each leaf of x times m's leaf at its path or at a prefix of it"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x", .fixed(.tree)), PortSpec("m", .fixed(.tree))] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }
    public var traits: KindTraits { [] }

    /// (lane, lane of a proper non-root prefix of its path) for every such pair the layout
    /// holds: the lanes a mask leaf higher up the tree reaches besides its own.
    static func prefixPairs(_ layout: TreeLayout) -> [(lane: Int, prefix: Int)] {
        var pairs: [(lane: Int, prefix: Int)] = []
        for (i, path) in layout.paths.enumerated() where path.count > 1 {
            for d in 1..<path.count {
                if let p = layout.lane(of: Array(path[0..<d])) { pairs.append((i, p)) }
            }
        }
        return pairs
    }

    /// The effective mask M[q] = Σ_{p ⊑ q} m[p] into `out`: m itself, plus the root's scalar
    /// part on every other lane, plus the leaves of m at proper prefixes.
    static func effective(_ m: UnsafePointer<Float>, _ pairs: [(lane: Int, prefix: Int)], _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        let root = m[0]
        var i = 0
        while i < count {
            let v = UnsafeRawPointer(m + i).loadUnaligned(as: TreeLanes.V.self) + root
            UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: TreeLanes.V.self)
            i += 16
        }
        out[0] = root
        for pair in pairs { out[pair.lane] += m[pair.prefix] }
    }

    /// y[i] += a[i]·b[i] over `count` lanes.
    @inline(__always)
    static func multiplyAdd(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i < count {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: TreeLanes.V.self)
            let r = yv.madd(UnsafeRawPointer(a + i).loadUnaligned(as: TreeLanes.V.self), UnsafeRawPointer(b + i).loadUnaligned(as: TreeLanes.V.self))
            UnsafeMutableRawPointer(y + i).storeBytes(of: r, as: TreeLanes.V.self)
            i += 16
        }
    }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        let pairs = Self.prefixPairs(layout)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: io.count) { buf in
            let mEff = buf.baseAddress!
            Self.effective(io.inputs[1], pairs, mEff, io.count)
            io.outputs[0].initialize(repeating: 0, count: io.count)
            Self.multiplyAdd(io.inputs[0], mEff, io.outputs[0], io.count)
        }
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {
        let pairs = Self.prefixPairs(layout)
        let g = grads.outputGrads[0], x = io.inputs[0], gm = grads.inputGrads[1]
        withUnsafeTemporaryAllocation(of: Float.self, capacity: io.count) { buf in
            let t = buf.baseAddress!
            // dL/dx = g ⊙ M.
            Self.effective(io.inputs[1], pairs, t, io.count)
            Self.multiplyAdd(g, t, grads.inputGrads[0], io.count)
            // dL/dm[p] = Σ_{q: p ⊑ q} g[q]·x[q]: every lane to itself, all to the root, and
            // each lane to its proper prefixes.
            t.initialize(repeating: 0, count: io.count)
            Self.multiplyAdd(g, x, t, io.count)
            var all = TreeLanes.V(), i = 0
            while i < io.count { all += UnsafeRawPointer(t + i).loadUnaligned(as: TreeLanes.V.self); i += 16 }
            TreeLanes.axpy(1, t, gm, io.count)
            gm[0] += all.sum() - t[0]
            for pair in pairs { gm[pair.prefix] += t[pair.lane] }
        }
    }
}
