/// What a recording run of the engine's signal stroke did: every signal unit's inputs exactly
/// as the down movement delivered them and every output as its kernel wrote them, sample by
/// sample from `startTick` on. The fitter's reverse sweep reads it (`dmm fit --teacher` on a
/// sound), so the forward it differentiates is the renderer's own, not a second copy.
///
/// Buffers are allocated once for `ticks` ticks; a unit call past the end (or before the start)
/// is not recorded, so a recording is bounded by construction whatever runs. One thread uses a
/// recording at a time (the fitter hands spare ones over under a lock).
package final class SignalTrace: @unchecked Sendable {
    /// The first tick recorded and the samples per tick.
    package let startTick: Int, samplesPerTick: Int, ticks: Int
    /// Lanes per buffer: the samples rounded up to 16 (the padding stays zero).
    package let lanes: Int
    /// Per unit: the index of its first input buffer and of its first output buffer.
    package let inputBase: [Int], outputBase: [Int]
    /// Ports per unit, as given.
    let inputs: [Int], outputs: [Int]
    package let data: UnsafeMutablePointer<Float>
    let buffers: Int

    /// - Parameters: `inputs`, `outputs`: ports per unit (in unit order).
    package init(startTick: Int, ticks: Int, samplesPerTick: Int, inputs: [Int], outputs: [Int]) {
        self.startTick = startTick; self.ticks = max(0, ticks); self.samplesPerTick = max(1, samplesPerTick)
        lanes = (self.ticks * self.samplesPerTick + 15) / 16 * 16
        var ib: [Int] = [], ob: [Int] = [], b = 0
        for c in inputs { ib.append(b); b += c }
        for c in outputs { ob.append(b); b += c }
        inputBase = ib; outputBase = ob; buffers = b
        self.inputs = inputs; self.outputs = outputs
        data = .allocate(capacity: max(16, b * lanes))
        data.initialize(repeating: 0, count: max(16, b * lanes))
    }

    deinit { data.deallocate() }

    /// True when this recording was made for exactly these arguments (it can be reused for them).
    package func matches(startTick: Int, ticks: Int, samplesPerTick: Int, inputs: [Int], outputs: [Int]) -> Bool {
        self.startTick == startTick && self.ticks == max(0, ticks) && self.samplesPerTick == max(1, samplesPerTick)
            && self.inputs == inputs && self.outputs == outputs
    }

    /// Every buffer back to zero (for reuse).
    package func clear() { data.update(repeating: 0, count: max(16, buffers * lanes)) }

    /// Unit `u`'s input `p` over the whole recording.
    package func input(_ u: Int, _ p: Int) -> UnsafeMutablePointer<Float> { data + (inputBase[u] + p) * lanes }
    /// Unit `u`'s output `o` over the whole recording.
    package func output(_ u: Int, _ o: Int) -> UnsafeMutablePointer<Float> { data + (outputBase[u] + o) * lanes }

    /// Copies `count` samples starting at tick `tick` from `src` into buffer `b`, the part
    /// that falls inside the recording.
    @inline(__always)
    func record(_ b: Int, tick: Int, count: Int, from src: UnsafePointer<Float>) {
        let at = (tick - startTick) * samplesPerTick
        let from = max(0, -at), to = min(count, ticks * samplesPerTick - at)
        guard b >= 0, b < buffers, to > from else { return }
        (data + b * lanes + at + from).update(from: src + from, count: to - from)
    }
}
