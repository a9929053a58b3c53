import Dispatch

/// The field stroke: per-pixel neurons over tiles of pixels, tiles in parallel.
///
/// The field work is lowered once per structure or weight change into a `FieldProgram`
/// (sources as slot numbers, each op's calc chosen by its kind); each tick only sums the
/// constant parts of its rows, so the per-tile loop touches plain local arrays. `runTile` is
/// the one field forward: the renderer, live sessions and the fitter (on its trace) all run it.
/// Per-pixel networks (no spatial kind, no audio) can also run several ticks per tile in a row
/// (`tick(frames:)`): the tile's state then stays in cache across ticks instead of streaming
/// every field through memory once per tick, which is what limits a DMM renderer.
extension TickPlan {
    /// The field stroke lowered to flat arrays: one entry per (non-constant) per-pixel neuron
    /// in plan order, one row per input, one term per field source.
    ///
    /// This is the program every client runs: `tick`, the batched render, live sessions (all
    /// through `TickPlan`) and the fitter, which runs `runTile` on its own trace buffers.
    /// Built once per structure or weight change (`fieldProgram()`), never per tick.
    package struct FieldProgram: @unchecked Sendable {
        package var kinds: [any NeuronKind] = []
        /// Neuron index of each op.
        package var neuron: [Int] = []
        package var seeds: [UInt64] = []
        package var inputCount: [Int] = []
        package var firstRow: [Int] = []          // per op: its first row
        package var firstOut: [Int] = []          // per op: index into outSlot (one extra at the end)
        package var outSlot: [Int] = []
        package var display: [Bool] = []
        /// The op is an identity display (`rgb`) and nothing reads its outputs: with a frame to
        /// fill, it is quantised straight from its inputs and its outputs are not written.
        package var quantizeInputs: [Bool] = []
        /// The calc each op runs, chosen by its kind (`NeuronKind.fieldVariant`).
        package var variant: [FieldVariant] = []
        package var rowUniform: [Bool] = []       // a fill: no stream terms, or a scalar input
        package var firstTerm: [Int] = []         // per row, plus one past the end
        package var termW: [Float] = []
        package var termSlot: [Int] = []
        /// Index of each term in the plan's `streamW` (where the fitter adds its gradient).
        package var termSource: [Int] = []
        package var maxInputs = 0
        /// Pointers a tile needs: inputs and outputs of the widest op, or the sources of the
        /// widest row a fused calc reads directly. Scratch is allocated from this, so a row of
        /// any length fits by construction.
        package var pointerCapacity = 1
        /// Rows of spatial neurons' field inputs, filled into whole-frame buffers.
        package var spatialRows: [(row: Int, dst: UnsafeMutablePointer<Float>)] = []
        /// Rows of spatial neurons' scalar inputs (filled with the row's constant part).
        package var spatialScalarRows: [(row: Int, dst: UnsafeMutablePointer<Float>)] = []
        /// Row → matrix row, to sum each tick's constant parts.
        package var matrixRow: [Int] = []
    }

    /// The lowered field program for the current structure and weights.
    package func fieldProgram() -> FieldProgram {
        if let fp = fieldProgramCache { return fp }
        let fp = makeFieldProgram()
        fieldProgramCache = fp
        return fp
    }

    /// Drops the lowered program after `streamW`/`constW` were written directly (the fitter).
    package func weightsChanged() { fieldProgramCache = nil }

    func makeFieldProgram() -> FieldProgram {
        var fp = FieldProgram()
        var maxOut = 0, maxTerms = 0
        func addRow(_ r: Int, _ kind: StreamKind) {
            fp.matrixRow.append(r)
            let s0 = streamStart[r], s1 = streamStart[r + 1]
            fp.rowUniform.append(kind == .scalar || s0 == s1)
            fp.firstTerm.append(fp.termW.count)
            if kind != .scalar {
                for k in s0..<s1 { fp.termW.append(streamW[k]); fp.termSlot.append(streamSlot[k]); fp.termSource.append(k) }
                maxTerms = max(maxTerms, s1 - s0)
            }
        }
        for i in fieldNeurons where !constantSources.contains(i) {
            let kind = network.neurons[i].kind
            fp.kinds.append(kind)
            fp.neuron.append(i)
            fp.seeds.append(seed(for: i))
            fp.inputCount.append(kind.inputs.count)
            fp.maxInputs = max(fp.maxInputs, kind.inputs.count)
            maxOut = max(maxOut, kind.outputs.count)
            fp.firstRow.append(fp.matrixRow.count)
            for p in 0..<kind.inputs.count { addRow(rowOf[i][p], inKind[i][p]) }
            fp.firstOut.append(fp.outSlot.count)
            fp.outSlot.append(contentsOf: outSlot[i])
            fp.display.append(i == displayNeuron)
            fp.quantizeInputs.append(i == displayNeuron && kind.traits.contains(.identity) && kind.inputs.count >= 3
                                     && !outSlot[i].contains(where: fieldSlotsRead.contains))
            let r0 = fp.firstRow[fp.firstRow.count - 1]
            fp.variant.append(kind.fieldVariant(uniform: Array(fp.rowUniform[r0..<(r0 + kind.inputs.count)])))
        }
        fp.firstOut.append(fp.outSlot.count)
        for i in spatialNeurons {
            let bufs = spatialInputs[i]!
            for p in 0..<bufs.count {
                if inKind[i][p] == .field {
                    fp.spatialRows.append((fp.matrixRow.count, bufs[p]))
                    addRow(rowOf[i][p], .field)
                } else {
                    fp.spatialScalarRows.append((fp.matrixRow.count, bufs[p]))
                    addRow(rowOf[i][p], .scalar)
                }
            }
        }
        fp.firstTerm.append(fp.termW.count)
        fp.pointerCapacity = max(1, max(1, fp.maxInputs) + maxOut, maxTerms)
        return fp
    }

    /// Where slot s, lane j of a state buffer lives: `base + s·stride + offset + j`.
    package struct StateView: @unchecked Sendable {
        package var prev: UnsafeMutablePointer<Float>
        package var next: UnsafeMutablePointer<Float>
        package var stride: Int
        package var offset: Int
        package init(prev: UnsafeMutablePointer<Float>, next: UnsafeMutablePointer<Float>, stride: Int, offset: Int) {
            self.prev = prev; self.next = next; self.stride = stride; self.offset = offset
        }
    }

    /// The down movement of one row: into `dst`, or the source itself for a single weight-1 term.
    @inline(__always)
    package static func fieldRow(_ fp: FieldProgram, _ r: Int, _ c: Float, _ sv: StateView, count: Int,
                         into dst: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        if fp.rowUniform[r] { Lanes.fill(dst, count, c); return dst }
        let t0 = fp.firstTerm[r], t1 = fp.firstTerm[r + 1]
        @inline(__always) func src(_ k: Int) -> UnsafeMutablePointer<Float> { sv.prev + fp.termSlot[k] * sv.stride + sv.offset }
        if t1 - t0 == 1 && c == 0 && fp.termW[t0] == 1 { return src(t0) }
        let cv = Lanes.V(repeating: c)
        var k = t0
        if t1 - t0 >= 2 {
            let w0 = Lanes.V(repeating: fp.termW[k]), s0 = src(k)
            let w1 = Lanes.V(repeating: fp.termW[k + 1]), s1 = src(k + 1)
            var i = 0
            while i < count {
                Lanes.store(cv.madd(w0, Lanes.load(s0, i)).madd(w1, Lanes.load(s1, i)), dst, i); i += 16
            }
            k += 2
        } else {
            let w0 = Lanes.V(repeating: fp.termW[k]), s0 = src(k)
            var i = 0
            while i < count { Lanes.store(cv.madd(w0, Lanes.load(s0, i)), dst, i); i += 16 }
            k += 1
        }
        while k < t1 {
            let w = Lanes.V(repeating: fp.termW[k]), s = src(k)
            var i = 0
            while i < count { Lanes.store(Lanes.load(dst, i).madd(w, Lanes.load(s, i)), dst, i); i += 16 }
            k += 1
        }
        return dst
    }

    /// One tick of every per-pixel neuron over one tile. `consts` holds the tick's constant part
    /// of each program row; `frame` (already offset to the tile) receives the picture.
    @inline(__always)
    package static func runTile(_ fp: FieldProgram, consts: UnsafePointer<Float>, _ sv: StateView, count: Int, logical: Int,
                        ctx: inout KernelContext, scratch: UnsafeMutablePointer<Float>, tile: Int,
                        ptrs: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, frame: UnsafeMutablePointer<UInt8>?) {
        let maxIn = max(1, fp.maxInputs)
        // A uniform row fills its scratch buffer with one value; remember it so that the same
        // value (every `sin`'s default a = 1, say) is not filled again by the next neuron.
        var filled = (Float.nan, Float.nan, Float.nan, Float.nan)
        for op in 0..<fp.kinds.count {
            let nin = fp.inputCount[op]
            let r0 = fp.firstRow[op]
            let phase: (any PhaseKind)?
            if case .phase(let pk) = fp.variant[op] { phase = pk } else { phase = nil }
            for p in 0..<nin where phase == nil {
                let r = r0 + p, c = consts[r], dst = scratch + p * tile
                if p < 4 && fp.rowUniform[r] {
                    let same: Bool
                    switch p {
                    case 0: same = filled.0 == c; filled.0 = c
                    case 1: same = filled.1 == c; filled.1 = c
                    case 2: same = filled.2 == c; filled.2 = c
                    default: same = filled.3 == c; filled.3 = c
                    }
                    if !same { Lanes.fill(dst, count, c) }
                    ptrs[p] = dst
                    continue
                }
                ptrs[p] = fieldRow(fp, r, c, sv, count: count, into: dst)
                if ptrs[p] == dst {
                    switch p { case 0: filled.0 = .nan; case 1: filled.1 = .nan; case 2: filled.2 = .nan; case 3: filled.3 = .nan; default: break }
                }
            }
            if let pk = phase {
                let r = r0 + 1
                let t0 = fp.firstTerm[r], t1 = fp.firstTerm[r + 1]
                let out = sv.next + fp.outSlot[fp.firstOut[op]] * sv.stride + sv.offset
                for k in t0..<t1 { ptrs[k - t0] = sv.prev + fp.termSlot[k] * sv.stride + sv.offset }
                fp.termW.withUnsafeBufferPointer { tw in
                    pk.forwardPhase(a: consts[r0], b: consts[r0 + 2], c: consts[r],
                                    weights: UnsafeBufferPointer(rebasing: tw[t0..<t1]),
                                    sources: UnsafeBufferPointer(start: ptrs, count: t1 - t0), out: out, count: count)
                }
                filled = (.nan, .nan, .nan, .nan)
                continue
            }
            if fp.quantizeInputs[op], let frame {
                // `rgb` is the identity and nobody reads its outputs: skip the copy. Without a
                // frame (warm-up, the fitter's trace) the outputs are written as usual.
                if logical > 0 { Quantizer.rgb(ptrs[0], ptrs[1], ptrs[2], count: logical, into: frame) }
                continue
            }
            let o0 = fp.firstOut[op], o1 = fp.firstOut[op + 1]
            for o in o0..<o1 { ptrs[maxIn + (o - o0)] = sv.next + fp.outSlot[o] * sv.stride + sv.offset }
            ctx.seed = fp.seeds[op]
            fp.kinds[op].forward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                          outputs: UnsafeBufferPointer(start: ptrs + maxIn, count: o1 - o0),
                                          count: count, context: ctx, state: nil))
            if fp.display[op], o1 - o0 >= 3, let frame, logical > 0 {
                Quantizer.rgb(ptrs[maxIn], ptrs[maxIn + 1], ptrs[maxIn + 2], count: logical, into: frame)
            }
        }
    }

    /// This tick's constant part of every program row.
    func programConstants(_ fp: FieldProgram) -> [Float] {
        scalarPrev.withUnsafeBufferPointer { sp in fp.matrixRow.map { constantPart($0, scalars: sp.baseAddress!) } }
    }

    /// The spatial rows of one tile (`sv` offset to the tile, `start` its first lane): each
    /// field input of a spatial neuron is written into its whole-frame buffer at `start`.
    @inline(__always)
    package static func spatialRows(_ fp: FieldProgram, consts: UnsafePointer<Float>, _ sv: StateView, start: Int, count: Int) {
        for (r, dst) in fp.spatialRows {
            let got = fieldRow(fp, r, consts[r], sv, count: count, into: dst + start)
            if got != dst + start { (dst + start).update(from: got, count: count) }
        }
    }

    /// Tasks per stroke: enough to balance the cores, few enough that set-up is paid rarely.
    static func taskCount(tiles: Int) -> Int { min(tiles, 8) }

    func fieldStroke(_ base: KernelContext, frame: UnsafeMutablePointer<UInt8>?) {
        let lanes = fieldLanes
        let tile = TickPlan.tileSize
        let tiles = (lanes + tile - 1) / tile
        let fp = fieldProgram()
        let consts = programConstants(fp)
        let framePtr = SendablePointer(frame)
        let global = StateView(prev: fieldPrev, next: fieldNext, stride: lanes, offset: 0)
        let pixels = timing.pixels
        let tasks = TickPlan.taskCount(tiles: tiles)
        let guardian = nonFinite.policy == nil ? nil : nonFinite
        let scanList = guardian == nil ? [] : fieldScanList()
        consts.withUnsafeBufferPointer { cb in
            let cp = SendablePointer(UnsafeMutablePointer(mutating: cb.baseAddress!))
            let work: @Sendable (Int) -> Void = { task in
                var ctx = base
                ctx.domain = .field
                let maxIn = max(1, fp.maxInputs)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: maxIn * tile) { scratch in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: fp.pointerCapacity) { ptrs in
                    for ti in (tiles * task / tasks)..<(tiles * (task + 1) / tasks) {
                        let start = ti * tile
                        let count = min(tile, lanes - start)
                        var sv = global
                        sv.offset = start
                        ctx.start = start
                        ctx.logicalCount = min(count, max(0, pixels - start))
                        TickPlan.runTile(fp, consts: cp.p!, sv, count: count, logical: ctx.logicalCount, ctx: &ctx,
                                         scratch: scratch.baseAddress!, tile: tile, ptrs: ptrs.baseAddress!,
                                         frame: framePtr.p.map { $0 + start * 3 })
                        TickPlan.spatialRows(fp, consts: cp.p!, sv, start: start, count: count)
                        if let guardian {
                            for (s, neuron) in scanList {
                                guardian.scan(global.next + s * lanes + start, ctx.logicalCount, neuron: neuron, tick: base.tick, perTick: Int.max)
                            }
                        }
                    }
                }
                }
            }
            if tasks > 1 { DispatchQueue.concurrentPerform(iterations: tasks, execute: work) } else { work(0) }
        }
        if !spatialNeurons.isEmpty {
            consts.withUnsafeBufferPointer { cb in
                spatialStroke(base, fp, consts: cb.baseAddress!, next: fieldNext, frame: frame) { states[$0] }
            }
            if let guardian {
                for i in spatialNeurons {
                    for (o, s) in outSlot[i].enumerated() where outKind[i][o] == .field {
                        guardian.scan(fieldNext + s * lanes, pixels, neuron: i, tick: base.tick, perTick: Int.max)
                    }
                }
            }
        }
    }

    /// The field output slots computed tile by tile, with their neurons: what the field
    /// strokes scan for non-finite values (spatial neurons are scanned whole, after).
    func fieldScanList() -> [(slot: Int, neuron: Int)] {
        var list: [(slot: Int, neuron: Int)] = []
        for i in fieldNeurons where !constantSources.contains(i) {
            for (o, s) in outSlot[i].enumerated() where outKind[i][o] == .field { list.append((s, i)) }
        }
        return list
    }

    /// The scalar inputs of spatial neurons: each buffer holds its row's constant part (16
    /// lanes; spatial kinds read lane 0). The forward and the fitter's backward fill them here.
    @inline(__always)
    package static func spatialScalarRows(_ fp: FieldProgram, consts: UnsafePointer<Float>) {
        for (r, dst) in fp.spatialScalarRows { Lanes.fill(dst, 16, consts[r]) }
    }

    /// Spatial neurons over whole frames, after every tile wrote their field input rows:
    /// scalar inputs are filled from `consts` (the tick's constant parts of the program's
    /// rows), outputs go to `next` (slot-major, `fieldLanes` per slot). The fitter runs this
    /// with its own trace as `next` and its saved states.
    package func spatialStroke(_ base: KernelContext, _ fp: FieldProgram, consts: UnsafePointer<Float>,
                               next: UnsafeMutablePointer<Float>, frame: UnsafeMutablePointer<UInt8>?,
                               state: (Int) -> UnsafeMutableRawPointer?) {
        let lanes = fieldLanes
        TickPlan.spatialScalarRows(fp, consts: consts)
        for i in spatialNeurons {
            let kind = network.neurons[i].kind
            let bufs = spatialInputs[i]!
            let outs = outSlot[i].map { next + $0 * lanes }
            var ctx = base
            ctx.logicalCount = timing.pixels
            ctx.domain = .field
            ctx.seed = seed(for: i)
            bufs.withUnsafeBufferPointer { ib in
                outs.withUnsafeBufferPointer { ob in
                    kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: ib.baseAddress, count: ib.count),
                                          outputs: ob, count: lanes, context: ctx, state: state(i)))
                }
            }
            if i == displayNeuron, let f = frame, outs.count >= 3 {
                Quantizer.rgb(outs[0], outs[1], outs[2], count: timing.pixels, into: f)
            }
        }
    }

    /// True when ticks can be batched per tile: every field neuron is per-pixel and nothing
    /// but scalars and fields runs (no spatial kinds, no audio).
    public var canBatchTicks: Bool { spatialNeurons.isEmpty && signalNeurons.isEmpty && treeNeurons.isEmpty && fieldLanes > 0 }

    /// Runs `frames.count` ticks; tick k's picture goes to `frames[k]` (8-bit RGB).
    ///
    /// For per-pixel networks the ticks run tile by tile: each tile copies its slice of every
    /// field into a small buffer, runs all the ticks there, and copies the final state back.
    /// The result is bit-identical to ticking one by one (same kernels, same order of sums).
    public func tick(frames: [UnsafeMutablePointer<UInt8>?]) {
        guard canBatchTicks, frames.count > 1 else {
            for f in frames { tick(frame: f) }
            return
        }
        let k = frames.count
        let t = timing
        // Scalars are global: run their strokes first and keep each tick's constant parts.
        let fp = fieldProgram()
        var consts: [Float] = []
        consts.reserveCapacity(k * fp.matrixRow.count)
        var contexts: [KernelContext] = []
        for _ in 0..<k {
            let base = KernelContext(t, tick: currentTick)
            scalarStroke(base)
            consts.append(contentsOf: programConstants(fp))
            contexts.append(base)
            swap(&scalarPrev, &scalarNext)
            currentTick += 1
        }
        let lanes = fieldLanes, slots = fieldCount
        let tile = TickPlan.tileSize
        let tiles = (lanes + tile - 1) / tile
        let tasks = TickPlan.taskCount(tiles: tiles)
        let pixels = t.pixels
        let rows = fp.matrixRow.count
        let global = SendablePointer(fieldPrev)
        let framePtrs = frames.map { SendablePointer($0) }
        let ctxs = contexts
        let guardian = nonFinite.policy == nil ? nil : nonFinite
        let scanList = guardian == nil ? [] : fieldScanList()
        consts.withUnsafeBufferPointer { cb in
            let cp = SendablePointer(UnsafeMutablePointer(mutating: cb.baseAddress!))
            let work: @Sendable (Int) -> Void = { task in
                let maxIn = max(1, fp.maxInputs)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: maxIn * tile + 2 * slots * tile) { buf in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: fp.pointerCapacity) { ptrs in
                    let scratch = buf.baseAddress!
                    var a = scratch + maxIn * tile, b = a + slots * tile
                    for ti in (tiles * task / tasks)..<(tiles * (task + 1) / tasks) {
                        let start = ti * tile
                        let count = min(tile, lanes - start)
                        let logical = min(count, max(0, pixels - start))
                        for s in 0..<slots {
                            (a + s * tile).update(from: global.p! + s * lanes + start, count: count)
                            (b + s * tile).update(from: a + s * tile, count: count)   // constants live in both
                        }
                        for step in 0..<k {
                            var ctx = ctxs[step]
                            ctx.domain = .field
                            ctx.start = start
                            ctx.logicalCount = logical
                            let sv = StateView(prev: a, next: b, stride: tile, offset: 0)
                            TickPlan.runTile(fp, consts: cp.p! + step * rows, sv, count: count, logical: logical, ctx: &ctx,
                                             scratch: scratch, tile: tile, ptrs: ptrs.baseAddress!,
                                             frame: framePtrs[step].p.map { $0 + start * 3 })
                            if let guardian {
                                for (s, neuron) in scanList {
                                    guardian.scan(b + s * tile, logical, neuron: neuron, tick: ctxs[step].tick, perTick: Int.max)
                                }
                            }
                            swap(&a, &b)
                        }
                        for s in 0..<slots { (global.p! + s * lanes + start).update(from: a + s * tile, count: count) }
                    }
                }
                }
            }
            if tasks > 1 { DispatchQueue.concurrentPerform(iterations: tasks, execute: work) } else { work(0) }
        }
    }
}
