import DMMCore
import MediaIO
import Dispatch
import Synchronization

/// Keeps `renders/live/latest.png` showing the newest frame (written atomically, so an image
/// viewer that reloads it never sees half a file) and, with `--term`, draws a preview in the
/// terminal.
///
/// Work happens off the tick thread; when the previous write is still busy the frame is
/// skipped, so a slow disk or terminal lowers the preview rate, never the tick rate.
public final class LatestFrameSink: LiveSink, @unchecked Sendable {
    /// The PNG kept current (nil: terminal preview only).
    public let path: String?
    private let timing: Timing
    private let preview: TerminalPreview?
    private let draw: (@Sendable (String) -> Void)?
    private let interval: Double
    private let busy = Atomic<Bool>(false)
    private let lastError = Mutex<String?>(nil)
    private var lastWrite = -Double.infinity
    private let queue = DispatchQueue(label: "dmm.live.latest")

    /// - Parameters:
    ///   - path: the PNG to keep current (its directory is created); nil for none.
    ///   - preview: with `draw`, the terminal preview to render and the function that puts
    ///     the escape sequences on the terminal.
    ///   - maxRate: updates per second at most.
    public init(path: String?, timing: Timing, preview: TerminalPreview? = nil, draw: (@Sendable (String) -> Void)? = nil,
                maxRate: Double = 15) throws(LiveError) {
        self.path = path; self.timing = timing; self.preview = preview; self.draw = draw
        interval = 1 / max(1, maxRate)
        if let path {
            let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            if !dir.isEmpty { do { try AtomicFile.makeDirectories(dir) } catch { throw LiveError(error.message) } }
        }
    }

    public func consume(tick: Int, frame: UnsafeBufferPointer<UInt8>?, audio: UnsafeBufferPointer<Float>?) {
        guard let frame else { return }
        let now = LiveClock.now()
        guard now - lastWrite >= interval, !busy.load(ordering: .relaxed) else { return }
        lastWrite = now
        busy.store(true, ordering: .relaxed)
        let pixels = Array(frame)
        let w = timing.width, h = timing.height
        queue.async { [self] in
            defer { busy.store(false, ordering: .relaxed) }
            if let path {
                do { try PNGCodec.write(rgb: pixels, width: w, height: h, to: path, options: PNGCodec.Options(level: 1, filter: .paeth)) }
                catch { lastError.withLock { $0 = "\(error)" } }
            }
            if let preview, let draw {
                let text = pixels.withUnsafeBufferPointer { preview.render($0, width: w, height: h) }
                draw(text)
            }
        }
    }

    public func finish() throws(LiveError) {
        queue.sync {}
        if let e = lastError.withLock({ $0 }) { throw LiveError(e) }
    }
}
