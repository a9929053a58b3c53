import DMMCore

/// A scalar neuron of a kind without a tree form (`sin`, `tanh`, `mul`, `clock`), run by
/// `TreeBackprop` as a tree slot whose number is lane 0 (a number is a tree's scalar part).
///
/// There is no second formula here: the kind's own `forward` and `backward` do the work,
/// called as the engine's scalar stroke calls them (`TickPlan.scalarStroke`): over 16 lanes,
/// every lane of an input holding the same number, with the plan's timing, tempo and the
/// neuron's seed in the context and the domain `.scalar`, so a fitted scalar is the scalar a
/// render computes, to the bit. Lane 0 of each output goes back into the slot and the other
/// lanes are zeroed. The backward sets lane 0 of each output cotangent only (every lane
/// computes the same number, so one lane is the derivative of that number) and adds lane 0
/// of each input cotangent back.
///
/// Kinds with private state (`stateBytes` > 0: oscillators, filters) and kinds without a
/// gradient that read inputs are refused by `TreeBackprop`; sources without a gradient
/// (`clock`) run here forward only, as they add nothing in `backward`.
struct ScalarFlatKernel {
    let kind: any NeuronKind
    /// The engine's scalar context for this neuron; only the tick changes per call.
    let context: KernelContext

    init(kind: any NeuronKind, neuron: Int, plan: TickPlan) {
        self.kind = kind
        var c = KernelContext(plan.timing, tick: 0)
        c.domain = .scalar
        c.seed = plan.seed(for: neuron)
        context = c
    }

    /// Runs `body` with 16-lane copies of the call's inputs and outputs (each filled with its
    /// lane 0) and 16-lane scratch after them for cotangents.
    private func withScalarLanes(_ io: KernelIO, extra: Int,
                                 _ body: (UnsafeMutablePointer<UnsafeMutablePointer<Float>>, KernelIO) -> Void) {
        let nin = io.inputs.count, nout = io.outputs.count, n = nin + nout + extra
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * max(1, n)) { buf in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: max(1, n)) { pbuf in
                let b = buf.baseAddress!, p = pbuf.baseAddress!
                b.initialize(repeating: 0, count: 16 * max(1, n))
                for k in 0..<n { p[k] = b + 16 * k }
                for i in 0..<nin { Lanes.fill(p[i], 16, io.inputs[i][0]) }
                for o in 0..<nout { Lanes.fill(p[nin + o], 16, io.outputs[o][0]) }
                var ctx = context
                ctx.tick = io.context.tick
                body(p, KernelIO(inputs: UnsafeBufferPointer(start: p, count: nin),
                                 outputs: UnsafeBufferPointer(start: p + nin, count: nout), count: 16, context: ctx))
            }
        }
    }

    /// Up movement: the kind's forward on the numbers in lane 0 of the inputs.
    func forward(_ io: KernelIO) {
        withScalarLanes(io, extra: 0) { p, scalarIO in
            kind.forward(scalarIO)
            let nin = io.inputs.count
            for o in 0..<io.outputs.count { TreeLanes.number(p[nin + o][0], io.outputs[o], io.count) }
        }
    }

    /// Adds lane 0 of the kind's VJP into lane 0 of `grads.inputGrads`.
    func backward(_ io: KernelIO, _ grads: KernelGrads) {
        let nin = io.inputs.count, nout = io.outputs.count
        withScalarLanes(io, extra: nin + nout) { p, scalarIO in
            let gOut = p + nin + nout, gIn = gOut + nout
            for o in 0..<nout { gOut[o][0] = grads.outputGrads[o][0] }
            kind.backward(scalarIO, KernelGrads(outputGrads: UnsafeBufferPointer(start: gOut, count: nout),
                                                inputGrads: UnsafeBufferPointer(start: gIn, count: nin)))
            for i in 0..<nin { grads.inputGrads[i][0] += gIn[i][0] }
        }
    }
}
