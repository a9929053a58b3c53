import DMMCore
import Testing

/// The tree kinds' V-value forward (the tree stroke's path), value by value, and the
/// flattening behind it.
@Suite struct TreeKindTests {
    let m = VValue(["a": 1, "b": -2.5, "c": ["x": 3, "y": -4]])
    let ctx = KernelContext()

    @Test func maxnormIsTheLargestMagnitude() throws {
        let k = try MaxNorm(config: NeuronConfig())
        #expect(k.forwardTree([m], context: ctx) == [VValue(4)])
        #expect(k.forwardTree([.zero], context: ctx) == [.zero])
    }

    @Test func dotIsTheInnerProductClippedToFour() throws {
        let k = try Dot(config: NeuronConfig())
        // a·m = 1·1 + 0.5·(−2.5) = −0.25; paths only in one tree contribute nothing.
        #expect(k.forwardTree([VValue(["a": 1, "b": 0.5, "z": 9]), m], context: ctx) == [VValue(-0.25)])
        // m·m = 1 + 6.25 + 9 + 16 = 32.25 → 4; the nested path c/x counts as one leaf.
        #expect(k.forwardTree([m, m], context: ctx) == [VValue(4)])
        #expect(k.forwardTree([m, -m], context: ctx) == [VValue(-4)])
        #expect(k.forwardTree([VValue(["c": ["x": 1]]), m], context: ctx) == [VValue(3)])
    }

    @Test func compareReadsScalarParts() throws {
        let k = try Compare(config: NeuronConfig())
        #expect(k.forwardTree([VValue(number: 3, children: ["q": VValue(7)]), VValue(1)], context: ctx) == [VValue(2), .zero])
        #expect(k.forwardTree([VValue(1), VValue(2.5)], context: ctx) == [.zero, VValue(1.5)])
    }

    @Test func constAndTextEmitTheirTrees() throws {
        let c = try ConstTree(config: NeuronConfig([("tree", .string("{.: 1, s1.a: {one: 2}}"))]))
        #expect(c.forwardTree([], context: ctx) == [VValue([".": 1, "s1.a": ["one": 2]])])
        #expect(try ConstTree(config: NeuronConfig()).forwardTree([], context: ctx) == [.zero])
        #expect(throws: KindError.self) { try ConstTree(config: NeuronConfig([("tree", .string("{a: }"))])) }
        let t = try TextInput(config: NeuronConfig([("input", .string("ab a")), ("every", .number(3))]))
        var c2 = ctx
        let expected: [Int: VValue] = [0: VValue(["a": 1]), 3: VValue(["b": 1]), 6: VValue([" ": 1]), 9: VValue(["a": 1])]
        for tick in -3..<20 {
            c2.tick = tick
            #expect(t.forwardTree([], context: c2) == [expected[tick] ?? .zero], "tick \(tick)")
        }
        let held = try t.with(input: "xy").forwardTree([], context: { var c = ctx; c.tick = 12; return c }())
        #expect(held == [.zero])
        let h = try TextInput(config: NeuronConfig([("input", .string("xy")), ("every", .number(3)), ("hold", .number(1))]))
        c2.tick = 12
        #expect(h.forwardTree([], context: c2) == [VValue(["y": 1])])
        c2.tick = 13
        #expect(h.forwardTree([], context: c2) == [.zero])
    }

    @Test func layoutRoundTripsTrees() {
        let layout = TreeLayout(paths: m.leaves.map(\.path) + [["z"]])
        #expect(layout.paths.first == [])
        #expect(layout.lanes == 16)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: layout.lanes)
        defer { p.deallocate() }
        #expect(layout.flatten(m + VValue(number: 5), into: p) == 0)
        #expect(p[0] == 5)
        #expect(layout.value(p) == m + VValue(number: 5))
        #expect(layout.flatten(VValue(["q": 1]), into: p) == 1)
    }

    /// A tree source makes `accum` a tree neuron; a scalar into a tree input is its scalar part.
    @Test func accumOverTreesInThePlan() throws {
        var net = Network()
        let text = try net.add("in", try TextInput(config: NeuronConfig([("input", .string("aab")), ("every", .number(2))])))
        let acc = try net.add("acc", try Accum(config: NeuronConfig()))
        net.matrix.set(PortRef(acc, 0), PortRef(text, 0), 1)
        net.matrix.set(PortRef(acc, 0), PortRef(0, 0), 0.5)
        let plan = try TickPlan(network: net)
        #expect(plan.outputKind(neuron: acc) == .tree)
        var got: [VValue] = []
        for _ in 0..<6 { plan.tick(); got.append(plan.treeOutput(neuron: acc)) }
        // acc(t) = acc(t−1) + in(t−1) + 0.5
        #expect(got[0] == VValue(0.5))
        #expect(got[1] == VValue(number: 1, children: ["a": VValue(1)]))
        #expect(got[3] == VValue(number: 2, children: ["a": VValue(2)]))
        #expect(got[5] == VValue(number: 3, children: ["a": VValue(2), "b": VValue(1)]))
    }
}
