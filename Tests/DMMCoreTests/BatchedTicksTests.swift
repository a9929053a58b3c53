import Testing
import DMMCore

/// Batched ticks (several ticks per tile with the state in cache) must give exactly the
/// pictures of ticking one by one.
@Suite struct BatchedTicksTests {
    func plasmaLike(width: Int, height: Int) throws -> Network {
        var n = Network()
        n.timing.width = width; n.timing.height = height
        let t = try n.add("t", Clock(config: .init()))
        let x = try n.add("x", CoordX(config: .init()))
        let y = try n.add("y", CoordY(config: .init()))
        let s1 = try n.add("s1", Sin(config: .init()))
        let s2 = try n.add("s2", Sin(config: .init()))
        let acc = try n.add("acc", Accum(config: .init()))
        let out = try n.add("out", RGB(config: .init()))
        n.matrix.set(PortRef(s1, 0), PortRef(0, 0), 6)
        n.matrix.set(PortRef(s1, 1), PortRef(x, 0), 1)
        n.matrix.set(PortRef(s1, 1), PortRef(y, 0), 0.5)
        n.matrix.set(PortRef(s1, 2), PortRef(t, 0), 2)
        n.matrix.set(PortRef(s2, 1), PortRef(y, 0), 3)
        n.matrix.set(PortRef(s2, 2), PortRef(s1, 0), 0.7)
        n.matrix.set(PortRef(acc, 0), PortRef(s2, 0), 0.01)        // state carried across batches
        n.matrix.set(PortRef(out, 0), PortRef(s1, 0), 0.8)
        n.matrix.set(PortRef(out, 1), PortRef(s2, 0), 0.5)
        n.matrix.set(PortRef(out, 2), PortRef(acc, 0), 1)
        return n
    }

    @Test(arguments: [(37, 23), (64, 64)])
    func batchedEqualsSingle(_ w: Int, _ h: Int) throws {
        let n = try plasmaLike(width: w, height: h)
        let single = try TickPlan(network: n, startTick: -3)
        let batched = try TickPlan(network: n, startTick: -3)
        #expect(batched.canBatchTicks)
        let bytes = w * h * 3
        var a = [UInt8](repeating: 0, count: bytes * 10), b = a
        a.withUnsafeMutableBufferPointer { p in
            for k in 0..<10 { single.tick(frame: p.baseAddress! + k * bytes) }
        }
        b.withUnsafeMutableBufferPointer { p in
            batched.tick(frames: (0..<4).map { p.baseAddress! + $0 * bytes })
            batched.tick(frames: (4..<10).map { p.baseAddress! + $0 * bytes })
        }
        #expect(a == b)
        #expect(single.currentTick == batched.currentTick)
        #expect(single.fieldOutput(neuron: 6) == batched.fieldOutput(neuron: 6))
        #expect(Set(a).count > 20, "the picture is not flat")
    }
}
