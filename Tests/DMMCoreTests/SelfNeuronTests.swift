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
