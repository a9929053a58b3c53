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
        let base = KernelContext(timing, tick: currentTick)
        scalarStroke(base)
        if fieldLanes > 0 { fieldStroke(base, frame: frame) }
        if signalLanes > 0 { signalStroke(base, audio: audio) }
        let delta = treeNeurons.isEmpty ? nil : treeStroke(base)
        swap(&scalarPrev, &scalarNext)
        swap(&fieldPrev, &fieldNext)
        swap(&treePrev, &treeNext)
        currentTick += 1
        // Self's up movement, W(t+1) = W(t) + ΔW(t), lands at the tick boundary.
        if let delta, !delta.isZero {
            do { try apply(delta: delta); lastSelfError = nil } catch { lastSelfError = error }
        }
        // Growth (`clone` neurons) lands at the same boundary, after the ΔW.
        if !growthDue.isEmpty { growAtBoundary() }
    }

    /// The seed a random kind sees: the patch seed mixed with the neuron index (SplitMix64).
    package func seed(for neuron: Int) -> UInt64 {
        var z = network.seed &+ UInt64(neuron + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The constant part of a row: Σ w · scalar output of the previous tick (plus the row's
    /// fixed offset, zero for every row the builder makes). The one scalar down movement: the
    /// field, spatial and tree strokes and the fitter all read constant parts through this.
    @inline(__always)
    package func constantPart(_ r: Int, scalars prev: UnsafePointer<Float>) -> Float {
        var c = rowDefault[r]
        for k in constStart[r]..<constStart[r + 1] { c += constW[k] * prev[constSlot[k]] }
        return c
    }

    /// `constantPart` against the plan's own previous tick.
    @inline(__always)
    func constantPart(_ r: Int) -> Float {
        scalarPrev.withUnsafeBufferPointer { constantPart(r, scalars: $0.baseAddress!) }
    }

    // MARK: Scalars

    func scalarStroke(_ base: KernelContext) {
        scalarPrev.withUnsafeBufferPointer { pb in
            scalarNext.withUnsafeMutableBufferPointer { nb in
                scalarStroke(base, prev: pb.baseAddress!, next: nb.baseAddress!) { states[$0] }
            }
        }
    }

    /// The scalar stroke of one tick: every scalar neuron maps the constant parts of its rows
    /// (read from `prev`) to its outputs (written to `next`); constant sources carry over.
    ///
    /// The plan runs it on its own buffers; the fitter runs the same function on its trace
    /// (one slice per tick) with `state` pointing into its saved states, so a fit sees the
    /// scalars a render sees, to the bit.
    package func scalarStroke(_ base: KernelContext, prev: UnsafePointer<Float>, next: UnsafeMutablePointer<Float>,
                              state: (Int) -> UnsafeMutableRawPointer?) {
        var ctx = base
        ctx.logicalCount = 1
        ctx.domain = .scalar
        let maxPorts = scalarPortCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * maxPorts + 16) { buf in
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: maxPorts + 1) { pbuf in
            let b = buf.baseAddress!, ptrs = pbuf.baseAddress!
            for i in scalarNeurons where !constantSources.contains(i) {
                let kind = network.neurons[i].kind
                let nin = kind.inputs.count, nout = kind.outputs.count
                ctx.seed = seed(for: i)
                for p in 0..<nin {
                    let dst = b + 16 * p
                    Lanes.fill(dst, 16, constantPart(rowOf[i][p], scalars: prev))
                    ptrs[p] = dst
                }
                for o in 0..<nout { ptrs[nin + o] = b + 16 * (nin + o) }
                kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                      outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                      count: 16, context: ctx, state: state(i)))
                for o in 0..<nout where outKind[i][o] == .scalar {
                    next[outSlot[i][o]] = (b + 16 * (nin + o))[0]
                    nonFinite.scan(next + outSlot[i][o], neuron: i, tick: base.tick)
                }
            }
        }
        }
        for i in constantSources where domains[i] == .scalar {
            for s in outSlot[i] { next[s] = prev[s] }
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
