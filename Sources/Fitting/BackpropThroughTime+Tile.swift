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
            // checkpoints[s] is the state before segment s (all field outputs); segment 0
            // starts from zeros. A segment reads it in place, so nothing is copied back.
            FitKernels.zero(ws.checkpoints, stateSize)
            if fieldStateBytes > 0 { ws.liveState.initializeMemory(as: UInt8.self, repeating: 0, count: fieldStateBytes) }
            var loss = 0.0
            for s in 0..<segments {
                let j0 = s * k, j1 = min(ticks, j0 + k)
                if gradient && segments > 1 && fieldStateBytes > 0 {
                    (ws.stateCheckpoints + s * fieldStateBytes).copyMemory(from: ws.liveState, byteCount: fieldStateBytes)
                }
                loss += forwardSegment(ws, j0, j1, base: ws.checkpoints + s * stateSize, start: start, count: count,
                                       logical: logical, target: target, wantLoss: true, storeCos: gradient && s == segments - 1,
                                       capture: capture)
                if s < segments - 1 {
                    (ws.checkpoints + (s + 1) * stateSize).update(from: ws.outTrace + (j1 - j0 - 1) * stateSize, count: stateSize)
                }
            }
            tileLoss[ti] = loss
            guard gradient else { return }

            for i in 0..<slots { ws.dirtyCur[i] = false; ws.dirtyPrev[i] = false }
            let grad = tileGrad + ti * streamW.count
            let rowSums = tileRowSum + ti * ticks * rowSumCount
            for s in stride(from: segments - 1, through: 0, by: -1) {
                let j0 = s * k, j1 = min(ticks, j0 + k)
                let base = ws.checkpoints + s * stateSize
                if s != segments - 1 {
                    if fieldStateBytes > 0 {
                        ws.liveState.copyMemory(from: ws.stateCheckpoints + s * fieldStateBytes, byteCount: fieldStateBytes)
                    }
                    _ = forwardSegment(ws, j0, j1, base: base, start: start, count: count, logical: logical, target: target,
                                       wantLoss: false, storeCos: true)
                }
                for j in stride(from: j1 - 1, through: j0, by: -1) {
                    backwardTick(ws, j, q: j - j0, base: base, start: start, count: count, logical: logical, target: target,
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
    func source(_ t: EngineTables, _ k: Int, prev: UnsafeMutablePointer<Float>, start: Int) -> UnsafeMutablePointer<Float> {
        let s = t.streamSrc[k]
        return s >= 0 ? prev + s * tileLanes : constantFields + (-1 - s) * lanes + start
    }

    /// The down movement of row `r` into `dst`: `c + w₀·y₀ + w₁·y₁ + …` accumulated by fused
    /// multiply-adds in term order, exactly the renderer's sequence of operations (so the
    /// pictures agree to the bit), but in registers, 16 lanes at a time.
    @inline(__always)
    func down(_ t: EngineTables, _ ws: TileWorkspace, _ dst: UnsafeMutablePointer<Float>, row r: Int, c: Float,
              prev: UnsafeMutablePointer<Float>, start: Int, count: Int) {
        let s0 = t.streamStart[r], m = t.streamStart[r + 1] - s0
        let srcs = ws.sources
        for k in 0..<m { srcs[k] = source(t, s0 + k, prev: prev, start: start) }
        let w = t.streamW + s0
        let cv = FitKernels.V(repeating: c)
        var i = 0
        // 64 lanes at a time: one weight broadcast and one source pointer per four vectors
        // (the per-term overhead, not the multiply-adds, dominated with 16 lanes at a time).
        while i + 64 <= count {
            var a0 = cv, a1 = cv, a2 = cv, a3 = cv
            for k in 0..<m {
                let wv = FitKernels.V(repeating: w[k]), p = srcs[k] + i
                a0 = a0.addingProduct(wv, FitKernels.load(p, 0)); a1 = a1.addingProduct(wv, FitKernels.load(p, 16))
                a2 = a2.addingProduct(wv, FitKernels.load(p, 32)); a3 = a3.addingProduct(wv, FitKernels.load(p, 48))
            }
            FitKernels.store(a0, dst, i); FitKernels.store(a1, dst, i + 16)
            FitKernels.store(a2, dst, i + 32); FitKernels.store(a3, dst, i + 48)
            i += 64
        }
        while i < count {
            var acc = cv
            for k in 0..<m { acc = acc.addingProduct(FitKernels.V(repeating: w[k]), FitKernels.load(srcs[k], i)) }
            FitKernels.store(acc, dst, i)
            i += 16
        }
    }

    /// Whether the forward pass of the `sin` neuron whose inputs start at `i0` overwrites its
    /// stored input x with cos(b + a·x) when the trace is meant for the backward pass: x is
    /// tile-wide and its only other reader, ga = d·x, is not wanted.
    @inline(__always)
    func cosReplacesX(_ t: EngineTables, _ i0: Int) -> Bool {
        t.rowStored[i0 + 1] >= 0 && !t.rowWantsGx[t.rows[i0]]
    }

    /// Sets the input pointers of neuron `n` at tick `j` (stored inputs or fresh fills).
    @inline(__always)
    func bindInputs(_ t: EngineTables, _ n: Int, _ ws: TileWorkspace, q: Int, ct: UnsafeMutablePointer<Float>, count: Int) {
        let i0 = t.inStart[n], nin = t.inStart[n + 1] - i0
        for p in 0..<nin {
            let st = t.rowStored[i0 + p]
            if st >= 0 {
                ws.ptrs[p] = ws.inTrace + (q * storedRows + st) * tileLanes
            } else {
                let dst = ws.fill + p * tileLanes
                FitKernels.fill(dst, count, ct[t.rows[i0 + p]])
                ws.ptrs[p] = dst
            }
        }
    }

    /// Sets the input pointers and index masks of fused neuron `n` at tick `j`: stored inputs
    /// are tile-wide (mask −1), the others uniform, written to 16 lanes only (mask 0).
    @inline(__always)
    func bindFused(_ t: EngineTables, _ n: Int, _ ws: TileWorkspace, q: Int, ct: UnsafeMutablePointer<Float>) {
        let i0 = t.inStart[n], nin = t.inStart[n + 1] - i0
        for p in 0..<nin {
            let st = t.rowStored[i0 + p]
            if st >= 0 {
                ws.ptrs[p] = ws.inTrace + (q * storedRows + st) * tileLanes; ws.masks[p] = -1
            } else {
                let dst = ws.fill + p * tileLanes
                FitKernels.fill(dst, 16, ct[t.rows[i0 + p]])
                ws.ptrs[p] = dst; ws.masks[p] = 0
            }
        }
    }

    /// Ticks `j0..<j1` of one tile: computes and stores every field neuron's inputs and
    /// outputs in the segment trace; returns the tile's squared error on frame ticks.
    func forwardSegment(_ ws: TileWorkspace, _ j0: Int, _ j1: Int, base: UnsafeMutablePointer<Float>, start: Int, count: Int, logical: Int,
                        target: UnsafePointer<Float>, wantLoss: Bool, storeCos: Bool = false, capture: UnsafeMutablePointer<Float>? = nil) -> Double {
        let L = tileLanes, S = slots
        let t = tables
        let liveState = ws.liveState, stateTrace = ws.stateTrace, ptrs = ws.ptrs, inTrace = ws.inTrace
        var loss = 0.0
        for j in j0..<j1 {
            let q = j - j0
            let cur = ws.outTrace + q * S * L, prev = q == 0 ? base : cur - S * L
            let ct = constTrace + j * rowCount
            var ctx = context(tick: j, start: start, logical: logical)
            for n in 0..<t.neuronCount {
                let i0 = t.inStart[n], nin = t.inStart[n + 1] - i0
                let o0 = t.outStart[n], nout = t.outStart[n + 1] - o0
                let op = t.op[n]
                if op == FusedKernels.copy {
                    // y = x: the down movement writes the output itself; the input is not
                    // stored (the backward of a copy does not read it).
                    for p in 0..<nin {
                        let r = t.rows[i0 + p], dst = cur + t.outs[o0 + p] * L
                        if t.rowStored[i0 + p] >= 0 { down(t, ws, dst, row: r, c: ct[r], prev: prev, start: start, count: count) }
                        else { FitKernels.fill(dst, count, ct[r]) }
                    }
                    continue
                }
                for p in 0..<nin where t.rowStored[i0 + p] >= 0 {
                    let r = t.rows[i0 + p]
                    down(t, ws, inTrace + (q * storedRows + t.rowStored[i0 + p]) * L, row: r, c: ct[r], prev: prev, start: start, count: count)
                }
                if op != FusedKernels.generic {
                    bindFused(t, n, ws, q: q, ct: ct)
                    let masks = ws.masks
                    if op == FusedKernels.sin {
                        if storeCos && cosReplacesX(t, i0) {
                            FusedKernels.sinCosForward(ptrs[0], masks[0], ptrs[1], masks[1], ptrs[2], masks[2], cur + t.outs[o0] * L,
                                                       ptrs[1], count)
                            continue
                        }
                        FusedKernels.sinForward(ptrs[0], masks[0], ptrs[1], masks[1], ptrs[2], masks[2], cur + t.outs[o0] * L, count)
                    } else if op == FusedKernels.sigmoid {
                        FusedKernels.sigmoidForward(ptrs[0], masks[0], cur + t.outs[o0] * L, count)
                    }
                    continue
                }
                bindInputs(t, n, ws, q: q, ct: ct, count: count)
                for o in 0..<nout { ptrs[nin + o] = cur + t.outs[o0 + o] * L }
                var state: UnsafeMutableRawPointer? = nil
                let sb = t.stateBytes[n]
                if sb > 0 {
                    state = liveState + t.stateOffset[n]
                    (stateTrace + q * fieldStateBytes + t.stateOffset[n]).copyMemory(from: state!, byteCount: sb)
                }
                ctx.seed = t.seeds[n]
                t.kinds[n].forward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                            outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
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
    func backwardTick(_ ws: TileWorkspace, _ j: Int, q: Int, base: UnsafeMutablePointer<Float>, start: Int, count: Int, logical: Int,
                      target: UnsafePointer<Float>, grad: UnsafeMutablePointer<Double>,
                      rowSums: UnsafeMutablePointer<Double>) {
        let L = tileLanes, S = slots
        let t = tables
        let cur = ws.outTrace + q * S * L, prev = q == 0 ? base : cur - S * L
        let ct = constTrace + j * rowCount
        let gyCur = ws.gyCur, gyPrev = ws.gyPrev, dirtyCur = ws.dirtyCur, dirtyPrev = ws.dirtyPrev
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
        for n in 0..<t.neuronCount where t.backward[n] {
            let i0 = t.inStart[n], nin = t.inStart[n + 1] - i0
            let o0 = t.outStart[n], nout = t.outStart[n + 1] - o0
            var any = false
            for o in 0..<nout where dirtyCur[t.outs[o0 + o]] { any = true; break }
            if !any { continue }
            let op = t.op[n]
            if op != FusedKernels.generic {
                if op != FusedKernels.copy { bindFused(t, n, ws, q: q, ct: ct) }
                let masks = ws.masks
                if op == FusedKernels.sin && cosReplacesX(t, i0) {
                    let s = t.outs[o0]
                    FusedKernels.sinBackwardFromCos(ptrs[0], masks[0], ptrs[1], gyCur + s * L,
                                                    t.rowWantsGx[t.rows[i0 + 1]] ? gx + L : nil,
                                                    t.rowWantsGx[t.rows[i0 + 2]] ? gx + 2 * L : nil, count)
                } else if op == FusedKernels.sin {
                    let s = t.outs[o0]
                    FusedKernels.sinBackward(ptrs[0], masks[0], ptrs[1], masks[1], ptrs[2], masks[2], gyCur + s * L,
                                             t.rowWantsGx[t.rows[i0]] ? gx : nil, t.rowWantsGx[t.rows[i0 + 1]] ? gx + L : nil,
                                             t.rowWantsGx[t.rows[i0 + 2]] ? gx + 2 * L : nil, count)
                } else if op == FusedKernels.sigmoid {
                    let s = t.outs[o0]
                    if t.rowWantsGx[t.rows[i0]] { FusedKernels.sigmoidBackward(cur + s * L, gyCur + s * L, gx, count) }
                } else {
                    for o in 0..<nout where t.rowWantsGx[t.rows[i0 + o]] {
                        let s = t.outs[o0 + o]
                        if dirtyCur[s] { FusedKernels.copy(gyCur + s * L, -1, gx + o * L, count) } else { FitKernels.zero(gx + o * L, count) }
                    }
                }
            } else {
                bindInputs(t, n, ws, q: q, ct: ct, count: count)
                for o in 0..<nout {
                    let s = t.outs[o0 + o]
                    ptrs[nin + o] = cur + s * L
                    ptrs[nin + nout + o] = dirtyCur[s] ? gyCur + s * L : zeros
                }
                for p in 0..<nin {
                    let g = gx + p * L
                    FitKernels.zero(g, count)
                    ptrs[nin + 2 * nout + p] = g
                }
                var state: UnsafeMutableRawPointer? = nil
                let sb = t.stateBytes[n]
                if sb > 0 {
                    ws.stateCopy.copyMemory(from: ws.stateTrace + q * fieldStateBytes + t.stateOffset[n], byteCount: sb)
                    state = ws.stateCopy
                }
                ctx.seed = t.seeds[n]
                t.kinds[n].backward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                             outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                             count: count, context: ctx, state: state),
                                    KernelGrads(outputGrads: UnsafeBufferPointer(start: ptrs + nin + nout, count: nout),
                                                inputGrads: UnsafeBufferPointer(start: ptrs + nin + 2 * nout, count: nin)))
            }
            for p in 0..<nin {
                let r = t.rows[i0 + p]
                guard t.rowWantsGx[r] else { continue }
                let g = gx + p * L
                let rs = t.rowSumIndex[r]
                if rs >= 0 { rowSums[j * rowSumCount + rs] += FitKernels.sum(g, count) }
                if t.rowScalar[i0 + p] { continue }
                for k in t.streamStart[r]..<t.streamStart[r + 1] {
                    let s = t.streamSrc[k]
                    let w = t.streamW[k]
                    let y = source(t, k, prev: prev, start: start)
                    let propagate = s >= 0 && j > 0 && t.slotNeedsGrad[s]
                    if t.streamTrainable[k] {
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
        swap(&ws.gyCur, &ws.gyPrev)
        swap(&ws.dirtyCur, &ws.dirtyPrev)
        for s in 0..<S { ws.dirtyPrev[s] = false }
    }
}
