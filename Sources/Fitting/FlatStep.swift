import DMMCore

/// One neuron of `TreeBackprop`'s program: a tree kind's flat form, or a scalar kind run on
/// lane 0 through its own kernels (`ScalarFlatKernel`).
enum FlatStep {
    case tree(any FlatTreeKind)
    case scalar(ScalarFlatKernel)

    func forward(_ io: KernelIO, layout: TreeLayout) {
        switch self {
        case .tree(let k): k.forwardFlat(io, layout: layout)
        case .scalar(let k): k.forward(io)
        }
    }

    func backward(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {
        switch self {
        case .tree(let k): k.backwardFlat(io, grads, layout: layout)
        case .scalar(let k): k.backward(io, grads)
        }
    }
}
