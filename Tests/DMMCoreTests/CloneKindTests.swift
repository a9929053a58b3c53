import Foundation
import Testing
import DMMCore

/// The `clone` kind: a patch that grows at the tick boundary, generation k + 1 a scaled copy
/// of generation k, each generation heard through `gain`.
@Suite struct CloneKindTests {
    static func config(_ entries: [(String, ConfigValue)]) -> NeuronConfig { NeuronConfig(entries.map { (key: $0.0, value: $0.1) }) }

    /// one → a (id, a.x = 0.8) → b (tanh, b.x = 1.5 a + 0.2) → sink (id, sink.x = 0.9 b);
    /// `grow` clones a and b at ticks 2, 5, 8, 11 (scale 0.6, gain 0.7).
    static func chain(times: Int = 4, gain: Double = 0.7, extra: [(String, ConfigValue)] = []) throws -> Network {
        var n = Network()
        let a = try n.add("a", Identity(config: .init()))
        let b = try n.add("b", Tanh(config: .init()))
        let sink = try n.add("sink", Identity(config: .init()))
        n.matrix.set(PortRef(a, 0), PortRef(0, 0), 0.8)
        n.matrix.set(PortRef(b, 0), PortRef(a, 0), 1.5)
        n.matrix.set(PortRef(b, 0), PortRef(0, 0), 0.2)
        n.matrix.set(PortRef(sink, 0), PortRef(b, 0), 0.9)
        try n.add("grow", CloneKind(config: config([("of", .string("a b")), ("prefix", .string("h")), ("scale", .number(0.6)),
                                                    ("gain", .number(gain)), ("at", .number(2)), ("every", .number(3)),
                                                    ("times", .number(Double(times)))] + extra)))
        return n
    }

    /// The row of input `row` (neuron.input) as source name → weight.
    static func row(_ net: Network, _ neuron: String, _ port: Int = 0) -> [String: Double] {
        guard let i = net.index(of: neuron) else { return [:] }
        var out: [String: Double] = [:]
        for e in net.matrix.row(PortRef(i, port)) { out[net.name(ofOutput: e.output)] = Double(e.entry.weight) }
        return out
    }

    static func close(_ a: [String: Double], _ b: [String: Double]) -> Bool {
        a.keys.sorted() == b.keys.sorted() && a.allSatisfy { k, v in abs(v - b[k]!) <= 1e-6 * max(1, abs(v)) }
    }

    @Test("twin names and neuron count after every tick; growth at 2, 5, 8, 11 and never again")
    func namesAfterEveryTick() throws {
        let plan = try TickPlan(network: try Self.chain())
        for t in 0..<20 {
            plan.tick()
            // Independently: growth k happens at the end of tick 2 + 3(k − 1), k ≤ 4.
            let gens = [2, 5, 8, 11].filter { $0 <= t }.count
            var names: Set<String> = ["one", "a", "b", "sink", "grow"]
            if gens > 0 { for k in 1...gens { names.insert("h\(k)_a"); names.insert("h\(k)_b") } }
            #expect(Set(plan.network.neurons.map(\.name)) == names, "tick \(t)")
            #expect(plan.network.neurons.count == 5 + 2 * gens, "tick \(t)")
            #expect(plan.treeOutput(neuron: 4).number == Double([2, 5, 8, 11].filter { $0 < t }.count), "tick \(t): n counts grown generations")
        }
        #expect(plan.lastGrowthError == nil)
    }

    @Test("generation k's rows are the originals' × scale^k (wired among themselves), its outputs × gain^k")
    func rowsScaleAndGain() throws {
        let plan = try TickPlan(network: try Self.chain())
        for _ in 0..<12 { plan.tick() }
        let net = plan.network
        for k in 1...4 {
            let s = pow(0.6, Double(k))
            let pa = "h\(k)_a", pb = "h\(k)_b"
            #expect(Self.close(Self.row(net, pa), ["one": 0.8 * s]), "\(pa): \(Self.row(net, pa))")
            #expect(Self.close(Self.row(net, pb), [pa: 1.5 * s, "one": 0.2 * s]), "\(pb): \(Self.row(net, pb))")
        }
        var sink: [String: Double] = ["b": 0.9]
        for k in 1...4 { sink["h\(k)_b"] = 0.9 * pow(0.7, Double(k)) }
        #expect(Self.close(Self.row(net, "sink"), sink), "\(Self.row(net, "sink"))")
        // The twins of generation k are copies of generation k − 1 in Float, step by step.
        #expect(net.matrix.row(PortRef(net.index(of: "h2_a")!, 0)).first?.entry.weight == Float(0.8) * Float(0.6) * Float(0.6))
    }

    @Test("the grown network's output equals a Double evaluation of the sum of the generations")
    func grownValueMatchesDouble() throws {
        let plan = try TickPlan(network: try Self.chain())
        for _ in 0..<16 { plan.tick() }
        var want = 0.0
        for k in 0...4 {
            let s = pow(0.6, Double(k))
            want += 0.9 * pow(0.7, Double(k)) * tanh(1.5 * s * (0.8 * s) + 0.2 * s)
        }
        let got = Double(plan.scalarOutput(neuron: plan.network.index(of: "sink")!))
        #expect(abs(got - want) < 1e-5, "sink \(got), Double \(want)")
    }

    @Test("gain 0 leaves the twins silent; a gate at 0 stops growth")
    func silentAndGated() throws {
        let silent = try TickPlan(network: try Self.chain(gain: 0))
        for _ in 0..<6 { silent.tick() }
        #expect(silent.network.index(of: "h2_b") != nil)
        #expect(Self.row(silent.network, "sink") == ["b": Double(Float(0.9))])

        var gated = try Self.chain()
        let g = gated.index(of: "grow")!
        gated.matrix.clearRow(PortRef(g, 0))   // gate = 0
        let plan = try TickPlan(network: gated)
        for _ in 0..<12 { plan.tick() }
        #expect(plan.network.neurons.count == 5)
    }

    @Test("a taken twin name is reported and the patch runs on; the cap on neurons holds")
    func takenNameAndCap() throws {
        var n = try Self.chain()
        try n.add("h1_b", Identity(config: .init()))
        let plan = try TickPlan(network: n)
        for _ in 0..<6 { plan.tick() }
        #expect(plan.network.neurons.count == 6)
        #expect(plan.lastGrowthError?.message == "clone 'grow': generation 1: clone: 'h1_b' exists already")
        #expect(plan.currentTick == 6)

        // 200 neurons cloned every tick: 202 + 200k ≤ 4096 allows 19 generations.
        var big = Network()
        var names: [String] = []
        for i in 0..<200 {
            let j = try big.add("c\(i)", Identity(config: .init()))
            big.matrix.set(PortRef(j, 0), PortRef(0, 0), 1)
            names.append("c\(i)")
        }
        try big.add("grow", CloneKind(config: Self.config([("of", .string(names.joined(separator: ","))), ("every", .number(1)),
                                                          ("times", .number(30))])))
        let bp = try TickPlan(network: big)
        for _ in 0..<25 { bp.tick() }
        #expect(bp.network.neurons.count == 202 + 19 * 200)
        #expect(bp.network.neurons.count <= CloneKind.maxNeurons)
        #expect(bp.lastGrowthError?.message.contains("past 4096 neurons") == true, "\(String(describing: bp.lastGrowthError))")
        #expect(big.fullyGrown().neurons.count == 202 + 19 * 200)
    }

    @Test("every configuration number is range-checked with a one-line error naming the key")
    func configErrors() {
        let bad: [([(String, ConfigValue)], String)] = [
            ([("of", .string(" , "))], "'of' names no neuron"),
            ([("of", .number(3))], "'of' must be a string"),
            ([("of", .string("a 2b"))], "'of': '2b' is not a neuron name"),
            ([("of", .string("one"))], "'of': 'one'"),
            ([("of", .string("a")), ("scale", .number(1e9))], "'scale' must be from -1000 to 1000"),
            ([("of", .string("a")), ("gain", .number(-2e3))], "'gain' must be from -1000 to 1000"),
            ([("of", .string("a")), ("scale", .string("x"))], "'scale' must be a number"),
            ([("of", .string("a")), ("times", .number(2.5))], "'times' must be a whole number from 1 to 4096"),
            ([("of", .string("a")), ("times", .number(-1))], "'times' must be a whole number"),
            ([("of", .string("a")), ("times", .number(1e300))], "'times' must be a whole number"),
            ([("of", .string("a")), ("every", .number(-3))], "'every' must be a whole number"),
            ([("of", .string("a")), ("at", .number(1e30))], "'at' must be a whole number"),
            ([("of", .string("a")), ("prefix", .string("9g"))], "'prefix' must be a name"),
            ([("of", .string("a")), ("prefix", .string(String(repeating: "p", count: 40)))], "'prefix' must be a name"),
        ]
        for (entries, message) in bad {
            do {
                _ = try CloneKind(config: Self.config(entries))
                Issue.record("accepted \(entries)")
            } catch {
                #expect(error.message.contains(message), "\(entries): \(error.message)")
                #expect(!error.message.contains("\n"))
            }
        }
    }

    @Test("a patch's unknown or self-naming `of` is refused when checked; the kind has no gradient")
    func checkGrowth() throws {
        var n = Network()
        try n.add("a", Identity(config: .init()))
        try n.add("grow", CloneKind(config: Self.config([("of", .string("a ghost"))])))
        #expect(throws: NetworkError.self) { try n.checkGrowth() }
        do { try n.checkGrowth() } catch { #expect(error.message == "clone 'grow': 'of' names 'ghost', which the patch does not declare") }
        var e = Network()
        try e.add("grow", CloneKind(config: .init()))
        do { try e.checkGrowth(); Issue.record("accepted") } catch { #expect(error.message.contains("'of' is required")) }
        var m = Network()
        try m.add("grow", CloneKind(config: Self.config([("of", .string("grow"))])))
        do { try m.checkGrowth(); Issue.record("accepted") } catch { #expect(error.message.contains("the clone neuron itself")) }
        #expect(try CloneKind(config: Self.config([("of", .string("a"))])).traits.contains(.notDifferentiable))
    }

    @Test("tree state survives the recompile a growth makes")
    func treeStateCarriesOver() throws {
        var n = try Self.chain()
        let acc = try n.add("acc", Accum(config: .init()))
        let c = try n.add("c", ConstTree(config: Self.config([("tree", .string("{k: 1}"))])))
        n.matrix.set(PortRef(acc, 0), PortRef(c, 0), 1)
        let plan = try TickPlan(network: n)
        for _ in 0..<10 { plan.tick() }
        // const outputs {k:1} from tick 0; acc adds it from tick 1: 9 after tick 9.
        #expect(plan.treeOutput(neuron: acc).children["k"]?.number == 9)
    }
}
