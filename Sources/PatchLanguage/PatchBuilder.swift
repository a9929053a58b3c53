import DMMCore

/// Resolves a `PatchDocument` into a `Network`: kinds by name, rows into matrix entries,
/// headers into timing. Every failure points at the line and column that caused it.
public enum PatchBuilder {
    public static func build(_ doc: PatchDocument, registry: KindRegistry = .builtins) throws(PatchError) -> Network {
        var net = Network()
        var rowLine: [PortRef: (line: PatchLine, col: Int)] = [:]
        var declLine: [String: PatchLine] = [:]
        func fail(_ l: PatchLine, _ col: Int, _ msg: String) -> PatchError {
            PatchError(file: doc.file, line: l.number, column: col, message: msg, sourceLine: l.text)
        }
        func q(_ s: String) -> String { DiagnosticText.quoted(s) }
        var headerLine: [String: (line: PatchLine, col: Int)] = [:]

        // Pass 1: headers and declarations, so rows may name neurons declared further down.
        for l in doc.lines {
            switch l.statement {
            case .header(let key, let value, let col):
                do { try applyHeader(key, value, to: &net) } catch { throw fail(l, col, error.message) }
                headerLine[key] = (l, col)
            case .declaration(let d):
                if d.name == "one" { throw fail(l, d.nameColumn, "'one' is the built-in constant neuron; choose another name") }
                guard let kindType = registry[d.kind] else {
                    throw fail(l, d.kindColumn, "unknown neuron kind \(q(d.kind))\(NameSuggestion.hint(d.kind, among: registry.names))")
                }
                for (k, _) in d.config.entries where !kindType.configKeys.contains(k) {
                    let allowed = kindType.configKeys.isEmpty ? "it takes none" : "it takes " + kindType.configKeys.joined(separator: ", ")
                    throw fail(l, d.kindColumn, "\(q(d.kind)) has no option \(q(k))\(NameSuggestion.hint(k, among: kindType.configKeys)); \(allowed)")
                }
                let kind: any NeuronKind
                do { kind = try kindType.init(config: d.config) } catch {
                    // Point at the option's value (at the bad character of a string value).
                    var col = d.kindColumn
                    if let key = error.key, let c = d.configColumns[key] {
                        col = c
                        if let off = error.offset, d.config[key]?.string != nil { col = c + 1 + off }
                    }
                    throw fail(l, col, "\(d.kind): \(error.message)")
                }
                if declLine[d.name] != nil {
                    throw fail(l, d.nameColumn, "neuron \(q(d.name)) is declared twice (first on line \(declLine[d.name]!.number))")
                }
                _ = try? net.add(d.name, kind)
                declLine[d.name] = l
            default: break
            }
        }
        let names = net.neurons.map(\.name)
        net.timing.visual = net.hasDisplay
        do { try TimingLimits.check(net.timing, sounds: net.hasAudio) } catch {
            guard let at = error.keys.lazy.compactMap({ headerLine[$0] }).first else {
                throw PatchError(file: doc.file, line: 0, column: 0, message: error.message)
            }
            throw fail(at.line, at.col, error.message)
        }

        // Pass 2: rows.
        var assigned = Set<PortRef>()
        for l in doc.lines {
            guard case .row(let row) = l.statement else { continue }
            guard let n = net.index(of: row.neuron) else {
                throw fail(l, row.neuronColumn, "unknown neuron \(q(row.neuron))\(NameSuggestion.hint(row.neuron, among: names))")
            }
            let kind = net.neurons[n].kind
            guard let p = kind.inputs.firstIndex(where: { $0.name == row.input }) else {
                let ins = kind.inputs.map(\.name)
                let what = ins.isEmpty ? "it has no inputs" : "its inputs are " + ins.joined(separator: ", ")
                throw fail(l, row.inputColumn, "\(q(row.neuron)) (\(net.neurons[n].kindName)) has no input \(q(row.input))\(NameSuggestion.hint(row.input, among: ins)); \(what)")
            }
            let r = PortRef(n, p)
            if !row.adds {
                if assigned.contains(r) {
                    throw fail(l, row.neuronColumn, "\(q(row.neuron + "." + row.input)) is set twice (first on line \(rowLine[r]!.line.number)); use += to add terms")
                }
                assigned.insert(r)
                net.matrix.clearRow(r)
            }
            if rowLine[r] == nil { rowLine[r] = (l, row.neuronColumn) }
            for t in row.terms {
                guard let m = net.index(of: t.source) else {
                    throw fail(l, t.column, "unknown neuron \(q(t.source))\(NameSuggestion.hint(t.source, among: names))")
                }
                let outs = net.neurons[m].kind.outputs
                let o: Int
                if let name = t.output {
                    guard let k = outs.firstIndex(where: { $0.name == name }) else {
                        let list = outs.map(\.name).joined(separator: ", ")
                        throw fail(l, t.column, "\(q(t.source)) has no output \(q(name))\(NameSuggestion.hint(name, among: outs.map(\.name))); its outputs are \(list)")
                    }
                    o = k
                } else {
                    guard !outs.isEmpty else { throw fail(l, t.column, "\(q(t.source)) (\(net.neurons[m].kindName)) has no outputs to read") }
                    o = 0
                }
                let c = PortRef(m, o)
                let old = net.matrix.rows[r]?[c]
                let sum = Double(old?.weight ?? 0) + t.weight
                guard Float(sum).isFinite else {
                    throw fail(l, t.column, "the weights from \(q(t.sourceKey)) into \(q(row.neuron + "." + row.input)) add up to \(DiagnosticText.number(sum)), out of range: weights must be finite, at most ±3.4e38")
                }
                net.matrix.set(r, c, Float(sum), frozen: t.frozen || (old?.frozen ?? false))
            }
        }

        do { _ = try net.domains(); try net.checkGrowth() } catch {
            if let name = error.neuron, let n = net.index(of: name) {
                if let input = error.input, let p = net.neurons[n].kind.inputs.firstIndex(where: { $0.name == input }),
                   let at = rowLine[PortRef(n, p)] {
                    throw fail(at.line, at.col, error.message)
                }
                if let d = declLine[name] { throw fail(d, 1, error.message) }
            }
            throw PatchError(file: doc.file, line: 0, column: 0, message: error.message)
        }
        try PatchMedia.attach(&net, doc)   // image, video and sample read their files
        return net
    }

    /// One header into the network's timing, every value range-checked by `TimingLimits`
    /// (the same limits the command-line overrides obey).
    static func applyHeader(_ key: String, _ value: String, to net: inout Network) throws(TimingLimits.Problem) {
        let name = "'\(key)'"
        switch key {
        case "size":
            let (w, h) = try TimingLimits.size(value, name: name)
            net.timing.width = w; net.timing.height = h
        case "fps": net.timing.fps = try TimingLimits.positive(value, atMost: TimingLimits.maxFPS, name: name)
        case "frames": net.timing.frames = try TimingLimits.whole(value, TimingLimits.frames, name: name)
        case "seconds": net.timing.seconds = try TimingLimits.positive(value, atMost: TimingLimits.maxSeconds, name: name)
        case "seed":
            guard let v = UInt64(value) else {
                throw TimingLimits.Problem("'seed' must be a whole number from 0 to \(UInt64.max), not \(DiagnosticText.quoted(value))", keys: ["seed"])
            }
            net.seed = v
        case "rate": net.timing.sampleRate = try TimingLimits.whole(value, TimingLimits.sampleRate, name: name)
        case "block": net.timing.block = try TimingLimits.whole(value, TimingLimits.block, name: name)
        case "bpm": net.timing.bpm = try TimingLimits.number(value, TimingLimits.bpm, name: name)
        default: throw TimingLimits.Problem("unknown header \(DiagnosticText.quoted(key))", keys: [key])
        }
    }
}
