import ArgumentParser
import DMMCore
import PatchLanguage
import Rendering
import MediaIO

/// `dmm render`: a patch to a PNG sequence (plus WAV for audiovisual patches, MP4/GIF via ffmpeg).
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a patch to PNG frames (renders/<patch>/frame_00001.png …).",
        discussion: "With no patch, renders the built-in demo. Patches that also have audio.out write audio.wav beside the frames.")

    @Argument(help: "The patch file (.dmm). Omit to render the built-in demo.")
    var patch: String?

    @Option(name: .shortAndLong, help: "Output folder (default renders/<patch name>).")
    var output: String?

    @Option(help: "Number of frames (default: the patch's frames/seconds, else 120).")
    var frames: Int?

    @Option(help: "Frame size WIDTHxHEIGHT, overriding the patch.")
    var size: String?

    @Option(help: "Seed for random neurons, overriding the patch.")
    var seed: UInt64?

    @Option(help: "PNG compression level 0-9 (1 is fast and small for smooth images).")
    var level: Int = 1

    @Option(help: "PNG filter: none, sub, up, average, paeth, all.")
    var filter: String = "paeth"

    @Flag(help: "Also encode an MP4 (H.264, with the patch's audio) through ffmpeg.")
    var mp4 = false

    @Flag(help: "Also encode an animated GIF through ffmpeg.")
    var gif = false

    @Option(help: "Replay a `dmm live --record` edit log, applying each edit at its tick.")
    var replay: String?

    @Flag(name: .customLong("force-replay"), help: "Replay a --replay log even when it was recorded with another patch.")
    var forceReplay = false

    @Flag(help: "Also draw the weight matrix W of every frame as a heat map into <output>/matrix/ (rows: inputs, columns: outputs; warm positive, cool negative).")
    var matrix = false

    @Option(help: "Also write a contact sheet of 8 evenly spaced frames to this PNG.")
    var contactSheet: String?

    @Option(name: .customLong("on-nan"), help: "When a neuron outputs NaN or ±inf: stop (default), clip (NaN → 0, ±inf → ±1) or zero, and go on.")
    var onNan: String?

    @Flag(name: .shortAndLong, help: "No progress output (warnings are still shown).")
    var quiet = false

    @Flag(help: "Compute the frames but write nothing (benchmarks field evaluation alone).")
    var computeOnly = false

    @Flag(help: "Print render statistics as one JSON line on stdout.")
    var stats = false

    func validate() throws {
        guard (0...9).contains(level) else { throw ValidationError("--level must be 0 to 9") }
        guard PNGCodec.Filter(rawValue: filter) != nil else {
            throw ValidationError("--filter must be one of none, sub, up, average, paeth, all")
        }
        if let frames { try checkOption { try TimingLimits.check(frames, TimingLimits.frames, name: "--frames") } }
        if let size { try checkOption { try TimingLimits.size(size, name: "--size") } }
        if let output { try OutputPath.check(output, option: "--output", extensions: [], what: "") }
        if let contactSheet { try OutputPath.check(contactSheet, option: "--contact-sheet", extensions: ["png"], what: "it writes") }
        if let replay, replay.isEmpty { throw ValidationError("--replay must not be empty") }
        if let onNan { try NonFiniteOption.check(onNan) }
    }

    func run() throws {
        SignalGuard.install()
        do throws(any Error) {
            var loaded: LoadedPatch
            if let patch { loaded = try PatchLoader.load(path: patch) }
            else {
                let doc = try PatchParser.parse(DemoPatch.text, file: "demo.dmm")
                loaded = LoadedPatch(path: "demo.dmm", document: doc, network: try PatchBuilder.build(doc))
            }
            var net = loaded.network
            if let size { (net.timing.width, net.timing.height) = try checkOption { try TimingLimits.size(size, name: "--size") } }
            if let seed { net.seed = seed }
            if let frames { net.timing.frames = frames }
            try checkOption { try TimingLimits.check(net.timing, sounds: net.hasAudio) }
            let count = net.timing.frameCount()
            let dir = output ?? "renders/\(loaded.name)"
            var opts = FrameRenderer.Options(directory: dir, frames: count)
            opts.png = PNGCodec.Options(level: level, filter: PNGCodec.Filter(rawValue: filter)!)
            opts.computeOnly = computeOnly
            opts.onNonFinite = NonFiniteOption.policy(onNan, default: .stop)
            if net.hasAudio { opts.audioPath = dir + "/audio.wav" }
            if matrix { opts.matrixDirectory = dir + "/matrix" }
            if let replay {
                let log = try EditLogFile.readLog(path: replay, network: net,
                                                  expecting: .init(document: loaded.document, name: loaded.path, force: forceReplay))
                // Not hidden by -q: the render may not be what was recorded.
                if let warning = log.warning { FileHandleStderr.write(warning + "\n") }
                opts.edits = log.edits; opts.neuronEdits = log.neuronEdits
            }
            if (mp4 || gif) && FFmpeg.path() == nil {
                throw RenderError("ffmpeg not found on PATH; install it (apt-get install ffmpeg) to use --mp4/--gif")
            }
            if let contactSheet, !computeOnly { _ = try AtomicFile.destination(for: contactSheet) }   // before the work
            let progress = ProgressReporter(total: count, label: "render \(loaded.name)", unit: "frames", quiet: quiet)
            let result = try FrameRenderer.render(network: net, options: opts) { progress.update(completed: $0) }
            progress.finish(message: computeOnly ? "computed \(count) frames" : "wrote \(count) frames to \(dir)/")
            NonFiniteOption.warn(result.nonFinite, replaced: result.nonFiniteReplaced, option: onNan, network: result.finalNetwork ?? net)
            if let g = result.growthError { FileHandleStderr.write("warning: \(g.message); the patch ran on without that growth\n") }
            if result.audioClipped > 0, let audioPath = opts.audioPath {
                let at = result.firstAudioClipSeconds.map { ", first at \(Synth.fixed($0, 2)) s" } ?? ""
                FileHandleStderr.write("warning: \(audioPath): \(result.audioClipped) samples beyond full scale were clipped\(at); lower the level\n")
            }
            if !computeOnly && (mp4 || gif) {
                let pattern = dir + "/frame_%05d.png"
                let fps = net.timing.fps
                if mp4 { try FFmpeg.encodeVideo(framePattern: pattern, fps: fps, audio: opts.audioPath, output: dir + "/\(loaded.name).mp4", gif: false) }
                if gif { try FFmpeg.encodeVideo(framePattern: pattern, fps: fps, audio: nil, output: dir + "/\(loaded.name).gif", gif: true) }
            }
            if let contactSheet, !computeOnly {
                let picks = (0..<min(8, count)).map { result.file($0 * (count - 1) / max(1, min(8, count) - 1)) }
                let images = try picks.map { try PNGCodec.read(path: $0) }
                let sheet = ContactSheet.make(images: images, columns: min(4, images.count), thumbWidth: min(net.timing.width, 160))
                try PNGCodec.write(sheet, to: contactSheet, options: PNGCodec.Options(level: 9, filter: .all))
            }
            if stats {
                print("{\"frames\": \(result.frames), \"compute_s\": \(result.computeSeconds), \"encode_s\": \(result.encodeSeconds), \"compute_cpu_s\": \(result.computeCPUSeconds), \"encode_cpu_s\": \(result.encodeCPUSeconds), \"bytes\": \(result.bytesWritten), \"audio_samples\": \(result.audioSamples)}")
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
