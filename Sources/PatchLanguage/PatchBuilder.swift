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

        // Pass 1: headers and declarations, so rows may name neurons declared further down.
        for l in doc.lines {
            switch l.statement {
            case .header(let key, let value, let col):
                try applyHeader(key, value, to: &net) { fail(l, col, $0) }
            case .declaration(let d):
                if d.name == "one" { throw fail(l, d.nameColumn, "'one' is the built-in constant neuron; choose another name") }
                guard let kindType = registry[d.kind] else {
                    throw fail(l, d.kindColumn, "unknown neuron kind '\(d.kind)'\(NameSuggestion.hint(d.kind, among: registry.names))")
                }
                for (k, _) in d.config.entries where !kindType.configKeys.contains(k) {
                    let allowed = kindType.configKeys.isEmpty ? "it takes none" : "it takes " + kindType.configKeys.joined(separator: ", ")
                    throw fail(l, d.kindColumn, "'\(d.kind)' has no option '\(k)'\(NameSuggestion.hint(k, among: kindType.configKeys)); \(allowed)")
                }
                let kind: any NeuronKind
                do { kind = try kindType.init(config: d.config) } catch { throw fail(l, d.kindColumn, "\(d.kind): \(error.message)") }
                if declLine[d.name] != nil {
                    throw fail(l, d.nameColumn, "neuron '\(d.name)' is declared twice (first on line \(declLine[d.name]!.number))")
                }
                _ = try? net.add(d.name, kind)
                declLine[d.name] = l
            default: break
            }
        }
        let names = net.neurons.map(\.name)

        // Pass 2: rows.
        var assigned = Set<PortRef>()
        for l in doc.lines {
            guard case .row(let row) = l.statement else { continue }
            guard let n = net.index(of: row.neuron) else {
                throw fail(l, row.neuronColumn, "unknown neuron '\(row.neuron)'\(NameSuggestion.hint(row.neuron, among: names))")
            }
            let kind = net.neurons[n].kind
            guard let p = kind.inputs.firstIndex(where: { $0.name == row.input }) else {
                let ins = kind.inputs.map(\.name)
                let what = ins.isEmpty ? "it has no inputs" : "its inputs are " + ins.joined(separator: ", ")
                throw fail(l, row.inputColumn, "'\(row.neuron)' (\(net.neurons[n].kindName)) has no input '\(row.input)'\(NameSuggestion.hint(row.input, among: ins)); \(what)")
            }
            let r = PortRef(n, p)
            if !row.adds {
                if assigned.contains(r) {
                    throw fail(l, row.neuronColumn, "'\(row.neuron).\(row.input)' is set twice (first on line \(rowLine[r]!.line.number)); use += to add terms")
                }
                assigned.insert(r)
                net.matrix.clearRow(r)
            }
            if rowLine[r] == nil { rowLine[r] = (l, row.neuronColumn) }
            for t in row.terms {
                guard let m = net.index(of: t.source) else {
                    throw fail(l, t.column, "unknown neuron '\(t.source)'\(NameSuggestion.hint(t.source, among: names))")
                }
                let outs = net.neurons[m].kind.outputs
                let o: Int
                if let name = t.output {
                    guard let k = outs.firstIndex(where: { $0.name == name }) else {
                        let list = outs.map(\.name).joined(separator: ", ")
                        throw fail(l, t.column, "'\(t.source)' has no output '\(name)'\(NameSuggestion.hint(name, among: outs.map(\.name))); its outputs are \(list)")
                    }
                    o = k
                } else {
                    guard !outs.isEmpty else { throw fail(l, t.column, "'\(t.source)' (\(net.neurons[m].kindName)) has no outputs to read") }
                    o = 0
                }
                let c = PortRef(m, o)
                let old = net.matrix.rows[r]?[c]
                net.matrix.set(r, c, Float((Double(old?.weight ?? 0)) + t.weight), frozen: t.frozen || (old?.frozen ?? false))
            }
        }

        net.timing.visual = net.hasDisplay
        do { _ = try net.domains() } catch {
            if let name = error.neuron, let n = net.index(of: name) {
                if let input = error.input, let p = net.neurons[n].kind.inputs.firstIndex(where: { $0.name == input }),
                   let at = rowLine[PortRef(n, p)] {
                    throw fail(at.line, at.col, error.message)
                }
                if let d = declLine[name] { throw fail(d, 1, error.message) }
            }
            throw PatchError(file: doc.file, line: 0, column: 0, message: error.message)
        }
        return net
    }

    static func applyHeader(_ key: String, _ value: String, to net: inout Network,
                            _ fail: (String) -> PatchError) throws(PatchError) {
        func int(_ lo: Int, _ hi: Int) throws(PatchError) -> Int {
            guard let v = Int(value), v >= lo, v <= hi else { throw fail("'\(key)' must be a whole number from \(lo) to \(hi), not '\(value)'") }
            return v
        }
        func real(_ lo: Double, _ hi: Double) throws(PatchError) -> Double {
            guard let v = Double(value), v.isFinite, v > lo, v <= hi else { throw fail("'\(key)' must be a number above \(lo) and at most \(hi), not '\(value)'") }
            return v
        }
        switch key {
        case "size":
            let parts = value.lowercased().split(separator: "x").map { Int($0) }
            guard parts.count == 2, let w = parts[0], let h = parts[1], (1...16384).contains(w), (1...16384).contains(h) else {
                throw fail("'size' must be WIDTHxHEIGHT with each side from 1 to 16384, not '\(value)'")
            }
            net.timing.width = w; net.timing.height = h
        case "fps": net.timing.fps = try real(0, 1000)
        case "frames": net.timing.frames = try int(1, 10_000_000)
        case "seconds": net.timing.seconds = try real(0, 86_400)
        case "seed":
            guard let v = UInt64(value) else { throw fail("'seed' must be a whole number ≥ 0, not '\(value)'") }
            net.seed = v
        case "rate": net.timing.sampleRate = try int(1000, 768_000)
        case "block": net.timing.block = try int(1, 65_536)
        default: throw fail("unknown header '\(key)'")
        }
    }
}
