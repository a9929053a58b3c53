import DMMCore

/// The engine's compiled structure as raw, immutable tables for the hot loops.
///
/// Reading Swift arrays that are properties of a class from two threads costs a retain and a
/// release per access (atomic, on shared cache lines) and, for mutable ones, a dynamic
/// exclusivity check; profiles showed that overhead next to the kernels themselves. These
/// tables are plain pointers, allocated once per engine and freed with it.
struct EngineTables: @unchecked Sendable {
    // Rows and stream terms.
    let streamStart: UnsafeMutablePointer<Int>
    let streamSrc: UnsafeMutablePointer<Int>
    /// Current weights of stream terms (written by `evaluate`).
    let streamW: UnsafeMutablePointer<Float>
    let streamTrainable: UnsafeMutablePointer<Bool>
    let rowWantsGx: UnsafeMutablePointer<Bool>
    let rowSumIndex: UnsafeMutablePointer<Int>
    let slotNeedsGrad: UnsafeMutablePointer<Bool>
    // Field neurons, flattened: neuron n's inputs are `inStart[n]..<inStart[n+1]`.
    let neuronCount: Int
    let kinds: UnsafeMutablePointer<any NeuronKind>
    let inStart: UnsafeMutablePointer<Int>
    let rows: UnsafeMutablePointer<Int>
    let rowStored: UnsafeMutablePointer<Int>
    let rowScalar: UnsafeMutablePointer<Bool>
    let outStart: UnsafeMutablePointer<Int>
    let outs: UnsafeMutablePointer<Int>
    let backward: UnsafeMutablePointer<Bool>
    let stateBytes: UnsafeMutablePointer<Int>
    let stateOffset: UnsafeMutablePointer<Int>
    let seeds: UnsafeMutablePointer<UInt64>
    /// `FusedKernels` op of each neuron (`generic`: the kind's own forward/backward).
    let op: UnsafeMutablePointer<UInt8>

    init(streamStart ss: [Int], streamSrc src: [Int], streamW w: [Float], streamTrainable tr: [Bool], rowWantsGx wg: [Bool],
         rowSumIndex rs: [Int], slotNeedsGrad sn: [Bool], neurons: [BackpropThroughTime.FieldNeuron]) {
        func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
            p.initialize(from: a, count: a.count)
            return p
        }
        streamStart = copy(ss); streamSrc = copy(src); streamW = copy(w); streamTrainable = copy(tr)
        rowWantsGx = copy(wg); rowSumIndex = copy(rs); slotNeedsGrad = copy(sn)
        neuronCount = neurons.count
        kinds = copy(neurons.map(\.kind))
        var ins = [0], outsStart = [0]
        for n in neurons { ins.append(ins.last! + n.rows.count); outsStart.append(outsStart.last! + n.outSlots.count) }
        inStart = copy(ins); outStart = copy(outsStart)
        rows = copy(neurons.flatMap(\.rows)); rowStored = copy(neurons.flatMap(\.rowStored))
        rowScalar = copy(neurons.flatMap(\.rowScalar)); outs = copy(neurons.flatMap(\.outSlots))
        backward = copy(neurons.map(\.backward)); stateBytes = copy(neurons.map(\.stateBytes))
        stateOffset = copy(neurons.map(\.stateOffset)); seeds = copy(neurons.map(\.seed))
        op = copy(neurons.map { $0.stateBytes == 0 ? FusedKernels.op(for: $0.kind) : FusedKernels.generic })
    }

    func free() {
        kinds.deinitialize(count: neuronCount)
        for p in [streamStart, streamSrc, rowSumIndex, inStart, rows, rowStored, outStart, outs, stateBytes, stateOffset] {
            p.deallocate()
        }
        streamW.deallocate(); streamTrainable.deallocate(); rowWantsGx.deallocate(); slotNeedsGrad.deallocate()
        kinds.deallocate(); rowScalar.deallocate(); backward.deallocate(); seeds.deallocate(); op.deallocate()
    }
}
