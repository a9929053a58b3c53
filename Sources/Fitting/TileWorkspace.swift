/// The buffers one worker thread of `BackpropThroughTime` reuses for every tile it runs.
///
/// Allocated once per engine (per-task allocation in the hot loop cost +70 % CPU when it was
/// measured), sized from the tile, the segment length and the network's field outputs.
/// All buffers are raw and 64-byte aligned; the class is only ever touched by one thread.
final class TileWorkspace: @unchecked Sendable {
    let tileLanes: Int
    /// Outputs of every field slot for the `segmentTicks` ticks of a segment.
    let outTrace: UnsafeMutablePointer<Float>
    /// Stored field inputs for `segmentTicks` ticks.
    let inTrace: UnsafeMutablePointer<Float>
    /// Field state at each segment start.
    let checkpoints: UnsafeMutablePointer<Float>
    /// Scratch for filled inputs, input gradients, output gradients at t and t − 1, zeros.
    let fill: UnsafeMutablePointer<Float>
    let gx: UnsafeMutablePointer<Float>
    var gyCur: UnsafeMutablePointer<Float>
    var gyPrev: UnsafeMutablePointer<Float>
    let zeros: UnsafeMutablePointer<Float>
    var dirtyCur: UnsafeMutablePointer<Bool>
    var dirtyPrev: UnsafeMutablePointer<Bool>
    /// Private state of spatial kinds: live, per tick of a segment, per segment start.
    let liveState: UnsafeMutableRawPointer
    let stateTrace: UnsafeMutableRawPointer
    let stateCheckpoints: UnsafeMutableRawPointer
    let stateCopy: UnsafeMutableRawPointer
    /// Port pointer arrays for `KernelIO` / `KernelGrads`.
    let ptrs: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    /// Index masks of the fused kernels' inputs: −1 tile-wide, 0 uniform (16 lanes).
    let masks: UnsafeMutablePointer<Int>
    /// Source pointers of one row's terms (the down movement).
    let sources: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    let bytes: Int

    init(tileLanes L: Int, slots: Int, storedRows: Int, segmentTicks k: Int, segments: Int, maxPorts: Int, stateBytes: Int,
         maxTerms: Int) {
        tileLanes = L
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(64, n * 4), alignment: 64)
            let p = raw.bindMemory(to: Float.self, capacity: max(16, n))
            p.initialize(repeating: 0, count: max(16, n))
            return p
        }
        outTrace = buffer(k * slots * L)
        inTrace = buffer(k * storedRows * L)
        checkpoints = buffer(segments * slots * L)
        fill = buffer(maxPorts * L)
        gx = buffer(maxPorts * L)
        gyCur = buffer(slots * L)
        gyPrev = buffer(slots * L)
        zeros = buffer(L)
        dirtyCur = .allocate(capacity: max(1, slots)); dirtyCur.initialize(repeating: false, count: max(1, slots))
        dirtyPrev = .allocate(capacity: max(1, slots)); dirtyPrev.initialize(repeating: false, count: max(1, slots))
        func raw(_ n: Int) -> UnsafeMutableRawPointer {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(16, n), alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: 0, count: max(16, n))
            return p
        }
        liveState = raw(stateBytes)
        stateTrace = raw(k * stateBytes)
        stateCheckpoints = raw(segments * stateBytes)
        stateCopy = raw(stateBytes)
        ptrs = .allocate(capacity: 4 * maxPorts)
        masks = .allocate(capacity: max(1, maxPorts)); masks.initialize(repeating: 0, count: max(1, maxPorts))
        sources = .allocate(capacity: max(1, maxTerms))
        bytes = 4 * L * (k * slots + k * storedRows + segments * slots + 2 * maxPorts + 2 * slots + 1)
            + stateBytes * (k + segments + 2)
    }

    deinit {
        for p in [outTrace, inTrace, checkpoints, fill, gx, gyCur, gyPrev, zeros] { UnsafeMutableRawPointer(p).deallocate() }
        liveState.deallocate(); stateTrace.deallocate(); stateCheckpoints.deallocate(); stateCopy.deallocate()
        ptrs.deallocate(); masks.deallocate(); sources.deallocate(); dirtyCur.deallocate(); dirtyPrev.deallocate()
    }
}
