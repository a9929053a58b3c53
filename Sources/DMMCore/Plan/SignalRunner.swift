/// One run of a `SignalProgram` over a batch of ticks.
///
/// A snapshot of the program's tables as plain pointers, built once per batch, so that the
/// per-neuron work (rows, kernel calls, audio copy) pays no reference counting and no
/// exclusivity checks: at `block 64` a 64-oscillator patch makes 48,000 kernel calls a second
/// of sound, and 100 ns of bookkeeping each would cost more than the sines themselves.
struct SignalRunner {
    let unitInfo, rows, slots, steps: UnsafeMutablePointer<Int>
    let stepWords: Int
    let states: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let seeds: UnsafeMutablePointer<UInt64>
    let constStart, constSlot, streamStart, streamSlot, dynamicOf, constIndex: UnsafeMutablePointer<Int>
    let constBuffers, constValue: UnsafeMutablePointer<Float>
    let rowDefault, rampFrom, weightFrom, dynamicValues, store, scratch, scalarOutScratch: UnsafeMutablePointer<Float>
    /// Where this tick's scalar outputs of signal units go (see `SignalProgram.hasScalarOutputs`).
    let scalarOut: UnsafeMutablePointer<Float>?
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    let ios: UnsafeMutablePointer<KernelIO>
    let constW, streamW, scalars: UnsafePointer<Float>?
    let kernels: UnsafeMutablePointer<Unmanaged<KernelBox>>
    /// Samples per tick, lanes of a full batch, slot layout, ticks in this batch.
    let n, lanes, history, stride, batchTicks, ticks: Int
    let audioUnit: Int
    let audioMono: Bool
    let audio: UnsafeMutablePointer<Float>?
    let recorded: Bool
    let context: KernelContext
    /// Scans each unit's outputs after its call (nil: no scanning), naming units by neuron.
    let guardian: NonFiniteGuard?
    let unitNeuron: [Int]
    /// The recording, when the fitter asked for one (`SignalProgram.trace`).
    let trace: SignalTrace?

    init(program p: SignalProgram, constW: UnsafePointer<Float>?, streamW: UnsafePointer<Float>?,
         scalars: UnsafePointer<Float>?, scalarOut: UnsafeMutablePointer<Float>? = nil, ticks: Int, audio: UnsafeMutablePointer<Float>?,
         recorded: Bool, context: KernelContext, guardian: NonFiniteGuard? = nil, unitNeuron: [Int] = []) {
        self.guardian = guardian; self.unitNeuron = unitNeuron
        unitInfo = p.unitInfo; rows = p.rows; slots = p.slots; steps = p.steps; stepWords = p.stepWords
        states = p.states; seeds = p.seeds
        constStart = p.constStart; constSlot = p.constSlot; streamStart = p.streamStart; streamSlot = p.streamSlot
        constIndex = p.constIndex; constBuffers = p.constBuffers; constValue = p.constValue
        dynamicOf = p.dynamicOf; rowDefault = p.rowDefault; rampFrom = p.rampFrom; weightFrom = p.weightFrom; dynamicValues = p.dynamicValues
        store = p.store; scratch = p.scratch; pointers = p.pointers; ios = p.ios
        scalarOutScratch = p.scalarOutScratch; self.scalarOut = scalarOut
        self.constW = constW; self.streamW = streamW; self.scalars = scalars
        kernels = p.kernelRefs
        n = p.samplesPerTick; lanes = p.lanes; history = p.history; stride = p.stride; batchTicks = p.batchTicks
        self.ticks = ticks
        audioUnit = p.audioUnit; audioMono = p.audioMono
        self.audio = audio; self.recorded = recorded; self.context = context
        trace = p.trace
    }

    @inline(__always)
    func slot(_ s: Int) -> UnsafeMutablePointer<Float> { store + s * stride + history }

    /// Every step in order.
    func run() {
        var i = 0
        while i < stepWords {
            let code = steps[i], count = steps[i + 1]
            let members = steps + i + 2
            switch code {
            case SignalProgram.single:
                runUnit(members[0], from: 0, ticks: ticks)
            case SignalProgram.cycle:
                for tau in 0..<ticks {
                    for m in 0..<count { runUnit(members[m], from: tau, ticks: 1) }
                }
            default:
                runGroup(members, count: count)
            }
            i += 2 + count
        }
    }

    /// One unit over ticks `from..<from+ticks` of the batch.
    @inline(__always)
    func runUnit(_ u: Int, from tau0: Int, ticks tk: Int) {
        let nin = unitInfo[4 * u], nout = unitInfo[4 * u + 1]
        let rowBase = rows + unitInfo[4 * u + 2], slotBase = slots + unitInfo[4 * u + 3]
        let ptrs = pointers
        var constant: UInt64 = 0
        for p in 0..<nin {
            let (pointer, flat) = row(rowBase[p], from: tau0, ticks: tk, into: scratch + p * lanes)
            ptrs[p] = pointer
            if flat && p < 64 { constant |= 1 << UInt64(p) }
        }
        var scalarOuts = 0
        for o in 0..<nout {
            let s = slotBase[o]
            if s <= -2 {
                ptrs[nin + o] = scalarOutScratch + scalarOuts * lanes
                scalarOuts += 1
            } else {
                ptrs[nin + o] = s >= 0 ? slot(s) + tau0 * n : scratch
            }
        }
        var ctx = context
        ctx.tick = context.tick + tau0
        ctx.logicalCount = tk * n
        ctx.seed = seeds[u]
        ctx.constantInputs = constant
        let io = KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                          outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                          count: (tk * n + 15) / 16 * 16, context: ctx, state: states[u])
        kernels[u]._withUnsafeGuaranteedRef { $0.forward(io) }
        if let trace { record(trace, unit: u, io: io, tick: ctx.tick, samples: tk * n) }
        if scalarOuts > 0, let scalarOut, tk * n > 0 {
            // A scalar output's value for the tick is its last sample (one tick per call here).
            for o in 0..<nout where slotBase[o] <= -2 {
                let s = -2 - slotBase[o]
                scalarOut[s] = ptrs[nin + o][tk * n - 1]
                guardian?.scan(scalarOut + s, neuron: unitNeuron[u], tick: context.tick + tau0 + tk - 1)
            }
        }
        if let guardian {
            for o in 0..<nout where slotBase[o] >= 0 {
                guardian.scan(slot(slotBase[o]) + tau0 * n, tk * n, neuron: unitNeuron[u], tick: context.tick + tau0, perTick: n)
            }
        }
        if u == audioUnit, let audio, nin > 0 {
            let left = ptrs[0], right = audioMono || nin < 2 ? ptrs[0] : ptrs[1]
            let dst = audio + tau0 * n * 2
            for j in 0..<(tk * n) { dst[2 * j] = left[j]; dst[2 * j + 1] = right[j] }
        }
    }

    /// Copies one unit call's inputs and outputs into the recording.
    func record(_ trace: SignalTrace, unit u: Int, io: KernelIO, tick: Int, samples: Int) {
        let ib = trace.inputBase[u], ob = trace.outputBase[u]
        for p in 0..<io.inputs.count { trace.record(ib + p, tick: tick, count: samples, from: io.inputs[p]) }
        for o in 0..<io.outputs.count { trace.record(ob + o, tick: tick, count: samples, from: io.outputs[o]) }
    }

    /// Members of one grouped kind over the whole batch, in one call.
    func runGroup(_ members: UnsafeMutablePointer<Int>, count: Int) {
        var ptr = pointers
        var input = 0
        for m in 0..<count {
            let u = members[m]
            let nin = unitInfo[4 * u], nout = unitInfo[4 * u + 1]
            let rowBase = rows + unitInfo[4 * u + 2], slotBase = slots + unitInfo[4 * u + 3]
            var constant: UInt64 = 0
            for p in 0..<nin {
                let (pointer, flat) = row(rowBase[p], from: 0, ticks: ticks, into: scratch + input * lanes)
                ptr[p] = pointer
                if flat && p < 64 { constant |= 1 << UInt64(p) }
                input += 1
            }
            for o in 0..<nout { ptr[nin + o] = slotBase[o] >= 0 ? slot(slotBase[o]) : scratch }
            var ctx = context
            ctx.logicalCount = ticks * n
            ctx.seed = seeds[u]
            ctx.constantInputs = constant
            ios[m] = KernelIO(inputs: UnsafeBufferPointer(start: ptr, count: nin),
                              outputs: UnsafeBufferPointer(start: ptr + nin, count: nout),
                              count: (ticks * n + 15) / 16 * 16, context: ctx, state: states[u])
            ptr += nin + nout
        }
        let group = UnsafeBufferPointer(start: ios, count: count)
        kernels[members[0]]._withUnsafeGuaranteedRef { $0.forwardGroup(group) }
        if let trace {
            for m in 0..<count { record(trace, unit: members[m], io: ios[m], tick: context.tick, samples: ticks * n) }
        }
        if let guardian {
            for m in 0..<count {
                let u = members[m], nout = unitInfo[4 * u + 1], slotBase = slots + unitInfo[4 * u + 3]
                for o in 0..<nout where slotBase[o] >= 0 {
                    guardian.scan(slot(slotBase[o]), ticks * n, neuron: unitNeuron[u], tick: context.tick, perTick: n)
                }
            }
        }
    }

    /// The constant part of row `r`: its default (non-zero only for an empty row) plus
    /// Σ w · scalar output of the previous tick.
    @inline(__always)
    func constantPart(_ r: Int) -> Float {
        var c = rowDefault[r]
        for k in constStart[r]..<constStart[r + 1] { c += constW![k] * scalars![constSlot[k]] }
        return c
    }

    /// The down movement of a row over ticks `from..<from+ticks` of the batch into `dst`:
    /// its constant part (scalars, ramped across each tick so that edits never zipper) plus,
    /// for a signal input, Σ w · source one tick earlier, a weight edited since the last tick
    /// ramped from its old value across this tick. `code` is row·2 + (signal ? 1 : 0).
    /// Returns `dst`, or the source itself when the row is a single weight-1 connection, and
    /// whether every lane holds the same value.
    @inline(__always)
    func row(_ code: Int, from tau0: Int, ticks tk: Int, into dst: UnsafeMutablePointer<Float>) -> (UnsafeMutablePointer<Float>, Bool) {
        let r = code >> 1, signal = code & 1 != 0
        let samples = tk * n
        let count = (samples + 15) / 16 * 16
        let s0 = streamStart[r], s1 = streamStart[r + 1]
        let d = dynamicOf[r]
        let offset = tau0 * n - n
        let noConstants = constStart[r] == constStart[r + 1]
        if signal && d < 0 && s1 - s0 == 1 && noConstants && streamW![s0] == 1
            && (weightFrom[s0] == 1 || weightFrom[s0].isNaN) {
            weightFrom[s0] = 1
            return (slot(streamSlot[s0]) + offset, false)
        }
        let streams = signal && s1 > s0
        var flat = false
        var start: Float? = nil
        let ci = constIndex[r]
        if ci >= 0 {
            // A row that can only be a constant: its own buffer, refilled when the value moves.
            let c = constantPart(r)
            let c0 = rampFrom[r].isNaN ? c : rampFrom[r]
            rampFrom[r] = c
            if c0 == c {
                let buffer = constBuffers + ci * lanes
                if constValue[ci].bitPattern != c.bitPattern {
                    Lanes.fill(buffer, lanes, c)
                    constValue[ci] = c
                }
                return (buffer, true)
            }
            Lanes.fill(dst, count, c)
            Self.ramp(dst, n, from: c0, to: c)
            return (dst, false)
        }
        // Constant part.
        if d >= 0 {
            var last = rampFrom[r]
            for tau in tau0..<(tau0 + tk) {
                let c = recorded ? dynamicValues[d * batchTicks + tau] : constantPart(r)
                Self.ramp(dst + (tau - tau0) * n, n, from: last.isNaN ? c : last, to: c)
                last = c
            }
            rampFrom[r] = last
            if count > samples { (dst + samples).update(repeating: last, count: count - samples) }
        } else {
            let c = constantPart(r)
            let c0 = rampFrom[r].isNaN ? c : rampFrom[r]
            rampFrom[r] = c
            if c0 != c || !streams {
                Lanes.fill(dst, count, c)
                if c0 != c { Self.ramp(dst, n, from: c0, to: c) } else { flat = true }
            } else {
                // A steady constant under signal terms: the first pass starts from it.
                start = c
            }
        }
        guard streams else { return (dst, flat) }
        let w = streamW!
        // A weight edited since the last tick: this tick ramps it (a rare, plain loop).
        var edited = false
        for k in s0..<s1 {
            if weightFrom[k].isNaN { weightFrom[k] = w[k] } else if weightFrom[k] != w[k] { edited = true }
        }
        if edited {
            if let start { Lanes.fill(dst, count, start) }
            for k in s0..<s1 {
                let p = slot(streamSlot[k]) + offset, w1 = w[k], w0 = weightFrom[k]
                let step = (w1 - w0) / Float(n)
                for j in 0..<count { dst[j] = dst[j].madd(j < n - 1 ? w0 + step * Float(j + 1) : w1, p[j]) }
                weightFrom[k] = w1
            }
            return (dst, false)
        }
        // Stream part: eight terms per pass (fewer loads and stores of dst), then the rest.
        var k = s0
        @inline(__always) func base(_ i: Int) -> Lanes.V {
            if let start { return Lanes.V(repeating: start) } else { return Lanes.load(dst, i) }
        }
        while s1 - k >= 8 {
            @inline(__always) func term(_ j: Int) -> (UnsafeMutablePointer<Float>, Lanes.V) {
                (slot(streamSlot[k + j]) + offset, Lanes.V(repeating: w[k + j]))
            }
            let (p0, w0) = term(0), (p1, w1) = term(1), (p2, w2) = term(2), (p3, w3) = term(3)
            let (p4, w4) = term(4), (p5, w5) = term(5), (p6, w6) = term(6), (p7, w7) = term(7)
            var i = 0
            while i < count {
                let a = base(i).madd(w0, Lanes.load(p0, i)).madd(w1, Lanes.load(p1, i))
                    .madd(w2, Lanes.load(p2, i)).madd(w3, Lanes.load(p3, i))
                let b = (w4 * Lanes.load(p4, i)).madd(w5, Lanes.load(p5, i))
                    .madd(w6, Lanes.load(p6, i)).madd(w7, Lanes.load(p7, i))
                Lanes.store(a + b, dst, i)
                i += 16
            }
            k += 8
            start = nil
        }
        while k < s1 {
            let m = min(4, s1 - k)
            let p0 = slot(streamSlot[k]) + offset, w0 = Lanes.V(repeating: w[k])
            var i = 0
            switch m {
            case 4:
                let p1 = slot(streamSlot[k + 1]) + offset, w1 = Lanes.V(repeating: w[k + 1])
                let p2 = slot(streamSlot[k + 2]) + offset, w2 = Lanes.V(repeating: w[k + 2])
                let p3 = slot(streamSlot[k + 3]) + offset, w3 = Lanes.V(repeating: w[k + 3])
                while i < count {
                    let a = base(i).madd(w0, Lanes.load(p0, i)).madd(w1, Lanes.load(p1, i))
                    Lanes.store(a.madd(w2, Lanes.load(p2, i)).madd(w3, Lanes.load(p3, i)), dst, i)
                    i += 16
                }
            case 3:
                let p1 = slot(streamSlot[k + 1]) + offset, w1 = Lanes.V(repeating: w[k + 1])
                let p2 = slot(streamSlot[k + 2]) + offset, w2 = Lanes.V(repeating: w[k + 2])
                while i < count {
                    let a = base(i).madd(w0, Lanes.load(p0, i)).madd(w1, Lanes.load(p1, i))
                    Lanes.store(a.madd(w2, Lanes.load(p2, i)), dst, i)
                    i += 16
                }
            case 2:
                let p1 = slot(streamSlot[k + 1]) + offset, w1 = Lanes.V(repeating: w[k + 1])
                while i < count {
                    Lanes.store(base(i).madd(w0, Lanes.load(p0, i)).madd(w1, Lanes.load(p1, i)), dst, i)
                    i += 16
                }
            default:
                while i < count {
                    Lanes.store(base(i).madd(w0, Lanes.load(p0, i)), dst, i)
                    i += 16
                }
            }
            k += m
            start = nil
        }
        return (dst, false)
    }

    /// Writes a ramp over one tick of `n` samples ending exactly on `c` (a constant when
    /// `c0 == c`).
    @inline(__always)
    static func ramp(_ dst: UnsafeMutablePointer<Float>, _ n: Int, from c0: Float, to c: Float) {
        if c0 == c {
            for j in 0..<n { dst[j] = c }
            return
        }
        let step = (c - c0) / Float(n)
        for j in 0..<(n - 1) { dst[j] = c0 + step * Float(j + 1) }
        dst[n - 1] = c
    }
}
