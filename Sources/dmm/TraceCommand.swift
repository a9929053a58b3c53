import ArgumentParser
import DMMCore
import MediaIO
import PatchLanguage

/// `dmm trace`: a patch's named outputs, tick by tick — the way to see what a tree patch does
/// and how a distilled student behaves on new strings.
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a patch's named outputs at every tick (scalars as numbers, trees as objects).",
        discussion: """
        Runs the patch from tick 0 and prints, after each tick, one line with the outputs: \
        with --json one JSON object per line, {"tick": 0, "cmp.gt": 0, "acc": {"t": 1}}. \
        Outputs that can only be numbers (maxnorm, dot, compare, clone, scalar kinds, and id or \
        accum fed only by those) print as numbers; other tree outputs as objects with sorted \
        keys. --input gives every `text` \
        neuron another string. Example: dmm trace patches/duplicates-teacher.dmm --ticks 140 \
        --outputs dup,end --json
        """)

    @Argument(help: "The patch file (.dmm).")
    var patch: String

    @Option(help: "Ticks to run.")
    var ticks: Int

    @Option(help: "Text for every `text` neuron (replaces its input).")
    var input: String?

    @Option(help: "Outputs to print, comma-separated (NEURON or NEURON.PORT); default: all.")
    var outputs: String?

    @Flag(help: "One JSON object per tick.")
    var json = false

    func validate() throws {
        try checkOption { try TimingLimits.check(ticks, TimingLimits.frames, name: "--ticks") }
        if let input, input.count > TextInput.maxLength { throw ValidationError("--input must be at most \(TextInput.maxLength) characters") }
    }

    /// Writes to standard output; a closed pipe ends the trace with its reason.
    func emit(_ text: String) throws(NamedOutputs.Problem) {
        if let problem = Platform.writeAll(1, text) { throw NamedOutputs.Problem(description: "trace: standard output: \(problem)") }
    }

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            let loaded = try PatchLoader.load(path: patch)
            var net = loaded.network
            if let input { try TextInput.replaceInput(in: &net, with: input) }
            // Names resolve against the fully grown network (`clone` neurons name their twins
            // in advance), so a twin's output can be asked for; it prints null (JSON) or `-`
            // until its generation has grown.
            let grown = net.fullyGrown()
            let named = try NamedOutputs.resolve(outputs, in: grown)
            let grownDomains = try grown.domains()
            for (name, ref) in named {
                let k = NamedOutputs.kind(of: ref, in: grown, domains: grownDomains)
                if k == .field || k == .signal {
                    throw NamedOutputs.Problem(description: "--outputs: \(DiagnosticText.quoted(name)) is a \(k) output; trace prints scalar and tree outputs")
                }
            }
            let plan = try TickPlan(network: net)
            var refs: [PortRef?] = []
            var numbers = Set<PortRef>()
            var neuronCount = -1
            var text = ""
            for t in 0..<ticks {
                if SignalGuard.stopRequested { break }
                plan.tick()
                if plan.network.neurons.count != neuronCount {
                    // The network grew (or this is the first tick): find the outputs again.
                    neuronCount = plan.network.neurons.count
                    refs = named.map { n in plan.network.index(of: grown.neurons[n.ref.neuron].name).map { PortRef($0, n.ref.port) } }
                    numbers = NamedOutputs.numberValued(plan.network, plan: plan)
                }
                var parts: [String] = []
                for ((name, _), r) in zip(named, refs) {
                    let value: String
                    if let ref = r {
                        if plan.outputKind(neuron: ref.neuron, port: ref.port) == .scalar {
                            value = TraceJSON.number(Double(plan.scalarOutput(neuron: ref.neuron, port: ref.port)))
                        } else if numbers.contains(ref) {
                            value = TraceJSON.number(plan.treeOutput(neuron: ref.neuron, port: ref.port).number)
                        } else {
                            let v = plan.treeOutput(neuron: ref.neuron, port: ref.port)
                            value = json ? TraceJSON.tree(v) : v.description
                        }
                    } else {
                        value = json ? "null" : "-"
                    }
                    parts.append(json ? TraceJSON.string(name) + ": " + value : name + "=" + value)
                }
                text += json ? "{\"tick\": \(t)" + parts.map { ", " + $0 }.joined() + "}\n"
                             : "\(t)" + parts.map { "  " + $0 }.joined() + "\n"
                if text.utf8.count > 1 << 16 { try emit(text); text = "" }
            }
            try emit(text)
            if SignalGuard.stopRequested { throw ExitCode(SignalGuard.exitCode) }
        } catch let e as ValidationError {
            throw e
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
