/// A tree kind computed on flattened trees (`TreeLayout`): its forward and its VJP are
/// vector operations over the layout's lanes, so tree streams have gradients.
///
/// One implementation serves both engines: the tree stroke of a render or a trace calls
/// `forwardTree`, which flattens the input V-values into a layout of just their paths (plus
/// the kind's own), runs `forwardFlat` and reads the outputs back; the fitter runs
/// `forwardFlat` and `backwardFlat` directly on its per-run layout. `io.count` is the
/// layout's lane count (a multiple of 16); lane 0 is the root's scalar part.
public protocol FlatTreeKind: TreeKind {
    /// Leaf paths this kind writes by itself (a constant's leaves, a text's characters); a
    /// layout given to `forwardFlat` always holds them.
    var emittedPaths: [[String]] { get }
    /// True when every output is a number (only the root's scalar part): `dmm trace` prints
    /// such outputs as numbers rather than objects.
    var outputsAreNumbers: Bool { get }
    /// Up movement on flattened trees.
    func forwardFlat(_ io: KernelIO, layout: TreeLayout)
    /// Adds dL/d(inputs) into `grads.inputGrads` given dL/d(outputs), for the inputs and
    /// outputs of the matching `forwardFlat` call.
    func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout)
}

extension FlatTreeKind {
    public var emittedPaths: [[String]] { [] }
    public var outputsAreNumbers: Bool { false }

    /// The V-value forward, through the flat one (so the two can never disagree).
    public func forwardTree(_ inputs: [VValue], context: KernelContext) -> [VValue] {
        var paths = Set(emittedPaths)
        for v in inputs { for leaf in v.leaves { paths.insert(leaf.path) } }
        let layout = TreeLayout(paths: paths)
        let lanes = layout.lanes
        let nin = inputs.count, nout = outputs.count
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: lanes * max(1, nin + nout)) { buf in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: max(1, nin + nout)) { pbuf in
                let b = buf.baseAddress!, ptrs = pbuf.baseAddress!
                for p in 0..<(nin + nout) { ptrs[p] = b + lanes * p }
                for (p, v) in inputs.enumerated() { layout.flatten(v, into: ptrs[p]) }
                for o in 0..<nout { ptrs[nin + o].initialize(repeating: 0, count: lanes) }
                forwardFlat(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                     outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                     count: lanes, context: context), layout: layout)
                return (0..<nout).map { layout.value(ptrs[nin + $0]) }
            }
        }
    }
}

/// Shared lane arithmetic of the tree kinds.
package enum TreeLanes {
    package typealias V = SIMD16<Float>

    /// Σ a[i]·b[i] over `count` lanes, summed in `SIMD16` then across.
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = V()
        var i = 0
        while i < count {
            acc = acc.madd(UnsafeRawPointer(a + i).loadUnaligned(as: V.self), UnsafeRawPointer(b + i).loadUnaligned(as: V.self))
            i += 16
        }
        return acc.sum()
    }

    /// y[i] += s·x[i] over `count` lanes.
    @inline(__always)
    package static func axpy(_ s: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i < count {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv.madd(s, UnsafeRawPointer(x + i).loadUnaligned(as: V.self)), as: V.self)
            i += 16
        }
    }

    /// Zeroes every lane and writes `x` into lane 0 (a number as a flattened tree).
    @inline(__always)
    package static func number(_ x: Float, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        p.initialize(repeating: 0, count: count)
        p[0] = x
    }
}
