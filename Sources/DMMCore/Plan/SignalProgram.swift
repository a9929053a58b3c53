/// The compiled signal side of a `TickPlan`: where every signal output lives, in which order
/// the signal neurons run, and the scratch they run in. Allocated once per compile; running it
/// allocates nothing and touches no Swift array or class property in its inner loops (those
/// cost reference counting and exclusivity checks on every access).
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
/// into a few hundred calls of a few hundred samples, with the semantics of one tick per
/// sample. Kernels must therefore be *block-size independent*: their output may depend on
/// input samples and their state, never on where one call ends and the next begins.
///
/// **Groups.** Neurons of one `GroupedKind` with equal configurations on the same level of
/// that order (so no connection between them) run in a single call, SIMD across neurons.
package final class SignalProgram {
    /// Samples a batch aims for: long enough to amortise a call, short enough that every
    /// slot stays in cache: 2048 samples for up to 64 signal outputs (512 KB of timelines),
    /// fewer for larger patches, never under 256.
    package nonisolated(unsafe) static var batchSamples = 2048
    static func batchTarget(slots: Int) -> Int { max(256, min(batchSamples, 131_072 / max(1, slots))) }

    /// Step codes in `steps`: `[code, member count, members…]`.
    static let single = 0, group = 1, cycle = 2

    package private(set) var samplesPerTick = 0
    /// Ticks that can run in one batch (1 when samples per tick already fill a batch).
    package private(set) var batchTicks = 1
    /// Lanes of a whole batch (samples rounded up to 16): the length of a scratch input.
    private(set) var lanes = 0
    private(set) var history = 0
    private(set) var stride = 0
    private(set) var slotCount = 0
    private(set) var unitCount = 0

    /// Kinds by unit, and the same kinds as `GroupedKind` where they are one (for compiling).
    var kinds: [any NeuronKind] = []
    var groupKinds: [(any GroupedKind)?] = []
    /// Kernels by unit (kept alive here; `kernelRefs` holds them unretained for the runner).
    var boxes: [KernelBox] = []
    /// The `audio.out` unit (−1: none) and whether its right input is unwired (mono).
    var audioUnit = -1
    package var audioMono = false
    /// True when no scalar neuron changes from tick to tick (only constants): batches then
    /// skip the scalar stroke entirely.
    var scalarsStatic = true
    /// Rows (in order) whose constant part follows a changing scalar.
    var dynamicRows: [Int] = []
    /// Some unit reports a scalar per tick (`follow`, `band`): the scalar stroke of the next
    /// tick reads it, so `runAudio` runs such patches one tick per batch, and the unit's
    /// scalar outputs are read at the last sample of its call.
    package var hasScalarOutputs = false

    // Flat tables (see `build`).
    /// Per unit: input count, output count, offset into `rows`, offset into `slots`.
    private(set) var unitInfo: UnsafeMutablePointer<Int>
    /// Rows of every unit's inputs, as row·2 + 1 when the input carries a signal.
    private(set) var rows: UnsafeMutablePointer<Int>
    /// Output slots of every unit (−1 for an output that is not a signal, −2 − s for one
    /// that is scalar slot s).
    private(set) var slots: UnsafeMutablePointer<Int>
    /// One batch of lanes per scalar output of the unit that has most: where a signal kind
    /// writes a scalar output sample by sample before the runner takes its last value.
    private(set) var scalarOutScratch: UnsafeMutablePointer<Float>
    private(set) var states: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private(set) var seeds: UnsafeMutablePointer<UInt64>
    private(set) var kernelRefs: UnsafeMutablePointer<Unmanaged<KernelBox>>
    /// `[code, count, members…]` per step, in running order.
    private(set) var steps: UnsafeMutablePointer<Int>
    private(set) var stepWords = 0
    /// Copies of the plan's row structure (weights are read from the plan, they change).
    private(set) var constStart: UnsafeMutablePointer<Int>
    private(set) var constSlot: UnsafeMutablePointer<Int>
    private(set) var streamStart: UnsafeMutablePointer<Int>
    private(set) var streamSlot: UnsafeMutablePointer<Int>
    private(set) var rowDefault: UnsafeMutablePointer<Float>
    /// Per row: index among `dynamicRows`, or −1.
    private(set) var dynamicOf: UnsafeMutablePointer<Int>
    /// Per row: its constant part at the previous tick (NaN before the first), for ramps.
    private(set) var rampFrom: UnsafeMutablePointer<Float>
    /// Per stream term (the plan's `streamW` index): its weight at the previous tick (NaN
    /// before the first), so that a weight edited between ticks ramps across the next tick
    /// instead of stepping: a gain change on a signal never clicks.
    private(set) var weightFrom: UnsafeMutablePointer<Float>
    /// Per row: −1, or the index of its own buffer when the row can only ever be a constant
    /// (no signal terms, no changing scalar). Such a buffer is refilled only when the value
    /// changes, and kernels told so (`constantInputs`) read one lane of it.
    private(set) var constIndex: UnsafeMutablePointer<Int>
    private(set) var constBuffers: UnsafeMutablePointer<Float>
    /// The value each constant buffer holds now (NaN: not filled yet).
    private(set) var constValue: UnsafeMutablePointer<Float>

    private(set) var store: UnsafeMutablePointer<Float>
    private(set) var scratch: UnsafeMutablePointer<Float>
    private(set) var pointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    private(set) var ios: UnsafeMutablePointer<KernelIO>
    /// Per dynamic row, its constant part at each tick of the batch (`batchTicks` each).
    private(set) var dynamicValues: UnsafeMutablePointer<Float>

    // The scalar stroke of `runAudio`: like `unitInfo`… for the changing scalar neurons.
    private(set) var scalarUnitCount = 0
    private(set) var scalarUnitInfo: UnsafeMutablePointer<Int>
    private(set) var scalarRows: UnsafeMutablePointer<Int>
    private(set) var scalarSlots: UnsafeMutablePointer<Int>
    private(set) var scalarStates: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private(set) var scalarSeeds: UnsafeMutablePointer<UInt64>
    private(set) var scalarKernels: UnsafeMutablePointer<Unmanaged<KernelBox>>
    private(set) var constantScalarSlots: UnsafeMutablePointer<Int>
    private(set) var constantScalarCount = 0
    /// 16 lanes per input and output of the largest scalar kind, and their pointer table.
    private(set) var scalarScratch: UnsafeMutablePointer<Float>
    private(set) var scalarPointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    var scalarBoxes: [KernelBox] = []

    private var allocations: [UnsafeMutableRawPointer] = []

    /// When set, every unit call copies its inputs and outputs here (the fitter's recording run).
    package var trace: SignalTrace?

    /// The running order: per step, its units and whether they form a loop through the matrix
    /// (run tick by tick). Units are numbered as `TickPlan.signalNeurons`.
    package var order: [(units: [Int], loop: Bool)] {
        var out: [(units: [Int], loop: Bool)] = []
        var i = 0
        while i < stepWords {
            let code = steps[i], count = steps[i + 1]
            out.append(((0..<count).map { steps[i + 2 + $0] }, code == Self.cycle))
            i += 2 + count
        }
        return out
    }

    /// An empty program (no signal neurons).
    package init() {
        func none<T>(_ t: T.Type) -> UnsafeMutablePointer<T> { UnsafeMutablePointer<T>.allocate(capacity: 1) }
        unitInfo = none(Int.self); rows = none(Int.self); slots = none(Int.self)
        states = none(UnsafeMutableRawPointer?.self); seeds = none(UInt64.self); steps = none(Int.self)
        kernelRefs = none(Unmanaged<KernelBox>.self)
        constIndex = none(Int.self); constBuffers = none(Float.self); constValue = none(Float.self)
        scalarUnitInfo = none(Int.self); scalarRows = none(Int.self); scalarSlots = none(Int.self)
        scalarStates = none(UnsafeMutableRawPointer?.self); scalarSeeds = none(UInt64.self)
        scalarKernels = none(Unmanaged<KernelBox>.self); constantScalarSlots = none(Int.self)
        scalarScratch = none(Float.self); scalarPointers = none(UnsafeMutablePointer<Float>.self)
        scalarOutScratch = none(Float.self)
        constStart = none(Int.self); constSlot = none(Int.self); streamStart = none(Int.self)
        streamSlot = none(Int.self); rowDefault = none(Float.self); dynamicOf = none(Int.self)
        rampFrom = none(Float.self); store = none(Float.self); scratch = none(Float.self)
        weightFrom = none(Float.self)
        pointers = none(UnsafeMutablePointer<Float>.self); ios = none(KernelIO.self); dynamicValues = none(Float.self)
        allocations = [UnsafeMutableRawPointer(unitInfo), UnsafeMutableRawPointer(rows), UnsafeMutableRawPointer(slots),
                       UnsafeMutableRawPointer(states), UnsafeMutableRawPointer(seeds), UnsafeMutableRawPointer(steps),
                       UnsafeMutableRawPointer(kernelRefs), UnsafeMutableRawPointer(constIndex),
                       UnsafeMutableRawPointer(constBuffers), UnsafeMutableRawPointer(constValue),
                       UnsafeMutableRawPointer(scalarUnitInfo), UnsafeMutableRawPointer(scalarRows),
                       UnsafeMutableRawPointer(scalarSlots), UnsafeMutableRawPointer(scalarStates),
                       UnsafeMutableRawPointer(scalarSeeds), UnsafeMutableRawPointer(scalarKernels),
                       UnsafeMutableRawPointer(constantScalarSlots), UnsafeMutableRawPointer(scalarScratch),
                       UnsafeMutableRawPointer(scalarPointers), UnsafeMutableRawPointer(scalarOutScratch),
                       UnsafeMutableRawPointer(constStart), UnsafeMutableRawPointer(constSlot),
                       UnsafeMutableRawPointer(streamStart), UnsafeMutableRawPointer(streamSlot),
                       UnsafeMutableRawPointer(rowDefault), UnsafeMutableRawPointer(dynamicOf),
                       UnsafeMutableRawPointer(rampFrom), UnsafeMutableRawPointer(weightFrom),
                       UnsafeMutableRawPointer(store), UnsafeMutableRawPointer(scratch),
                       UnsafeMutableRawPointer(pointers), UnsafeMutableRawPointer(ios), UnsafeMutableRawPointer(dynamicValues)]
    }

    deinit { for p in allocations { p.deallocate() } }

    /// Allocates `values.count` (at least 1) elements holding `values`, freed with the program.
    private func table<T>(_ values: [T], minimum: Int = 1, fill: T) -> UnsafeMutablePointer<T> {
        let count = max(minimum, values.count)
        let p = UnsafeMutablePointer<T>.allocate(capacity: count)
        p.initialize(repeating: fill, count: count)
        values.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: values.count) } }
        allocations.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// Everything a compiled program needs, in plain arrays (built by `TickPlan.compileSignals`).
    struct Layout {
        var samplesPerTick = 1
        var slots = 0
        var unitInfo: [Int] = [], rows: [Int] = [], slotList: [Int] = []
        var states: [UnsafeMutableRawPointer?] = [], seeds: [UInt64] = []
        var steps: [Int] = []
        var constStart: [Int] = [], constSlot: [Int] = [], streamStart: [Int] = [], streamSlot: [Int] = []
        var rowDefault: [Float] = [], dynamicOf: [Int] = [], constIndex: [Int] = []
        var constBuffers = 0
        var scratchInputs = 1, pointerCount = 1, groupSize = 1
        /// The changing scalar neurons, for `runAudio`'s own scalar stroke (see `runScalars`).
        var scalarKinds: [any NeuronKind] = []
        var scalarUnitInfo: [Int] = [], scalarRows: [Int] = [], scalarSlots: [Int] = []
        var scalarStates: [UnsafeMutableRawPointer?] = [], scalarSeeds: [UInt64] = []
        var constantScalarSlots: [Int] = []
        /// Scalar outputs of the signal unit that has most (see `scalarOutScratch`).
        var scalarOutputs = 0
    }

    /// Lays out the tables and storage; everything zeroed (ramps NaN: "no previous tick").
    func build(_ l: Layout) {
        for p in allocations { p.deallocate() }
        allocations = []
        samplesPerTick = l.samplesPerTick
        let n = l.samplesPerTick
        batchTicks = max(1, Self.batchTarget(slots: l.slots) / max(1, n))
        lanes = (batchTicks * n + 15) / 16 * 16
        history = (n + 15) / 16 * 16
        stride = history + lanes + 16
        slotCount = l.slots
        unitCount = l.unitInfo.count / 4
        unitInfo = table(l.unitInfo, fill: 0); rows = table(l.rows, fill: 0); slots = table(l.slotList, fill: -1)
        states = table(l.states, fill: nil); seeds = table(l.seeds, fill: 0)
        boxes = kinds.map { KernelBox.make($0) }
        let refs = boxes.map { Unmanaged.passUnretained($0) }
        kernelRefs = refs.isEmpty ? table([], fill: Unmanaged.passUnretained(KernelBox())) : table(refs, fill: refs[0])
        steps = table(l.steps, fill: 0); stepWords = l.steps.count
        constStart = table(l.constStart, fill: 0); constSlot = table(l.constSlot, fill: 0)
        streamStart = table(l.streamStart, fill: 0); streamSlot = table(l.streamSlot, fill: 0)
        rowDefault = table(l.rowDefault, fill: 0); dynamicOf = table(l.dynamicOf, fill: -1)
        rampFrom = table([Float](repeating: .nan, count: l.rowDefault.count), fill: .nan)
        weightFrom = table([Float](repeating: .nan, count: l.streamSlot.count), fill: .nan)
        constIndex = table(l.constIndex, fill: -1)
        constBuffers = table([], minimum: max(16, l.constBuffers * lanes), fill: 0)
        constValue = table([], minimum: max(1, l.constBuffers), fill: .nan)
        store = table([], minimum: max(16, l.slots * stride), fill: 0)
        scratch = table([], minimum: max(16, l.scratchInputs * lanes), fill: 0)
        scalarOutScratch = table([], minimum: max(16, l.scalarOutputs * lanes), fill: 0)
        pointers = table([], minimum: max(1, l.pointerCount), fill: scratch)
        ios = table([], minimum: max(1, l.groupSize),
                    fill: KernelIO(inputs: UnsafeBufferPointer(start: nil, count: 0),
                                   outputs: UnsafeBufferPointer(start: nil, count: 0), count: 0, context: KernelContext()))
        dynamicValues = table([], minimum: max(16, dynamicRows.count * batchTicks), fill: 0)
        scalarUnitCount = l.scalarUnitInfo.count / 4
        scalarUnitInfo = table(l.scalarUnitInfo, fill: 0); scalarRows = table(l.scalarRows, fill: 0)
        scalarSlots = table(l.scalarSlots, fill: -1); scalarStates = table(l.scalarStates, fill: nil)
        scalarSeeds = table(l.scalarSeeds, fill: 0)
        scalarBoxes = l.scalarKinds.map { KernelBox.make($0) }
        let srefs = scalarBoxes.map { Unmanaged.passUnretained($0) }
        scalarKernels = srefs.isEmpty ? table([], fill: Unmanaged.passUnretained(KernelBox())) : table(srefs, fill: srefs[0])
        constantScalarCount = l.constantScalarSlots.count
        constantScalarSlots = table(l.constantScalarSlots, fill: 0)
        var widest = 1
        for u in 0..<scalarUnitCount { widest = max(widest, l.scalarUnitInfo[4 * u] + l.scalarUnitInfo[4 * u + 1]) }
        scalarScratch = table([], minimum: 16 * widest, fill: 0)
        scalarPointers = table([], minimum: widest, fill: scalarScratch)
    }

    /// Sample 0 of the current batch of slot `s`; the previous tick is at −samplesPerTick..<0.
    @inline(__always)
    func slot(_ s: Int) -> UnsafeMutablePointer<Float> { store + s * stride + history }

    /// Moves the last tick of a batch of `ticks` ticks into every slot's history.
    func keepLastTick(of ticks: Int) {
        let n = samplesPerTick, base = store + history, stride = stride
        guard ticks > 0, n > 0 else { return }
        for s in 0..<slotCount {
            let p = base + s * stride
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
