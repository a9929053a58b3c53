import DMMCore

/// Backpropagation through time over tree streams, on flattened trees (`TreeLayout`).
///
/// The student's program is the engine's own: the rows and terms of its `TickPlan` (constant
/// terms from `one`, stream terms from tree outputs, the accumulators' implicit loops). Every
/// tree stream is a vector over one key universe per run: the paths the student's sources
/// emit and every path the teacher's outputs take, lane 0 the scalar part. A tick is then the
/// down movement as `SIMD16` multiply-adds of those vectors and each kind's `forwardFlat`;
/// the reverse sweep is each kind's `backwardFlat` and, per term, one dot product (the
/// weight's gradient) and one multiply-add (the cotangent of the source). Nothing is built
/// per step: the layout and the term arrays are fixed when the engine is made, and a step
/// only rewrites the term weights.
///
/// Scalar neurons join as trees that are only a number (lane 0): tree kinds by their flat form,
/// other stateless kinds (`sin`, `tanh`, `mul`, `clock`) by their own kernels on that lane
/// (`ScalarFlatKernel`), so scalar students are fitted by the same sweep.
///
/// The loss is `Σ_ticks Σ_outputs ‖student − teacher‖²` over the named outputs after each
/// tick (the 2022 loss: a sum, not a mean).
public final class TreeBackprop: @unchecked Sendable {
    /// The weights being fitted: every explicit, unfrozen entry on the row of a tree or scalar
    /// neuron that runs here (constant sources and `clock` have no rows).
    public let parameters: [WeightRef]
    public let layout: TreeLayout
    public let ticks: Int
    let plan: TickPlan
    let lanes: Int
    let kinds: [FlatStep]
    let neurons: [Int]
    /// Per tree neuron: its row numbers (into X) and its output slots (into Y).
    let rows: [[Int]], slots: [[Int]]
    let rowCount: Int, slotCount: Int
    /// Row r's stream terms are termStart[r]..<termStart[r+1]: source slot, parameter (−1:
    /// fixed), fixed weight.
    let termStart: [Int], termSlot: [Int], termParam: [Int], termFixed: [Float]
    /// Row r's constant terms (weights on constant scalar sources such as `one`).
    let constStart: [Int], constValue: [Float], constParam: [Int], constFixed: [Float]
    /// Slots of the loss outputs and the teacher's flattened values, ticks × outputs × lanes.
    let lossSlots: [Int]
    let targets: [Float]
    let maxPorts: Int

    /// - Parameters:
    ///   - student: the network whose weights are fitted: tree kinds with a flat form
    ///     (`FlatTreeKind`), constant scalar sources, and scalar neurons of stateless kinds
    ///     (differentiable ones, or sources such as `clock`); other neurons are refused.
    ///   - outputs: the named outputs in the loss (`cmp.gt`, `d`).
    ///   - targets: the teacher's value of each named output after each tick (ticks × outputs).
    public init(student: Network, outputs: [PortRef], targets: [[VValue]]) throws(FitError) {
        let plan: TickPlan
        do { plan = try TickPlan(network: student) } catch { throw FitError(error.description) }
        self.plan = plan
        ticks = targets.count
        var paths = Set<[String]>()
        var kinds: [FlatStep] = []
        // Scalar neurons run here too: each scalar output gets a tree slot of its own past the
        // plan's, holding its number in lane 0, and terms that read it become stream terms. A
        // tree kind (an `accum` or `id` fed only by scalars) runs its flat form; any other
        // scalar kind its own kernels on lane 0 (`ScalarFlatKernel`), if it keeps no state
        // and, when it reads inputs, has a gradient.
        var flatNeurons = plan.treeNeurons
        var pseudo: [Int: Int] = [:]
        var extraSlots = plan.treeCount
        for i in plan.treeNeurons {
            guard let k = student.neurons[i].kind as? any FlatTreeKind else {
                throw FitError("neuron '\(student.neurons[i].name)' (\(student.neurons[i].kindName)) has no gradient over trees")
            }
            kinds.append(.tree(k))
            paths.formUnion(k.emittedPaths)
        }
        for i in plan.scalarNeurons where !plan.constantSources.contains(i) {
            let n = student.neurons[i]
            if let k = n.kind as? any FlatTreeKind {
                kinds.append(.tree(k))
                paths.formUnion(k.emittedPaths)
            } else if n.kind.stateBytes(sampleRate: student.timing.sampleRate) > 0 {
                throw FitError("neuron '\(n.name)' (\(n.kindName)) keeps state between ticks: fitting to a teacher has no gradients through state (use a stateless form, e.g. `sin` over `clock`)")
            } else if n.kind.traits.contains(.notDifferentiable), !n.kind.inputs.isEmpty {
                throw FitError("neuron '\(n.name)' (\(n.kindName)) has no gradient: fitting to a teacher takes differentiable scalar kinds and sources such as `clock`")
            } else {
                kinds.append(.scalar(ScalarFlatKernel(kind: n.kind, neuron: i, plan: plan)))
            }
            flatNeurons.append(i)
            for (o, s) in plan.outSlot[i].enumerated() where plan.outKind[i][o] == .scalar { pseudo[s] = extraSlots; extraSlots += 1 }
        }
        for tick in targets { for v in tick { for leaf in v.leaves { paths.insert(leaf.path) } } }
        if !plan.fieldNeurons.isEmpty || !plan.spatialNeurons.isEmpty || !plan.signalNeurons.isEmpty {
            throw FitError("fitting to a teacher takes tree patches; field and signal neurons are not supported yet")
        }
        let layout = TreeLayout(paths: paths), lanes = layout.lanes
        self.layout = layout
        self.lanes = lanes
        self.kinds = kinds
        neurons = flatNeurons

        // Parameters: explicit, unfrozen entries on tree rows, in a fixed order.
        var refs: [WeightRef] = []
        for i in neurons {
            for p in student.neurons[i].kind.inputs.indices {
                for (o, e) in student.matrix.row(PortRef(i, p)) where !e.frozen {
                    refs.append(WeightRef(input: PortRef(i, p), output: o))
                }
            }
        }
        refs.sort()
        parameters = refs
        var paramOf: [WeightRef: Int] = [:]
        for (k, r) in refs.enumerated() { paramOf[r] = k }
        var streamParam = Array(repeating: -1, count: plan.streamW.count)
        var constParamOfTerm = Array(repeating: -1, count: plan.constW.count)
        for (r, cols) in plan.termOf {
            for (c, t) in cols {
                guard let k = paramOf[WeightRef(input: r, output: c)] else { continue }
                if t.stream { streamParam[t.index] = k } else { constParamOfTerm[t.index] = k }
            }
        }
        // Which neuron owns each scalar slot (constant parts must come from constant sources).
        var scalarOwner: [Int: Int] = [:]
        for i in 0..<student.neurons.count {
            for (o, s) in plan.outSlot[i].enumerated() where plan.outKind[i][o] == .scalar { scalarOwner[s] = i }
        }
        var rows: [[Int]] = [], slots: [[Int]] = []
        var tS = [0], tSlot: [Int] = [], tParam: [Int] = [], tFixed: [Float] = []
        var cS = [0], cVal: [Float] = [], cParam: [Int] = [], cFixed: [Float] = []
        var rowCount = 0, maxPorts = 1
        for i in neurons {
            var rs: [Int] = []
            for p in student.neurons[i].kind.inputs.indices {
                let r = plan.rowOf[i][p]
                for k in plan.streamStart[r]..<plan.streamStart[r + 1] {
                    tSlot.append(plan.streamSlot[k]); tParam.append(streamParam[k]); tFixed.append(plan.streamW[k])
                }
                for k in plan.constStart[r]..<plan.constStart[r + 1] {
                    let s = plan.constSlot[k]
                    if let t = pseudo[s] { tSlot.append(t); tParam.append(constParamOfTerm[k]); tFixed.append(plan.constW[k]); continue }
                    guard let owner = scalarOwner[s], plan.constantSources.contains(owner) else {
                        throw FitError("input '\(student.name(ofInput: PortRef(i, p)))' reads a scalar that is not constant")
                    }
                    cVal.append(plan.scalarPrev[s]); cParam.append(constParamOfTerm[k]); cFixed.append(plan.constW[k])
                }
                tS.append(tSlot.count); cS.append(cVal.count)
                rs.append(rowCount); rowCount += 1
            }
            rows.append(rs)
            slots.append(plan.outSlot[i].enumerated().map { o, s in plan.outKind[i][o] == .scalar ? pseudo[s]! : s })
            maxPorts = max(maxPorts, rs.count + plan.outSlot[i].count)
        }
        self.rows = rows; self.slots = slots
        self.rowCount = rowCount; slotCount = extraSlots
        termStart = tS; termSlot = tSlot; termParam = tParam; termFixed = tFixed
        constStart = cS; constValue = cVal; constParam = cParam; constFixed = cFixed
        self.maxPorts = maxPorts

        var ls: [Int] = []
        for o in outputs {
            let s = plan.outSlot[o.neuron][o.port]
            switch plan.outKind[o.neuron][o.port] {
            case .tree: ls.append(s)
            case .scalar where pseudo[s] != nil: ls.append(pseudo[s]!)
            default: throw FitError("output '\(student.name(ofOutput: o))' is neither a tree stream nor a scalar that changes")
            }
        }
        lossSlots = ls
        var tg = Array(repeating: Float(0), count: max(1, targets.count * ls.count * lanes))
        tg.withUnsafeMutableBufferPointer { b in
            for (t, tick) in targets.enumerated() {
                for (j, v) in tick.enumerated() where j < ls.count { layout.flatten(v, into: b.baseAddress! + (t * ls.count + j) * lanes) }
            }
        }
        self.targets = tg
    }

    /// The parameters' values in the network.
    public func weights(of network: Network) -> [Float] { parameters.map { network.matrix[$0.input, $0.output] } }

    /// The loss at `weights` and, when asked, its gradient (one entry per parameter).
    public func evaluate(_ weights: [Float], gradient wantGradient: Bool = true) -> (loss: Double, gradient: [Double]) {
        let L = lanes, R = rowCount, S = slotCount, T = ticks
        let tw = termParam.indices.map { termParam[$0] >= 0 ? weights[termParam[$0]] : termFixed[$0] }
        let cw = constParam.indices.map { constParam[$0] >= 0 ? weights[constParam[$0]] : constFixed[$0] }
        let Y = UnsafeMutablePointer<Float>.allocate(capacity: max(1, (T + 1) * S * L))
        Y.initialize(repeating: 0, count: max(1, (T + 1) * S * L))
        let X = UnsafeMutablePointer<Float>.allocate(capacity: max(1, T * R * L))
        let ptrs = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 2 * maxPorts)
        defer { Y.deallocate(); X.deallocate(); ptrs.deallocate() }
        var ctx = KernelContext()
        ctx.domain = .tree
        // Forward.
        for t in 0..<T {
            ctx.tick = t
            let yPrev = Y + t * S * L, yNext = Y + (t + 1) * S * L, x = X + t * R * L
            for (ni, kind) in kinds.enumerated() {
                let rs = rows[ni], ss = slots[ni]
                for (p, r) in rs.enumerated() {
                    let xr = x + r * L
                    xr.initialize(repeating: 0, count: L)
                    var c: Float = 0
                    for k in constStart[r]..<constStart[r + 1] { c = c.madd(cw[k], constValue[k]) }
                    xr[0] = c
                    for k in termStart[r]..<termStart[r + 1] where tw[k] != 0 {
                        TreeLanes.axpy(tw[k], yPrev + termSlot[k] * L, xr, L)
                    }
                    ptrs[p] = xr
                }
                for (o, s) in ss.enumerated() { ptrs[rs.count + o] = yNext + s * L }
                kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: rs.count),
                                      outputs: UnsafeBufferPointer(start: ptrs + rs.count, count: ss.count),
                                      count: L, context: ctx), layout: layout)
            }
        }
        // Loss and its cotangents on the outputs.
        let J = lossSlots.count
        let gYBuffer = wantGradient ? UnsafeMutablePointer<Float>.allocate(capacity: max(1, (T + 1) * S * L)) : nil
        gYBuffer?.initialize(repeating: 0, count: max(1, (T + 1) * S * L))
        defer { gYBuffer?.deallocate() }
        var loss = 0.0
        targets.withUnsafeBufferPointer { tb in
            for t in 0..<T {
                for (j, s) in lossSlots.enumerated() {
                    let y = Y + ((t + 1) * S + s) * L, target = tb.baseAddress! + (t * J + j) * L
                    for l in 0..<L {
                        let d = y[l] - target[l]
                        loss += Double(d) * Double(d)
                        if let gYBuffer { gYBuffer[((t + 1) * S + s) * L + l] += 2 * d }
                    }
                }
            }
        }
        guard let gY = gYBuffer else { return (loss, []) }
        // Reverse sweep.
        var grad = Array(repeating: 0.0, count: parameters.count)
        let gX = UnsafeMutablePointer<Float>.allocate(capacity: max(1, R * L))
        let gptrs = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 2 * maxPorts)
        defer { gX.deallocate(); gptrs.deallocate() }
        for t in stride(from: T - 1, through: 0, by: -1) {
            ctx.tick = t
            let yPrev = Y + t * S * L, yNext = Y + (t + 1) * S * L, x = X + t * R * L
            let gPrev = gY + t * S * L, gNext = gY + (t + 1) * S * L
            gX.initialize(repeating: 0, count: R * L)
            for (ni, kind) in kinds.enumerated() {
                let rs = rows[ni], ss = slots[ni]
                guard !rs.isEmpty else { continue }
                for (p, r) in rs.enumerated() { ptrs[p] = x + r * L; gptrs[p] = gX + r * L }
                for (o, s) in ss.enumerated() { ptrs[rs.count + o] = yNext + s * L; gptrs[rs.count + o] = gNext + s * L }
                kind.backward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: rs.count),
                                       outputs: UnsafeBufferPointer(start: ptrs + rs.count, count: ss.count),
                                       count: L, context: ctx),
                              KernelGrads(outputGrads: UnsafeBufferPointer(start: gptrs + rs.count, count: ss.count),
                                          inputGrads: UnsafeBufferPointer(start: gptrs, count: rs.count)),
                              layout: layout)
            }
            for r in 0..<R {
                let g = gX + r * L
                for k in constStart[r]..<constStart[r + 1] where constParam[k] >= 0 {
                    grad[constParam[k]] += Double(g[0] * constValue[k])
                }
                for k in termStart[r]..<termStart[r + 1] {
                    let src = termSlot[k] * L
                    if termParam[k] >= 0 { grad[termParam[k]] += Double(TreeLanes.dot(g, yPrev + src, L)) }
                    if tw[k] != 0 { TreeLanes.axpy(tw[k], g, gPrev + src, L) }
                }
            }
        }
        return (loss, grad)
    }
}
