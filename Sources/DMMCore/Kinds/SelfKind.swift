/// Self: the network matrix as a neuron (`shared/docs/dmm.md` §4).
///
/// Its output `W` is the matrix as a V-value (`{"s1.a": {"one": 6}}`), readable by any tree
/// input; its input `delta` is added to the matrix at the end of every tick,
/// `W(t+1) = W(t) + ΔW(t)`. Wire edits into it — a scheduled `edit`, a live monitor — and the
/// network rewires itself through its own mechanism. A ΔW that names an unknown port is not
/// applied (`TickPlan.lastSelfError` says why) and the patch keeps running.
public struct SelfKind: NeuronKind {
    public static let name = "self"
    public static let summary = "the matrix W as a V-value; ΔW on `delta` is added each tick"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("delta", .fixed(.tree))] }
    public var outputs: [PortSpec] { [PortSpec("W", .fixed(.tree))] }
    public var traits: KindTraits { [.notDifferentiable] }
    public func forward(_ io: KernelIO) {}
}
