#if canImport(Glibc)
import Glibc
#endif
import MediaIO

/// Streams a session's audio as raw PCM (32-bit float, little-endian, interleaved stereo) to a
/// file descriptor: an audio player's stdin, or stdout (`--stdout`).
///
/// The tick thread only appends blocks to a short queue; a writer thread of its own does the
/// blocking `write(2)`, so a player that stalls never delays a tick (and so never delays an
/// edit). When the queue holds more than `maxSeconds` the oldest block is dropped and counted.
/// When the reader goes away (the player quit: EPIPE), later audio goes to `fallback`.
public final class PCMStreamSink: LiveSink, @unchecked Sendable {
    private let fd: Int32
    private let player: AudioPlayer?
    private let cond = LiveCondition()
    private var blocks: [[Float]] = []
    private var queuedSamples = 0
    private let maxSamples: Int
    private var closing = false
    private var writerDone = false
    private var broken = false
    /// Blocks dropped because the reader was too slow.
    public private(set) var dropped = 0
    /// Where audio goes once the reader is gone (a rolling WAV).
    public var fallback: (any LiveSink)?
    /// Called once, from the writer thread, when the reader goes away.
    public var onBroken: (@Sendable (String) -> Void)?

    /// Streams to `player`'s stdin.
    public convenience init(player: AudioPlayer, sampleRate: Int, maxSeconds: Double = 0.25) {
        self.init(fd: player.fd, player: player, sampleRate: sampleRate, maxSeconds: maxSeconds)
    }

    /// Streams to a descriptor the caller owns (stdout).
    public convenience init(fd: Int32, sampleRate: Int, maxSeconds: Double = 0.25) {
        self.init(fd: fd, player: nil, sampleRate: sampleRate, maxSeconds: maxSeconds)
    }

    private init(fd: Int32, player: AudioPlayer?, sampleRate: Int, maxSeconds: Double) {
        self.fd = fd; self.player = player
        let samples = Double(sampleRate) * maxSeconds
        maxSamples = samples.isFinite && samples < 1e9 ? max(1024, Int(samples) * 2) : 1024   // range-checked first
        LiveThread.start { [self] in writer() }
    }

    public func consume(tick: Int, frame: UnsafeBufferPointer<UInt8>?, audio: UnsafeBufferPointer<Float>?) {
        guard let audio else { return }
        let isBroken = cond.locked { broken }
        if isBroken { fallback?.consume(tick: tick, frame: nil, audio: audio); return }
        let block = Array(audio)
        cond.locked {
            blocks.append(block)
            queuedSamples += block.count
            while queuedSamples > maxSamples, blocks.count > 1 { queuedSamples -= blocks.removeFirst().count; dropped += 1 }
            cond.broadcast()
        }
    }

    private func writer() {
        while true {
            let (batch, done): ([[Float]], Bool) = cond.locked {
                while blocks.isEmpty && !closing { cond.wait(timeout: 0.2) }
                let b = blocks
                blocks = []; queuedSamples = 0
                return (b, closing)
            }
            for b in batch {
                let ok = b.withUnsafeBytes { Platform.writeAll(fd, $0) == nil }
                if !ok {
                    let who = player?.name ?? "stdout"
                    cond.locked { broken = true; writerDone = true; cond.broadcast() }
                    onBroken?("\(who) stopped reading audio")
                    return
                }
            }
            if done && batch.isEmpty { break }
        }
        cond.locked { writerDone = true; cond.broadcast() }
    }

    public func finish() throws(LiveError) {
        cond.locked {
            closing = true
            cond.broadcast()
            let deadline = LiveClock.now() + 2
            while !writerDone && LiveClock.now() < deadline { cond.wait(timeout: 0.05) }
        }
        player?.close()
        try fallback?.finish()
    }
}
