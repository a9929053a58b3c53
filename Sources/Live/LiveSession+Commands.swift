import DMMCore
import PatchLanguage
import Rendering
import MediaIO

/// What the session answers to one command line.
public enum LiveReply: Sendable, Equatable {
    /// An edit was queued; `due` is its tick (nil: the next tick).
    case queued(String, due: Int?)
    /// Text to show (show, matrix, status, help, save).
    case text(String)
    /// The command was refused; the patch runs on unchanged.
    case error(String)
    /// `step` finished; the next edit applies at this tick.
    case stepped(tick: Int)
    /// `quit`.
    case quit
    /// A blank line or a comment.
    case none
}

/// The command language on top of the session: parse, check against the running patch,
/// queue edits, answer queries.
extension LiveSession {
    /// Runs one command line (stdin, `/dmm/cmd`). Never throws: a bad line is a `.error` reply.
    public func submit(_ line: String, source: EditSource = .stdin, arrival: Double = LiveClock.now()) -> LiveReply {
        let cmd: LiveCommand
        do { cmd = try LiveCommandParser.parse(line) } catch { return .error(error.message) }
        return execute(cmd, source: source, arrival: arrival)
    }

    /// Runs a parsed command.
    public func execute(_ cmd: LiveCommand, source: EditSource = .stdin, arrival: Double = LiveClock.now()) -> LiveReply {
        switch cmd {
        case .nothing: return .none
        case .edit(let e, let at):
            if let problem = precheck(e) { return .error(problem) }
            if queue.withLock({ $0.items.count }) >= LiveSession.maxQueued {
                return .error("\(LiveSession.maxQueued) edits are already waiting for their ticks; '\(e.summary)' was dropped")
            }
            let due = enqueue(e, at: at, source: source, arrival: arrival)
            return .queued(e.summary, due: due)
        case .show(let n): return show(n)
        case .matrix: return .text(matrixText())
        case .status: return .text(statusText())
        case .save(let f): return save(to: f)
        case .step(let n):
            guard options.pacing == .step else { return .error("'step' needs --step mode; this session runs in real time") }
            step(n)
            return .stepped(tick: currentTick)
        case .help: return .text(LiveCommandParser.help)
        case .quit: return .quit
        }
    }

    /// Checks the names of an edit against the running network (plus the neurons that queued
    /// edits will add), so a typo is answered at once rather than at its tick.
    func precheck(_ e: LiveEdit) -> String? {
        var net = network
        for p in queue.withLock({ $0.items.map(\.edit) }) {
            switch p {
            case .declare(let name, let kind, let config):
                if let k = try? NeuronEdit.makeKind(kind, config: config, registry: options.registry),
                   let n = try? NeuronEdit.declare(name: name, kind: k).applied(to: net) { net = n }
            case .remove(let name):
                if let n = try? NeuronEdit.remove(name: name).applied(to: net) { net = n }
            case .clone(let names, let prefix, let scale):
                if let n = try? NeuronEdit.clone(names: names, prefix: prefix, scale: Float(scale)).applied(to: net) { net = n }
            default: break
            }
        }
        do throws(LiveError) {
            switch e {
            case .set(let k, let v, _):
                _ = try k.resolve(in: net)
                _ = try LiveLimits.checkValue(v, "value")
            case .row(let r, let terms, _):
                _ = try WeightKey(row: r, column: "one").resolve(in: net)
                for t in terms {
                    _ = try WeightKey(row: r, column: t.column).resolve(in: net)
                    _ = try LiveLimits.checkValue(t.weight, "weight of \(t.column)")
                }
            case .delta(let d):
                for (r, cols) in d.children {
                    for (c, w) in cols.children {
                        _ = try WeightKey(row: r, column: c).resolve(in: net)
                        _ = try LiveLimits.checkValue(w.number, "ΔW \(r) ← \(c)")
                    }
                }
            case .declare(_, let kind, let config):
                do { _ = try NeuronEdit.makeKind(kind, config: config, registry: options.registry) }
                catch { throw LiveError(error.message + Suggest.hint(kind, options.registry.names)) }
            case .remove(let name):
                if net.index(of: name) == nil { throw LiveError("no neuron named '\(name)'\(Suggest.hint(name, net.neurons.map(\.name)))") }
            case .clone(let names, let prefix, let scale):
                for n in names where net.index(of: n) == nil {
                    throw LiveError("clone: no neuron named '\(n)'\(Suggest.hint(n, net.neurons.map(\.name)))")
                }
                do { _ = try NeuronEdit.clone(names: names, prefix: prefix, scale: Float(scale)).applied(to: net) }
                catch { throw LiveError(error.message) }
            case .undo, .morph: break
            }
        } catch { return error.message }
        return nil
    }

    // MARK: Queries

    /// `show`: every neuron with its kind and stream kind; `show s1`: its rows, where its
    /// output goes, its current value (scalars) and any glide in progress.
    func show(_ name: String?) -> LiveReply {
        stateLock.locked {
            let net = plan.network
            let domains = (try? net.domains()) ?? Array(repeating: .scalar, count: net.neurons.count)
            guard let name else {
                var lines = ["tick \(plan.currentTick): \(net.neurons.count - 1) neurons, \(net.matrix.count) weights"]
                let width = net.neurons.map(\.name.count).max() ?? 1
                for (i, n) in net.neurons.enumerated() where i > 0 {
                    let pad = String(repeating: " ", count: width - n.name.count)
                    lines.append("  \(n.name)\(pad)  \(PatchPrinter.declarationText(Declaration(name: n.name, kind: n.kindName, config: n.kind.config))) [\(domains[i].rawValue)]")
                }
                return .text(lines.joined(separator: "\n"))
            }
            guard let i = net.index(of: name) else {
                return .error("no neuron named '\(name)'\(Suggest.hint(name, net.neurons.map(\.name)))")
            }
            let n = net.neurons[i]
            var lines = ["\(name): \(PatchPrinter.declarationText(Declaration(name: name, kind: n.kindName, config: n.kind.config))) [\(domains[i].rawValue)]"]
            for p in 0..<n.kind.inputs.count {
                let r = PortRef(i, p)
                let spec = n.kind.inputs[p]
                let text = net.matrix.rows[r] == nil ? "(nothing wired: \(VNumber.text(Double(spec.defaultValue))))" : rowText(r, in: net)
                lines.append("  \(name).\(spec.name) = \(text)")
            }
            var feeds: [String] = []
            for e in net.matrix.entries where e.output.neuron == i {
                feeds.append("\(net.name(ofInput: e.input)) (\(PatchPrinter.number(Double(e.entry.weight))))")
            }
            if !feeds.isEmpty { lines.append("  feeds " + feeds.joined(separator: ", ")) }
            if i < plan.outKind.count {
                for (o, k) in plan.outKind[i].enumerated() where k == .scalar && plan.outSlot[i][o] < plan.scalarPrev.count {
                    let label = o == 0 ? name : "\(name).\(n.kind.outputs[o].name)"
                    lines.append("  \(label) is \(VNumber.text(Double(plan.scalarPrev[plan.outSlot[i][o]])))")
                }
            }
            for g in glides where g.key.row.hasPrefix(name + ".") {
                lines.append("  gliding \(g.key.row) ← \(g.key.column) to \(PatchPrinter.number(Double(g.target))), \(g.total - g.done) ticks left")
            }
            return .text(lines.joined(separator: "\n"))
        }
    }

    /// `matrix`: every row in patch syntax.
    func matrixText() -> String {
        stateLock.locked {
            let net = plan.network
            var lines = ["tick \(plan.currentTick): \(net.matrix.count) weights"]
            for r in net.matrix.rows.keys.sorted() { lines.append("  \(net.name(ofInput: r)) = \(rowText(r, in: net))") }
            return lines.joined(separator: "\n")
        }
    }

    /// `status`: where the session is.
    func statusText() -> String {
        let queued = queue.withLock { $0.items.count }
        return stateLock.locked {
            let tick = plan.currentTick
            let seconds = Double(max(0, tick)) * secondsPerTick
            return "tick \(tick) (frame \(tick + 1), \(VNumber.text((seconds * 100).rounded() / 100)) s) · \(plan.network.neurons.count - 1) neurons, "
                + "\(plan.network.matrix.count) weights · \(editsApplied) edits applied, \(queued) queued, \(glides.count) gliding, \(undoStack.count) undoable"
        }
    }

    /// A row's terms in patch syntax.
    func rowText(_ r: PortRef, in net: Network) -> String {
        let terms = net.matrix.row(r).map { e in
            Term(weight: Double(e.entry.weight), source: net.neurons[e.output.neuron].name,
                 output: e.output.port == 0 ? nil : net.neurons[e.output.neuron].kind.outputs[e.output.port].name,
                 frozen: e.entry.frozen)
        }
        return PatchPrinter.termsText(terms)
    }

    /// `save [file]`: the patch as written, with the running weights and neurons
    /// (`PatchDocument.updatingWeights(from:)`, comments and layout kept), written atomically.
    func save(to file: String?) -> LiveReply {
        let target = file ?? path
        let text: String = stateLock.locked {
            PatchPrinter.format(LiveDocument.synced(document, with: plan.network))
        }
        do { try AtomicFile.write(Array(text.utf8), to: target) } catch { return .error(error.message) }
        return .text("saved \(target)")
    }
}
