extension TickPlan {
    /// Lays out slots and rows for the current network and allocates zeroed storage.
    func compile() throws(NetworkError) {
        let net = network
        let newDomains = try net.domains()
        // Refused before anything is released, so a failed recompile (a live edit) leaves the
        // running plan as it was.
        let need = Self.storageBytes(net, domains: newDomains)
        do {
            try MemoryBudget.check(need, for: "the patch (\(net.timing.width)×\(net.timing.height), \(net.neurons.count) neurons)",
                                   hint: "use a smaller size or fewer neurons")
        } catch { throw NetworkError(error.description) }
        domains = newDomains
        let n = net.neurons.count
        releaseStorageForRecompile()

        scalarCount = 0; fieldCount = 0; signalCount = 0; treeCount = 0
        outSlot = []; outKind = []; inKind = []
        scalarNeurons = []; fieldNeurons = []; spatialNeurons = []; signalNeurons = []; treeNeurons = []
        constantSources = []; displayNeuron = nil; audioNeuron = nil
        for i in 0..<n {
            let kind = net.neurons[i].kind
            var slots: [Int] = [], kinds: [StreamKind] = []
            for p in kind.outputs {
                let k: StreamKind
                if case .fixed(let f) = p.kind { k = f } else { k = domains[i] }
                kinds.append(k)
                switch k {
                case .scalar: slots.append(scalarCount); scalarCount += 1
                case .field: slots.append(fieldCount); fieldCount += 1
                case .signal: slots.append(signalCount); signalCount += 1
                case .tree: slots.append(treeCount); treeCount += 1
                }
            }
            outSlot.append(slots); outKind.append(kinds)
            inKind.append(kind.inputs.map { p in if case .fixed(let f) = p.kind { f } else { domains[i] } })
            if kind.traits.contains(.constantSource) { constantSources.insert(i) }
            if kind.traits.contains(.display), displayNeuron == nil { displayNeuron = i }
            if kind.traits.contains(.audioOut), audioNeuron == nil { audioNeuron = i }
            switch domains[i] {
            case .scalar: scalarNeurons.append(i)
            case .field: if kind.traits.contains(.spatial) { spatialNeurons.append(i) } else { fieldNeurons.append(i) }
            case .signal: signalNeurons.append(i)
            case .tree: treeNeurons.append(i)
            }
        }
        compileRows()
        scalarPortCount = scalarNeurons.reduce(1) { max($0, net.neurons[$1].kind.inputs.count + net.neurons[$1].kind.outputs.count) }

        let t = net.timing
        fieldLanes = fieldNeurons.isEmpty && spatialNeurons.isEmpty ? 0 : (t.pixels + 15) / 16 * 16
        signalLanes = signalNeurons.isEmpty ? 0 : (t.samplesPerTick + 15) / 16 * 16
        scalarPrev = Array(repeating: 0, count: scalarCount)
        scalarNext = scalarPrev
        treePrev = Array(repeating: .zero, count: treeCount)
        treeNext = treePrev
        let fieldFloats = max(16, fieldCount * fieldLanes)
        fieldPrev = .allocate(capacity: fieldFloats); fieldPrev.initialize(repeating: 0, count: fieldFloats)
        fieldNext = .allocate(capacity: fieldFloats); fieldNext.initialize(repeating: 0, count: fieldFloats)
        for i in spatialNeurons {
            spatialInputs[i] = net.neurons[i].kind.inputs.map { _ in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: max(16, fieldLanes))
                p.initialize(repeating: 0, count: max(16, fieldLanes)); return p
            }
        }
        for i in 0..<n where net.neurons[i].kind.stateBytes(sampleRate: t.sampleRate) > 0 {
            let b = net.neurons[i].kind.stateBytes(sampleRate: t.sampleRate)
            let p = UnsafeMutableRawPointer.allocate(byteCount: b, alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: 0, count: b)
            states[i] = p
        }
        computeConstantSources()
        compileSignals()
    }

    /// Bytes the storage laid out by `compile()` takes for `net` (saturating, from the network
    /// alone so it can be checked before anything is allocated): both field strokes, spatial
    /// neurons' full-frame inputs, every neuron's private state and the signal program's
    /// buffers (prev, next, rows and scratch: four blocks per signal output).
    package static func storageBytes(_ net: Network, domains: [StreamKind]) -> Int {
        typealias M = MemoryBudget
        var fields = 0, signals = 0, spatialPorts = 0, states = 0, anyField = false, anySignal = false
        for (i, neuron) in net.neurons.enumerated() {
            let kind = neuron.kind
            for p in kind.outputs {
                let k: StreamKind
                if case .fixed(let f) = p.kind { k = f } else { k = domains[i] }
                if k == .field { fields += 1 } else if k == .signal { signals += 1 }
            }
            if domains[i] == .field { anyField = true; if kind.traits.contains(.spatial) { spatialPorts += kind.inputs.count } }
            if domains[i] == .signal { anySignal = true }
            states = M.add(states, max(0, kind.stateBytes(sampleRate: net.timing.sampleRate)))
        }
        let t = net.timing
        let lanes = anyField ? max(16, M.add(t.pixels, 15)) : 16
        let signalLanes = anySignal ? max(16, M.add(t.samplesPerTick, 15)) : 16
        var bytes = M.multiply(M.multiply(2 * 4, max(1, fields)), lanes)
        bytes = M.add(bytes, M.multiply(M.multiply(4, spatialPorts), lanes))
        bytes = M.add(bytes, states)
        return M.add(bytes, M.multiply(M.multiply(4 * 4, signals), signalLanes))
    }

    /// ``storageBytes(_:domains:)`` of the compiled network.
    package func storageBytes() -> Int { Self.storageBytes(network, domains: domains) }

    private func releaseStorageForRecompile() {
        for (_, bufs) in spatialInputs { for b in bufs { b.deallocate() } }
        spatialInputs = [:]
        for (_, s) in states { s.deallocate() }
        states = [:]
        fieldPrev.deallocate(); fieldNext.deallocate()
    }

    /// Builds the term arrays from the matrix (plus implicit accumulator loops).
    func compileRows() {
        fieldProgramCache = nil
        let net = network
        rowOf = []; constStart = [0]; constW = []; constSlot = []
        streamStart = [0]; streamW = []; streamSlot = []; rowDefault = []; termOf = [:]; treeSlotsRead = []; fieldSlotsRead = []
        for i in 0..<net.neurons.count {
            let kind = net.neurons[i].kind
            var rows: [Int] = []
            for p in kind.inputs.indices {
                let r = PortRef(i, p)
                rows.append(rowDefault.count)
                var terms = net.matrix.row(r).map { ($0.output, $0.entry.weight, false) }
                // Port defaults are ordinary weights from `one` (Network.addPortDefaults), so an
                // empty row is zero here; the array stays for rows that need a fixed offset.
                rowDefault.append(0)
                if p == 0, kind.traits.contains(.accumulator), !kind.outputs.isEmpty {
                    terms.append((PortRef(i, 0), 1, true))
                }
                for (o, w, implicit) in terms {
                    let k = outKind[o.neuron][o.port]
                    let slot = outSlot[o.neuron][o.port]
                    if k == .scalar {
                        if !implicit { termOf[r, default: [:]][o] = (false, constW.count) }
                        constW.append(w); constSlot.append(slot)
                    } else if k == .field || k == .signal || k == .tree {
                        if k == .tree { treeSlotsRead.insert(slot) }
                        if k == .field { fieldSlotsRead.insert(slot) }
                        if !implicit { termOf[r, default: [:]][o] = (true, streamW.count) }
                        streamW.append(w); streamSlot.append(slot)
                    }
                }
                constStart.append(constW.count)
                streamStart.append(streamW.count)
            }
            rowOf.append(rows)
        }
    }

    /// Coordinates and other constant fields never change: fill both buffers once.
    func computeConstantSources() {
        for i in constantSources {
            switch domains[i] {
            case .field:
                let kind = network.neurons[i].kind
                let outs = outSlot[i].map { fieldNext + $0 * fieldLanes }
                let ctx = KernelContext(timing, tick: currentTick, logicalCount: timing.pixels)
                outs.withUnsafeBufferPointer { ob in
                    kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: nil, count: 0), outputs: ob, count: fieldLanes, context: ctx))
                }
                for s in outSlot[i] { (fieldPrev + s * fieldLanes).update(from: fieldNext + s * fieldLanes, count: fieldLanes) }
            case .scalar:
                let kind = network.neurons[i].kind
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * max(1, kind.outputs.count)) { buf in
                    let outs = (0..<kind.outputs.count).map { buf.baseAddress! + 16 * $0 }
                    outs.withUnsafeBufferPointer { ob in
                        kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: nil, count: 0), outputs: ob, count: 16, context: KernelContext()))
                    }
                    for (o, s) in outSlot[i].enumerated() { scalarPrev[s] = outs[o][0]; scalarNext[s] = outs[o][0] }
                }
            default: break
            }
        }
    }

    /// Takes a new matrix at a tick boundary: the DMM's `W(t+1) = W(t) + ΔW(t)`.
    ///
    /// When the non-zero pattern is unchanged, weights are updated in place (no allocation, no
    /// state lost); otherwise the plan recompiles and carries over every output's state.
    public func setMatrix(_ matrix: SparseMatrix) throws(NetworkError) {
        if matrix.sameStructure(as: network.matrix) {
            network.matrix = matrix
            for (r, cols) in matrix.rows {
                for (c, e) in cols {
                    guard let t = termOf[r]?[c] else { continue }
                    if t.stream { streamW[t.index] = e.weight } else { constW[t.index] = e.weight }
                }
            }
            fieldProgramCache = nil
            return
        }
        var n = network
        n.matrix = matrix
        // Growth: a new connection (or a cut one) that leaves every neuron's stream kind as it
        // was changes only rows, so only the term arrays are rebuilt; slots, buffers, outputs,
        // private state and signal history stay where they are (no recompile pause, no reset).
        if let d = try? n.domains(), d == domains {
            let oldSignals = signals
            network = n
            compileRows()
            if !signalNeurons.isEmpty {
                compileSignals()
                for s in 0..<signalCount { signals.copyHistory(slot: s, from: oldSignals, slot: s) }
            }
            return
        }
        try replaceNetwork(n)
    }

    /// Applies a ΔW fragment (a V-value `{"row": {"col": dw}}`) at the next tick boundary.
    public func apply(delta: VValue) throws(NetworkError) {
        var n = network
        try n.apply(delta: delta)
        try setMatrix(n.matrix)
    }

    /// Swaps in an edited network (new neurons, new kinds, new structure), keeping the outputs
    /// and private state of every neuron whose name and kind are unchanged.
    public func replaceNetwork(_ new: Network) throws(NetworkError) {
        _ = try new.domains()
        let old = network
        let oldScalars = scalarPrev, oldSignals = signals, oldTrees = treePrev
        let oldFieldLanes = fieldLanes
        let oldSlots = outSlot, oldKinds = outKind
        let oldFields = UnsafeMutablePointer<Float>.allocate(capacity: max(16, fieldCount * fieldLanes))
        oldFields.update(from: fieldPrev, count: max(16, fieldCount * fieldLanes))
        defer { oldFields.deallocate() }
        var oldStates: [String: [UInt8]] = [:]
        for (i, p) in states {
            let b = old.neurons[i].kind.stateBytes(sampleRate: old.timing.sampleRate)
            oldStates[old.neurons[i].name] = Array(UnsafeRawBufferPointer(start: p, count: b))
        }
        network = new
        // compile() refuses (memory) before it releases anything: the running plan stays.
        do { try compile() } catch { network = old; throw error }
        for (j, nn) in new.neurons.enumerated() {
            guard let i = old.index(of: nn.name), old.neurons[i].kindName == nn.kindName,
                  old.neurons[i].kind.outputs.count == nn.kind.outputs.count else { continue }
            for o in 0..<nn.kind.outputs.count where oldKinds[i][o] == outKind[j][o] {
                let s0 = oldSlots[i][o], s1 = outSlot[j][o]
                switch outKind[j][o] {
                case .scalar: scalarPrev[s1] = oldScalars[s0]
                case .field where oldFieldLanes == fieldLanes:
                    (fieldPrev + s1 * fieldLanes).update(from: oldFields + s0 * fieldLanes, count: fieldLanes)
                case .signal:
                    signals.copyHistory(slot: s1, from: oldSignals, slot: s0)
                case .tree: treePrev[s1] = oldTrees[s0]
                default: break
                }
            }
            if let bytes = oldStates[nn.name], let p = states[j], bytes.count == nn.kind.stateBytes(sampleRate: new.timing.sampleRate) {
                bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            }
        }
    }
}
