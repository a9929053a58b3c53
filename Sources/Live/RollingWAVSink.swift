import MediaIO
import Dispatch
import Synchronization

/// The last `seconds` of a session's audio as a WAV file, rewritten atomically every
/// `every` seconds: what `dmm live` writes when no audio player is found, so the sound can
/// still be heard (open the file in any player) and a crash loses nothing older than
/// `every`.
public final class RollingWAVSink: LiveSink, @unchecked Sendable {
    /// The WAV file kept current.
    public let path: String
    private let sampleRate: Int
    private var ring: [Float]
    private var filled = 0
    private var head = 0
    private var sinceWrite = 0
    private let everySamples: Int
    private let queue = DispatchQueue(label: "dmm.live.wav")
    private let busy = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)

    /// Keeps the last `seconds` of stereo audio at `sampleRate` in `path` (its folder is created).
    public init(path: String, sampleRate: Int, seconds: Double = 10, every: Double = 1) throws(LiveError) {
        self.path = path; self.sampleRate = sampleRate
        func samples(_ s: Double) -> Int {   // range-checked before the conversion
            let n = Double(sampleRate) * s
            return n.isFinite && n > 0 ? Int(min(n, 1e8)) : 0
        }
        ring = Array(repeating: 0, count: max(2, samples(seconds) * 2))
        everySamples = max(2, samples(every) * 2)
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !dir.isEmpty { do { try AtomicFile.makeDirectories(dir) } catch { throw LiveError(error.message) } }
    }

    public func consume(tick: Int, frame: UnsafeBufferPointer<UInt8>?, audio: UnsafeBufferPointer<Float>?) {
        guard let audio else { return }
        for s in audio {
            ring[head] = s
            head = (head + 1) % ring.count
        }
        filled = min(ring.count, filled + audio.count)
        sinceWrite += audio.count
        if sinceWrite >= everySamples { flush() }
    }

    /// Writes the current window (skipped when the previous write is still running).
    private func flush() {
        guard !busy.load(ordering: .relaxed) else { return }
        sinceWrite = 0
        busy.store(true, ordering: .relaxed)
        let start = (head - filled + ring.count) % ring.count
        var window = [Float](); window.reserveCapacity(filled)
        for k in 0..<filled { window.append(ring[(start + k) % ring.count]) }
        let samples = window
        queue.async { [self] in
            defer { busy.store(false, ordering: .relaxed) }
            do { try AudioFileWriter.write(interleaved: samples, channels: 2, sampleRate: sampleRate, format: .wav16, to: path) }
            catch { failure.withLock { $0 = "\(error)" } }
        }
    }

    public func finish() throws(LiveError) {
        queue.sync {}
        if filled > 0 { flush() }
        queue.sync {}
        if let f = failure.withLock({ $0 }) { throw LiveError(f) }
    }
}
