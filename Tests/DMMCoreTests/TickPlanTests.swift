import Testing
import DMMCore

/// The two-stroke cycle, domains and Self edits through the public API.
@Suite struct TickPlanTests {
    /// A chain one → a → b → c of identity neurons: each connection costs exactly one tick.
    @Test func everyConnectionCostsOneTick() throws {
        var n = Network()
        let a = try n.add("a", Identity(config: .init()))
        let b = try n.add("b", Identity(config: .init()))
        let c = try n.add("c", Identity(config: .init()))
        n.matrix.set(PortRef(a, 0), PortRef(0, 0), 5)
        n.matrix.set(PortRef(b, 0), PortRef(a, 0), 1)
        n.matrix.set(PortRef(c, 0), PortRef(b, 0), 2)
        let plan = try TickPlan(network: n)
        var seen: [Float] = []
        for _ in 0..<4 {
            plan.tick()
            seen.append(plan.scalarOutput(neuron: c))
        }
        #expect(seen == [0, 0, 10, 10])
    }

    @Test func accumulatorIntegrates() throws {
        var n = Network()
        let acc = try n.add("acc", Accum(config: .init()))
        n.matrix.set(PortRef(acc, 0), PortRef(0, 0), 0.5)
        let plan = try TickPlan(network: n)
        for _ in 0..<10 { plan.tick() }
        #expect(plan.scalarOutput(neuron: acc) == 5)
    }

    @Test func fieldAndSignalDoNotMix() throws {
        var n = Network()
        let x = try n.add("x", CoordX(config: .init()))
        let out = try n.add("out", RGB(config: .init()))
        n.matrix.set(PortRef(out, 0), PortRef(x, 0), 1)
        #expect(try n.domains()[out] == .field)
        // A field into a fixed scalar input (feedback's zoom) is rejected by name.
        let fb = try n.add("fb", Feedback(config: .init()))
        n.matrix.set(PortRef(fb, 1), PortRef(x, 0), 1)
        #expect {
            try n.domains()
        } throws: { e in
            (e as? NetworkError)?.message == "cannot connect field 'x' to scalar input 'fb.zoom'"
        }
    }

    @Test func pointwiseKindTakesTheDomainOfItsInputs() throws {
        var n = Network()
        let t = try n.add("t", Clock(config: .init()))
        let lfo = try n.add("lfo", Sin(config: .init()))
        let x = try n.add("x", CoordX(config: .init()))
        let s = try n.add("s", Sin(config: .init()))
        n.matrix.set(PortRef(lfo, 1), PortRef(t, 0), 1)
        n.matrix.set(PortRef(s, 1), PortRef(x, 0), 1)
        n.matrix.set(PortRef(s, 2), PortRef(lfo, 0), 1)
        let d = try n.domains()
        #expect(d[lfo] == .scalar)
        #expect(d[s] == .field)
    }

    /// ΔW through Self: same structure updates in place and keeps state; a new weight
    /// recompiles and still keeps every unchanged neuron's state.
    @Test func deltaEditsKeepState() throws {
        var n = Network()
        let acc = try n.add("acc", Accum(config: .init()))
        n.matrix.set(PortRef(acc, 0), PortRef(0, 0), 1)
        let plan = try TickPlan(network: n)
        for _ in 0..<3 { plan.tick() }
        #expect(plan.scalarOutput(neuron: acc) == 3)
        try plan.apply(delta: VValue(["acc.x": ["one": 1]]))   // weight 1 → 2, same structure
        plan.tick()
        #expect(plan.scalarOutput(neuron: acc) == 5)
        var grown = plan.network
        let b = try grown.add("b", Identity(config: .init()))
        grown.matrix.set(PortRef(b, 0), PortRef(acc, 0), 1)
        try plan.replaceNetwork(grown)
        plan.tick()
        #expect(plan.scalarOutput(neuron: acc) == 7)
        #expect(plan.scalarOutput(neuron: b) == 5)
        #expect(throws: NetworkError.self) { try plan.apply(delta: VValue(["nope.x": ["one": 1]])) }
    }

    @Test func matrixAsVValueRoundTrips() throws {
        var n = Network()
        let s = try n.add("s", Sin(config: .init()))
        let x = try n.add("x", CoordX(config: .init()))
        n.matrix.set(PortRef(s, 1), PortRef(x, 0), 0.5)
        n.matrix.set(PortRef(s, 0), PortRef(0, 0), 6)
        let v = n.matrixValue
        #expect(v.description == "{s.a:{one:6}, s.x:{x:0.5}}")
        var m = Network()
        _ = try m.add("s", Sin(config: .init()))
        _ = try m.add("x", CoordX(config: .init()))
        #expect(m.matrix[PortRef(s, 0), PortRef(0, 0)] == 1, "a new sin starts at its port default a = 1")
        #expect(n.delta(to: n).isZero)
        // The ΔW from m to n is exactly the difference, entry by entry (6 − 1 on s.a, new s.x).
        #expect(m.delta(to: n).description == "{s.a:{one:5}, s.x:{x:0.5}}")
        try m.apply(delta: m.delta(to: n))
        #expect(m.matrix == n.matrix)
    }
}
