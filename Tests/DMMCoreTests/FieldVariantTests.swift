import Testing
import DMMCore
import DMMTestSupport

/// Every fast calc a kind offers against its plain calc (rows into scratch, then `forward`
/// and `backward`), on rows of every shape: 1, 2, 3, 19, 20, 64 and 300 field sources, with
/// and without a constant part, the single weight-1 source, lanes that are not a multiple of
/// the tile.
@Suite struct FieldVariantTests {

    static let shapes: [(sources: Int, constant: Bool)] = [(1, false), (1, true), (2, true), (3, false), (19, true), (20, true),
                                                            (64, false), (300, true)]

    /// A row of `sources` random field buffers, its weights and constants.
    struct Case {
        var sources: [UnsafeMutablePointer<Float>]
        var weights: [Float]
        var a: Float, b: Float, c: Float
        let count: Int
        init(_ n: Int, constant: Bool, count: Int, seed: UInt64) {
            var r = SplitMix(seed: seed)
            self.count = count
            sources = (0..<n).map { _ in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
                for i in 0..<count { p[i] = r.uniform(-1, 1) }
                return p
            }
            weights = (0..<n).map { _ in n == 1 && !constant ? 1 : r.uniform(-2, 2) / Float(n).squareRoot() }
            a = r.uniform(0.5, 3); b = r.uniform(-2, 2); c = constant ? r.uniform(-1, 1) : 0
        }
        func free() { for s in sources { s.deallocate() } }

        /// The plain down movement, in the order the engine sums: c, then each term.
        func x() -> [Float] {
            var x = [Float](repeating: 0, count: count)
            x.withUnsafeMutableBufferPointer { xb in
                let dst = xb.baseAddress!
                var i = 0
                while i < count {
                    var v = Lanes.V(repeating: c)
                    for (k, s) in sources.enumerated() { v = v.madd(Lanes.V(repeating: weights[k]), Lanes.load(s, i)) }
                    Lanes.store(v, dst, i)
                    i += 16
                }
            }
            return x
        }
    }

    func plain<K: PhaseKind>(_ kind: K, _ cs: Case) -> [Float] {
        var a = [Float](repeating: cs.a, count: cs.count), b = [Float](repeating: cs.b, count: cs.count)
        var x = cs.x(), y = [Float](repeating: 0, count: cs.count)
        a.withUnsafeMutableBufferPointer { ab in x.withUnsafeMutableBufferPointer { xb in b.withUnsafeMutableBufferPointer { bb in
            y.withUnsafeMutableBufferPointer { yb in
                let ins = [ab.baseAddress!, xb.baseAddress!, bb.baseAddress!], outs = [yb.baseAddress!]
                ins.withUnsafeBufferPointer { ip in outs.withUnsafeBufferPointer { op in
                    kind.forward(KernelIO(inputs: ip, outputs: op, count: cs.count, context: KernelContext()))
                } }
            }
        } } }
        return y
    }

    @Test(arguments: Array(0..<shapes.count))
    func phaseForwardEqualsPlain(shape: Int) throws {
        let (n, constant) = Self.shapes[shape]
        for kind in [try Sin(config: .init()) as any PhaseKind, try Cos(config: .init())] {
            let cs = Case(n, constant: constant, count: 400, seed: UInt64(shape + 1))
            defer { cs.free() }
            let want = openPlain(kind, cs)
            var got = [Float](repeating: .nan, count: cs.count)
            cs.weights.withUnsafeBufferPointer { w in cs.sources.withUnsafeBufferPointer { s in got.withUnsafeMutableBufferPointer { g in
                kind.forwardPhase(a: cs.a, b: cs.b, c: cs.c, weights: w, sources: s, out: g.baseAddress!, count: cs.count)
            } } }
            // Same operations in the same order: bit-identical, not merely close.
            let differing = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(kind.name) with \(n) sources: \(differing) lanes differ from the plain calc")
        }
    }

    func openPlain(_ k: any PhaseKind, _ cs: Case) -> [Float] { plain(k, cs) }

    @Test(arguments: Array(0..<shapes.count))
    func phaseBackwardEqualsPlain(shape: Int) throws {
        let (n, constant) = Self.shapes[shape]
        for kind in [try Sin(config: .init()) as any PhaseKind, try Cos(config: .init())] {
            let cs = Case(n, constant: constant, count: 400, seed: UInt64(100 + shape))
            defer { cs.free() }
            let count = cs.count
            var rng = SplitMix(seed: 7)
            let g = (0..<count).map { _ in rng.uniform(-1, 1) }
            // Plain: the kind's backward on the materialised rows, then the transpose of the
            // down movement written out here in Double.
            var a = [Float](repeating: cs.a, count: count), b = [Float](repeating: cs.b, count: count)
            var x = cs.x(), y = [Float](repeating: 0, count: count)
            var gIn = g, ga = [Float](repeating: 0, count: count), gx = ga, gb = ga
            a.withUnsafeMutableBufferPointer { ab in x.withUnsafeMutableBufferPointer { xb in b.withUnsafeMutableBufferPointer { bb in
            y.withUnsafeMutableBufferPointer { yb in gIn.withUnsafeMutableBufferPointer { gb0 in
            ga.withUnsafeMutableBufferPointer { gab in gx.withUnsafeMutableBufferPointer { gxb in gb.withUnsafeMutableBufferPointer { gbb in
                let ins = [ab.baseAddress!, xb.baseAddress!, bb.baseAddress!], outs = [yb.baseAddress!]
                let og = [gb0.baseAddress!], ig = [gab.baseAddress!, gxb.baseAddress!, gbb.baseAddress!]
                ins.withUnsafeBufferPointer { ip in outs.withUnsafeBufferPointer { op in og.withUnsafeBufferPointer { ogp in ig.withUnsafeBufferPointer { igp in
                    let io = KernelIO(inputs: ip, outputs: op, count: count, context: KernelContext())
                    kind.forward(io)
                    kind.backward(io, KernelGrads(outputGrads: ogp, inputGrads: igp))
                } } } }
            } } } } } } } }
            let wantA = ga.reduce(0.0) { $0 + Double($1) }, wantB = gb.reduce(0.0) { $0 + Double($1) }

            // Fused: dL/dx lane by lane, Σ for the uniform rows.
            var fusedGx = [Float](repeating: .nan, count: count)
            var gCopy = g
            let sums = cs.weights.withUnsafeBufferPointer { w in cs.sources.withUnsafeBufferPointer { s in
                gCopy.withUnsafeMutableBufferPointer { gp in fusedGx.withUnsafeMutableBufferPointer { gxp in
                    kind.backwardPhase(a: cs.a, b: cs.b, c: cs.c, weights: w, sources: s, outGrad: gp.baseAddress!,
                                       gx: gxp.baseAddress!, count: count)
                } }
            } }
            func close(_ u: Double, _ v: Double, _ scale: Double) -> Bool { abs(u - v) <= 2e-5 * max(1, scale) }
            let scale = Double(count)
            #expect(close(sums.a, wantA, scale), "\(kind.name) n=\(n): Σ d·x \(sums.a) vs \(wantA)")
            #expect(close(sums.b, wantB, scale), "\(kind.name) n=\(n): Σ d \(sums.b) vs \(wantB)")
            let worst = zip(fusedGx, gx).map { abs($0 - $1) }.max() ?? .nan
            #expect(worst <= 1e-6, "\(kind.name) n=\(n): dL/dx off by \(worst) from the plain backward")
        }
    }

    /// The engine picks the fused calc exactly for a uniform a and b over a field x.
    @Test func variantIsChosenByTheRowShape() throws {
        var net = Network()
        net.timing.width = 8; net.timing.height = 4
        let x = try net.add("x", CoordX(config: .init()))
        let t = try net.add("t", Clock(config: .init()))
        let s1 = try net.add("s1", Sin(config: .init()))     // a, b uniform: fused
        let s2 = try net.add("s2", Sin(config: .init()))     // a reads a field: plain
        let out = try net.add("out", RGB(config: .init()))
        net.matrix.set(PortRef(s1, 1), PortRef(x, 0), 2)
        net.matrix.set(PortRef(s1, 2), PortRef(t, 0), 1)
        net.matrix.set(PortRef(s2, 0), PortRef(x, 0), 1)
        net.matrix.set(PortRef(s2, 1), PortRef(x, 0), 1)
        net.matrix.set(PortRef(out, 0), PortRef(s1, 0), 1)
        net.matrix.set(PortRef(out, 1), PortRef(s2, 0), 1)
        let plan = try TickPlan(network: net)
        let fp = plan.fieldProgram()
        func isPhase(_ neuron: Int) -> Bool {
            guard let op = fp.neuron.firstIndex(of: neuron) else { return false }
            if case .phase = fp.variant[op] { return true } else { return false }
        }
        #expect(isPhase(s1))
        #expect(!isPhase(s2))
        #expect(!isPhase(out))
    }
}
