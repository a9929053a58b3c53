import Dispatch

/// A pointer that may cross into `concurrentPerform`'s `@Sendable` closure; each task writes
/// a disjoint range.
@usableFromInline struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let p: UnsafeMutablePointer<T>?
    @usableFromInline init(_ p: UnsafeMutablePointer<T>?) { self.p = p }
}

extension TickPlan {
    /// One two-stroke tick: every input becomes W × the previous tick's outputs (down), then
    /// every neuron maps its inputs to its outputs (up).
    ///
    /// - Parameters:
    ///   - frame: when given and the patch draws, receives the picture of this tick as 8-bit
    ///     RGB (width × height × 3), −1…1 mapped to 0…255 with rounding.
    ///   - audio: when given and the patch sounds, receives `samplesPerTick` stereo frames,
    ///     interleaved.
    public func tick(frame: UnsafeMutablePointer<UInt8>? = nil, audio: UnsafeMutablePointer<Float>? = nil) {
        let t = timing
        let base = KernelContext(tick: currentTick, secondsPerTick: t.secondsPerTick, width: t.width, height: t.height,
                                 start: 0, sampleRate: Double(t.sampleRate), logicalCount: 1)
        scalarStroke(base)
        if fieldLanes > 0 { fieldStroke(base, frame: frame) }
        if signalLanes > 0 { signalStroke(base, audio: audio) }
        swap(&scalarPrev, &scalarNext)
        swap(&fieldPrev, &fieldNext)
        swap(&signalPrev, &signalNext)
        currentTick += 1
    }

    /// The seed a random kind sees: the patch seed mixed with the neuron index (SplitMix64).
    package func seed(for neuron: Int) -> UInt64 {
        var z = network.seed &+ UInt64(neuron + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The constant part of a row: default + Σ w · scalar output of the previous tick.
    @inline(__always)
    func constantPart(_ r: Int) -> Float {
        var c = rowDefault[r]
        for k in constStart[r]..<constStart[r + 1] { c += constW[k] * scalarPrev[constSlot[k]] }
        return c
    }

    // MARK: Scalars

    func scalarStroke(_ base: KernelContext) {
        var ctx = base
        ctx.logicalCount = 1
        for i in scalarNeurons where !constantSources.contains(i) {
            let kind = network.neurons[i].kind
            let nin = kind.inputs.count, nout = kind.outputs.count
            ctx.seed = seed(for: i)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * (nin + nout) + 16) { buf in
                let b = buf.baseAddress!
                var ptrs: [UnsafeMutablePointer<Float>] = []
                ptrs.reserveCapacity(nin + nout)
                for p in 0..<nin {
                    let dst = b + 16 * p
                    Lanes.fill(dst, 16, constantPart(rowOf[i][p]))
                    ptrs.append(dst)
                }
                for o in 0..<nout { ptrs.append(b + 16 * (nin + o)) }
                ptrs.withUnsafeBufferPointer { pb in
                    kind.forward(KernelIO(inputs: UnsafeBufferPointer(rebasing: pb[0..<nin]),
                                          outputs: UnsafeBufferPointer(rebasing: pb[nin...]),
                                          count: 16, context: ctx, state: states[i]))
                }
                for o in 0..<nout where outKind[i][o] == .scalar { scalarNext[outSlot[i][o]] = (b + 16 * (nin + o))[0] }
            }
        }
        for i in constantSources where domains[i] == .scalar {
            for s in outSlot[i] { scalarNext[s] = scalarPrev[s] }
        }
    }

    // MARK: Fields

    /// Computes the down movement of field row `r` for lanes `start..<start+count` into `dst`,
    /// or returns the source pointer itself when the row is a single weight-1 term.
    @inline(__always)
    func fieldRow(_ r: Int, start: Int, count: Int, into dst: UnsafeMutablePointer<Float>, kind: StreamKind) -> UnsafeMutablePointer<Float> {
        let c = constantPart(r)
        let s0 = streamStart[r], s1 = streamStart[r + 1]
        if kind == .scalar || s0 == s1 { Lanes.fill(dst, count, c); return dst }
        let lanes = fieldLanes
        if s1 - s0 == 1 && c == 0 && streamW[s0] == 1 { return fieldPrev + streamSlot[s0] * lanes + start }
        let cv = Lanes.V(repeating: c)
        var k = s0
        do {
            let w0 = Lanes.V(repeating: streamW[k]), src0 = fieldPrev + streamSlot[k] * lanes + start
            if s1 - s0 >= 2 {
                let w1 = Lanes.V(repeating: streamW[k + 1]), src1 = fieldPrev + streamSlot[k + 1] * lanes + start
                var i = 0
                while i < count {
                    Lanes.store(cv.addingProduct(w0, Lanes.load(src0, i)).addingProduct(w1, Lanes.load(src1, i)), dst, i); i += 16
                }
                k += 2
            } else {
                var i = 0
                while i < count { Lanes.store(cv.addingProduct(w0, Lanes.load(src0, i)), dst, i); i += 16 }
                k += 1
            }
        }
        while k < s1 {
            let w = Lanes.V(repeating: streamW[k]), src = fieldPrev + streamSlot[k] * lanes + start
            var i = 0
            while i < count { Lanes.store(Lanes.load(dst, i).addingProduct(w, Lanes.load(src, i)), dst, i); i += 16 }
            k += 1
        }
        return dst
    }

    func fieldStroke(_ base: KernelContext, frame: UnsafeMutablePointer<UInt8>?) {
        let lanes = fieldLanes
        let tile = TickPlan.tileSize
        let tiles = (lanes + tile - 1) / tile
        let framePtr = SendablePointer(frame)
        let maxIn = fieldNeurons.map { network.neurons[$0].kind.inputs.count }.max() ?? 0
        let work: @Sendable (Int) -> Void = { [self] ti in
            let start = ti * tile
            let count = min(tile, lanes - start)
            var ctx = base
            ctx.start = start
            ctx.logicalCount = min(count, max(0, timing.pixels - start))
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, maxIn) * tile) { scratch in
                var ins: [UnsafeMutablePointer<Float>] = Array(repeating: scratch.baseAddress!, count: max(1, maxIn))
                var outs: [UnsafeMutablePointer<Float>] = []
                for i in fieldNeurons where !constantSources.contains(i) {
                    let kind = network.neurons[i].kind
                    let nin = kind.inputs.count
                    ctx.seed = seed(for: i)
                    for p in 0..<nin {
                        ins[p] = fieldRow(rowOf[i][p], start: start, count: count, into: scratch.baseAddress! + p * tile, kind: inKind[i][p])
                    }
                    outs.removeAll(keepingCapacity: true)
                    for s in outSlot[i] { outs.append(fieldNext + s * lanes + start) }
                    ins.withUnsafeBufferPointer { ib in
                        outs.withUnsafeBufferPointer { ob in
                            kind.forward(KernelIO(inputs: UnsafeBufferPointer(rebasing: ib[0..<nin]), outputs: ob,
                                                  count: count, context: ctx, state: nil))
                        }
                    }
                    if i == displayNeuron, let f = framePtr.p {
                        quantize(outs, start: start, count: ctx.logicalCount, into: f)
                    }
                }
                // Inputs of spatial neurons: whole-frame buffers filled tile by tile.
                for i in spatialNeurons {
                    let bufs = spatialInputs[i]!
                    for p in 0..<bufs.count where inKind[i][p] == .field {
                        let got = fieldRow(rowOf[i][p], start: start, count: count, into: bufs[p] + start, kind: .field)
                        if got != bufs[p] + start { (bufs[p] + start).update(from: got, count: count) }
                    }
                }
            }
        }
        if tiles > 1 { DispatchQueue.concurrentPerform(iterations: tiles, execute: work) } else { work(0) }

        for i in spatialNeurons {
            let kind = network.neurons[i].kind
            let bufs = spatialInputs[i]!
            for p in 0..<bufs.count where inKind[i][p] == .scalar { Lanes.fill(bufs[p], 16, constantPart(rowOf[i][p])) }
            let outs = outSlot[i].map { fieldNext + $0 * lanes }
            var ctx = base
            ctx.logicalCount = timing.pixels
            bufs.withUnsafeBufferPointer { ib in
                outs.withUnsafeBufferPointer { ob in
                    kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: ib.baseAddress, count: ib.count),
                                          outputs: ob, count: lanes, context: ctx, state: states[i]))
                }
            }
            if i == displayNeuron, let f = frame { quantize(outs, start: 0, count: timing.pixels, into: f) }
        }
    }

    /// −1…1 → 0…255, rounded and clamped; writes interleaved RGB for pixels start..<start+count.
    @inline(__always)
    func quantize(_ outs: [UnsafeMutablePointer<Float>], start: Int, count: Int, into frame: UnsafeMutablePointer<UInt8>) {
        guard outs.count >= 3, count > 0 else { return }
        let dst = frame + start * 3
        var i = 0
        let lo = Lanes.V(repeating: 0), hi = Lanes.V(repeating: 255)
        while i + 16 <= count {
            let r = SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int32>(((Lanes.load(outs[0], i) + 1) * 127.5 + 0.5).clamped(lowerBound: lo, upperBound: hi)))
            let g = SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int32>(((Lanes.load(outs[1], i) + 1) * 127.5 + 0.5).clamped(lowerBound: lo, upperBound: hi)))
            let b = SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int32>(((Lanes.load(outs[2], i) + 1) * 127.5 + 0.5).clamped(lowerBound: lo, upperBound: hi)))
            for k in 0..<16 {
                dst[(i + k) * 3] = r[k]; dst[(i + k) * 3 + 1] = g[k]; dst[(i + k) * 3 + 2] = b[k]
            }
            i += 16
        }
        while i < count {
            for c in 0..<3 {
                let v = min(max((outs[c][i] + 1) * 127.5 + 0.5, 0), 255)
                dst[i * 3 + c] = UInt8(v)
            }
            i += 1
        }
    }
}

extension TickPlan {
    /// The latest value of a scalar output (for tests, inspection and live `show`).
    public func scalarOutput(neuron: Int, port: Int = 0) -> Float {
        guard outKind[neuron][port] == .scalar else { return .nan }
        return scalarPrev[outSlot[neuron][port]]
    }

    /// The latest values of a field output, row-major (width × height).
    public func fieldOutput(neuron: Int, port: Int = 0) -> [Float] {
        guard outKind[neuron][port] == .field else { return [] }
        let base = fieldPrev + outSlot[neuron][port] * fieldLanes
        return Array(UnsafeBufferPointer(start: base, count: timing.pixels))
    }
}
