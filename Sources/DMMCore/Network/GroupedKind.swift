/// A neuron kind whose instances can run side by side in one call: SIMD across neurons.
///
/// Some kernels are serial in time: `fm.op` feeds each sample back into the next, so one
/// instance cannot use more than one SIMD lane however long its block is. Thirty-two such
/// operators in a patch are independent of each other, though, so the plan hands all of them
/// (same kind, same configuration, no connection between them) to one call, and the kernel runs
/// its recurrence with one lane per neuron. Only the signal stroke groups neurons; everywhere
/// else (scalars, fields, fitting) each instance still goes through `forward` alone, which must
/// compute the same thing.
public protocol GroupedKind: NeuronKind {
    /// Runs every member over the same lanes and context. `members[m]` holds member m's own
    /// inputs, outputs and state; `self` is the first member (all members have equal
    /// configurations).
    func forwardGroup(_ members: UnsafeBufferPointer<KernelIO>)
}
