/// Something that takes the session's output tick by tick: frame files, the latest-frame
/// preview, an audio player, a rolling WAV.
///
/// Called on the tick thread right after each tick from tick 0 on (warm-up ticks are never
/// shown, as in `dmm render`). A sink must not block for long: real-time work goes to its
/// own thread, with the buffers copied, since they are reused for the next tick.
public protocol LiveSink: AnyObject {
    /// This tick's picture (RGB8, width × height × 3; nil without a display neuron) and its
    /// audio (interleaved stereo, samples per tick × 2; nil without an audio output).
    func consume(tick: Int, frame: UnsafeBufferPointer<UInt8>?, audio: UnsafeBufferPointer<Float>?)
    /// Flushes and closes at the end of the session.
    func finish() throws(LiveError)
}
