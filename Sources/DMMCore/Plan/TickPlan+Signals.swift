extension TickPlan {
    // MARK: Compiling the signal side

    /// Builds `signals`: units, the schedule (components of the signal graph in topological
    /// order, grouped kinds together) and preallocated storage. See `SignalProgram`.
    func compileSignals() {
        let program = SignalProgram()
        defer { signals = program }
        guard !signalNeurons.isEmpty else { return }
        let net = network
        var layout = SignalProgram.Layout()
        layout.samplesPerTick = max(1, timing.samplesPerTick)
        layout.slots = signalCount

        // Units.
        var slotOwner = Array(repeating: -1, count: signalCount)
        var unitRows: [[Int]] = [], unitSignal: [[Bool]] = []
        for i in signalNeurons {
            let kind = net.neurons[i].kind
            let u = program.kinds.count
            program.kinds.append(kind)
            program.groupKinds.append(kind as? any GroupedKind)
            // Signal outputs by slot; a scalar output (a signal-domain kind that reports one
            // value per tick, like `follow`) as −2 − its scalar slot; anything else −1.
            let slots = outSlot[i].enumerated().map { o, s in
                outKind[i][o] == .signal ? s : outKind[i][o] == .scalar ? -2 - s : -1
            }
            for s in slots where s >= 0 { slotOwner[s] = u }
            let scalarOuts = slots.filter { $0 <= -2 }.count
            if scalarOuts > 0 {
                program.hasScalarOutputs = true
                layout.scalarOutputs = max(layout.scalarOutputs, scalarOuts)
            }
            let signal = inKind[i].map { $0 == .signal }
            layout.unitInfo += [rowOf[i].count, slots.count, layout.rows.count, layout.slotList.count]
            layout.rows += zip(rowOf[i], signal).map { $0 * 2 + ($1 ? 1 : 0) }
            layout.slotList += slots
            layout.states.append(states[i])
            layout.seeds.append(seed(for: i))
            unitRows.append(rowOf[i]); unitSignal.append(signal)
            if i == audioNeuron { program.audioUnit = u }
        }
        let count = program.kinds.count
        layout.constStart = constStart; layout.constSlot = constSlot
        layout.streamStart = streamStart; layout.streamSlot = streamSlot
        layout.rowDefault = rowDefault

        // Scalar slots that change from tick to tick, and the signal rows that read them.
        var liveScalar = Array(repeating: false, count: scalarCount)
        for i in scalarNeurons + signalNeurons where !constantSources.contains(i) {
            for (o, s) in outSlot[i].enumerated() where outKind[i][o] == .scalar {
                liveScalar[s] = true
                program.scalarsStatic = false
            }
            if domains[i] == .scalar { program.scalarsStatic = false }
        }
        layout.dynamicOf = Array(repeating: -1, count: rowDefault.count)
        for rowsOfUnit in unitRows {
            for r in rowsOfUnit where (constStart[r]..<constStart[r + 1]).contains(where: { liveScalar[constSlot[$0]] }) {
                layout.dynamicOf[r] = program.dynamicRows.count
                program.dynamicRows.append(r)
            }
        }
        // The changing scalar neurons, flattened for `runAudio`'s scalar stroke.
        for i in scalarNeurons {
            if constantSources.contains(i) {
                for (o, s) in outSlot[i].enumerated() where outKind[i][o] == .scalar { layout.constantScalarSlots.append(s) }
                continue
            }
            let kind = net.neurons[i].kind
            let slots = outSlot[i].enumerated().map { outKind[i][$0.offset] == .scalar ? $0.element : -1 }
            layout.scalarUnitInfo += [rowOf[i].count, slots.count, layout.scalarRows.count, layout.scalarSlots.count]
            layout.scalarRows += rowOf[i]
            layout.scalarSlots += slots
            layout.scalarStates.append(states[i])
            layout.scalarSeeds.append(seed(for: i))
            layout.scalarKinds.append(kind)
        }
        layout.constIndex = Array(repeating: -1, count: rowDefault.count)
        for u in 0..<unitRows.count {
            for (p, r) in unitRows[u].enumerated() where layout.dynamicOf[r] < 0
                && (!unitSignal[u][p] || streamStart[r] == streamStart[r + 1]) {
                layout.constIndex[r] = layout.constBuffers
                layout.constBuffers += 1
            }
        }
        if program.audioUnit >= 0 {
            let rows = unitRows[program.audioUnit]
            if rows.count > 1 {
                let r = rows[1]
                program.audioMono = constStart[r] == constStart[r + 1] && streamStart[r] == streamStart[r + 1] && rowDefault[r] == 0
            } else {
                program.audioMono = true
            }
        }

        // The graph of signal connections, its strongly connected components and levels.
        var succ = Array(repeating: [Int](), count: count)
        var selfLoop = Array(repeating: false, count: count)
        for u in 0..<count {
            for (p, r) in unitRows[u].enumerated() where unitSignal[u][p] {
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
        func add(_ code: Int, _ members: [Int]) {
            layout.steps += [code, members.count] + members
            let ins = members.map { unitRows[$0].count }
            let outs = members.map { layout.unitInfo[4 * $0 + 1] }
            if code == SignalProgram.group {
                layout.groupSize = max(layout.groupSize, members.count)
                layout.scratchInputs = max(layout.scratchInputs, ins.reduce(0, +))
                layout.pointerCount = max(layout.pointerCount, ins.reduce(0, +) + outs.reduce(0, +))
            } else {
                layout.scratchInputs = max(layout.scratchInputs, ins.max() ?? 0)
                layout.pointerCount = max(layout.pointerCount, zip(ins, outs).map { $0 + $1 }.max() ?? 0)
            }
        }
        for cs in byLevel {
            var groups: [[Int]] = []
            for c in cs {
                let members = comps[c]
                if members.count > 1 || selfLoop[members[0]] { add(SignalProgram.cycle, members); continue }
                let u = members[0]
                guard let g = program.groupKinds[u] else { add(SignalProgram.single, [u]); continue }
                if let k = groups.firstIndex(where: { grp in
                    grp.count < maxGroup && ObjectIdentifier(type(of: program.groupKinds[grp[0]]!)) == ObjectIdentifier(type(of: g))
                        && program.kinds[grp[0]].config == g.config
                }) {
                    groups[k].append(u)
                } else {
                    groups.append([u])
                }
            }
            for grp in groups { add(grp.count == 1 ? SignalProgram.single : SignalProgram.group, grp) }
        }
        program.build(layout)
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
    /// A patch with tree neurons (Self) ticks one tick at a time, the picture included.
    public func runAudio(ticks count: Int, audio: UnsafeMutablePointer<Float>?) {
        let n = timing.samplesPerTick
        guard treeNeurons.isEmpty else {
            // Self and other tree neurons may rewrite the matrix at any tick boundary: tick one
            // by one (pictures included, since a tree may read them).
            for k in 0..<count { tick(frame: nil, audio: audio.map { $0 + k * n * 2 }) }
            return
        }
        let program = signals
        let t = timing
        var done = 0
        while done < count {
            // Scalars that signals report (`follow`) are read by the next tick's scalar stroke:
            // such a patch runs its batches one tick long.
            let k = min(program.hasScalarOutputs ? 1 : program.batchTicks, count - done)
            let t0 = currentTick
            let dyn = program.dynamicRows
            if !program.scalarsStatic || !dyn.isEmpty {
                runScalars(ticks: k)
            } else {
                currentTick += k
            }
            let out = audio.map { $0 + done * n * 2 }
            if signalLanes > 0 {
                let base = KernelContext(t, tick: t0)
                runSignals(base, ticks: k, audio: out, recorded: true)
                program.keepLastTick(of: k)
            } else if let out {
                out.initialize(repeating: 0, count: k * n * 2)
            }
            done += k
        }
    }

    /// The scalar strokes of `k` ticks, recording each tick's constant part of every dynamic
    /// signal row: the same as `scalarStroke` tick by tick, through the program's flat tables
    /// (at `block 1` this runs 48,000 times a second, and the general stroke's dictionary and
    /// array work per neuron would cost more than the sound).
    private func runScalars(ticks k: Int) {
        let program = signals
        let t = timing
        let dyn = program.dynamicRows
        let constW = self.constW
        var base = KernelContext(t, tick: currentTick)
        var swaps = 0
        let guardian = nonFinite.policy == nil ? nil : nonFinite
        let unitNeuron = guardian == nil ? [] : scalarNeurons.filter { !constantSources.contains($0) }
        constW.withUnsafeBufferPointer { cw in
            scalarPrev.withUnsafeMutableBufferPointer { pb in
                scalarNext.withUnsafeMutableBufferPointer { nb in
                    var prev = pb.baseAddress, next = nb.baseAddress
                    let info = program.scalarUnitInfo, rows = program.scalarRows, slots = program.scalarSlots
                    let scratch = program.scalarScratch, ptrs = program.scalarPointers
                    let cs = program.constStart, cslot = program.constSlot, def = program.rowDefault
                    let dynValues = program.dynamicValues, batch = program.batchTicks, units = program.scalarUnitCount
                    let seeds = program.scalarSeeds, states = program.scalarStates, kernels = program.scalarKernels
                    let keep = program.constantScalarSlots, kept = program.constantScalarCount
                    let moving = !program.scalarsStatic
                    @inline(__always) func constant(_ r: Int) -> Float {
                        var c = def[r]
                        for j in cs[r]..<cs[r + 1] { c += cw[j] * prev![cslot[j]] }
                        return c
                    }
                    for tau in 0..<k {
                        for (d, r) in dyn.enumerated() { dynValues[d * batch + tau] = constant(r) }
                        if moving {
                            for u in 0..<units {
                                let nin = info[4 * u], nout = info[4 * u + 1], rb = rows + info[4 * u + 2], sb = slots + info[4 * u + 3]
                                for p in 0..<nin { ptrs[p] = scratch + 16 * p; Lanes.fill(ptrs[p], 16, constant(rb[p])) }
                                for o in 0..<nout { ptrs[nin + o] = scratch + 16 * (nin + o) }
                                var ctx = base
                                ctx.seed = seeds[u]
                                let io = KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                                  outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                                  count: 16, context: ctx, state: states[u])
                                kernels[u]._withUnsafeGuaranteedRef { $0.forward(io) }
                                for o in 0..<nout where sb[o] >= 0 {
                                    next![sb[o]] = ptrs[nin + o][0]
                                    guardian?.scan(next! + sb[o], neuron: unitNeuron[u], tick: base.tick)
                                }
                            }
                            for c in 0..<kept { next![keep[c]] = prev![keep[c]] }
                            swap(&prev, &next)
                            swaps += 1
                        }
                        base.tick += 1
                    }
                }
            }
        }
        if swaps & 1 == 1 { swap(&scalarPrev, &scalarNext) }
        currentTick += k
    }

    /// Runs every signal step over `ticks` ticks starting at `base.tick`. With `recorded`,
    /// rows that follow changing scalars read their per-tick values from `dynamicValues`
    /// (filled by `runAudio`); otherwise `ticks` is 1 and they read `scalarPrev`.
    private func runSignals(_ base: KernelContext, ticks k: Int, audio: UnsafeMutablePointer<Float>?, recorded: Bool) {
        let program = signals
        if program.audioUnit < 0, let audio { audio.initialize(repeating: 0, count: k * program.samplesPerTick * 2) }
        let constW = self.constW, streamW = self.streamW
        // Scalar outputs of signal kinds are this tick's values: in `tick` they go with the
        // scalar stroke's results into `scalarNext`; in `runAudio` the scalar stroke has
        // already swapped, so this tick's scalars are in `scalarPrev`.
        constW.withUnsafeBufferPointer { cw in
            streamW.withUnsafeBufferPointer { sw in
                scalarPrev.withUnsafeMutableBufferPointer { sc in
                    scalarNext.withUnsafeMutableBufferPointer { nx in
                        var ctx = base
                        ctx.domain = .signal
                        SignalRunner(program: program, constW: cw.baseAddress, streamW: sw.baseAddress,
                                     scalars: UnsafePointer(sc.baseAddress), scalarOut: recorded ? sc.baseAddress : nx.baseAddress,
                                     ticks: k, audio: audio, recorded: recorded, context: ctx,
                                     guardian: nonFinite.policy == nil ? nil : nonFinite, unitNeuron: signalNeurons).run()
                    }
                }
            }
        }
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
