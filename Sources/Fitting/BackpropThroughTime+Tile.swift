import DMMCore

extension BackpropThroughTime {
    /// Forward over all ticks (loss, segment checkpoints), then backward segment by segment,
    /// for the pixels of tile `ti`. Writes `tileLoss[ti]` and, with `gradient`, the tile's
    /// partial weight gradients and scalar-row sums.
    func runTile(_ ti: Int, _ fp: TickPlan.FieldProgram, workspace ws: TileWorkspace, gradient: Bool,
                 capture: UnsafeMutablePointer<Float>?) {
        let L = tileLanes
        let start = ti * L
        let count = min(L, lanes - start)
        let logical = spatial ? pixels : min(count, max(0, pixels - start))
        let k = segmentTicks
        let segments = (ticks + k - 1) / k
        let stateSize = slots * L

        targets.values.withUnsafeBufferPointer { tv in
            let target = tv.baseAddress!
            // checkpoints[s] is the state before segment s; segment 0 starts from zeros with
            // the constant fields (coordinates) in place, as a fresh plan does.
            FitKernels.zero(ws.checkpoints, stateSize)
            for (c, s) in constantSlots.enumerated() {
                (ws.checkpoints + s * L).update(from: constantFields + c * lanes + start, count: count)
            }
            if spatialStateBytes > 0 { ws.liveState.initializeMemory(as: UInt8.self, repeating: 0, count: spatialStateBytes) }
            var loss = 0.0
            for s in 0..<segments {
                let j0 = s * k, j1 = min(ticks, j0 + k)
                if gradient && segments > 1 && spatialStateBytes > 0 {
                    (ws.stateCheckpoints + s * spatialStateBytes).copyMemory(from: ws.liveState, byteCount: spatialStateBytes)
                }
                loss += forwardSegment(fp, ws, j0, j1, base: ws.checkpoints + s * stateSize, start: start, count: count,
                                       logical: logical, target: target, wantLoss: true, capture: capture)
                if s < segments - 1 {
                    (ws.checkpoints + (s + 1) * stateSize).update(from: ws.outTrace + (j1 - j0 - 1) * stateSize, count: stateSize)
                }
            }
            tileLoss[ti] = loss
            guard gradient else { return }

            for i in 0..<slots { ws.dirtyCur[i] = false; ws.dirtyPrev[i] = false }
            let grad = tileGrad + ti * plan.streamW.count
            let rowSums = tileRowSum + ti * ticks * rowSumCount
            for s in stride(from: segments - 1, through: 0, by: -1) {
                let j0 = s * k, j1 = min(ticks, j0 + k)
                let base = ws.checkpoints + s * stateSize
                if s != segments - 1 {
                    if spatialStateBytes > 0 {
                        ws.liveState.copyMemory(from: ws.stateCheckpoints + s * spatialStateBytes, byteCount: spatialStateBytes)
                    }
                    _ = forwardSegment(fp, ws, j0, j1, base: base, start: start, count: count, logical: logical, target: target,
                                       wantLoss: false, capture: nil)
                }
                for j in stride(from: j1 - 1, through: j0, by: -1) {
                    backwardTick(fp, ws, j, q: j - j0, base: base, start: start, count: count, logical: logical, target: target,
                                 grad: grad, rowSums: rowSums)
                }
            }
        }
    }

    /// The state pointer of spatial neuron `i` in `base` (nil when it keeps none).
    @inline(__always)
    func spatialState(_ i: Int, in base: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        for n in spatialNeurons where n.index == i { return n.stateBytes > 0 ? base + n.stateOffset : nil }
        return nil
    }

    /// Ticks `j0..<j1` of one tile through the plan's own program, each tick's outputs into
    /// its slice of the trace; returns the tile's squared error on frame ticks.
    func forwardSegment(_ fp: TickPlan.FieldProgram, _ ws: TileWorkspace, _ j0: Int, _ j1: Int, base: UnsafeMutablePointer<Float>,
                        start: Int, count: Int, logical: Int, target: UnsafePointer<Float>, wantLoss: Bool,
                        capture: UnsafeMutablePointer<Float>?) -> Double {
        let L = tileLanes, S = slots
        var loss = 0.0
        for j in j0..<j1 {
            let q = j - j0
            let cur = ws.outTrace + q * S * L, prev = q == 0 ? base : cur - S * L
            // Constant fields are never recomputed: carry them into this tick's slice.
            for s in constantSlots { (cur + s * L).update(from: prev + s * L, count: count) }
            var ctx = context(tick: j, start: start, logical: logical)
            let consts = UnsafePointer(fieldConsts + j * programRows)
            let sv = TickPlan.StateView(prev: prev, next: cur, stride: L, offset: 0)
            TickPlan.runTile(fp, consts: consts, sv, count: count, logical: logical, ctx: &ctx, scratch: ws.scratch, tile: L,
                             ptrs: ws.ptrs, frame: nil)
            if spatial {
                TickPlan.spatialRows(fp, consts: consts, sv, start: 0, count: count)
                if spatialStateBytes > 0 {
                    (ws.stateTrace + q * spatialStateBytes).copyMemory(from: ws.liveState, byteCount: spatialStateBytes)
                }
                let live = ws.liveState
                plan.spatialStroke(ctx, fp, consts: consts, next: cur, frame: nil) { self.spatialState($0, in: live) }
            }
            if wantLoss && j >= warmUpTicks {
                let f = j - warmUpTicks
                for c in 0..<3 {
                    loss += FitKernels.squaredError(cur + displaySlots[c] * L, target + (f * 3 + c) * lanes + start, logical)
                    if let capture {
                        let src = cur + displaySlots[c] * L, dst = capture + (f * 3 + c) * lanes + start
                        for i in 0..<count { dst[i] = min(max(src[i], -1), 1) }
                    }
                }
            }
        }
        return loss
    }

    /// One tick of reverse mode for one tile: loss gradient on frame ticks, every kind's
    /// backward on its recomputed inputs, then the transpose of the down movement (weight
    /// gradients, and gradients of the previous tick's outputs).
    func backwardTick(_ fp: TickPlan.FieldProgram, _ ws: TileWorkspace, _ j: Int, q: Int, base: UnsafeMutablePointer<Float>,
                      start: Int, count: Int, logical: Int, target: UnsafePointer<Float>,
                      grad: UnsafeMutablePointer<Double>, rowSums: UnsafeMutablePointer<Double>) {
        let L = tileLanes, S = slots
        let cur = ws.outTrace + q * S * L, prev = q == 0 ? base : cur - S * L
        let gyCur = ws.gyCur, dirtyCur = ws.dirtyCur
        let ptrs = ws.ptrs, gx = ws.gx, zeros = ws.zeros
        if j >= warmUpTicks {
            let f = j - warmUpTicks
            let scale = Float(2 / Double(frames * pixels * 3))
            for c in 0..<3 {
                let s = displaySlots[c]
                FitKernels.lossGradient(gyCur + s * L, accumulate: dirtyCur[s], scale, cur + s * L,
                                        target + (f * 3 + c) * lanes + start, logical, count)
                dirtyCur[s] = true
            }
        }
        var ctx = context(tick: j, start: start, logical: logical)
        let consts = UnsafePointer(fieldConsts + j * programRows)
        let sv = TickPlan.StateView(prev: prev, next: cur, stride: L, offset: 0)
        for op in 0..<fp.kinds.count where opBackward[op] {
            let o0 = fp.firstOut[op], nout = fp.firstOut[op + 1] - o0
            var any = false
            for o in 0..<nout where dirtyCur[fp.outSlot[o0 + o]] { any = true; break }
            if !any { continue }
            let nin = fp.inputCount[op], r0 = fp.firstRow[op]
            if case .phase(let pk) = fp.variant[op] {
                phaseBackward(pk, fp, ws, op: op, j: j, prev: prev, consts: consts, count: count, grad: grad, rowSums: rowSums)
                continue
            }
            if fp.kinds[op].traits.contains(.identity) && nin == nout {
                // y = x: the input gradient is the output gradient; nothing to recompute.
                for p in 0..<nin where dirtyCur[fp.outSlot[o0 + p]] {
                    scatter(fp, row: r0 + p, gyCur + fp.outSlot[o0 + p] * L, j: j, prev: prev, count: count, ws: ws,
                            grad: grad, rowSums: rowSums)
                }
                continue
            }
            // The inputs this op read, recomputed by the one down movement.
            for p in 0..<nin {
                ptrs[p] = TickPlan.fieldRow(fp, r0 + p, consts[r0 + p], sv, count: count, into: ws.inputs + p * L)
            }
            for o in 0..<nout {
                let s = fp.outSlot[o0 + o]
                ptrs[nin + o] = cur + s * L
                ptrs[nin + nout + o] = dirtyCur[s] ? gyCur + s * L : zeros
            }
            for p in 0..<nin { let g = gx + p * L; FitKernels.zero(g, count); ptrs[nin + 2 * nout + p] = g }
            ctx.seed = fp.seeds[op]
            fp.kinds[op].backward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                           outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                           count: count, context: ctx, state: nil),
                                  KernelGrads(outputGrads: UnsafeBufferPointer(start: ptrs + nin + nout, count: nout),
                                              inputGrads: UnsafeBufferPointer(start: ptrs + nin + 2 * nout, count: nin)))
            for p in 0..<nin { scatter(fp, row: r0 + p, gx + p * L, j: j, prev: prev, count: count, ws: ws, grad: grad, rowSums: rowSums) }
        }
        if spatial { spatialBackward(fp, ws, j, q: q, cur: cur, sv: sv, consts: consts, grad: grad, rowSums: rowSums) }
        swap(&ws.gyCur, &ws.gyPrev)
        swap(&ws.dirtyCur, &ws.dirtyPrev)
        for s in 0..<S { ws.dirtyPrev[s] = false }
    }

    /// The backward of the fused `f(a·x + b)` calc: the kind's own `backwardPhase` (which
    /// recomputes x from the traced sources) gives dL/dx, then the one transpose of the down
    /// movement (`scatter`) distributes it; a and b are uniform rows, their gradients sums.
    @inline(__always)
    func phaseBackward(_ pk: any PhaseKind, _ fp: TickPlan.FieldProgram, _ ws: TileWorkspace, op: Int, j: Int,
                       prev: UnsafeMutablePointer<Float>, consts: UnsafePointer<Float>, count: Int,
                       grad: UnsafeMutablePointer<Double>, rowSums: UnsafeMutablePointer<Double>) {
        let L = tileLanes
        let r0 = fp.firstRow[op], rx = r0 + 1
        let t0 = fp.firstTerm[rx], n = fp.firstTerm[rx + 1] - t0
        for k in 0..<n { ws.ptrs[k] = prev + fp.termSlot[t0 + k] * L }
        let out = fp.outSlot[fp.firstOut[op]]
        let sums = fp.termW.withUnsafeBufferPointer { tw in
            pk.backwardPhase(a: consts[r0], b: consts[r0 + 2], c: consts[rx], weights: UnsafeBufferPointer(rebasing: tw[t0..<(t0 + n)]),
                             sources: UnsafeBufferPointer(start: ws.ptrs, count: n), outGrad: ws.gyCur + out * L,
                             gx: ws.gx, count: count)
        }
        @inline(__always) func addRowSum(_ row: Int, _ g: Double) {
            let r = fp.matrixRow[row]
            if rowWantsGx[r], rowSumIndex[r] >= 0 { rowSums[j * rowSumCount + rowSumIndex[r]] += g }
        }
        addRowSum(r0, sums.a); addRowSum(r0 + 2, sums.b)
        scatter(fp, row: rx, ws.gx, j: j, prev: prev, count: count, ws: ws, grad: grad, rowSums: rowSums)
    }

    /// Backward of the spatial neurons (whole frame, one tile) on their recomputed inputs.
    func spatialBackward(_ fp: TickPlan.FieldProgram, _ ws: TileWorkspace, _ j: Int, q: Int, cur: UnsafeMutablePointer<Float>,
                         sv: TickPlan.StateView, consts: UnsafePointer<Float>,
                         grad: UnsafeMutablePointer<Double>, rowSums: UnsafeMutablePointer<Double>) {
        let L = tileLanes
        let count = L
        guard spatialNeurons.contains(where: \.backward) else { return }
        TickPlan.spatialRows(fp, consts: consts, sv, start: 0, count: count)
        TickPlan.spatialScalarRows(fp, consts: consts)
        let ptrs = ws.ptrs, gx = ws.gx
        var ctx = context(tick: j, start: 0, logical: pixels)
        for n in spatialNeurons where n.backward {
            let outs = plan.outSlot[n.index]
            guard outs.contains(where: { ws.dirtyCur[$0] }) else { continue }
            guard let bufs = plan.spatialInputs[n.index] else { continue }
            let nin = bufs.count, nout = outs.count
            for p in 0..<nin { ptrs[p] = bufs[p] }
            for (o, s) in outs.enumerated() {
                ptrs[nin + o] = cur + s * L
                ptrs[nin + nout + o] = ws.dirtyCur[s] ? ws.gyCur + s * L : ws.zeros
            }
            for p in 0..<nin { let g = gx + p * L; FitKernels.zero(g, count); ptrs[nin + 2 * nout + p] = g }
            var state: UnsafeMutableRawPointer? = nil
            if n.stateBytes > 0 {
                ws.stateCopy.copyMemory(from: ws.stateTrace + q * spatialStateBytes + n.stateOffset, byteCount: n.stateBytes)
                state = ws.stateCopy
            }
            ctx.seed = plan.seed(for: n.index)
            n.kind.backward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                     outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                     count: count, context: ctx, state: state),
                            KernelGrads(outputGrads: UnsafeBufferPointer(start: ptrs + nin + nout, count: nout),
                                        inputGrads: UnsafeBufferPointer(start: ptrs + nin + 2 * nout, count: nin)))
            for p in 0..<nin where n.fpRows[p] >= 0 {
                scatter(fp, row: n.fpRows[p], gx + p * L, j: j, prev: sv.prev, count: count, ws: ws, grad: grad, rowSums: rowSums)
            }
        }
    }

    /// The transpose of the down movement for program row `rr` with input gradient `g`:
    /// Σ over pixels into the scalar-row sums, g·y into each trainable weight's gradient,
    /// w·g into the gradient of each source's previous output.
    @inline(__always)
    func scatter(_ fp: TickPlan.FieldProgram, row rr: Int, _ g: UnsafeMutablePointer<Float>, j: Int, prev: UnsafeMutablePointer<Float>,
                 count: Int, ws: TileWorkspace, grad: UnsafeMutablePointer<Double>, rowSums: UnsafeMutablePointer<Double>) {
        let r = fp.matrixRow[rr]
        guard rowWantsGx[r] else { return }
        let rs = rowSumIndex[r]
        if rs >= 0 { rowSums[j * rowSumCount + rs] += FitKernels.sum(g, count) }
        if fp.rowUniform[rr] { return }
        let L = tileLanes
        let gyPrev = ws.gyPrev, dirtyPrev = ws.dirtyPrev
        for t in fp.firstTerm[rr]..<fp.firstTerm[rr + 1] {
            let s = fp.termSlot[t], w = fp.termW[t], k = fp.termSource[t]
            let y = prev + s * L
            let propagate = j > 0 && slotNeedsGrad[s]
            if streamTrainable[k] {
                if propagate {
                    grad[k] += FitKernels.dotAndAxpy(g, y, gyPrev + s * L, w, accumulate: dirtyPrev[s], count)
                    dirtyPrev[s] = true
                } else {
                    grad[k] += FitKernels.dot(g, y, count)
                }
            } else if propagate {
                if dirtyPrev[s] { FitKernels.axpy(gyPrev + s * L, w, g, count) }
                else { FitKernels.scale(gyPrev + s * L, w, g, count); dirtyPrev[s] = true }
            }
        }
    }
}
