import DMMCore
import DMMTestSupport
import Testing

/// The kinds that let a patch compute its own ΔW — `delta`, `scale`, `mask` — forward against
/// an independent Double evaluation of the definitions written here, and each `backwardFlat`
/// against central finite differences of its `forwardFlat`.
@Suite struct MatrixAlgebraKindTests {
    /// Leaves by path: the independent representation of a tree in these tests.
    typealias Leaves = [[String]: Double]

    /// A layout with paths that are prefixes of others (a row and its entries), so `mask`'s
    /// subtree scaling is exercised, plus padding past 16 lanes.
    static let layout = TreeLayout(paths: [["s1.a"], ["s1.a", "one"], ["s1.a", "t"], ["out.r", "s1"], ["out.r"],
                                           ["x"], ["x", "y"], ["x", "y", "z"], ["q"]] + (0..<9).map { ["k\($0)"] })

    static func kinds() throws -> [(String, any FlatTreeKind)] {
        [("delta", try Delta(config: NeuronConfig([(key: "row", value: .string("s1.a")), (key: "col", value: .string("one")),
                                                   (key: "scale", value: .number(-1.5))]))),
         ("scale", try Scale(config: NeuronConfig())), ("mask", try Mask(config: NeuronConfig()))]
    }

    static func tree(_ leaves: Leaves) -> VValue {
        var v = VValue.zero
        for (path, x) in leaves {
            if path.isEmpty { v.number += x } else { v[path: path] = v[path: path] + VValue(x) }
        }
        return v
    }

    static func leaves(_ v: VValue) -> Leaves {
        var out: Leaves = [:]
        for l in v.leaves { out[l.path] = l.value }
        return out
    }

    /// Random leaves on a few of `paths` (the root's scalar part among them), values in ±2.
    static func random(_ rng: inout SplitMix, _ paths: [[String]]) -> Leaves {
        var out: Leaves = [:]
        for p in paths where rng.uniform(0, 1) < 0.6 { out[p] = Double(rng.uniform(-2, 2)) }
        return out
    }

    static func expectClose(_ got: Leaves, _ want: Leaves, _ what: String) {
        for p in Set(got.keys).union(want.keys) {
            let g = got[p] ?? 0, w = want[p] ?? 0
            #expect(abs(g - w) <= 1e-5 * max(1, abs(w)), "\(what) at \(p): \(g), expected \(w)")
        }
    }

    @Test("mask: x ⊙ m, a mask leaf scaling the whole subtree below it, on random trees")
    func maskForward() throws {
        let kind = try Mask(config: NeuronConfig())
        let paths = Self.layout.paths
        var rng = SplitMix(seed: 0x3A5C)
        for trial in 0..<50 {
            let x = Self.random(&rng, paths), m = Self.random(&rng, paths)
            // Independently: y[q] = x[q] · Σ over every prefix p of q (the root and q itself) of m[p].
            var want: Leaves = [:]
            for (q, xq) in x {
                var factor = 0.0
                for d in 0...q.count { factor += m[Array(q[0..<d])] ?? 0 }
                if xq * factor != 0 { want[q] = xq * factor }
            }
            let got = kind.forwardTree([Self.tree(x), Self.tree(m)], context: KernelContext())
            #expect(got.count == 1)
            Self.expectClose(Self.leaves(got[0]), want, "trial \(trial)")
        }
    }

    @Test("mask: the Clojure DMM's golden values (jsa-aerial/DMM test/dmm/core_test.clj)")
    func maskGolden() throws {
        let kind = try Mask(config: NeuronConfig())
        let m = try VValue(parsing: "{a:1, b:2, c:{a:1, b:2, c:{x:1, y:3}}}")
        func run(_ x: VValue, _ mk: VValue) -> VValue { kind.forwardTree([x, mk], context: KernelContext())[0] }
        #expect(run(m, m) == (try VValue(parsing: "{a:1, b:4, c:{a:1, b:4, c:{x:1, y:9}}}")))
        #expect(run(m, try VValue(parsing: "{c:7}")) == (try VValue(parsing: "{c:{a:7, b:14, c:{x:7, y:21}}}")))
        // A row of Self's matrix: the mask {s1.a: 1} keeps that row and nothing else.
        let w = try VValue(parsing: "{s1.a:{one:2, t:-3}, out.r:{s1:0.5}}")
        #expect(run(w, try VValue(parsing: "{s1.a:1}")) == (try VValue(parsing: "{s1.a:{one:2, t:-3}}")))
        #expect(run(w, try VValue(parsing: "{s1.a:{t:1}}")) == (try VValue(parsing: "{s1.a:{t:-3}}")))
    }

    @Test("scale: every leaf of x times the scalar part of s (only the root's), on random trees")
    func scaleForward() throws {
        let kind = try Scale(config: NeuronConfig())
        var rng = SplitMix(seed: 0x5CA1E)
        for trial in 0..<50 {
            let x = Self.random(&rng, Self.layout.paths), s = Self.random(&rng, Self.layout.paths)
            let factor = s[[]] ?? 0
            var want: Leaves = [:]
            for (q, xq) in x where xq * factor != 0 { want[q] = xq * factor }
            let got = kind.forwardTree([Self.tree(x), Self.tree(s)], context: KernelContext())
            Self.expectClose(Self.leaves(got[0]), want, "trial \(trial)")
        }
    }

    @Test("delta: the one-entry ΔW {row: {col: scale·x}} from the scalar part of x")
    func deltaForward() throws {
        var rng = SplitMix(seed: 0xDE17A)
        for (row, col, scale) in [("s1.a", "one", 1.0), ("out.r", "s1", 0.25), ("W.delta", "fb.y", -2.0)] {
            let kind = try Delta(config: NeuronConfig([(key: "row", value: .string(row)), (key: "col", value: .string(col)),
                                                       (key: "scale", value: .number(scale))]))
            #expect(kind.emittedPaths == [[row, col]])
            for _ in 0..<20 {
                let x = Self.random(&rng, Self.layout.paths)
                let want: Leaves = (x[[]] ?? 0) == 0 ? [:] : [[row, col]: scale * x[[]]!]
                let got = kind.forwardTree([Self.tree(x)], context: KernelContext())
                Self.expectClose(Self.leaves(got[0]), want, "\(row) ← \(col)")
            }
        }
        // A tree's leaves other than the scalar part do not leak into the fragment.
        let kind = try Delta(config: Delta.example)
        #expect(kind.forwardTree([try VValue(parsing: "{s1.a:{one:5}, q:2}")], context: KernelContext())[0] == .zero)
    }

    @Test(arguments: ["delta", "scale", "mask"])
    func backwardMatchesFiniteDifferences(name: String) throws {
        let kind = try #require(try Self.kinds().first { $0.0 == name }?.1)
        let layout = Self.layout, lanes = layout.lanes, used = layout.paths.count
        #expect(lanes == 32)
        var rng = SplitMix(seed: 0xF1D + UInt64(name.count))
        var checked = 0
        for _ in 0..<20 {
            let x = kind.inputs.map { _ in (0..<lanes).map { l in l < used ? rng.uniform(-1.5, 1.5) : Float(0) } }
            let g = kind.outputs.map { _ in (0..<lanes).map { l in l < used ? rng.uniform(-1, 1) : Float(0) } }
            let gin = FlatKindHarness.backward(kind, layout: layout, x, g)
            // All three kinds are linear in each input: the quotients at h and h/2 agree.
            for p in x.indices {
                for l in 0..<used {
                    func numeric(_ h: Float) -> Double {
                        var xp = x, xm = x
                        xp[p][l] += h; xm[p][l] -= h
                        return (FlatKindHarness.weighted(kind, layout: layout, xp, g) - FlatKindHarness.weighted(kind, layout: layout, xm, g)) / Double(2 * h)
                    }
                    let n1 = numeric(1e-2), n2 = numeric(5e-3)
                    #expect(abs(n1 - n2) < 1e-3, "\(name) input \(p) lane \(l): \(n1) vs \(n2)")
                    #expect(abs(Double(gin[p][l]) - n2) < 2e-3 * max(1, abs(n2)), "\(name) input \(p) lane \(l): backward \(gin[p][l]), numeric \(n2)")
                    checked += 1
                }
            }
        }
        #expect(checked == 20 * kind.inputs.count * used)
    }
}

/// Runs a flat tree kind on plain arrays (one per port, `layout.lanes` floats each).
enum FlatKindHarness {
    static func run(_ kind: any FlatTreeKind, layout: TreeLayout, _ ins: [[Float]], outputs: Int,
                    _ body: (KernelIO, [UnsafeMutablePointer<Float>]) -> Void) -> [[Float]] {
        let lanes = layout.lanes
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: lanes * (ins.count + outputs) + 16)
        defer { buf.deallocate() }
        buf.initialize(repeating: 0, count: lanes * (ins.count + outputs) + 16)
        var ptrs: [UnsafeMutablePointer<Float>] = []
        for p in 0..<(ins.count + outputs) {
            if p < ins.count { (buf + p * lanes).update(from: ins[p], count: lanes) }
            ptrs.append(buf + p * lanes)
        }
        ptrs.withUnsafeBufferPointer { pb in
            body(KernelIO(inputs: UnsafeBufferPointer(rebasing: pb[0..<ins.count]),
                          outputs: UnsafeBufferPointer(rebasing: pb[ins.count...]), count: lanes, context: KernelContext()), ptrs)
        }
        return (0..<outputs).map { Array(UnsafeBufferPointer(start: ptrs[ins.count + $0], count: lanes)) }
    }

    /// Σ g·forward(x) in Double.
    static func weighted(_ kind: any FlatTreeKind, layout: TreeLayout, _ x: [[Float]], _ g: [[Float]]) -> Double {
        let outs = run(kind, layout: layout, x, outputs: kind.outputs.count) { io, _ in kind.forwardFlat(io, layout: layout) }
        var s = 0.0
        for o in outs.indices { for l in outs[o].indices { s += Double(g[o][l]) * Double(outs[o][l]) } }
        return s
    }

    /// dL/d(inputs) from `backwardFlat` after `forwardFlat`, given dL/d(outputs) = g.
    static func backward(_ kind: any FlatTreeKind, layout: TreeLayout, _ x: [[Float]], _ g: [[Float]]) -> [[Float]] {
        let lanes = layout.lanes
        var gin = x.map { _ in [Float](repeating: 0, count: lanes) }
        _ = run(kind, layout: layout, x, outputs: kind.outputs.count) { io, _ in
            kind.forwardFlat(io, layout: layout)
            let gb = UnsafeMutablePointer<Float>.allocate(capacity: lanes * (g.count + x.count))
            defer { gb.deallocate() }
            gb.initialize(repeating: 0, count: lanes * (g.count + x.count))
            for o in g.indices { (gb + o * lanes).update(from: g[o], count: lanes) }
            let gop = (0..<g.count).map { gb + $0 * lanes }, gip = (0..<x.count).map { gb + (g.count + $0) * lanes }
            gop.withUnsafeBufferPointer { go in gip.withUnsafeBufferPointer { gq in
                kind.backwardFlat(io, KernelGrads(outputGrads: go, inputGrads: gq), layout: layout)
            } }
            for p in x.indices { gin[p] = Array(UnsafeBufferPointer(start: gip[p], count: lanes)) }
        }
        return gin
    }
}
