import ArgumentParser
import Dispatch
import DMMCore
import MediaIO
import PatchLanguage
import Rendering
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `dmm synth`: the sound of a patch to WAV, FLAC or Ogg.
struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the sound of a patch (its audio.out) to WAV, FLAC or Ogg.",
        discussion: """
            Length: --seconds, else the patch's `seconds` (or frames ÷ fps), else 10 s. A patch with \
            nothing wired to audio.out.right is written as mono. Audiovisual patches render their \
            sound only (the picture is skipped: sound never depends on it).
            """)

    @Argument(help: "The patch file (.dmm).")
    var patch: String

    @Option(name: .shortAndLong, help: "Output file (default <patch name>.wav, or .flac/.ogg by --format).")
    var output: String?

    @Option(help: "Seconds of sound, overriding the patch.")
    var seconds: Double?

    @Option(help: "Sample rate in Hz, overriding the patch's `rate`.")
    var rate: Int?

    @Option(help: "Samples per tick in audio-only patches (1 … 65536), overriding the patch's `block`.")
    var block: Int?

    @Option(help: "wav16, wav24, float, flac or ogg (default: from the output's extension, else wav16).")
    var format: String?

    @Option(help: "Seed for random neurons, overriding the patch.")
    var seed: UInt64?

    @Option(help: "Also write a spectrogram of the sound to this PNG.")
    var spectrogram: String?

    @Option(name: .customLong("on-nan"), help: "When a neuron outputs NaN or ±inf: stop (default), clip (NaN → 0, ±inf → ±1) or zero, and go on.")
    var onNan: String?

    @Flag(name: .shortAndLong, help: "No progress output (warnings are still shown).")
    var quiet = false

    @Flag(help: "Print render statistics as one JSON line on stdout.")
    var stats = false

    func validate() throws {
        if let seconds { try checkOption { try TimingLimits.check(seconds, atMost: TimingLimits.maxSeconds, name: "--seconds") } }
        if let rate { try checkOption { try TimingLimits.check(rate, TimingLimits.sampleRate, name: "--rate") } }
        if let block { try checkOption { try TimingLimits.check(block, TimingLimits.block, name: "--block") } }
        if let format, AudioFormat(rawValue: format) == nil {
            throw ValidationError("--format must be one of \(AudioFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let output {
            try OutputPath.check(output, option: "--output", extensions: AudioFormat.extensions.map(\.name), what: "dmm synth writes")
            if let format, let chosen = AudioFormat(rawValue: format), let implied = AudioFormat(inferringFrom: output),
               chosen.fileExtension != implied.fileExtension {
                throw ValidationError("--format \(format) writes .\(chosen.fileExtension) files, not '\(output)'")
            }
        }
        if let spectrogram { try OutputPath.check(spectrogram, option: "--spectrogram", extensions: ["png"], what: "it writes") }
        if let onNan { try NonFiniteOption.check(onNan) }
    }

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            let loaded = try PatchLoader.load(path: patch)
            var net = loaded.network
            if let rate { net.timing.sampleRate = rate }
            if let block { net.timing.block = block }
            if let seed { net.seed = seed }
            if let seconds { net.timing.seconds = seconds }
            try checkOption { try TimingLimits.check(net.timing, sounds: true) }
            let length = net.timing.lengthSeconds(default: 10)
            let fmt = format.flatMap(AudioFormat.init(rawValue:)) ?? output.flatMap(AudioFormat.init(inferringFrom:)) ?? .wav16
            let path = output ?? "\(loaded.name).\(fmt.fileExtension)"
            // Refuse a FIFO, device or directory before the render, not after it (lost work).
            _ = try AtomicFile.destination(for: path)
            if let spectrogram { _ = try AtomicFile.destination(for: spectrogram) }
            let total = AudioRenderer.sampleCount(seconds: length, rate: net.timing.sampleRate) ?? 0
            let progress = ProgressReporter(total: total, label: "synth \(loaded.name)", unit: "samples", quiet: quiet)
            let result = try AudioRenderer.render(network: net, seconds: length, to: path, format: fmt, spectrogram: spectrogram,
                                                  progress: { done, _ in progress.update(completed: done) },
                                                  onNonFinite: NonFiniteOption.policy(onNan, default: .stop))
            let peakDB = result.peak > 0 ? 20 * log10(Double(result.peak)) : -200
            var note = "wrote \(path) (\(result.channels == 1 ? "mono" : "stereo"), \(result.sampleRate) Hz, peak \(Self.fixed(peakDB, 1)) dBFS"
            if result.clippedSamples > 0 && fmt.isInteger { note += ", \(result.clippedSamples) samples clipped" }
            note += ")"
            progress.finish(message: note)
            NonFiniteOption.warn(result.nonFinite, replaced: result.nonFiniteReplaced, option: onNan, network: result.finalNetwork ?? net)
            if let g = result.growthError { FileHandleStderr.write("warning: \(g.message); the patch ran on without that growth\n") }
            if result.clippedSamples > 0 && fmt.isInteger {
                let at = result.firstClipSeconds.map { ", first at \(Self.fixed($0, 2)) s" } ?? ""
                FileHandleStderr.write("warning: \(result.clippedSamples) samples beyond full scale were clipped\(at) (peak \(Self.fixed(peakDB, 1)) dBFS); lower the level or use --format float\n")
            }
            if stats {
                print("{\"frames\": \(result.frames), \"channels\": \(result.channels), \"rate\": \(result.sampleRate), "
                    + "\"rms\": \(result.rms), \"peak\": \(result.peak), \"clipped\": \(result.clippedSamples), "
                    + "\"ticks\": \(result.ticks), \"compute_s\": \(result.computeSeconds), \"total_s\": \(result.totalSeconds)}")
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (x * p).rounded() / p
        return "\(r)"
    }
}
