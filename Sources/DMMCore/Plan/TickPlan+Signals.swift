extension TickPlan {
    // MARK: Signals

    func signalStroke(_ base: KernelContext, audio: UnsafeMutablePointer<Float>?) {
        let lanes = signalLanes
        let n = timing.samplesPerTick
        var ctx = base
        ctx.logicalCount = n
        let maxIn = signalNeurons.map { network.neurons[$0].kind.inputs.count }.max() ?? 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, maxIn) * lanes) { scratch in
            for i in signalNeurons {
                let kind = network.neurons[i].kind
                let nin = kind.inputs.count
                ctx.seed = seed(for: i)
                var ins: [UnsafeMutablePointer<Float>] = []
                for p in 0..<nin {
                    let r = rowOf[i][p]
                    let dst = scratch.baseAddress! + p * lanes
                    let c = constantPart(r)
                    // Scalars ramp across the block from last tick's value, so edits never zipper.
                    let c0 = rampFrom[r].isNaN ? c : rampFrom[r]
                    rampFrom[r] = c
                    if c0 == c {
                        Lanes.fill(dst, lanes, c)
                    } else {
                        let step = (c - c0) / Float(n)
                        for k in 0..<lanes { dst[k] = k < n ? c0 + step * Float(k + 1) : c }
                    }
                    if inKind[i][p] == .signal {
                        for k in streamStart[r]..<streamStart[r + 1] {
                            let w = streamW[k]
                            let src = signalPrev.withUnsafeBufferPointer { $0.baseAddress! } + streamSlot[k] * lanes
                            for j in 0..<lanes { dst[j] += w * src[j] }
                        }
                    }
                    ins.append(dst)
                }
                signalNext.withUnsafeMutableBufferPointer { sn in
                    let outs = outSlot[i].map { sn.baseAddress! + $0 * lanes }
                    ins.withUnsafeBufferPointer { ib in
                        outs.withUnsafeBufferPointer { ob in
                            kind.forward(KernelIO(inputs: ib, outputs: ob, count: lanes, context: ctx, state: states[i]))
                        }
                    }
                }
                if i == audioNeuron, let audio {
                    let l = ins.count > 0 ? ins[0] : nil
                    let r = ins.count > 1 ? ins[1] : l
                    for k in 0..<n { audio[2 * k] = l?[k] ?? 0; audio[2 * k + 1] = r?[k] ?? 0 }
                }
            }
        }
    }
}
