extension TickPlan {
    // MARK: Compiling the signal side

    /// Builds `signals`: units, the schedule (components of the signal graph in topological
    /// order, grouped kinds together) and preallocated storage. See `SignalProgram`.
    func compileSignals() {
        let program = SignalProgram()
        defer { signals = program }
        guard !signalNeurons.isEmpty else { return }
        let net = network
        let n = max(1, timing.samplesPerTick)

        // Units.
        var unitOf = [Int: Int]()
        var slotOwner = Array(repeating: -1, count: signalCount)
        for i in signalNeurons {
            let kind = net.neurons[i].kind
            let u = program.units.count
            unitOf[i] = u
            let slots = outSlot[i].enumerated().map { outKind[i][$0.offset] == .signal ? $0.element : -1 }
            for s in slots where s >= 0 { slotOwner[s] = u }
            program.units.append(SignalProgram.Unit(
                neuron: i, kind: kind, group: kind as? any GroupedKind, rows: rowOf[i],
                signalInput: inKind[i].map { $0 == .signal }, slots: slots, state: states[i], seed: seed(for: i)))
            if i == audioNeuron { program.audioUnit = u }
        }
        let count = program.units.count

        // Scalar slots that change from tick to tick, and the signal rows that read them.
        var liveScalar = Array(repeating: false, count: scalarCount)
        for i in scalarNeurons where !constantSources.contains(i) {
            program.scalarsStatic = false
            for (o, s) in outSlot[i].enumerated() where outKind[i][o] == .scalar { liveScalar[s] = true }
        }
        program.dynamicOf = Array(repeating: -1, count: rowDefault.count)
        for unit in program.units {
            for r in unit.rows where (constStart[r]..<constStart[r + 1]).contains(where: { liveScalar[constSlot[$0]] }) {
                program.dynamicOf[r] = program.dynamicRows.count
                program.dynamicRows.append(r)
            }
        }
        if let a = program.audioUnit {
            let rows = program.units[a].rows
            if rows.count > 1 {
                let r = rows[1]
                program.audioMono = constStart[r] == constStart[r + 1] && streamStart[r] == streamStart[r + 1] && rowDefault[r] == 0
            } else {
                program.audioMono = true
            }
        }

        // The graph of signal connections, its strongly connected components (Tarjan) and levels.
        var succ = Array(repeating: [Int](), count: count)
        var selfLoop = Array(repeating: false, count: count)
        for (u, unit) in program.units.enumerated() {
            for (p, r) in unit.rows.enumerated() where unit.signalInput[p] {
                for k in streamStart[r]..<streamStart[r + 1] {
                    let src = slotOwner[streamSlot[k]]
                    guard src >= 0 else { continue }
                    if src == u { selfLoop[u] = true } else if !succ[src].contains(u) { succ[src].append(u) }
                }
            }
        }
        let comps = Self.stronglyConnectedComponents(succ)   // topological order
        var compOf = Array(repeating: 0, count: count)
        for (c, members) in comps.enumerated() { for u in members { compOf[u] = c } }
        var level = Array(repeating: 0, count: comps.count)
        for (c, members) in comps.enumerated() {
            for u in members { for v in succ[u] where compOf[v] != c { level[compOf[v]] = max(level[compOf[v]], level[c] + 1) } }
        }

        // Steps, level by level; grouped kinds with equal configurations share one call.
        let maxGroup = 64
        var byLevel = Array(repeating: [Int](), count: (level.max() ?? 0) + 1)
        for c in comps.indices { byLevel[level[c]].append(c) }
        for cs in byLevel {
            var groups: [[Int]] = []
            for c in cs {
                let members = comps[c]
                if members.count > 1 || selfLoop[members[0]] {
                    program.steps.append(.cycle(members))
                    continue
                }
                let u = members[0]
                guard let g = program.units[u].group else { program.steps.append(.single(u)); continue }
                if let k = groups.firstIndex(where: { grp in
                    grp.count < maxGroup && ObjectIdentifier(type(of: program.units[grp[0]].group!)) == ObjectIdentifier(type(of: g))
                        && program.units[grp[0]].kind.config == g.config
                }) {
                    groups[k].append(u)
                } else {
                    groups.append([u])
                }
            }
            for grp in groups { program.steps.append(grp.count == 1 ? .single(grp[0]) : .group(grp)) }
        }

        var scratchInputs = 1, pointerCount = 1, groupSize = 1
        for step in program.steps {
            let members: [Int]
            switch step {
            case .single(let u): members = [u]
            case .group(let us): members = us; groupSize = max(groupSize, us.count)
            case .cycle(let us): members = us
            }
            let ins = members.map { program.units[$0].rows.count }
            let outs = members.map { program.units[$0].slots.count }
            if case .group = step {
                scratchInputs = max(scratchInputs, ins.reduce(0, +))
                pointerCount = max(pointerCount, ins.reduce(0, +) + outs.reduce(0, +))
            } else {
                scratchInputs = max(scratchInputs, ins.max() ?? 0)
                pointerCount = max(pointerCount, (zip(ins, outs).map { $0 + $1 }.max() ?? 0))
            }
        }
        program.allocate(samplesPerTick: n, slots: signalCount, scratchInputs: scratchInputs,
                         pointerCount: pointerCount, groupSize: groupSize)
    }

    /// Tarjan's strongly connected components, returned in topological order (sources first).
    static func stronglyConnectedComponents(_ succ: [[Int]]) -> [[Int]] {
        let n = succ.count
        var index = Array(repeating: -1, count: n), low = Array(repeating: 0, count: n)
        var onStack = Array(repeating: false, count: n)
        var stack: [Int] = [], comps: [[Int]] = []
        var next = 0
        for root in 0..<n where index[root] < 0 {
            // Iterative DFS: (node, next successor position).
            var work: [(Int, Int)] = [(root, 0)]
            index[root] = next; low[root] = next; next += 1
            stack.append(root); onStack[root] = true
            while let (v, pos) = work.last {
                if pos < succ[v].count {
                    work[work.count - 1].1 += 1
                    let w = succ[v][pos]
                    if index[w] < 0 {
                        index[w] = next; low[w] = next; next += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                } else {
                    work.removeLast()
                    if let (parent, _) = work.last { low[parent] = min(low[parent], low[v]) }
                    if low[v] == index[v] {
                        var comp: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            comp.append(w)
                            if w == v { break }
                        }
                        comps.append(comp.sorted())
                    }
                }
            }
        }
        return comps.reversed()
    }

    // MARK: Running

    /// The signal stroke of one tick (`tick(frame:audio:)`): scalars of this tick are already
    /// computed, and `scalarPrev` still holds the previous tick's, which is what rows read.
    func signalStroke(_ base: KernelContext, audio: UnsafeMutablePointer<Float>?) {
        runSignals(base, ticks: 1, audio: audio, recorded: false)
        signals.keepLastTick(of: 1)
    }

    /// Runs `count` ticks of the scalar and signal strokes, writing `count × samplesPerTick`
    /// interleaved stereo frames into `audio` (when given). Fields are not computed: sound
    /// never depends on them (a field cannot feed a signal), so sound-only renders of an
    /// audiovisual patch skip the picture. Ticks run in batches (see `SignalProgram`), which
    /// is what makes small blocks cheap; the result is the same as `count` calls of `tick`.
    public func runAudio(ticks count: Int, audio: UnsafeMutablePointer<Float>?) {
        let program = signals
        let n = timing.samplesPerTick
        var done = 0
        while done < count {
            let k = min(program.batchTicks, count - done)
            let t0 = currentTick
            let dyn = program.dynamicRows
            if !program.scalarsStatic || !dyn.isEmpty {
                let t = timing
                for tau in 0..<k {
                    for (d, r) in dyn.enumerated() { program.dynamicValues[d * program.batchTicks + tau] = constantPart(r) }
                    if !program.scalarsStatic {
                        scalarStroke(KernelContext(tick: currentTick, secondsPerTick: t.secondsPerTick, width: t.width,
                                                   height: t.height, start: 0, sampleRate: Double(t.sampleRate), logicalCount: 1))
                        swap(&scalarPrev, &scalarNext)
                    }
                    currentTick += 1
                }
            } else {
                currentTick += k
            }
            let out = audio.map { $0 + done * n * 2 }
            if signalLanes > 0 {
                let t = timing
                let base = KernelContext(tick: t0, secondsPerTick: t.secondsPerTick, width: t.width, height: t.height,
                                         start: 0, sampleRate: Double(t.sampleRate), logicalCount: 1)
                runSignals(base, ticks: k, audio: out, recorded: true)
                program.keepLastTick(of: k)
            } else if let out {
                out.initialize(repeating: 0, count: k * n * 2)
            }
            done += k
        }
    }

    /// Runs every signal step over `ticks` ticks starting at `base.tick`. With `recorded`,
    /// rows that follow changing scalars read their per-tick values from `dynamicValues`
    /// (filled by `runAudio`); otherwise `ticks` is 1 and they read `scalarPrev`.
    private func runSignals(_ base: KernelContext, ticks k: Int, audio: UnsafeMutablePointer<Float>?, recorded: Bool) {
        let program = signals
        var ctx = base
        ctx.domain = .signal
        if program.audioUnit == nil, let audio { audio.initialize(repeating: 0, count: k * program.samplesPerTick * 2) }
        for step in program.steps {
            switch step {
            case .single(let u):
                runUnit(u, ctx: ctx, from: 0, ticks: k, audio: audio, recorded: recorded)
            case .cycle(let us):
                for tau in 0..<k {
                    for u in us { runUnit(u, ctx: ctx, from: tau, ticks: 1, audio: audio, recorded: recorded) }
                }
            case .group(let us):
                runGroup(us, ctx: ctx, ticks: k, recorded: recorded)
            }
        }
    }

    /// One unit over ticks `from..<from+ticks` of the batch.
    @inline(__always)
    private func runUnit(_ u: Int, ctx base: KernelContext, from tau0: Int, ticks tk: Int,
                         audio: UnsafeMutablePointer<Float>?, recorded: Bool) {
        let program = signals
        let unit = program.units[u]
        let n = program.samplesPerTick
        let lanes = (tk * n + 15) / 16 * 16
        let nin = unit.rows.count, nout = unit.slots.count
        let ptrs = program.pointers
        for p in 0..<nin {
            ptrs[p] = signalRow(unit.rows[p], signal: unit.signalInput[p], from: tau0, ticks: tk,
                                into: program.scratch + p * program.lanes, recorded: recorded)
        }
        for o in 0..<nout { ptrs[nin + o] = unit.slots[o] >= 0 ? program.slot(unit.slots[o]) + tau0 * n : program.scratch }
        var ctx = base
        ctx.tick = base.tick + tau0
        ctx.logicalCount = tk * n
        ctx.seed = unit.seed
        unit.kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                   outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                   count: lanes, context: ctx, state: unit.state))
        if u == program.audioUnit, let audio, nin > 0 {
            let left = ptrs[0], right = program.audioMono || nin < 2 ? ptrs[0] : ptrs[1]
            let dst = audio + tau0 * n * 2
            for j in 0..<(tk * n) { dst[2 * j] = left[j]; dst[2 * j + 1] = right[j] }
        }
    }

    /// Members of one grouped kind over the whole batch, in one call.
    private func runGroup(_ us: [Int], ctx base: KernelContext, ticks k: Int, recorded: Bool) {
        let program = signals
        let n = program.samplesPerTick
        let lanes = (k * n + 15) / 16 * 16
        var ptr = program.pointers
        var input = 0
        for (m, u) in us.enumerated() {
            let unit = program.units[u]
            let nin = unit.rows.count, nout = unit.slots.count
            for p in 0..<nin {
                ptr[p] = signalRow(unit.rows[p], signal: unit.signalInput[p], from: 0, ticks: k,
                                   into: program.scratch + input * program.lanes, recorded: recorded)
                input += 1
            }
            for o in 0..<nout { ptr[nin + o] = unit.slots[o] >= 0 ? program.slot(unit.slots[o]) : program.scratch }
            var ctx = base
            ctx.logicalCount = k * n
            ctx.seed = unit.seed
            program.ios[m] = KernelIO(inputs: UnsafeBufferPointer(start: ptr, count: nin),
                                      outputs: UnsafeBufferPointer(start: ptr + nin, count: nout),
                                      count: lanes, context: ctx, state: unit.state)
            ptr += nin + nout
        }
        program.units[us[0]].group!.forwardGroup(UnsafeBufferPointer(start: program.ios, count: us.count))
    }

    /// The down movement of signal row `r` over ticks `from..<from+ticks` of the batch: its
    /// constant part (scalars, ramped across each tick so edits never zipper) plus, for signal
    /// inputs, Σ w · source one tick earlier. Returns `dst`, or the source itself when the row is
    /// a single weight-1 connection.
    @inline(__always)
    private func signalRow(_ r: Int, signal: Bool, from tau0: Int, ticks tk: Int,
                           into dst: UnsafeMutablePointer<Float>, recorded: Bool) -> UnsafeMutablePointer<Float> {
        let program = signals
        let n = program.samplesPerTick
        let samples = tk * n
        let lanes = (samples + 15) / 16 * 16
        let s0 = streamStart[r], s1 = streamStart[r + 1]
        let d = program.dynamicOf[r]
        let offset = tau0 * n - n
        if signal && d < 0 && s1 - s0 == 1 && streamW[s0] == 1 && constStart[r] == constStart[r + 1] && rowDefault[r] == 0 {
            return program.slot(streamSlot[s0]) + offset
        }
        // Constant part.
        if d >= 0 {
            var last = rampFrom[r]
            for tau in tau0..<(tau0 + tk) {
                let c = recorded ? program.dynamicValues[d * program.batchTicks + tau] : constantPart(r)
                Self.ramp(dst + (tau - tau0) * n, n, from: last.isNaN ? c : last, to: c)
                last = c
            }
            rampFrom[r] = last
            if lanes > samples { (dst + samples).initialize(repeating: last, count: lanes - samples) }
        } else {
            let c = constantPart(r)
            let c0 = rampFrom[r].isNaN ? c : rampFrom[r]
            rampFrom[r] = c
            Lanes.fill(dst, lanes, c)
            if c0 != c { Self.ramp(dst, n, from: c0, to: c) }
        }
        guard signal, s1 > s0 else { return dst }
        // Stream part, four terms per pass.
        var k = s0
        while k < s1 {
            let m = min(4, s1 - k)
            let p0 = program.slot(streamSlot[k]) + offset, w0 = Lanes.V(repeating: streamW[k])
            var i = 0
            switch m {
            case 4:
                let p1 = program.slot(streamSlot[k + 1]) + offset, w1 = Lanes.V(repeating: streamW[k + 1])
                let p2 = program.slot(streamSlot[k + 2]) + offset, w2 = Lanes.V(repeating: streamW[k + 2])
                let p3 = program.slot(streamSlot[k + 3]) + offset, w3 = Lanes.V(repeating: streamW[k + 3])
                while i < lanes {
                    let a = Lanes.load(dst, i).addingProduct(w0, Lanes.load(p0, i)).addingProduct(w1, Lanes.load(p1, i))
                    Lanes.store(a.addingProduct(w2, Lanes.load(p2, i)).addingProduct(w3, Lanes.load(p3, i)), dst, i)
                    i += 16
                }
            case 3:
                let p1 = program.slot(streamSlot[k + 1]) + offset, w1 = Lanes.V(repeating: streamW[k + 1])
                let p2 = program.slot(streamSlot[k + 2]) + offset, w2 = Lanes.V(repeating: streamW[k + 2])
                while i < lanes {
                    let a = Lanes.load(dst, i).addingProduct(w0, Lanes.load(p0, i)).addingProduct(w1, Lanes.load(p1, i))
                    Lanes.store(a.addingProduct(w2, Lanes.load(p2, i)), dst, i)
                    i += 16
                }
            case 2:
                let p1 = program.slot(streamSlot[k + 1]) + offset, w1 = Lanes.V(repeating: streamW[k + 1])
                while i < lanes {
                    Lanes.store(Lanes.load(dst, i).addingProduct(w0, Lanes.load(p0, i)).addingProduct(w1, Lanes.load(p1, i)), dst, i)
                    i += 16
                }
            default:
                while i < lanes {
                    Lanes.store(Lanes.load(dst, i).addingProduct(w0, Lanes.load(p0, i)), dst, i)
                    i += 16
                }
            }
            k += m
        }
        return dst
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

    // MARK: Reading signals

    /// The latest tick's samples of a signal output (for tests, inspection and live `show`).
    public func signalOutput(neuron: Int, port: Int = 0) -> [Float] {
        guard neuron < outKind.count, port < outKind[neuron].count, outKind[neuron][port] == .signal else { return [] }
        return signals.lastTick(outSlot[neuron][port])
    }

    /// True when the patch's `audio.out` has nothing wired to `right`: the sound is mono and
    /// renderers may write one channel (`tick` still writes left into both).
    public var audioIsMono: Bool { signals.audioMono }
}
