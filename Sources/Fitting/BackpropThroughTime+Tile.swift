import DMMCore

extension BackpropThroughTime {
    /// Forward over all ticks (loss, segment checkpoints), then backward segment by segment,
    /// for the pixels of tile `ti`. Writes `tileLoss[ti]` and, with `gradient`, the tile's
    /// partial weight gradients and scalar-row sums.
    func runTile(_ ti: Int, workspace ws: TileWorkspace, gradient: Bool, capture: UnsafeMutablePointer<Float>? = nil) {
        let L = tileLanes
        let start = ti * L
        let count = min(L, lanes - start)
        let logical = min(count, pixels - start)
        let k = segmentTicks
        let segments = (ticks + k - 1) / k
        let stateSize = slots * L

        targets.values.withUnsafeBufferPointer { tv in
            let target = tv.baseAddress!
            FitKernels.zero(ws.outTrace, stateSize)
            if fieldStateBytes > 0 { ws.liveState.initializeMemory(as: UInt8.self, repeating: 0, count: fieldStateBytes) }
            var loss = 0.0
            for s in 0..<segments {
                let j0 = s * k, j1 = min(ticks, j0 + k)
                if gradient && segments > 1 {
                    (ws.checkpoints + s * stateSize).update(from: ws.outTrace, count: stateSize)
                    if fieldStateBytes > 0 {
                        (ws.stateCheckpoints + s * fieldStateBytes).copyMemory(from: ws.liveState, byteCount: fieldStateBytes)
                    }
                }
                loss += forwardSegment(ws, j0, j1, start: start, count: count, logical: logical, target: target, wantLoss: true,
                                       capture: capture)
                if s < segments - 1 { ws.outTrace.update(from: ws.outTrace + (j1 - j0) * stateSize, count: stateSize) }
            }
            tileLoss[ti] = loss
            guard gradient else { return }

            for i in 0..<slots { ws.dirtyCur[i] = false; ws.dirtyPrev[i] = false }
            let grad = tileGrad + ti * streamW.count
            let rowSums = tileRowSum + ti * ticks * rowSumCount
            for s in stride(from: segments - 1, through: 0, by: -1) {
                let j0 = s * k, j1 = min(ticks, j0 + k)
                if s != segments - 1 {
                    ws.outTrace.update(from: ws.checkpoints + s * stateSize, count: stateSize)
                    if fieldStateBytes > 0 {
                        ws.liveState.copyMemory(from: ws.stateCheckpoints + s * fieldStateBytes, byteCount: fieldStateBytes)
                    }
                    _ = forwardSegment(ws, j0, j1, start: start, count: count, logical: logical, target: target, wantLoss: false)
                }
                for j in stride(from: j1 - 1, through: j0, by: -1) {
                    backwardTick(ws, j, q: j - j0, start: start, count: count, logical: logical, target: target,
                                 grad: grad, rowSums: rowSums)
                }
            }
        }
    }

    /// The context a kind sees, identical to the renderer's for the same tick and lanes.
    @inline(__always)
    func context(tick j: Int, start: Int, logical: Int) -> KernelContext {
        let t = network.timing
        var c = KernelContext(tick: j - warmUpTicks, secondsPerTick: t.secondsPerTick, width: t.width, height: t.height,
                              start: spatial ? 0 : start, sampleRate: Double(t.sampleRate),
                              logicalCount: spatial ? pixels : logical)
        c.domain = .field
        return c
    }

    /// Source pointer of stream term `k` at the previous tick.
    @inline(__always)
    func source(_ k: Int, prev: UnsafeMutablePointer<Float>, start: Int) -> UnsafeMutablePointer<Float> {
        let s = streamSrc[k]
        return s >= 0 ? prev + s * tileLanes : constantFields + (-1 - s) * lanes + start
    }

    /// The down movement of row `r` into `dst`, in the renderer's order of operations:
    /// `c + w₀·y₀ + w₁·y₁` in one pass (fused multiply-adds), then one term at a time.
    @inline(__always)
    func down(_ dst: UnsafeMutablePointer<Float>, row r: Int, c: Float, prev: UnsafeMutablePointer<Float>, start: Int, count: Int) {
        let s0 = streamStart[r], s1 = streamStart[r + 1]
        let cv = FitKernels.V(repeating: c)
        var k = s0
        if s1 - s0 >= 2 {
            let w0 = FitKernels.V(repeating: streamW[k]), w1 = FitKernels.V(repeating: streamW[k + 1])
            let a = source(k, prev: prev, start: start), b = source(k + 1, prev: prev, start: start)
            var i = 0
            while i < count {
                FitKernels.store(cv.addingProduct(w0, FitKernels.load(a, i)).addingProduct(w1, FitKernels.load(b, i)), dst, i)
                i += 16
            }
            k += 2
        } else {
            let w0 = FitKernels.V(repeating: streamW[k]), a = source(k, prev: prev, start: start)
            var i = 0
            while i < count { FitKernels.store(cv.addingProduct(w0, FitKernels.load(a, i)), dst, i); i += 16 }
            k += 1
        }
        while k < s1 {
            FitKernels.axpy(dst, streamW[k], source(k, prev: prev, start: start), count)
            k += 1
        }
    }

    /// Sets the input pointers of neuron `n` at tick `j` (stored inputs or fresh fills).
    @inline(__always)
    func bindInputs(_ n: FieldNeuron, _ ws: TileWorkspace, q: Int, ct: UnsafeMutablePointer<Float>, count: Int) {
        for p in 0..<n.rows.count {
            let st = n.rowStored[p]
            if st >= 0 {
                ws.ptrs[p] = ws.inTrace + (q * storedRows + st) * tileLanes
            } else {
                let dst = ws.fill + p * tileLanes
                FitKernels.fill(dst, count, ct[n.rows[p]])
                ws.ptrs[p] = dst
            }
        }
    }

    /// Ticks `j0..<j1` of one tile: computes and stores every field neuron's inputs and
    /// outputs in the segment trace; returns the tile's squared error on frame ticks.
    func forwardSegment(_ ws: TileWorkspace, _ j0: Int, _ j1: Int, start: Int, count: Int, logical: Int,
                        target: UnsafePointer<Float>, wantLoss: Bool, capture: UnsafeMutablePointer<Float>? = nil) -> Double {
        let L = tileLanes, S = slots
        var loss = 0.0
        for j in j0..<j1 {
            let q = j - j0
            let prev = ws.outTrace + q * S * L, cur = prev + S * L
            let ct = constTrace + j * rowCount
            var ctx = context(tick: j, start: start, logical: logical)
            for n in fieldNeurons {
                let nin = n.rows.count, nout = n.outSlots.count
                for p in 0..<nin where n.rowStored[p] >= 0 {
                    down(ws.inTrace + (q * storedRows + n.rowStored[p]) * L, row: n.rows[p], c: ct[n.rows[p]], prev: prev,
                         start: start, count: count)
                }
                bindInputs(n, ws, q: q, ct: ct, count: count)
                for o in 0..<nout { ws.ptrs[nin + o] = cur + n.outSlots[o] * L }
                var state: UnsafeMutableRawPointer? = nil
                if n.stateBytes > 0 {
                    state = ws.liveState + n.stateOffset
                    (ws.stateTrace + q * fieldStateBytes + n.stateOffset).copyMemory(from: state!, byteCount: n.stateBytes)
                }
                ctx.seed = n.seed
                n.kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: ws.ptrs, count: nin),
                                        outputs: UnsafeBufferPointer(start: ws.ptrs + nin, count: nout),
                                        count: count, context: ctx, state: state))
            }
            if wantLoss && j >= warmUpTicks {
                let f = j - warmUpTicks
                for c in 0..<3 {
                    loss += FitKernels.squaredError(cur + displaySlots[c] * L, target + (f * 3 + c) * lanes + start, logical)
                    if let capture { (capture + (f * 3 + c) * lanes + start).update(from: cur + displaySlots[c] * L, count: count) }
                }
            }
        }
        return loss
    }

    /// One tick of reverse mode for one tile: loss gradient on frame ticks, every kind's
    /// backward, then the transpose of the down movement (weight gradients, and gradients
    /// of the previous tick's outputs).
    func backwardTick(_ ws: TileWorkspace, _ j: Int, q: Int, start: Int, count: Int, logical: Int,
                      target: UnsafePointer<Float>, grad: UnsafeMutablePointer<Double>,
                      rowSums: UnsafeMutablePointer<Double>) {
        let L = tileLanes, S = slots
        let prev = ws.outTrace + q * S * L, cur = prev + S * L
        let ct = constTrace + j * rowCount
        if j >= warmUpTicks {
            let f = j - warmUpTicks
            let scale = Float(2 / Double(frames * pixels * 3))
            for c in 0..<3 {
                let s = displaySlots[c]
                FitKernels.lossGradient(ws.gyCur + s * L, accumulate: ws.dirtyCur[s], scale, cur + s * L,
                                        target + (f * 3 + c) * lanes + start, logical, count)
                ws.dirtyCur[s] = true
            }
        }
        var ctx = context(tick: j, start: start, logical: logical)
        for n in fieldNeurons where n.backward {
            var any = false
            for s in n.outSlots where ws.dirtyCur[s] { any = true; break }
            if !any { continue }
            let nin = n.rows.count, nout = n.outSlots.count
            bindInputs(n, ws, q: q, ct: ct, count: count)
            for o in 0..<nout {
                let s = n.outSlots[o]
                ws.ptrs[nin + o] = cur + s * L
                ws.ptrs[nin + nout + o] = ws.dirtyCur[s] ? ws.gyCur + s * L : ws.zeros
            }
            for p in 0..<nin {
                let g = ws.gx + p * L
                FitKernels.zero(g, count)
                ws.ptrs[nin + 2 * nout + p] = g
            }
            var state: UnsafeMutableRawPointer? = nil
            if n.stateBytes > 0 {
                ws.stateCopy.copyMemory(from: ws.stateTrace + q * fieldStateBytes + n.stateOffset, byteCount: n.stateBytes)
                state = ws.stateCopy
            }
            ctx.seed = n.seed
            n.kind.backward(KernelIO(inputs: UnsafeBufferPointer(start: ws.ptrs, count: nin),
                                     outputs: UnsafeBufferPointer(start: ws.ptrs + nin, count: nout),
                                     count: count, context: ctx, state: state),
                            KernelGrads(outputGrads: UnsafeBufferPointer(start: ws.ptrs + nin + nout, count: nout),
                                        inputGrads: UnsafeBufferPointer(start: ws.ptrs + nin + 2 * nout, count: nin)))
            for p in 0..<nin {
                let r = n.rows[p]
                guard rowWantsGx[r] else { continue }
                let g = ws.gx + p * L
                let rs = rowSumIndex[r]
                if rs >= 0 { rowSums[j * rowSumCount + rs] += FitKernels.sum(g, count) }
                if n.rowScalar[p] { continue }
                for k in streamStart[r]..<streamStart[r + 1] {
                    let s = streamSrc[k]
                    if streamTrainable[k] { grad[k] += FitKernels.dot(g, source(k, prev: prev, start: start), count) }
                    if s >= 0 && j > 0 && slotNeedsGrad[s] {
                        if ws.dirtyPrev[s] { FitKernels.axpy(ws.gyPrev + s * L, streamW[k], g, count) }
                        else { FitKernels.scale(ws.gyPrev + s * L, streamW[k], g, count); ws.dirtyPrev[s] = true }
                    }
                }
            }
        }
        swap(&ws.gyCur, &ws.gyPrev)
        for s in 0..<S { ws.dirtyCur[s] = ws.dirtyPrev[s]; ws.dirtyPrev[s] = false }
    }
}
