import DMMCore

/// `dmm export --jax`: a patch as one self-contained Python module (JAX and NumPy only).
///
/// The module is generated from the lowered program, not from the patch text: the network is
/// compiled into a `TickPlan` exactly as `dmm render` and `dmm fit` compile it, and the module
/// is written from the plan's rows (constant terms first, then stream terms, in the plan's
/// order), its slots (one Python name per output column), its constant sources and its
/// warm-up. Each neuron's up movement comes from its kind's entry in `JAXKinds.table`.
/// The module's `tick` is one two-stroke tick: every input is W × the previous tick's outputs,
/// then every neuron maps its inputs to its outputs; `render` and `loss` scan it over ticks
/// −warm-up…frames−1, frame f being tick f, as the renderer and the fitter do. Data a kind
/// needs (the pixels of `image` and `video`) is embedded after all the code, so the module
/// reads no file and the code stays readable.
public enum JAXExporter {
    /// The module's text.
    ///
    /// - Parameters:
    ///   - network: the built patch.
    ///   - patchName: the patch file's name, for the module's docstring.
    /// - Throws: `ExportError` naming the neuron when a kind has no JAX expression (audio,
    ///   `self`, `edit`, kinds newer than the table) or when the patch draws nothing.
    public static func module(network net: Network, patchName: String) throws(ExportError) -> String {
        let plan: TickPlan
        do { plan = try TickPlan(network: net, startTick: 0) } catch { throw ExportError(error.description) }
        guard let display = plan.displayNeuron else {
            throw ExportError("the patch draws nothing (no rgb or hsv neuron): only pictures export to JAX")
        }
        guard plan.outKind[display].count >= 3, plan.outKind[display].prefix(3).allSatisfy({ $0 == .field }) else {
            throw ExportError("neuron '\(net.neurons[display].name)': the picture must be three fields to export", neuron: net.neurons[display].name)
        }
        var kinds: [JAXKind] = []
        for (i, neuron) in net.neurons.enumerated() {
            let label = "neuron '\(neuron.name)' (\(neuron.kindName))"
            switch plan.domains[i] {
            case .signal:
                throw ExportError("\(label) runs in the audio domain: audio kinds cannot be exported to JAX yet", neuron: neuron.name)
            case .tree:
                throw ExportError("\(label) edits or reads the matrix while the patch runs: self-modifying patches cannot be exported to JAX", neuron: neuron.name)
            default: break
            }
            guard let k = JAXKinds.table[neuron.kindName] else {
                throw ExportError("\(label) cannot be exported to JAX: the kind has no JAX expression (audio kinds and kinds newer than the exporter are not covered yet)", neuron: neuron.name)
            }
            let isConstant = plan.constantSources.contains(i)
            switch k.form {
            case .constant: guard isConstant else { throw ExportError("\(label): JAX table says constant, the plan does not", neuron: neuron.name) }
            case .perTick: guard !isConstant, neuron.kind.inputs.isEmpty else { throw ExportError("\(label): a per-tick kind must have no inputs", neuron: neuron.name) }
            case .map: guard !isConstant else { throw ExportError("\(label): a constant source needs a constant JAX expression", neuron: neuron.name) }
            }
            for (o, kind) in plan.outKind[i].enumerated() where kind != plan.outKind[i][0] || (kind != .scalar && kind != .field) {
                throw ExportError("\(label): output '\(neuron.kind.outputs[o].name)' is a \(kind) stream; only scalars and fields export", neuron: neuron.name)
            }
            kinds.append(k)
        }
        return Writer(net: net, plan: plan, kinds: kinds, display: display, patchName: patchName).text()
    }

    /// Builds the text from the compiled plan.
    struct Writer {
        let net: Network
        let plan: TickPlan
        let kinds: [JAXKind]
        let display: Int
        let patchName: String

        /// Column name of every output, and of every scalar and field slot.
        func column(_ i: Int, _ o: Int) -> String { net.name(ofOutput: PortRef(i, o)) }

        func text() -> String {
            var scalarName = [String](repeating: "", count: plan.scalarCount)
            var fieldName = [String](repeating: "", count: plan.fieldCount)
            for i in net.neurons.indices {
                for (o, k) in plan.outKind[i].enumerated() {
                    if k == .scalar { scalarName[plan.outSlot[i][o]] = column(i, o) }
                    if k == .field { fieldName[plan.outSlot[i][o]] = column(i, o) }
                }
            }
            // Term → weight name (implicit accumulator loops have none: weight 1, frozen).
            var constName = [String?](repeating: nil, count: plan.constW.count)
            var streamName = [String?](repeating: nil, count: plan.streamW.count)
            for (input, outs) in plan.termOf {
                for (output, t) in outs {
                    let name = WeightName.of(input: input, output: output, in: net)
                    if t.stream { streamName[t.index] = name } else { constName[t.index] = name }
                }
            }
            // What each neuron's expression sees besides its inputs: its kind, its seed, its data.
            let neurons = net.neurons.indices.map { i in
                JAXKind.Neuron(kind: net.neurons[i].kind, seed: plan.seed(for: i), data: "_DATA[\(quoted(net.neurons[i].name))]")
            }
            let trainable = WeightName.trainable(net, domains: plan.domains)
            let trainableSet = Set(trainable.map { WeightName.of(input: $0.input, output: $0.output, in: net) })

            var out = header()
            // Weights.
            out += "# The weights, keyed \"row <- column\" (a neuron's input <- an output). _TRAINABLE are what\n"
            out += "# `dmm fit` trains (params()); _FROZEN the rest (frozen() : `!` weights and port defaults kept fixed).\n"
            out += "_TRAINABLE = {\n"
            for e in trainable {
                out += "    \(quoted(WeightName.of(input: e.input, output: e.output, in: net))): \(net.matrix[e.input, e.output]),\n"
            }
            out += "}\n_FROZEN = {\n"
            for e in net.matrix.entries {
                let name = WeightName.of(input: e.input, output: e.output, in: net)
                if !trainableSet.contains(name) { out += "    \(quoted(name)): \(e.entry.weight),\n" }
            }
            out += "}\n\n"

            // Constant sources and per-tick sources.
            let constants = net.neurons.indices.filter { plan.constantSources.contains($0) }
            out += "def _constant_outputs(lanes):\n"
            out += "    \"\"\"Outputs that never change (one, coordinates), float32; fields have `lanes` lanes (0 past the picture).\"\"\"\n"
            out += "    X, Y = _coordinates(lanes)\n    return {\n"
            for i in constants {
                guard case .constant(let f) = kinds[i].form else { continue }
                for (o, e) in f(neurons[i]).enumerated() {
                    let shaped = plan.outKind[i][o] == .field ? "np.broadcast_to(np.float32(\(e)), (lanes,))" : "np.float32(\(e))"
                    out += "        \(quoted(column(i, o))): \(shaped),  # \(net.neurons[i].kindName)\n"
                }
            }
            out += "    }\n\n"
            out += "def _per_tick(frames):\n"
            out += "    \"\"\"Outputs that depend only on the tick (clocks) for ticks -WARM_UP ... frames-1, float32.\"\"\"\n"
            out += "    TICKS = np.arange(-WARM_UP, frames, dtype=np.float64)\n"
            out += "    return {\n        \"tick\": TICKS.astype(np.float32),\n"
            for i in net.neurons.indices {
                guard case .perTick(let f) = kinds[i].form else { continue }
                for (o, e) in f(neurons[i]).enumerated() {
                    out += "        \(quoted(column(i, o))): (\(e)).astype(np.float32),  # \(net.neurons[i].kindName)\n"
                }
            }
            out += "    }\n\n"

            // Initial state: every other output starts at 0.
            out += "def _initial_state(lanes):\n"
            out += "    \"\"\"Every output that changes, before tick -WARM_UP: zero (as the engine starts).\"\"\"\n    return {\n"
            for i in net.neurons.indices where !plan.constantSources.contains(i) {
                for (o, k) in plan.outKind[i].enumerated() {
                    out += "        \(quoted(column(i, o))): " + (k == .field ? "jnp.zeros(lanes, jnp.float32)" : "jnp.float32(0)") + ",\n"
                }
            }
            out += "    }\n\n"

            // The tick.
            out += """
            def tick(w, y, now, lanes):
                \"\"\"One two-stroke tick of the patch.

                w: every weight by name ({**frozen(), **params}); y: every output of the previous tick by
                column name (constant outputs included); now: this tick's per-tick outputs (clocks);
                lanes: pixels per field. Down movement: each input is the sum of weight x previous
                output over its row (scalar terms first, then fields, in the engine's order); up
                movement: each neuron maps its inputs to its outputs. Returns this tick's outputs.
                \"\"\"
                n = {}

            """
            let order = plan.scalarNeurons + plan.fieldNeurons + plan.spatialNeurons
            for i in order where !plan.constantSources.contains(i) {
                let neuron = net.neurons[i]
                let kind = neuron.kind
                let field = plan.domains[i] == .field
                out += "    # \(neuron.name): \(neuron.kindName) (\(field ? (plan.spatialNeurons.contains(i) ? "spatial field" : "field") : "scalar"))\n"
                let outs = kind.outputs.indices.map { "n[\(quoted(column(i, $0)))]" }
                let wrap: (String) -> String = { e in
                    let v = field ? "_field(\(e), lanes)" : "_scalar(\(e))"
                    return kind.traits.contains(.notDifferentiable) ? "jax.lax.stop_gradient(\(v))" : v
                }
                switch kinds[i].form {
                case .perTick:
                    for o in outs.indices { out += "    \(outs[o]) = \(wrap("now[\(quoted(column(i, o)))]"))\n" }
                case .map(let f):
                    var args: [String] = []
                    for (p, spec) in kind.inputs.enumerated() {
                        let v = "in_" + identifier(spec.name)
                        out += "    \(v) = \(row(plan.rowOf[i][p], scalarName, fieldName, constName, streamName))\n"
                        args.append(v)
                    }
                    let exprs = f(neurons[i], args)
                    if exprs.count == outs.count {
                        for o in outs.indices { out += "    \(outs[o]) = \(wrap(exprs[o]))\n" }
                    } else {
                        let tmp = outs.indices.map { "out_\($0)" }
                        out += "    \(tmp.joined(separator: ", ")) = \(exprs[0])\n"
                        for o in outs.indices { out += "    \(outs[o]) = \(wrap(tmp[o]))\n" }
                    }
                case .constant: break
                }
            }
            out += "    return n\n\n"
            var helpers = Set<String>()
            for i in order {
                for h in kinds[i].helpers where helpers.insert(h).inserted { out += h + "\n\n" }
            }
            out += JAXRuntime.text
            out += data()
            out += JAXRuntime.main
            return out
        }

        /// The data neurons carry (media pixels), after all the code: `_DATA[name]`, decoded
        /// when the module is imported.
        func data() -> String {
            var out = ""
            for (i, neuron) in net.neurons.enumerated() {
                guard let make = kinds[i].data, let d = make(neuron.kind, net.timing) else { continue }
                if out.isEmpty {
                    out = "\n\n# ---- Embedded data: what the neurons read instead of files (decoded at import) ----------------\n\n_DATA = {}\n"
                }
                out += "# \(neuron.name): \(neuron.kindName), \(d.dtype) \(d.shape.map(String.init).joined(separator: "x"))\n"
                out += "_DATA[\(quoted(neuron.name))] = \(d.python)\n"
            }
            return out
        }

        /// One row's down movement as a Python sum.
        func row(_ r: Int, _ scalarName: [String], _ fieldName: [String], _ constName: [String?], _ streamName: [String?]) -> String {
            var parts: [String] = []
            if plan.rowDefault[r] != 0 { parts.append("np.float32(\(plan.rowDefault[r]))") }
            for k in plan.constStart[r]..<plan.constStart[r + 1] {
                let src = scalarName[plan.constSlot[k]]
                if let w = constName[k] {
                    // A weight from `one` times one: the weight itself, exactly.
                    parts.append(src == "one" ? "w[\(quoted(w))]" : "w[\(quoted(w))] * y[\(quoted(src))]")
                } else {
                    parts.append("y[\(quoted(src))]")   // implicit accumulator loop, weight 1
                }
            }
            for k in plan.streamStart[r]..<plan.streamStart[r + 1] {
                let src = fieldName[plan.streamSlot[k]]
                if let w = streamName[k] { parts.append("w[\(quoted(w))] * y[\(quoted(src))]") } else { parts.append("y[\(quoted(src))]") }
            }
            return parts.isEmpty ? "np.float32(0)" : parts.joined(separator: " + ")
        }

        func header() -> String {
            let t = net.timing
            var s = "# Generated by `dmm export --jax` from \(patchName) (DMMSynth). Re-export rather than edit:\n"
            s += "# the module is written from the patch's compiled program (docs/CONTRACTS.md, \"The one program\").\n"
            s += "\"\"\"\(patchName.replacingBackslashesAndQuotes()) as a JAX module: the patch's own tick semantics, differentiable.\n\n"
            s += JAXRuntime.apiDoc
            s += "\"\"\"\n"
            s += "import argparse, base64, json, math, os, re, struct, sys, time, zlib\n\nimport numpy as np\nimport jax\nimport jax.numpy as jnp\n\n"
            s += "PATCH = \(quoted(patchName))\n"
            s += "WIDTH = \(t.width)\nHEIGHT = \(t.height)\nFPS = \(t.fps)\nFRAMES = \(t.frameCount())  # render()'s default, as dmm render\n"
            s += "WARM_UP = \(plan.warmUpTicks)  # ticks before frame 0 (the longest chain into the picture)\n"
            s += "SECONDS_PER_TICK = \(t.secondsPerTick)  # 1 / fps\n"
            let names = (0..<3).map { quoted(column(display, $0)) }
            s += "DISPLAY = (\(names.joined(separator: ", ")))  # the picture: r, g, b in -1..1 (\(net.neurons[display].kindName) '\(net.neurons[display].name)')\n\n"
            return s
        }
    }

    /// A Python string literal.
    static func quoted(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\\": r += "\\\\"
            case "\"": r += "\\\""
            case "\n": r += "\\n"
            default:
                if u.value < 0x20 || u.value == 0x7F { r += "\\x" + String(u.value, radix: 16).leftPadded(2) } else { r.unicodeScalars.append(u) }
            }
        }
        return r + "\""
    }

    /// A port name as a Python identifier.
    static func identifier(_ s: String) -> String {
        String(s.unicodeScalars.map { u -> Character in
            (u.properties.isAlphabetic && u.isASCII) || (u.value >= 48 && u.value <= 57) || u == "_" ? Character(u) : "_"
        })
    }
}

private func quoted(_ s: String) -> String { JAXExporter.quoted(s) }
private func identifier(_ s: String) -> String { JAXExporter.identifier(s) }

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
    fileprivate func replacingBackslashesAndQuotes() -> String {
        var r = ""
        for c in self { if c == "\\" || c == "\"" { r.append("_") } else if c == "\n" { r.append(" ") } else { r.append(c) } }
        return r
    }
}
