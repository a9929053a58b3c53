/// A neuron kind behind a class reference, for the signal stroke's inner loop.
///
/// Calling `forward` on an `any NeuronKind` stored in an array copies the existential into a
/// temporary first (a value-witness call, plus reference counting for kinds that hold arrays);
/// at 48,000 calls per second per neuron that showed up in profiles. A box is one virtual call,
/// and the plan keeps it `Unmanaged` so the call does not even retain it.
class KernelBox {
    func forward(_ io: KernelIO) {}
    /// Runs several instances in one call (only boxes of a `GroupedKind` override this).
    func forwardGroup(_ members: UnsafeBufferPointer<KernelIO>) { for io in members { forward(io) } }

    /// A box for any kind, keeping its `GroupedKind` entry point when it has one.
    static func make(_ kind: any NeuronKind) -> KernelBox {
        if let g = kind as? any GroupedKind { return grouped(g) }
        return plain(kind)
    }
    private static func plain<K: NeuronKind>(_ k: K) -> KernelBox { Plain(k) }
    private static func grouped<K: GroupedKind>(_ k: K) -> KernelBox { Grouped(k) }

    private final class Plain<K: NeuronKind>: KernelBox {
        let kind: K
        init(_ kind: K) { self.kind = kind }
        override func forward(_ io: KernelIO) { kind.forward(io) }
    }

    private final class Grouped<K: GroupedKind>: KernelBox {
        let kind: K
        init(_ kind: K) { self.kind = kind }
        override func forward(_ io: KernelIO) { kind.forward(io) }
        override func forwardGroup(_ members: UnsafeBufferPointer<KernelIO>) { kind.forwardGroup(members) }
    }
}
