import Foundation
import Synchronization

/// Fans the session's output out to every connected client and keeps the last frames for
/// `GET /frame.png`.
///
/// The tick thread calls `publish` (through `StudioSink`): one copy of the pixels into a
/// message, then each client's outbox takes a reference to it. Clients never make the tick
/// wait; a client that reads slowly drops frames (see `StudioClient`).
final class StudioHub: @unchecked Sendable {
    /// Frames kept for `/frame.png?tick=N` (a script or the browser test asks for the tick a
    /// canvas shows).
    static let keptFrames = 32

    private let clients = Mutex<[Int: StudioClient]>([:])
    private let recent = Mutex<[Data]>([])
    private let nextID = Atomic<Int>(0)
    let sampleRate: Int
    /// Sent to each new client first (size, rates, the patch, the matrix).
    var greeting: (@Sendable () -> [String])?

    init(sampleRate: Int) { self.sampleRate = sampleRate }

    /// A new client, greeted and handed the latest picture.
    func connect() -> StudioClient {
        let c = StudioClient(id: nextID.add(1, ordering: .relaxed).newValue, sampleRate: sampleRate)
        for t in greeting?() ?? [] { c.offer(text: t) }
        if let last = recent.withLock({ $0.last }) { c.offer(frame: last) }
        clients.withLock { $0[c.id] = c }
        return c
    }

    func disconnect(_ c: StudioClient) {
        _ = clients.withLock { $0.removeValue(forKey: c.id) }
        c.close()
    }

    func client(_ id: Int) -> StudioClient? { clients.withLock { $0[id] } }

    var clientCount: Int { clients.withLock { $0.count } }

    private var all: [StudioClient] { clients.withLock { Array($0.values) } }

    /// A tick's picture (tick thread).
    func publish(frame: UnsafeBufferPointer<UInt8>, width: Int, height: Int, tick: Int) {
        let m = StudioWire.frame(frame, width: width, height: height, tick: tick,
                                 wallMilliseconds: Date().timeIntervalSince1970 * 1000)
        recent.withLock {
            $0.append(m)
            if $0.count > Self.keptFrames { $0.removeFirst($0.count - Self.keptFrames) }
        }
        for c in all { c.offer(frame: m) }
    }

    /// A tick's sound (tick thread); only clients that asked for it get a copy.
    func publish(audio: UnsafeBufferPointer<Float>, tick: Int) {
        for c in all { c.offer(audio: audio, tick: tick) }
    }

    /// A text message for every client.
    func broadcast(_ text: String) {
        for c in all { c.offer(text: text) }
    }

    /// The picture of `tick` if still kept, else (nil) the newest; nil when there is none.
    func frame(tick: Int?) -> (tick: Int, width: Int, height: Int, rgb: [UInt8])? {
        let kept = recent.withLock { $0 }
        guard let tick else { return kept.last.map(StudioWire.pixels) }
        for m in kept.reversed() {
            let p = StudioWire.pixels(of: m)
            if p.tick == tick { return p }
        }
        return nil
    }

    /// Closes every client (the session is over).
    func closeAll() {
        let cs = clients.withLock { d -> [StudioClient] in let v = Array(d.values); d = [:]; return v }
        for c in cs { c.offer(control: .close(code: .goingAway)); c.close() }
    }
}
