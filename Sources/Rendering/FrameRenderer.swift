import DMMCore
import MediaIO
import Dispatch

/// Renders a visual patch to a PNG sequence (and, for audiovisual patches, a WAV in sync).
///
/// Frames are computed tick by tick (each tick split into tiles across cores) into a batch of
/// frame buffers; the batch is then encoded to PNG in parallel, one frame per core, and every
/// file is written under a temporary name and renamed into place. PNG encoding, not field
/// evaluation, is what limits a PNG-sequence renderer, so it gets the cores.
///
/// Timing: the plan starts `warmUpTicks` ticks before frame 1 so that every path from a source
/// to the picture is filled: frame f is tick f − 1 (frame 1 is tick 0, where `clock` reads 0).
/// Audio of the warm-up ticks is dropped, so the sound is exactly frames × rate ÷ fps samples.
public struct FrameRenderer {
    /// What to render and where.
    public struct Options: Sendable {
        public var directory: String
        public var frames: Int
        public var png = PNGCodec.Options(level: 1, filter: .paeth)
        /// Frames computed before a parallel encode; bounds memory at batch × width × height × 3.
        public var batch = 16
        /// Write the audio of an audiovisual patch here (nil: no audio file).
        public var audioPath: String?
        public var audioFormat: AudioFormat = .wav16
        /// Scan every neuron's output for NaN/±inf (nil: no scanning); `.stop` throws naming
        /// the first before the frames of its batch are written.
        public var onNonFinite: NonFinitePolicy?
        /// Skip writing files (benchmarks of field evaluation alone).
        public var computeOnly = false
        /// Optional edits to apply at given ticks (live sessions replayed offline).
        public var edits: [(tick: Int, delta: VValue)] = []
        /// Neurons declared or removed at given ticks (before that tick's `edits`).
        public var neuronEdits: [(tick: Int, edit: NeuronEdit)] = []
        /// Also draw W as a heat map per frame (`MatrixHeatmap`), the matrix each frame was
        /// computed with, into this folder under the frames' names (`dmm render --matrix`).
        public var matrixDirectory: String?
        /// Also hands every computed frame (index from 0, packed RGB bytes as a PNG would hold
        /// them) to this function, in order: in-memory renders (a teacher's frames for
        /// `dmm fit --teacher`; with `computeOnly`, nothing is written).
        public var frameSink: (@Sendable (_ index: Int, _ rgb: UnsafeBufferPointer<UInt8>) -> Void)?

        public init(directory: String, frames: Int) { self.directory = directory; self.frames = frames }
    }

    /// Figures of a finished render.
    public struct Stats: Sendable {
        public var frames: Int
        /// The folder the frames went to.
        public var directory: String
        public var computeSeconds: Double
        public var encodeSeconds: Double
        /// Process CPU seconds (all cores) spent computing and encoding.
        public var computeCPUSeconds: Double
        public var encodeCPUSeconds: Double
        public var bytesWritten: Int
        public var audioSamples: Int
        /// The path of frame `index` (0-based) of this render. Names are computed, not kept:
        /// a list of 10 million paths would make memory grow with the length of the render.
        public func file(_ index: Int) -> String { directory + "/" + FrameRenderer.frameName(index + 1) }
        /// The first non-finite output (when scanning was on) and how many values were replaced.
        public var nonFinite: NonFiniteEvent? = nil
        public var nonFiniteReplaced = 0
        /// Samples of `audio.wav` beyond ±1 (clipped by the 16-bit file), and the first one's time.
        public var audioClipped = 0
        public var firstAudioClipSeconds: Double? = nil
        /// The network at the end of the render: the patch's own, or grown (`clone`), so that
        /// a report names a twin neuron by its name.
        public var finalNetwork: Network? = nil
        /// The last growth a `clone` neuron could not make (a taken name, the neuron cap).
        public var growthError: NetworkError? = nil
    }

    /// `frame_00001.png` for index 1 (at least five digits, as ffmpeg's `%05d` reads them).
    public static func frameName(_ index: Int) -> String {
        let s = String(index)
        return "frame_" + String(repeating: "0", count: max(0, 5 - s.count)) + s + ".png"
    }

    /// Runs the network and writes `frame_00001.png …` into `options.directory`.
    /// `progress` is called with the number of frames finished.
    public static func render(network: Network, options: Options,
                              progress: (Int) -> Void = { _ in }) throws(RenderError) -> Stats {
        guard network.hasDisplay else {
            throw RenderError("the patch has no picture output: declare an 'rgb' or 'hsv' neuron and wire r, g, b")
        }
        guard options.frames > 0 else { throw RenderError("nothing to render: frames must be at least 1") }
        let plan: TickPlan
        do {
            plan = try TickPlan(network: network, startTick: -network.warmUpTicks)
        } catch { throw RenderError(error.message) }
        plan.nonFinite.policy = options.onNonFinite
        func checkStop() throws(RenderError) {
            // The plan's network: a patch that grows may have found the value in a twin.
            if options.onNonFinite == .stop, let e = plan.nonFinite.first { throw NonFiniteReport.stopError(e, network: plan.network) }
        }
        let t = network.timing
        let frameBytes = t.width * t.height * 3
        if !options.computeOnly {
            do {
                try AtomicFile.makeDirectories(options.directory)
                if let m = options.matrixDirectory { try AtomicFile.makeDirectories(m) }
            } catch { throw RenderError(error.message) }
        }
        let drawMatrix = options.matrixDirectory != nil && !options.computeOnly
        var matrices: [RGBImage] = []
        // A patch that grows (`clone`) draws every frame on the grid of its fully grown
        // network, so the heat maps keep one size; other patches draw W as it is.
        let matrixFrame: MatrixGrid? = drawMatrix && !network.growthNeurons.isEmpty ? MatrixGrid(network.fullyGrown()) : nil
        var audio: AudioFileStream?
        if network.hasAudio, let path = options.audioPath, !options.computeOnly {
            do { audio = try AudioFileStream(path: path, channels: 2, sampleRate: t.sampleRate, format: options.audioFormat) }
            catch { throw RenderError(error.message) }
        }
        let samples = t.samplesPerTick
        var audioBuf = [Float](repeating: 0, count: samples * 2)
        var edits = options.edits.sorted { $0.tick < $1.tick }[...]
        var neuronEdits = options.neuronEdits.sorted { $0.tick < $1.tick }[...]

        func applyEdits() throws(RenderError) {
            while let e = neuronEdits.first, e.tick <= plan.currentTick {
                do { try plan.replaceNetwork(e.edit.applied(to: plan.network)) }
                catch { throw RenderError("replay at tick \(e.tick): \(error.message)") }
                neuronEdits = neuronEdits.dropFirst()
            }
            while let e = edits.first, e.tick <= plan.currentTick {
                do { try plan.apply(delta: e.delta) } catch { throw RenderError("replay at tick \(e.tick): \(error.message)") }
                edits = edits.dropFirst()
            }
        }
        // Warm-up.
        while plan.currentTick < 0 {
            try applyEdits()
            audioBuf.withUnsafeMutableBufferPointer { plan.tick(audio: $0.baseAddress) }
        }

        // At most 256 MB of frames wait for the encoder (a 16384×16384 frame is 805 MB alone).
        let batch = max(1, min(options.batch, (256 << 20) / max(1, frameBytes)))
        do {
            try MemoryBudget.check(MemoryBudget.add(plan.storageBytes(), MemoryBudget.multiply(2 * batch, frameBytes)),
                                   for: "rendering \(t.width)×\(t.height) frames", hint: "use a smaller --size")
        } catch { throw RenderError(error.description) }
        var frames = [UInt8](repeating: 0, count: frameBytes * batch)
        var computeTime = 0.0, encodeTime = 0.0, computeCPU = 0.0, encodeCPU = 0.0, bytes = 0, audioSamples = 0
        var audioClipped = 0, firstClip: Double?
        var done = 0
        do {
            while done < options.frames {
                let n = min(batch, options.frames - done)
                let c0 = Clock.now(), cpu0 = Clock.cpu()
                let editDue = (edits.first.map { $0.tick < plan.currentTick + n } ?? false)
                    || (neuronEdits.first.map { $0.tick < plan.currentTick + n } ?? false)
                matrices.removeAll(keepingCapacity: true)
                if audio == nil && plan.canBatchTicks && !editDue && !drawMatrix {
                    // Per-pixel patch: the n ticks run tile by tile with the state in cache.
                    frames.withUnsafeMutableBufferPointer { fb in
                        plan.tick(frames: (0..<n).map { fb.baseAddress! + $0 * frameBytes })
                    }
                } else {
                try frames.withUnsafeMutableBufferPointer { fb throws(RenderError) in
                    for k in 0..<n {
                        try applyEdits()
                        // The matrix this tick computes with (Self's ΔW lands at its end).
                        if drawMatrix {
                            let grid = matrixFrame.map { MatrixGrid(plan.network, over: $0) } ?? MatrixGrid(plan.network)
                            matrices.append(MatrixHeatmap.image(grid))
                        }
                        audioBuf.withUnsafeMutableBufferPointer { ab in
                            plan.tick(frame: fb.baseAddress! + k * frameBytes, audio: ab.baseAddress)
                        }
                        if let audio {
                            let clippedNow = audioBuf.withUnsafeBufferPointer { AudioRenderer.levels($0.baseAddress!, 2 * samples).2 }
                            if clippedNow > 0 && firstClip == nil, let j = audioBuf.firstIndex(where: { abs($0) > 1 }) {
                                firstClip = Double(audioSamples + j / 2) / Double(t.sampleRate)
                            }
                            audioClipped += clippedNow
                            do { try audio.append(interleaved: audioBuf); audioSamples += samples }
                            catch { throw RenderError("\(error)") }
                        }
                    }
                }
                }
                computeTime += Clock.now() - c0
                computeCPU += Clock.cpu() - cpu0
                try checkStop()
                if let sink = options.frameSink {
                    frames.withUnsafeBufferPointer { fb in
                        for k in 0..<n { sink(done + k, UnsafeBufferPointer(rebasing: fb[(k * frameBytes)..<((k + 1) * frameBytes)])) }
                    }
                }
                if !options.computeOnly {
                    let e0 = Clock.now(), ecpu0 = Clock.cpu()
                    let names = (0..<n).map { options.directory + "/" + frameName(done + $0 + 1) }
                    let result = encodeBatch(frames, count: n, frameBytes: frameBytes, width: t.width, height: t.height,
                                             names: names, png: options.png)
                    if let err = result.error { throw RenderError(err.message) }
                    bytes += result.bytes
                    if drawMatrix, let m = options.matrixDirectory {
                        let mr = encodeImages(matrices, names: (0..<n).map { m + "/" + frameName(done + $0 + 1) }, png: options.png)
                        if let err = mr.error { throw RenderError(err.message) }
                        bytes += mr.bytes
                    }
                    encodeTime += Clock.now() - e0
                    encodeCPU += Clock.cpu() - ecpu0
                }
                done += n
                progress(done)
            }
            try audio?.finish()
        } catch let e as RenderError {
            audio?.cancel(); throw e
        } catch {
            audio?.cancel(); throw RenderError("\(error)")
        }
        return Stats(frames: done, directory: options.directory, computeSeconds: computeTime, encodeSeconds: encodeTime,
                     computeCPUSeconds: computeCPU, encodeCPUSeconds: encodeCPU,
                     bytesWritten: bytes, audioSamples: audioSamples,
                     nonFinite: plan.nonFinite.first, nonFiniteReplaced: plan.nonFinite.replaced,
                     audioClipped: audioClipped, firstAudioClipSeconds: firstClip, finalNetwork: plan.network,
                     growthError: plan.lastGrowthError)
    }

    /// Encodes `count` frames in parallel and writes each atomically.
    static func encodeBatch(_ frames: [UInt8], count: Int, frameBytes: Int, width: Int, height: Int,
                            names: [String], png: PNGCodec.Options) -> (bytes: Int, error: MediaError?) {
        frames.withUnsafeBufferPointer { fb in
            let base = SendableBuffer(fb)
            return writeInParallel(names: Array(names.prefix(count))) { k in
                let slice = UnsafeBufferPointer(rebasing: base.buffer[(k * frameBytes)..<((k + 1) * frameBytes)])
                return try PNGCodec.encode(rgb: slice, width: width, height: height, options: png)
            }
        }
    }

    /// Encodes pictures of any sizes in parallel and writes each atomically (the matrix frames).
    static func encodeImages(_ images: [RGBImage], names: [String], png: PNGCodec.Options) -> (bytes: Int, error: MediaError?) {
        writeInParallel(names: names) { k in
            try images[k].pixels.withUnsafeBufferPointer { px in
                try PNGCodec.encode(rgb: px, width: images[k].width, height: images[k].height, options: png)
            }
        }
    }

    /// File k gets `encode(k)`, one file per core at a time, each written under a temporary
    /// name and renamed into place; returns the bytes written and the first error in file order.
    static func writeInParallel(names: [String], encode: @Sendable (Int) throws -> [UInt8])
        -> (bytes: Int, error: MediaError?) {
        let results = ResultBox(count: names.count)
        DispatchQueue.concurrentPerform(iterations: names.count) { k in
            do {
                let data = try encode(k)
                try AtomicFile.write(data, to: names[k])
                results.set(k, .success(data.count))
            } catch let error as MediaError {
                results.set(k, .failure(error))
            } catch {
                results.set(k, .failure(MediaError("\(error)")))
            }
        }
        var total = 0
        for r in results.values {
            switch r {
            case .success(let b): total += b
            case .failure(let e): return (total, e)
            case nil: break
            }
        }
        return (total, nil)
    }
}

/// Per-task results written from `concurrentPerform`, each task to its own index.
final class ResultBox: @unchecked Sendable {
    var values: [Result<Int, MediaError>?]
    let lock = Lock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ r: Result<Int, MediaError>) { lock.locked { values[k] = r } }
}

struct SendableBuffer: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
    init(_ b: UnsafeBufferPointer<UInt8>) { buffer = b }
}
