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
        Outputs that can only be numbers (maxnorm, dot, compare, scalar kinds, and id or \
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
            let named = try NamedOutputs.resolve(outputs, in: net)
            let plan = try TickPlan(network: net)
            for (name, ref) in named where plan.outputKind(neuron: ref.neuron, port: ref.port) == .field || plan.outputKind(neuron: ref.neuron, port: ref.port) == .signal {
                throw NamedOutputs.Problem(description: "--outputs: \(DiagnosticText.quoted(name)) is a \(plan.outputKind(neuron: ref.neuron, port: ref.port)) output; trace prints scalar and tree outputs")
            }
            let numbers = NamedOutputs.numberValued(net, plan: plan)
            var text = ""
            for t in 0..<ticks {
                if SignalGuard.stopRequested { break }
                plan.tick()
                var parts: [String] = []
                for (name, ref) in named {
                    let value: String
                    if plan.outputKind(neuron: ref.neuron, port: ref.port) == .scalar {
                        value = TraceJSON.number(Double(plan.scalarOutput(neuron: ref.neuron, port: ref.port)))
                    } else if numbers.contains(ref) {
                        value = TraceJSON.number(plan.treeOutput(neuron: ref.neuron, port: ref.port).number)
                    } else {
                        let v = plan.treeOutput(neuron: ref.neuron, port: ref.port)
                        value = json ? TraceJSON.tree(v) : v.description
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
