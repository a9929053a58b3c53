import DMMCore
import PatchLanguage
import Rendering

/// The tick boundary: where queued edits become neuron edits and one ΔW fragment.
///
/// Every edit due at this tick is applied, in order, to a working copy of the network; glides
/// then take their step. The difference between the running matrix and the working copy is
/// the tick's ΔW, computed so that adding it in `Float` lands exactly on the working weights,
/// and is given to `TickPlan.apply(delta:)`, the same call `dmm render --replay` makes with the
/// logged fragment. An edit that fails (unknown name, a connection mixing a field with a
/// signal) is rejected alone; the rest of the tick goes ahead.
extension LiveSession {
    /// Runs on the tick thread with `stateLock` held, just before `plan.tick`.
    func boundary() -> BoundaryResult {
        var result = BoundaryResult()
        let tick = plan.currentTick
        let due = queue.withLock { $0.takeDue(tick) }
        if due.isEmpty && glides.isEmpty {
            result.hasDisplay = plan.network.hasDisplay
            result.hasAudio = plan.network.hasAudio
            return result
        }
        var net = plan.network
        var neuronEdits: [NeuronEdit] = []
        var structuralOpen = true
        var touched = Set<Pair>()
        var deferred: [EditQueue.Pending] = []
        var appliedPending: [EditQueue.Pending] = []

        for p in due {
            if p.edit.isStructural || (isUndoWithNeurons(p.edit)) {
                if !structuralOpen {
                    // A neuron edit after a weight edit of the same tick waits one tick, so a
                    // logged tick is always "neuron edits, then one ΔW" as replay applies it.
                    var q = p; q.due = tick + 1; deferred.append(q)
                    continue
                }
            }
            do throws(LiveError) {
                let record = try perform(p.edit, tick: tick, net: &net, neuronEdits: &neuronEdits,
                                         touched: &touched, structuralOpen: &structuralOpen)
                if let record { pushUndo(record) }
                appliedPending.append(p)
                result.events.append(.applied(tick: tick, summary: p.edit.summary, source: p.source))
            } catch {
                result.events.append(.rejected(summary: p.edit.summary, reason: error.message, source: p.source))
            }
        }

        // Glides take one step each (a glide started above takes its first step now).
        var kept: [Glide] = []
        for var g in glides {
            guard let rc = try? g.key.resolve(in: net) else { continue }
            let v = g.advance()
            setWeight(&net, rc.0, rc.1, v, touched: &touched)
            if !g.finished { kept.append(g) }
        }
        glides = kept

        // Neuron edits one by one, exactly as replay applies them; then the tick's ΔW.
        for e in neuronEdits {
            do { try plan.replaceNetwork(e.applied(to: plan.network)) } catch {
                result.events.append(.warning("internal: neuron edit '\(e)' failed at the boundary: \(error.message)"))
            }
        }
        let delta = exactDelta(from: plan.network, to: net, pairs: touched)
        if !delta.isZero {
            do { try plan.apply(delta: delta) } catch {
                result.events.append(.warning("internal: ΔW failed at the boundary: \(error.message)"))
            }
        }
        if !neuronEdits.isEmpty || !delta.isZero {
            recorder?.record(tick: tick, neuronEdits: neuronEdits, delta: delta)
        }
        for w in pendingWarnings { result.events.append(.warning(w)) }
        pendingWarnings = []
        if !deferred.isEmpty { queue.withLock { q in for d in deferred { q.pushBack(d) } } }
        editsApplied += appliedPending.count
        let now = LiveClock.now()
        result.stamps = appliedPending.map { AppliedStamp(tick: tick, arrival: $0.arrival, applied: now, source: $0.source) }
        result.hasDisplay = plan.network.hasDisplay
        result.hasAudio = plan.network.hasAudio
        return result
    }

    /// A (row, column) pair of the working network.
    struct Pair: Hashable { var r: PortRef; var c: PortRef }

    private func isUndoWithNeurons(_ e: LiveEdit) -> Bool {
        guard case .undo = e, let last = undoStack.last else { return false }
        return !last.neuronEdits.isEmpty
    }

    private func pushUndo(_ r: UndoRecord) {
        undoStack.append(r)
        if undoStack.count > options.undoDepth { undoStack.removeFirst(undoStack.count - options.undoDepth) }
    }

    // MARK: One edit

    /// Applies one edit to the working network; returns what would revert it.
    private func perform(_ edit: LiveEdit, tick: Int, net: inout Network, neuronEdits: inout [NeuronEdit],
                         touched: inout Set<Pair>, structuralOpen: inout Bool) throws(LiveError) -> UndoRecord? {
        switch edit {
        case .set(let key, let value, let over):
            structuralOpen = false
            let (r, c) = try key.resolve(in: net)
            let canonical = WeightKey.of(r, c, in: net)
            let old = net.matrix[r, c]
            let target = try LiveLimits.weight(value, canonical.description)
            let ticks = over.map { $0.ticks(secondsPerTick: secondsPerTick) } ?? smoothingTicks(c, in: net)
            var trial = net
            setWeight(&trial, r, c, target, touched: &touched)
            try checkDomains(trial, against: net)
            glides.removeAll { $0.key == canonical }
            if ticks <= 1 { net = trial } else { glides.append(Glide(key: canonical, from: old, to: target, ticks: ticks)) }
            return UndoRecord(label: edit.summary, weights: [(canonical, old)])

        case .row(let row, let terms, let adds):
            structuralOpen = false
            let (r, _) = try WeightKey(row: row, column: "one").resolve(in: net)
            var targets: [PortRef: Float] = [:]
            if adds { for (c, e) in net.matrix.rows[r] ?? [:] { targets[c] = e.weight } }
            else { for (c, _) in net.matrix.rows[r] ?? [:] { targets[c] = 0 } }
            var sums: [PortRef: Double] = [:]
            for t in terms {
                let (_, c) = try WeightKey(row: row, column: t.column).resolve(in: net)
                sums[c, default: adds ? Double(net.matrix[r, c]) : 0] += t.weight
            }
            for (c, v) in sums { targets[c] = try LiveLimits.weight(v, WeightKey.of(r, c, in: net).description) }
            return try setTargets(targets.map { (r, $0.key, $0.value) }, label: edit.summary, net: &net, touched: &touched)

        case .delta(let d):
            structuralOpen = false
            var changes: [(PortRef, PortRef, Float)] = []
            for (rowKey, cols) in d.children {
                for (colKey, w) in cols.children {
                    let (r, c) = try WeightKey(row: rowKey, column: colKey).resolve(in: net)
                    guard w.children.isEmpty else { throw LiveError("ΔW '\(rowKey)' → '\(colKey)' must be a number") }
                    let sum = Double(net.matrix[r, c]) + w.number
                    changes.append((r, c, try LiveLimits.weight(sum, WeightKey.of(r, c, in: net).description)))
                }
            }
            if d.number != 0 { throw LiveError("a ΔW has no scalar part: write {row:{column:dw}}") }
            return try setTargets(changes, label: edit.summary, net: &net, touched: &touched, smooth: false)

        case .declare(let name, let kindName, let config):
            let kind: any NeuronKind
            do { kind = try NeuronEdit.makeKind(kindName, config: config, registry: options.registry) }
            catch { throw LiveError(error.message + Suggest.hint(kindName, options.registry.names)) }
            var record = UndoRecord(label: edit.summary)
            if let i = net.index(of: name) {
                record.neuronEdits = [.declare(name: name, kind: net.neurons[i].kindName, config: net.neurons[i].kind.config)]
                record.weights = weights(touching: name, in: net)
            } else {
                record.neuronEdits = [.remove(name: name)]
            }
            try structural(.declare(name: name, kind: kind), net: &net, neuronEdits: &neuronEdits)
            neuronAdds += 1
            return record

        case .remove(let name):
            guard let i = net.index(of: name) else { throw LiveError("no neuron named '\(name)'\(Suggest.hint(name, net.neurons.map(\.name)))") }
            let record = UndoRecord(label: edit.summary,
                                    neuronEdits: [.declare(name: name, kind: net.neurons[i].kindName, config: net.neurons[i].kind.config)],
                                    weights: weights(touching: name, in: net))
            try structural(.remove(name: name), net: &net, neuronEdits: &neuronEdits)
            glides.removeAll { $0.key.row.hasPrefix(name + ".") || $0.key.column == name || $0.key.column.hasPrefix(name + ".") }
            return record

        case .undo:
            guard let last = undoStack.popLast() else { throw LiveError("nothing to undo") }
            do throws(LiveError) {
                for u in last.neuronEdits {
                    switch u {
                    case .remove(let name):
                        if net.index(of: name) != nil { try structural(.remove(name: name), net: &net, neuronEdits: &neuronEdits) }
                    case .declare(let name, let kindName, let config):
                        let kind: any NeuronKind
                        do { kind = try NeuronEdit.makeKind(kindName, config: config, registry: options.registry) }
                        catch { throw LiveError(error.message) }
                        try structural(.declare(name: name, kind: kind), net: &net, neuronEdits: &neuronEdits)
                    }
                }
                structuralOpen = false
                var targets: [(PortRef, PortRef, Float)] = []
                for (k, v) in last.weights {
                    guard let rc = try? k.resolve(in: net) else { continue }
                    targets.append((rc.0, rc.1, v))
                }
                _ = try setTargets(targets, label: "undo", net: &net, touched: &touched)
            } catch {
                undoStack.append(last)
                throw error
            }
            return nil

        case .clone(let names, let prefix, let scale):
            // Twins by name, so undo removes exactly them; the log gets the clone line itself
            // (`NeuronEdit.clone`), which replay applies through the same `Network.cloning`.
            let record = UndoRecord(label: edit.summary, neuronEdits: names.map { .remove(name: prefix + $0) })
            try structural(.clone(names: names, prefix: prefix, scale: Float(scale)), net: &net, neuronEdits: &neuronEdits)
            neuronAdds += names.count
            return record

        case .morph(let target, let doc, let over):
            return try morph(to: target, document: doc, over: over, tick: tick, net: &net,
                             neuronEdits: &neuronEdits, touched: &touched, structuralOpen: &structuralOpen)
        }
    }

    /// A neuron edit on the working network (checked there first: nothing half-applies).
    private func structural(_ e: NeuronEdit, net: inout Network, neuronEdits: inout [NeuronEdit]) throws(LiveError) {
        do { net = try e.applied(to: net) } catch { throw LiveError(error.message) }
        neuronEdits.append(e)
    }

    /// Sets several weights as one edit: instant, except signal sources in audio patches,
    /// which glide over the smoothing time. All-or-nothing: checked on a copy first.
    private func setTargets(_ targets: [(PortRef, PortRef, Float)], label: String, net: inout Network,
                            touched: inout Set<Pair>, smooth: Bool = true) throws(LiveError) -> UndoRecord {
        var instant = net, final = net
        var record = UndoRecord(label: label)
        var newGlides: [Glide] = []
        var scratch = Set<Pair>()
        for (r, c, v) in targets {
            let key = WeightKey.of(r, c, in: net)
            let old = net.matrix[r, c]
            record.weights.append((key, old))
            let ticks = smooth ? smoothingTicks(c, in: net) : 1
            setWeight(&final, r, c, v, touched: &scratch)
            if ticks <= 1 || old == v { setWeight(&instant, r, c, v, touched: &scratch) }
            else { newGlides.append(Glide(key: key, from: old, to: v, ticks: ticks)) }
        }
        try checkDomains(final, against: net)
        let keys = Set(record.weights.map(\.key))
        glides.removeAll { keys.contains($0.key) }
        for (r, c, _) in targets { touched.insert(Pair(r: r, c: c)) }
        net = instant
        glides += newGlides
        return record
    }

    /// Rejects a matrix whose new connections mix stream kinds (checked only when the
    /// non-zero pattern changed: weight changes alone cannot break domains).
    private func checkDomains(_ trial: Network, against net: Network) throws(LiveError) {
        guard !trial.matrix.sameStructure(as: net.matrix) else { return }
        do { _ = try trial.domains() } catch { throw LiveError(error.message) }
    }

    /// Sets one weight, keeping its frozen flag, and notes it for the tick's ΔW.
    func setWeight(_ net: inout Network, _ r: PortRef, _ c: PortRef, _ v: Float, touched: inout Set<Pair>) {
        let frozen = net.matrix.rows[r]?[c]?.frozen ?? false
        net.matrix.set(r, c, v, frozen: frozen)
        touched.insert(Pair(r: r, c: c))
    }

    /// Ticks an instant change of a weight from output `c` is spread over: more than one only
    /// for audio-signal sources (see `Options.smoothing`).
    private func smoothingTicks(_ c: PortRef, in net: Network) -> Int {
        guard options.smoothing > 0 else { return 1 }
        let spec = net.neurons[c.neuron].kind.outputs[c.port]
        let kind: StreamKind
        if case .fixed(let k) = spec.kind { kind = k } else {
            guard let d = try? net.domains() else { return 1 }
            kind = d[c.neuron]
        }
        guard kind == .signal else { return 1 }
        return LiveLimits.ticks(options.smoothing, secondsPerTick: secondsPerTick, rounding: .up)
    }

    /// Every weight whose row or column belongs to `name`, by name (for undo records).
    private func weights(touching name: String, in net: Network) -> [(key: WeightKey, value: Float)] {
        guard let i = net.index(of: name) else { return [] }
        return net.matrix.entries.filter { $0.input.neuron == i || $0.output.neuron == i }
            .map { (WeightKey.of($0.input, $0.output, in: net), $0.entry.weight) }
    }

    // MARK: ΔW

    /// The ΔW that takes `from` to `to` on the given pairs (same neuron list), each leaf
    /// chosen so that `Float` addition lands exactly on the target weight.
    func exactDelta(from: Network, to: Network, pairs: Set<Pair>) -> VValue {
        var d = VValue.zero
        for p in pairs.sorted(by: { ($0.r, $0.c) < ($1.r, $1.c) }) {
            let a = from.matrix[p.r, p.c], b = to.matrix[p.r, p.c]
            guard a != b else { continue }
            d[path: [to.name(ofInput: p.r), to.name(ofOutput: p.c)]] = VValue(Self.exactStep(from: a, to: b))
        }
        return d
    }

    /// A Double `d` with `a + Float(d) == b` in Float arithmetic (what `SparseMatrix.add` does),
    /// when one exists near `b − a`.
    static func exactStep(from a: Float, to b: Float) -> Double {
        let d = Double(b) - Double(a)
        let f = Float(d)
        for c in [f, f.nextUp, f.nextDown, f.nextUp.nextUp, f.nextDown.nextDown] where a + c == b { return Double(c) }
        return Double(f)
    }

    // MARK: Morph (--watch)

    private func morph(to target: Network, document doc: PatchDocument, over: LiveDuration, tick: Int, net: inout Network,
                       neuronEdits: inout [NeuronEdit], touched: inout Set<Pair>, structuralOpen: inout Bool) throws(LiveError) -> UndoRecord {
        var warnings: [String] = []
        if target.timing.width != timing.width || target.timing.height != timing.height || target.timing.fps != timing.fps
            || target.timing.sampleRate != timing.sampleRate || target.timing.block != timing.block {
            warnings.append("size, fps, rate and block changes need a restart; they were ignored")
        }
        var record = UndoRecord(label: "reload \(doc.file)")
        // Neurons: new ones and new kinds now; removed ones fade out, then go.
        for n in target.neurons.dropFirst() {
            if let i = net.index(of: n.name) {
                let old = net.neurons[i]
                if old.kindName != n.kindName || old.kind.config != n.kind.config {
                    record.neuronEdits.append(.declare(name: n.name, kind: old.kindName, config: old.kind.config))
                    record.weights += weights(touching: n.name, in: net)
                    try structural(.declare(name: n.name, kind: n.kind), net: &net, neuronEdits: &neuronEdits)
                }
            } else {
                record.neuronEdits.append(.remove(name: n.name))
                try structural(.declare(name: n.name, kind: n.kind), net: &net, neuronEdits: &neuronEdits)
            }
        }
        structuralOpen = false
        let gone = net.neurons.dropFirst().map(\.name).filter { target.index(of: $0) == nil }
        // Weights by name: everything the file says, and zero for what it no longer has.
        var wanted: [WeightKey: Float] = [:]
        for e in target.matrix.entries { wanted[WeightKey.of(e.input, e.output, in: target)] = e.entry.weight }
        for e in net.matrix.entries {
            let k = WeightKey.of(e.input, e.output, in: net)
            if wanted[k] == nil { wanted[k] = 0 }
        }
        var changes: [(PortRef, PortRef, Float)] = []
        for (k, v) in wanted {
            guard let rc = try? k.resolve(in: net) else { continue }
            if net.matrix[rc.0, rc.1] != v { changes.append((rc.0, rc.1, try LiveLimits.weight(Double(v), k.description))) }
        }
        changes.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var ticks = over.ticks(secondsPerTick: secondsPerTick)
        // A morph whose halfway matrix would mix stream kinds cannot glide: it jumps.
        var union = net
        var scratch = Set<Pair>()
        for (r, c, v) in changes where v != 0 { setWeight(&union, r, c, v, touched: &scratch) }
        if (try? union.domains()) == nil { ticks = 1 }
        for (r, c, v) in changes {
            let key = WeightKey.of(r, c, in: net)
            record.weights.append((key, net.matrix[r, c]))
            glides.removeAll { $0.key == key }
            if ticks <= 1 { setWeight(&net, r, c, v, touched: &touched) }
            else { glides.append(Glide(key: key, from: net.matrix[r, c], to: v, ticks: ticks)) }
        }
        do { _ = try net.domains() } catch { throw LiveError(error.message) }
        for name in gone {
            queue.withLock { $0.push(.remove(name: name), due: tick + ticks, source: .watch, arrival: LiveClock.now()) }
        }
        document = doc
        for w in warnings { pendingWarnings.append(w) }
        return record
    }
}
