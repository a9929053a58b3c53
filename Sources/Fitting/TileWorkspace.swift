import DMMCore

/// The buffers one worker thread of `BackpropThroughTime` reuses for every tile it runs.
///
/// Allocated once per engine (per-task allocation in the hot loop cost +70 % CPU when it was
/// measured), sized from the tile, the segment length and the network's field outputs, so
/// every index the engine forms is inside them by construction. All buffers are raw and
/// 64-byte aligned; the class is only ever touched by one thread.
final class TileWorkspace: @unchecked Sendable {
    let tileLanes: Int
    /// Every field slot's outputs for the `segmentTicks` ticks of a segment (slot-major per tick).
    let outTrace: UnsafeMutablePointer<Float>
    /// Field state at each segment start.
    let checkpoints: UnsafeMutablePointer<Float>
    /// The forward's scratch (rows written by the down movement), `maxPorts` rows.
    let scratch: UnsafeMutablePointer<Float>
    /// Inputs recomputed for a backward call, input gradients, output gradients at t and t − 1.
    let inputs: UnsafeMutablePointer<Float>
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
    /// Port pointer arrays for `KernelIO` / `KernelGrads` and the field program's rows.
    let ptrs: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    let bytes: Int

    init(tileLanes L: Int, slots: Int, segmentTicks k: Int, segments: Int, maxPorts: Int, pointers: Int, stateBytes: Int) {
        tileLanes = L
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(64, n * 4), alignment: 64)
            let p = raw.bindMemory(to: Float.self, capacity: max(16, n))
            p.initialize(repeating: 0, count: max(16, n))
            return p
        }
        outTrace = buffer(k * slots * L)
        checkpoints = buffer(segments * slots * L)
        scratch = buffer(maxPorts * L)
        inputs = buffer(maxPorts * L)
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
        ptrs = .allocate(capacity: max(1, pointers))
        bytes = Self.byteCount(tileLanes: L, slots: slots, segmentTicks: k, segments: segments, maxPorts: maxPorts, stateBytes: stateBytes)
    }

    /// What `init` allocates (saturating, so the fitter can check it before allocating): the
    /// output trace and checkpoints, scratch, inputs, input gradients and two output-gradient
    /// planes, a zero plane, and the spatial state trace, checkpoints, live copy and scratch copy.
    static func byteCount(tileLanes L: Int, slots: Int, segmentTicks k: Int, segments: Int, maxPorts: Int, stateBytes: Int) -> Int {
        typealias M = MemoryBudget
        let floats = M.add(M.add(M.multiply(M.add(k, segments), slots), 3 * maxPorts), 2 * slots + 1)
        return M.add(M.multiply(M.multiply(4, L), floats), M.multiply(stateBytes, M.add(k, segments) + 2))
    }

    deinit {
        for p in [outTrace, checkpoints, scratch, inputs, gx, gyCur, gyPrev, zeros] { UnsafeMutableRawPointer(p).deallocate() }
        liveState.deallocate(); stateTrace.deallocate(); stateCheckpoints.deallocate(); stateCopy.deallocate()
        ptrs.deallocate(); dirtyCur.deallocate(); dirtyPrev.deallocate()
    }
}
