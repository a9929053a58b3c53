import Foundation
import FlyingFox
import Synchronization

/// One browser (or script) connected to `GET /ws`: its outbox.
///
/// The connection pulls its next WebSocket frame only after the previous one was written to
/// the socket, so a slow client simply pulls less often. What waits for it is bounded: one
/// picture slot (a newer frame replaces an unsent one and counts as dropped), an audio buffer
/// of at most `maxAudioSeconds` (oldest samples dropped), and a short queue of text messages.
/// Nothing here ever blocks the tick thread: producers only append under a short lock.
final class StudioClient: @unchecked Sendable {
    /// Seconds of audio a client may fall behind before its oldest samples are dropped.
    static let maxAudioSeconds = 0.5
    /// Text messages (events, replies, matrix updates) kept for a client that does not read.
    static let maxTexts = 256

    private struct State {
        var control: [WSFrame] = []
        var texts: [String] = []
        var frame: Data?
        var audio: [Float] = []
        var audioTick = 0.0
        var wantsAudio = false
        var droppedFrames = 0
        var droppedAudio = 0
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?

        var hasWork: Bool { closed || !control.isEmpty || !texts.isEmpty || frame != nil }
    }

    let id: Int
    private let sampleRate: Int
    private let minAudioSamples: Int
    private let maxAudioSamples: Int
    private let state = Mutex(State())

    init(id: Int, sampleRate: Int) {
        self.id = id
        self.sampleRate = sampleRate
        // Chunks of about 20 ms: few enough messages, short enough for a small jitter buffer.
        minAudioSamples = max(256, sampleRate / 50) * 2
        maxAudioSamples = max(minAudioSamples * 2, Int(Double(sampleRate) * Self.maxAudioSeconds) * 2)
    }

    // MARK: Producers (any thread)

    /// Offers a picture message; an unsent older one is replaced (dropped).
    func offer(frame: Data) {
        wake { s in
            if s.frame != nil { s.droppedFrames += 1 }
            s.frame = frame
        }
    }

    /// Appends interleaved stereo samples (only when the client asked for sound).
    func offer(audio: UnsafeBufferPointer<Float>, tick: Int) {
        let min = minAudioSamples, max = maxAudioSamples
        let ready: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard s.wantsAudio, !s.closed else { return nil }
            if s.audio.isEmpty { s.audioTick = Double(tick) }
            s.audio.append(contentsOf: audio)
            if s.audio.count > max {
                let drop = (s.audio.count - max + 1) & ~1
                s.audio.removeFirst(drop)
                s.droppedAudio += drop / 2
            }
            guard s.audio.count >= min, let w = s.waiter else { return nil }
            s.waiter = nil
            return w
        }
        ready?.resume()
    }

    /// Queues a text message (JSON); the oldest is dropped past `maxTexts`.
    func offer(text: String) {
        wake { s in
            s.texts.append(text)
            if s.texts.count > Self.maxTexts { s.texts.removeFirst(s.texts.count - Self.maxTexts) }
        }
    }

    /// Queues a control frame (pong, close) ahead of everything else.
    func offer(control: WSFrame) { wake { $0.control.append(control) } }

    /// Starts or stops the audio stream for this client.
    func setAudio(_ on: Bool) { state.withLock { $0.wantsAudio = on; if !on { $0.audio = [] } } }

    /// The connection is gone: the outbox ends.
    func close() { wake { $0.closed = true } }

    /// Frames and audio samples (stereo pairs) this client missed because it read too slowly.
    var dropped: (frames: Int, audio: Int) { state.withLock { ($0.droppedFrames, $0.droppedAudio) } }

    private func wake(_ change: (inout State) -> Void) {
        let w: CheckedContinuation<Void, Never>? = state.withLock { s in
            change(&s)
            let w = s.waiter
            s.waiter = nil
            return w
        }
        w?.resume()
    }

    // MARK: Consumer (the connection's writer)

    /// The next WebSocket frame to send; nil once the client is closed.
    func next() async -> WSFrame? {
        while true {
            switch take() {
            case .frame(let f): return f
            case .end: return nil
            case .wait:
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now: Bool = state.withLock { s in
                        if s.hasWork || (s.wantsAudio && s.audio.count >= minAudioSamples) { return true }
                        s.waiter = c
                        return false
                    }
                    if now { c.resume() }
                }
            }
        }
    }

    private enum Take { case frame(WSFrame), end, wait }

    private func take() -> Take {
        let sr = sampleRate, min = minAudioSamples
        return state.withLock { s -> Take in
            if !s.control.isEmpty {
                let f = s.control.removeFirst()
                if f.opcode == .close { s.closed = true }
                return .frame(f)
            }
            if s.closed { return .end }
            if !s.texts.isEmpty { return .frame(Self.text(s.texts.removeFirst())) }
            if s.wantsAudio && s.audio.count >= min {
                let m = StudioWire.audio(s.audio, sampleRate: sr, tick: s.audioTick, dropped: s.droppedAudio)
                s.audio.removeAll(keepingCapacity: true)
                return .frame(WSFrame(fin: true, opcode: .binary, mask: nil, payload: m))
            }
            if let f = s.frame {
                s.frame = nil
                return .frame(WSFrame(fin: true, opcode: .binary, mask: nil, payload: f))
            }
            return .wait
        }
    }

    static func text(_ s: String) -> WSFrame { WSFrame(fin: true, opcode: .text, mask: nil, payload: Data(s.utf8)) }
}
