import ArgumentParser
import DMMCore
import Export
import MediaIO
import PatchLanguage

/// `dmm export PATCH --jax -o NAME.py`: the patch as a self-contained JAX module.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a patch as a self-contained Python module (JAX + NumPy) with the engine's tick semantics.",
        discussion: """
        The module has params(), frozen(), render(params, frames=None), loss(params, target) and a \
        command line: python NAME.py fit --target DIR --steps N --lr R -o weights.json (Adam as dmm fit, \
        pixels sharded over every JAX device). Bring the weights back with dmm import. Audio kinds and \
        self-modifying patches are refused, naming the neuron.
        """)

    @Argument(help: "The patch to export (.dmm).")
    var patch: String

    @Flag(help: "Export to JAX (the only format for now).")
    var jax = false

    @Option(name: .shortAndLong, help: "Python module to write (.py).")
    var output: String

    func validate() throws {
        guard jax else { throw ValidationError("choose a format: --jax") }
        try OutputPath.check(output, option: "--output", extensions: ["py"], what: "it writes a Python module:")
    }

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            let loaded = try PatchLoader.load(path: patch)
            let name = patch.split(separator: "/").last.map(String.init) ?? patch
            let text: String
            do { text = try JAXExporter.module(network: loaded.network, patchName: name) } catch {
                throw ExportError("\(location(of: error.neuron, in: loaded.document)): error: \(error.message)")
            }
            try AtomicFile.write(Array(text.utf8), to: output)
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }

    /// `file:line:col` of a neuron's declaration (its kind), or the file alone.
    func location(of neuron: String?, in doc: PatchDocument) -> String {
        for line in doc.lines {
            if case .declaration(let d) = line.statement, d.name == neuron, line.number > 0 { return "\(patch):\(line.number):\(d.kindColumn)" }
        }
        return patch
    }
}
