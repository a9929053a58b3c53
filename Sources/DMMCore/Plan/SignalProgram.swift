/// The compiled signal side of a `TickPlan`: where every signal output lives, in which order
/// the signal neurons run, and the scratch they run in. Allocated once per compile; running it
/// allocates nothing.
///
/// **Storage.** Every signal output slot is a timeline: `history` samples holding the previous
/// tick's block, then room for a *batch* of `batchTicks` ticks. A neuron's input at sample j
/// reads its sources at sample j − samplesPerTick: that is the DMM rule "every connection costs
/// one tick", and with a one-sample block it is a one-sample delay per connection.
///
/// **Batches.** With one timeline per slot, several ticks can run in one kernel call whenever
/// a neuron's sources have already produced the whole batch: the plan orders the signal
/// neurons by the connections between them (strongly connected components, topologically) and
/// runs each acyclic neuron over the whole batch at once; only neurons on a loop through the
/// matrix run tick by tick. At `block 1` that turns 48,000 tiny calls per neuron and second
/// into a few hundred calls of a few hundred samples, with bit-for-bit the semantics of one
/// tick per sample. Kernels must therefore be *block-size independent*: their output may
/// depend on input samples and their state, never on where one call ends and the next begins.
///
/// **Groups.** Neurons of one `GroupedKind` with equal configurations on the same level of
/// that order (so no connection between them) run in a single call, SIMD across neurons.
package final class SignalProgram {
    /// Samples a batch aims for: long enough to amortise a call, short enough that every
    /// slot of a large patch stays in cache.
    package nonisolated(unsafe) static var batchSamples = 256

    /// One signal neuron, with everything the stroke needs resolved at compile time.
    struct Unit {
        var neuron: Int
        var kind: any NeuronKind
        var group: (any GroupedKind)?
        var rows: [Int]
        /// Input p carries a signal (its stream terms apply); otherwise only its constant part.
        var signalInput: [Bool]
        var slots: [Int]
        var state: UnsafeMutableRawPointer?
        var seed: UInt64
    }

    /// What the stroke does, in order.
    enum Step {
        /// One neuron over the whole batch.
        case single(Int)
        /// Several neurons of one grouped kind over the whole batch, in one call.
        case group([Int])
        /// Neurons on a loop through the matrix: tick by tick, each tick all members.
        case cycle([Int])
    }

    package private(set) var samplesPerTick = 0
    /// Ticks that can run in one batch (1 when samples per tick already fill a batch).
    package private(set) var batchTicks = 1
    /// Lanes of a whole batch (samples rounded up to 16): the length of a scratch input.
    private(set) var lanes = 0
    private(set) var history = 0
    private(set) var stride = 0
    private(set) var slotCount = 0
    var units: [Unit] = []
    var steps: [Step] = []
    /// The `audio.out` unit and whether its right input is unwired (mono: right = left).
    var audioUnit: Int?
    package var audioMono = false
    /// Row → index among the rows whose constant part follows a changing scalar, or −1.
    var dynamicOf: [Int] = []
    var dynamicRows: [Int] = []
    /// True when no scalar neuron changes from tick to tick (only constants): batches then
    /// skip the scalar stroke entirely.
    var scalarsStatic = true

    private(set) var store: UnsafeMutablePointer<Float>
    private(set) var scratch: UnsafeMutablePointer<Float>
    private(set) var pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    private(set) var ios: UnsafeMutablePointer<KernelIO>
    /// Per dynamic row, its constant part at each tick of the batch (`batchTicks` each).
    private(set) var dynamicValues: UnsafeMutablePointer<Float>
    private var storeFloats = 16, scratchFloats = 16, pointerCount = 1, ioCount = 1, dynamicFloats = 16

    /// An empty program (no signal neurons).
    package init() {
        store = .allocate(capacity: 16); store.initialize(repeating: 0, count: 16)
        scratch = .allocate(capacity: 16); scratch.initialize(repeating: 0, count: 16)
        pointers = .allocate(capacity: 1); pointers.initialize(to: scratch)
        ios = .allocate(capacity: 1)
        ios.initialize(to: KernelIO(inputs: UnsafeBufferPointer(start: nil, count: 0),
                                    outputs: UnsafeBufferPointer(start: nil, count: 0), count: 0,
                                    context: KernelContext()))
        dynamicValues = .allocate(capacity: 16); dynamicValues.initialize(repeating: 0, count: 16)
    }

    deinit {
        store.deallocate(); scratch.deallocate(); pointers.deallocate(); ios.deallocate()
        dynamicValues.deallocate()
    }

    /// Sample 0 of the current batch of slot `s`; the previous tick is at −samplesPerTick..<0.
    @inline(__always)
    func slot(_ s: Int) -> UnsafeMutablePointer<Float> { store + s * stride + history }

    /// Sizes the storage for `slots` slots and the given schedule; everything zeroed.
    func allocate(samplesPerTick n: Int, slots: Int, scratchInputs: Int, pointerCount pc: Int, groupSize: Int) {
        samplesPerTick = n
        batchTicks = max(1, Self.batchSamples / max(1, n))
        lanes = (batchTicks * n + 15) / 16 * 16
        history = (n + 15) / 16 * 16
        stride = history + lanes + 16
        slotCount = slots
        store.deallocate(); scratch.deallocate(); pointers.deallocate(); ios.deallocate(); dynamicValues.deallocate()
        storeFloats = max(16, slots * stride)
        store = .allocate(capacity: storeFloats); store.initialize(repeating: 0, count: storeFloats)
        scratchFloats = max(16, scratchInputs * lanes)
        scratch = .allocate(capacity: scratchFloats); scratch.initialize(repeating: 0, count: scratchFloats)
        pointerCount = max(1, pc)
        pointers = .allocate(capacity: pointerCount); pointers.initialize(repeating: scratch, count: pointerCount)
        ioCount = max(1, groupSize)
        ios = .allocate(capacity: ioCount)
        ios.initialize(repeating: KernelIO(inputs: UnsafeBufferPointer(start: nil, count: 0),
                                           outputs: UnsafeBufferPointer(start: nil, count: 0), count: 0,
                                           context: KernelContext()), count: ioCount)
        dynamicFloats = max(16, dynamicRows.count * batchTicks)
        dynamicValues = .allocate(capacity: dynamicFloats); dynamicValues.initialize(repeating: 0, count: dynamicFloats)
    }

    /// Moves the last tick of a batch of `ticks` ticks into every slot's history.
    func keepLastTick(of ticks: Int) {
        let n = samplesPerTick
        guard ticks > 0, n > 0 else { return }
        for s in 0..<slotCount {
            let p = slot(s)
            (p - n).update(from: p + (ticks - 1) * n, count: n)
        }
    }

    /// Copies the previous tick of `old`'s slot `s0` into this program's slot `s1` (when the
    /// block length is unchanged), so an edited network keeps sounding without a gap.
    package func copyHistory(slot s1: Int, from old: SignalProgram, slot s0: Int) {
        let n = samplesPerTick
        guard n == old.samplesPerTick, n > 0, s1 < slotCount, s0 < old.slotCount else { return }
        (slot(s1) - n).update(from: old.slot(s0) - n, count: n)
    }

    /// The latest tick's samples of slot `s`.
    package func lastTick(_ s: Int) -> [Float] {
        guard s >= 0, s < slotCount else { return [] }
        return Array(UnsafeBufferPointer(start: slot(s) - samplesPerTick, count: samplesPerTick))
    }
}
