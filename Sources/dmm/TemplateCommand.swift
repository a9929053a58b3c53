import ArgumentParser
import DMMCore
import Fitting
import MediaIO
import PatchLanguage

/// `dmm template cppn`: an over-complete starting patch for `dmm fit`.
struct Template: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an over-complete starting patch for fitting (layers of sin neurons over x, y, t).",
        discussion: "Example: dmm template cppn --neurons 16 -o start.dmm; dmm fit start.dmm --target frames/ --restarts 4 --prune")

    @Argument(help: "Template kind: 'cppn', or 'dmm-synthesis' (the 2022 tree student, 1486 weights).")
    var kind: String = "cppn"

    @Option(help: "Sine neurons in all.")
    var neurons: Int = 16

    @Option(help: "Layers the neurons are split into.")
    var layers: Int = 2

    @Option(help: "Frame size WIDTHxHEIGHT.")
    var size: String = "64x64"

    @Option(help: "Frames per second.")
    var fps: Double = 30

    @Option(help: "Clip length in frames (sets the clock rate so t runs 0…2).")
    var frames: Int = 60

    @Option(help: "Seed of the initial weights.")
    var seed: UInt64 = 1

    @Option(name: .shortAndLong, help: "File to write (default: standard output).")
    var output: String?

    func validate() throws {
        guard kind == "cppn" || kind == "dmm-synthesis" else { throw ValidationError("unknown template \(DiagnosticText.quoted(kind)); available: cppn, dmm-synthesis") }
        guard (1...Self.maxNeurons).contains(neurons) else { throw ValidationError("--neurons must be a whole number from 1 to \(Self.maxNeurons), not '\(neurons)'") }
        guard layers >= 1, layers <= neurons else { throw ValidationError("need 1 ≤ --layers ≤ --neurons") }
        try checkOption { try TimingLimits.size(size, name: "--size") }
        try checkOption { try TimingLimits.check(fps, atMost: TimingLimits.maxFPS, name: "--fps") }
        try checkOption { try TimingLimits.check(frames, TimingLimits.frames, name: "--frames") }
        if let output { try OutputPath.check(output, option: "--output", extensions: ["dmm"], what: "it writes a patch:") }
    }

    /// The largest template: every earlier neuron feeds every later one, so the weights grow
    /// as neurons² (1024 neurons is about half a million).
    static let maxNeurons = 1024

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            if kind == "dmm-synthesis" {
                let net = try SynthesisTemplate.make(seed: seed)
                let text = PatchPrinter.print(network: net, comment: "dmm-synthesis template: the 2022 student, text + one + end symbol, 5 layers × 2 × {accum, maxnorm, dot, compare}, every earlier output to every later input, 0.01·N(0,1) (dmm template dmm-synthesis); fit with dmm fit --teacher patches/duplicates-teacher.dmm")
                if let output { try AtomicFile.write(Array(text.utf8), to: output) } else { print(text, terminator: "") }
                return
            }
            let p = try checkOption { try TimingLimits.size(size, name: "--size") }
            let net = try CPPNTemplate.make(neurons: neurons, layers: layers, width: p.width, height: p.height, fps: fps,
                                            frames: frames, seed: seed)
            let text = PatchPrinter.print(network: net, comment: "cppn template: \(neurons) sin neurons in \(layers) layers over x, y, t (dmm template cppn)")
            if let output { try AtomicFile.write(Array(text.utf8), to: output) } else { print(text, terminator: "") }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
