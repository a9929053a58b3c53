import Testing
import DMMCore

/// Self as a neuron: ΔW wired into its `delta` changes the matrix at the tick boundary, and
/// its output W can be read by the network.
@Suite struct SelfNeuronTests {
    func counter(withSelf: Bool) throws -> (Network, Int) {
        var n = Network()
        let acc = try n.add("acc", Accum(config: .init()))
        n.matrix.set(PortRef(acc, 0), PortRef(0, 0), 1)
        if withSelf {
            let w = try n.add("W", SelfKind(config: .init()))
            let bump = try n.add("bump", ScheduledEdit(config: NeuronConfig([
                ("at", .number(5)), ("delta", .string("{acc.x:{one:2}}"))])))
            n.matrix.set(PortRef(w, 0), PortRef(bump, 0), 1)
        }
        return (n, acc)
    }

    @Test func scheduledEditLandsTwoTicksLater() throws {
        let (withSelf, acc) = try counter(withSelf: true)
        let (plain, _) = try counter(withSelf: false)
        let a = try TickPlan(network: withSelf), b = try TickPlan(network: plain)
        var seenA: [Float] = [], seenB: [Float] = []
        for t in 0..<10 {
            a.tick(); b.tick()
            // The edit is output on tick 5, reaches Self's delta on tick 6 and is added to W
            // at the end of tick 6: by hand, the same ΔW at the same boundary.
            if t == 6 { try b.apply(delta: VValue(["acc.x": ["one": 2]])) }
            seenA.append(a.scalarOutput(neuron: acc)); seenB.append(b.scalarOutput(neuron: acc))
        }
        #expect(seenA == seenB)
        #expect(seenA == [1, 2, 3, 4, 5, 6, 7, 10, 13, 16])
        #expect(a.network.matrix[PortRef(acc, 0), PortRef(0, 0)] == 3)
        #expect(a.lastSelfError == nil)
    }

    @Test func badDeltaIsReportedAndSkipped() throws {
        var n = Network()
        let w = try n.add("W", SelfKind(config: .init()))
        let bump = try n.add("bump", ScheduledEdit(config: NeuronConfig([("at", .number(0)), ("delta", .string("{ghost.x:{one:1}}"))])))
        n.matrix.set(PortRef(w, 0), PortRef(bump, 0), 1)
        let plan = try TickPlan(network: n)
        for _ in 0..<3 { plan.tick() }
        #expect(plan.lastSelfError?.message == "ΔW names unknown input 'ghost.x'")
    }

    @Test func badEditConfiguration() {
        #expect(throws: KindError.self) {
            try ScheduledEdit(config: NeuronConfig([("delta", .string("{a:"))]))
        }
    }
}

/// Growth: new connections while the patch runs, and clones of subnetworks.
@Suite struct GrowthTests {
    /// s1 draws; s2 and acc exist but nothing reads them and they read nothing but defaults.
    static func seedNetwork() throws -> Network {
        var n = Network()
        n.timing.width = 32; n.timing.height = 32
        let t = try n.add("t", Clock(config: .init()))
        let x = try n.add("x", CoordX(config: .init()))
        let s1 = try n.add("s1", Sin(config: .init()))
        _ = try n.add("s2", Sin(config: .init()))
        let acc = try n.add("acc", Accum(config: .init()))
        let out = try n.add("out", RGB(config: .init()))
        n.matrix.set(PortRef(s1, 1), PortRef(x, 0), 3)
        n.matrix.set(PortRef(s1, 2), PortRef(t, 0), 1)
        n.matrix.set(PortRef(acc, 0), PortRef(0, 0), 0.5)
        n.matrix.set(PortRef(out, 0), PortRef(s1, 0), 1)
        return n
    }

    @Test("a first connection to a silent neuron keeps every buffer and equals a recompile")
    func growthWithoutRecompile() throws {
        let net = try Self.seedNetwork()
        let fast = try TickPlan(network: net), slow = try TickPlan(network: net)
        for _ in 0..<5 { fast.tick(); slow.tick() }
        let fields = fast.fieldPrev, state = fast.states
        // s2 comes to life: the clock into its phase, its output into green, acc into blue.
        let grow = VValue(["s2.b": ["t": 2], "out.g": ["s2": 1], "out.b": ["acc": 0.1]])
        try fast.apply(delta: grow)
        var grown = slow.network
        try grown.apply(delta: grow)
        try slow.replaceNetwork(grown)                   // the full recompile, for reference
        #expect(fast.fieldPrev == fields, "field storage was reallocated")
        #expect(fast.states.keys.sorted() == state.keys.sorted() && fast.states.allSatisfy { state[$0.key] == $0.value })
        let s2 = net.index(of: "s2")!, acc = net.index(of: "acc")!, out = net.index(of: "out")!
        for _ in 0..<6 {
            fast.tick(); slow.tick()
            #expect(fast.fieldOutput(neuron: out, port: 1) == slow.fieldOutput(neuron: out, port: 1))
            #expect(fast.fieldOutput(neuron: out, port: 2) == slow.fieldOutput(neuron: out, port: 2))
            #expect(fast.scalarOutput(neuron: acc) == slow.scalarOutput(neuron: acc))
        }
        // Independently: s2 = sin(1·0 + 2·clock) one tick after the clock, and acc kept counting
        // through the edit (0.5 per tick from tick 0: no state was lost).
        #expect(fast.scalarOutput(neuron: s2) != 0)
        #expect(fast.scalarOutput(neuron: acc) == 0.5 * 11)
    }

    @Test("a clone copies rows among its twins, shares outside sources, scales weights")
    func cloneSubnetwork() throws {
        var net = try Self.seedNetwork()
        let s1 = net.index(of: "s1")!, s2 = net.index(of: "s2")!
        net.matrix.set(PortRef(s2, 1), PortRef(s1, 0), 0.8)        // s1 → s2 inside the subnetwork
        let c = try net.cloning(["s1", "s2"], prefix: "c_", scale: 0.5)
        #expect(c.neurons.count == net.neurons.count + 2)
        let g = MatrixGrid(c)
        #expect(g.weight(row: "c_s1.x", column: "x") == 1.5)       // outside source shared, scaled
        #expect(g.weight(row: "c_s1.b", column: "t") == 0.5)
        #expect(g.weight(row: "c_s2.x", column: "c_s1") == 0.4)    // inside source → its twin
        #expect(g.weight(row: "c_s2.x", column: "s1") == 0)
        #expect(g.weight(row: "c_s1.a", column: "one") == 0.5)     // the port default row too
        #expect(!g.cells.contains { g.columns[$0.column].hasPrefix("c_") && !g.rows[$0.row].hasPrefix("c_") },
                "nothing outside reads the clone yet")
        #expect(g.weight(row: "out.r", column: "s1") == 1)         // the original is untouched
        // Growing twice (a clone of the clone) and refusing a taken name or an unknown one.
        let cc = try c.cloning(["c_s1", "c_s2"], prefix: "c_", scale: 0.5)
        #expect(MatrixGrid(cc).weight(row: "c_c_s1.x", column: "x") == 0.75)
        #expect(throws: NetworkError.self) { try c.cloning(["s1"], prefix: "c_") }
        #expect(throws: NetworkError.self) { try net.cloning(["ghost"], prefix: "c_") }
        #expect(throws: NetworkError.self) { try net.cloning(["one"], prefix: "c_") }
        // A clone runs: the plan compiles it and its twins compute what the originals do, scaled.
        let plan = try TickPlan(network: try net.cloning(["s1"], prefix: "c_", scale: 1))
        for _ in 0..<4 { plan.tick() }
        let c1 = plan.network.index(of: "c_s1")!
        #expect(plan.fieldOutput(neuron: c1) == plan.fieldOutput(neuron: s1))
    }
}
