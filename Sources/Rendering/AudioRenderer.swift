import DMMCore
import MediaIO

/// Renders the sound of a patch (`audio.out`) to an audio file, streaming.
///
/// The plan starts `warmUpTicks` ticks before time 0 so that every path from a source to
/// `audio.out` is filled; their audio is dropped (as `FrameRenderer` drops warm-up frames).
/// Ticks then run in chunks of a few thousand samples through `TickPlan.runAudio`, which
/// batches small blocks and skips the picture of an audiovisual patch (sound never depends on
/// it), and each chunk is appended to an `AudioFileStream`: memory stays constant for any
/// length, the file appears under its name only when complete, integer formats clip rather
/// than wrap, and two renders of one patch are byte-identical. A patch with nothing wired to
/// `audio.out.right` is written as one channel.
public struct AudioRenderer {
    /// Called after each chunk with (frames done, frames in total).
    public typealias Progress = (Int, Int) -> Void

    /// Renders `seconds` of sound to `path` in `format`.
    ///
    /// - Parameters:
    ///   - onNonFinite: scan every neuron's output for NaN/±inf (nil: no scanning); `.stop`
    ///     throws naming the first, before its chunk reaches the file.
    ///   - spectrogram: also write a spectrogram PNG of the (mono mix of the) sound here.
    ///   - isCancelled: polled between chunks (Ctrl-C); when it returns true the temporary
    ///     file is removed and the render throws.
    public static func render(network: Network, seconds: Double, to path: String, format: AudioFormat,
                              spectrogram: String? = nil, progress: Progress? = nil,
                              isCancelled: (() -> Bool)? = nil, onNonFinite: NonFinitePolicy? = nil) throws(RenderError) -> AudioRenderStats {
        let start = Clock.now()
        var stream: AudioFileStream?
        // Drawn while the sound streams past: memory stays one FFT window for any length.
        let t = network.timing
        let picture = spectrogram.map { _ in
            Spectrogram.Builder(totalSamples: sampleCount(seconds: seconds, rate: t.sampleRate) ?? 0, sampleRate: t.sampleRate)
        }
        var stats: AudioRenderStats
        do throws(RenderError) {
            stats = try run(network: network, seconds: seconds, progress: progress, isCancelled: isCancelled, onNonFinite: onNonFinite) {
                (block: UnsafeBufferPointer<Float>, ch: Int) throws(RenderError) in
                do {
                    if stream == nil {
                        stream = try AudioFileStream(path: path, channels: ch, sampleRate: network.timing.sampleRate, format: format)
                    }
                    try stream!.append(interleaved: block)
                } catch { throw RenderError("\(error)") }
                if let picture { if ch == 1 { picture.append(block) } else { picture.append(stereo: block) } }
            }
            do { try stream?.finish() } catch { throw RenderError(error.message) }
        } catch {
            stream?.cancel()
            throw error
        }
        if let spectrogram, let picture {
            let image = picture.finish()
            do { try PNGCodec.write(image, to: spectrogram) } catch { throw RenderError(error.message) }
        }
        stats.totalSeconds = Clock.now() - start
        return stats
    }

    /// Renders `seconds` of sound into memory: interleaved samples (1 or 2 channels). For
    /// tests, fitting targets and analysis.
    public static func renderSamples(network: Network, seconds: Double) throws(RenderError)
        -> (samples: [Float], channels: Int, sampleRate: Int, stats: AudioRenderStats) {
        var out: [Float] = []
        let stats = try run(network: network, seconds: seconds, progress: nil, isCancelled: nil) {
            (block: UnsafeBufferPointer<Float>, _: Int) throws(RenderError) in out.append(contentsOf: block)
        }
        return (out, stats.channels, stats.sampleRate, stats)
    }

    /// The number of sample frames in `seconds` at `rate` (rounded), or nil when it is not
    /// finite or past what any file holds (2^40 frames: 254 days at 50 kHz).
    public static func sampleCount(seconds: Double, rate: Int) -> Int? {
        let n = (seconds * Double(rate)).rounded()
        guard n.isFinite, n >= 0, n <= Double(1 << 40) else { return nil }
        return Int(n)
    }

    /// Peak |x|, Σx² and the count of |x| > 1 over `count` samples, sixteen at a time.
    static func levels(_ p: UnsafePointer<Float>, _ count: Int) -> (Float, Float, Int) {
        typealias V = SIMD16<Float>
        var peak = V(), sum = V(), clipped = V()
        let one = V(repeating: 1), zero = V()
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            let a = unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: V.self)
            peak.replace(with: a, where: a .> peak)
            sum = sum.madd(v, v)
            clipped += zero.replacing(with: one, where: a .> one)
            i += 16
        }
        var pk = peak.max(), sq = sum.sum(), cl = Int(clipped.sum())
        while i < count {
            let a = abs(p[i])
            pk = max(pk, a); sq += p[i] * p[i]; if a > 1 { cl += 1 }
            i += 1
        }
        return (pk, sq, cl)
    }

    /// The render loop: warm-up, then chunks handed to `sink` as interleaved samples in the
    /// file's channel count.
    static func run(network: Network, seconds: Double, progress: Progress?, isCancelled: (() -> Bool)?,
                    onNonFinite: NonFinitePolicy? = nil, sink: (UnsafeBufferPointer<Float>, Int) throws(RenderError) -> Void) throws(RenderError) -> AudioRenderStats {
        guard network.hasAudio else {
            throw RenderError("the patch has no sound output: declare 'out: audio.out' and wire 'out.left' (and 'out.right')")
        }
        guard seconds.isFinite, seconds > 0 else { throw RenderError("nothing to render: seconds must be positive, got \(seconds)") }
        let t = network.timing
        let plan: TickPlan
        do {
            plan = try TickPlan(network: network, startTick: -network.warmUpTicks)
        } catch { throw RenderError(error.message) }
        let warm = -plan.currentTick
        plan.nonFinite.policy = onNonFinite
        func checkStop() throws(RenderError) {
            if onNonFinite == .stop, let e = plan.nonFinite.first { throw NonFiniteReport.stopError(e, network: plan.network) }
        }
        let n = t.samplesPerTick
        guard let total = sampleCount(seconds: seconds, rate: t.sampleRate) else {
            throw RenderError("cannot render \(seconds) s: more samples than a file can hold")
        }
        guard total > 0 else { throw RenderError("nothing to render: \(seconds) s is less than one sample") }
        let channels = plan.audioIsMono ? 1 : 2
        let chunkTicks = max(1, 4096 / n)
        var stereo = [Float](repeating: 0, count: chunkTicks * n * 2)
        var file = [Float](repeating: 0, count: chunkTicks * n * channels)
        var compute = 0.0
        let c0 = Clock.now()
        plan.runAudio(ticks: warm, audio: nil)
        compute += Clock.now() - c0
        try checkStop()
        var firstClip: Double?
        var written = 0, ticks = warm
        var peak: Float = 0, sumSquares = 0.0, clipped = 0
        while written < total {
            if let isCancelled, isCancelled() { throw RenderError("interrupted") }
            let k = min(chunkTicks, (total - written + n - 1) / n)
            let c1 = Clock.now()
            stereo.withUnsafeMutableBufferPointer { plan.runAudio(ticks: k, audio: $0.baseAddress) }
            compute += Clock.now() - c1
            try checkStop()
            ticks += k
            let frames = min(k * n, total - written)
            var localPeak: Float = 0, localSum: Float = 0
            var localClipped = 0
            file.withUnsafeMutableBufferPointer { f in
                stereo.withUnsafeBufferPointer { s in
                    let fp = f.baseAddress!, sp = s.baseAddress!
                    if channels == 1 {
                        for j in 0..<frames { fp[j] = sp[2 * j] }
                    } else {
                        fp.update(from: sp, count: 2 * frames)
                    }
                    (localPeak, localSum, localClipped) = Self.levels(fp, frames * channels)
                }
            }
            peak = max(peak, localPeak); sumSquares += Double(localSum); clipped += localClipped
            if localClipped > 0 && firstClip == nil, let j = file[0..<(frames * channels)].firstIndex(where: { abs($0) > 1 }) {
                firstClip = Double(written + j / channels) / Double(t.sampleRate)
            }
            try file.withUnsafeBufferPointer { (f) throws(RenderError) in
                try sink(UnsafeBufferPointer(rebasing: f[0..<(frames * channels)]), channels)
            }
            written += frames
            progress?(written, total)
        }
        return AudioRenderStats(frames: total, channels: channels, sampleRate: t.sampleRate, ticks: ticks, warmUpTicks: warm,
                                peak: peak, rms: (sumSquares / Double(total * channels)).squareRoot(),
                                clippedSamples: clipped, firstClipSeconds: firstClip,
                                nonFinite: plan.nonFinite.first, nonFiniteReplaced: plan.nonFinite.replaced,
                                computeSeconds: compute, totalSeconds: Clock.now() - c0, finalNetwork: plan.network,
                                growthError: plan.lastGrowthError)
    }
}
