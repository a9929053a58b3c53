import DMMCore
import MediaIO
import Rendering
import Dispatch
import Synchronization

/// Writes every frame of a session as `frame_00001.png …` (and its sound as `audio.wav`), the
/// names and PNG settings of `dmm render`, so that a live run and its offline replay can be
/// compared byte for byte.
///
/// PNG encoding runs on a serial queue behind the tick thread, at most `backlog` frames
/// behind; the tick thread waits only when the encoder falls that far back.
public final class FrameSequenceSink: LiveSink, @unchecked Sendable {
    /// The folder frames go to.
    public let directory: String
    private let timing: Timing
    private let png: PNGCodec.Options
    private let queue = DispatchQueue(label: "dmm.live.frames")
    private let slots: DispatchSemaphore
    private let failure = Mutex<String?>(nil)
    private var audio: AudioFileStream?
    /// Frames handed to the encoder so far.
    public private(set) var framesWritten = 0

    /// Creates the directory; `withAudio` also opens `audio.wav` (16-bit, as `dmm render`).
    public init(directory: String, timing: Timing, withAudio: Bool, png: PNGCodec.Options = PNGCodec.Options(level: 1, filter: .paeth),
                backlog: Int = 8) throws(LiveError) {
        self.directory = directory; self.timing = timing; self.png = png
        slots = DispatchSemaphore(value: max(1, backlog))
        do {
            try AtomicFile.makeDirectories(directory)
            if withAudio {
                audio = try AudioFileStream(path: directory + "/audio.wav", channels: 2, sampleRate: timing.sampleRate, format: .wav16)
            }
        } catch { throw LiveError(error.message) }
    }

    public func consume(tick: Int, frame: UnsafeBufferPointer<UInt8>?, audio samples: UnsafeBufferPointer<Float>?) {
        let index = tick + 1
        let w = timing.width, h = timing.height, png = png
        let pixels = frame.map { Array($0) }
        let sound = samples.map { Array($0) }
        if pixels != nil { framesWritten += 1 }
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            do {
                if let pixels {
                    let name = directory + "/" + FrameRenderer.frameName(index)
                    let data = try pixels.withUnsafeBufferPointer { (b) throws(MediaError) in try PNGCodec.encode(rgb: b, width: w, height: h, options: png) }
                    try AtomicFile.write(data, to: name)
                }
                if let sound, let audio { try audio.append(interleaved: sound) }
            } catch {
                failure.withLock { if $0 == nil { $0 = "\(error)" } }
            }
        }
    }

    public func finish() throws(LiveError) {
        queue.sync {}
        do { try audio?.finish() } catch { throw LiveError(error.message) }
        audio = nil
        if let f = failure.withLock({ $0 }) { throw LiveError(f) }
    }
}
