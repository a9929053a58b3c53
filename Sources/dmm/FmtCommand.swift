import ArgumentParser
import PatchLanguage
import MediaIO

/// `dmm fmt`: prints a patch in its clean canonical form, comments kept.
struct Fmt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a patch cleanly formatted (comments kept); --in-place rewrites the file.")

    @Argument(help: "The patch file (.dmm).")
    var patch: String

    @Flag(name: .shortAndLong, help: "Rewrite the file instead of printing.")
    var inPlace = false

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            let loaded = try PatchLoader.load(path: patch)   // builds too: fmt refuses a broken patch
            let text = PatchPrinter.format(loaded.document)
            if inPlace { try AtomicFile.write(Array(text.utf8), to: patch) } else { print(text, terminator: "") }
        } catch {
            throw fail(error)
        }
    }
}
