import Live

/// The session's output into the studio: pictures and sound go to the hub, which copies them
/// once and hands them to the clients' bounded outboxes, so the tick never waits for a browser.
final class StudioSink: LiveSink, @unchecked Sendable {
    private let hub: StudioHub
    private let width: Int, height: Int

    init(hub: StudioHub, width: Int, height: Int) { self.hub = hub; self.width = width; self.height = height }

    func consume(tick: Int, frame: UnsafeBufferPointer<UInt8>?, audio: UnsafeBufferPointer<Float>?) {
        if let frame { hub.publish(frame: frame, width: width, height: height, tick: tick) }
        if let audio { hub.publish(audio: audio, tick: tick) }
    }

    func finish() throws(LiveError) {}
}
