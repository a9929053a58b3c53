import ArgumentParser
import DMMCore
import Export
import MediaIO
import PatchLanguage

/// `dmm import PATCH --weights weights.json -o fitted.dmm`: weights fitted elsewhere (an
/// exported JAX module's `fit`) written into the patch, keeping its layout and comments as
/// `dmm fit` does.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write a patch with weights from a weights file (from an exported module's fit), keeping layout and comments.",
        discussion: "Names are \"row <- column\" (e.g. \"s1.a <- one\"), exactly the trainable weights of the patch; unknown, frozen or missing names are errors.")

    @Argument(help: "The patch the weights belong to (.dmm).")
    var patch: String

    @Option(help: "Weights file (JSON) written by NAME.py fit, or a {name: value} object.")
    var weights: String

    @Option(name: .shortAndLong, help: "Patch to write (.dmm).")
    var output: String

    /// A weights file past this is not one (a 1024-neuron template has about half a million
    /// weights, some 40 bytes each).
    static let maxBytes = 256 << 20

    func validate() throws {
        try OutputPath.check(output, option: "--output", extensions: ["dmm"], what: "it writes a patch:")
    }

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            let loaded = try PatchLoader.load(path: patch)
            let bytes = try WeightImport.read(weights, limit: Self.maxBytes)
            let values = try WeightImport.parse(bytes, file: weights)
            let net = try WeightImport.apply(values, to: loaded.network, file: weights)
            let doc = loaded.document.updatingWeights(from: net)
            try AtomicFile.write(Array(PatchPrinter.format(doc).utf8), to: output)
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
