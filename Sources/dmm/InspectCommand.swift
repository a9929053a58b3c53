import ArgumentParser
import DMMCore
import PatchLanguage
import MediaIO

/// `dmm inspect`: what a patch compiles to — neurons, their stream kinds, the matrix.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a patch's neurons, stream kinds and matrix; --dot writes Graphviz.")

    @Argument(help: "The patch file (.dmm).")
    var patch: String

    @Option(help: "Write the network as a Graphviz graph to this file ('-' for stdout).")
    var dot: String?

    func validate() throws {
        if let dot, dot != "-" { try OutputPath.check(dot, option: "--dot", extensions: ["dot", "gv"], what: "it writes Graphviz:") }
    }

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            let loaded = try PatchLoader.load(path: patch)
            let net = loaded.network
            let plan = try TickPlan(network: net)
            if let dot {
                let text = GraphvizExport.dot(net, domains: plan.domains)
                if dot == "-" { print(text, terminator: "") } else { try AtomicFile.write(Array(text.utf8), to: dot) }
                return
            }
            let t = net.timing
            print("patch \(loaded.path): \(net.neurons.count - 1) neurons, \(net.matrix.count) weights")
            if net.hasDisplay { print("picture \(t.width)x\(t.height) at \(PatchPrinter.number(t.fps)) fps, \(t.frameCount()) frames") }
            if net.hasAudio || !net.hasDisplay { print("audio \(t.sampleRate) Hz, \(t.samplesPerTick) samples per tick") }
            print("warm-up ticks before frame 1: \(plan.warmUpTicks)")
            print("")
            print("neurons:")
            let width = net.neurons.map(\.name.count).max() ?? 4
            for (i, n) in net.neurons.enumerated() {
                let ins = n.kind.inputs.map(\.name).joined(separator: ", ")
                let outs = n.kind.outputs.map(\.name).joined(separator: ", ")
                let pad = String(repeating: " ", count: width - n.name.count)
                print("  \(n.name)\(pad)  \(n.kindName) [\(plan.domains[i].rawValue)]  in: \(ins.isEmpty ? "-" : ins)  out: \(outs.isEmpty ? "-" : outs)")
            }
            print("")
            print("matrix (row = input, column = output):")
            for r in net.matrix.rows.keys.sorted() {
                let terms = net.matrix.row(r).map { e in
                    Term(weight: Double(e.entry.weight), source: net.neurons[e.output.neuron].name,
                         output: e.output.port == 0 ? nil : net.neurons[e.output.neuron].kind.outputs[e.output.port].name,
                         frozen: e.entry.frozen)
                }
                print("  \(net.name(ofInput: r)) = \(PatchPrinter.termsText(terms))")
            }
        } catch {
            throw fail(error)
        }
    }
}

/// The network as a Graphviz digraph: one node per neuron (coloured by stream kind), one edge
/// per weight labelled `weight → input`.
enum GraphvizExport {
    static func dot(_ net: Network, domains: [StreamKind]) -> String {
        var s = "digraph dmm {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        let colour: [StreamKind: String] = [.scalar: "#f2d98d", .field: "#9cc9f0", .signal: "#a8e0a0", .tree: "#d7b8f0"]
        for (i, n) in net.neurons.enumerated() where i > 0 || net.matrix.entries.contains(where: { $0.output.neuron == 0 }) {
            s += "  \"\(n.name)\" [label=\"\(n.name)\\n\(n.kindName)\", style=\"rounded,filled\", fillcolor=\"\(colour[domains[i]]!)\"];\n"
        }
        for e in net.matrix.entries {
            let w = PatchPrinter.number(Double(e.entry.weight))
            let input = net.neurons[e.input.neuron].kind.inputs[e.input.port].name
            s += "  \"\(net.neurons[e.output.neuron].name)\" -> \"\(net.neurons[e.input.neuron].name)\" [label=\"\(w) → \(input)\"];\n"
        }
        return s + "}\n"
    }
}
