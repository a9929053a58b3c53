/// Every neuron kind by name. Adding a kind: write its file in `Kinds/` and add it here.
public struct KindRegistry: Sendable {
    public private(set) var kinds: [String: any NeuronKind.Type]

    /// The built-in kinds, in the order `dmm kinds` lists them.
    public static let builtinList: [any NeuronKind.Type] = [
        Clock.self, CoordX.self, CoordY.self, CoordR.self, CoordTheta.self,
        Sin.self, Cos.self, Tanh.self, Gauss.self, Mul.self, Abs.self, Clip.self,
        Accum.self, Identity.self, Feedback.self, RGB.self, HSV.self,
    ]

    /// The registry of built-in kinds, extended by other modules (audio) through `adding`.
    public static var builtins: KindRegistry {
        var r = KindRegistry(kinds: [:])
        for k in builtinList + extraKinds { r.kinds[k.name] = k }
        return r
    }

    /// Kinds registered by the audio module and others at start-up, in listing order.
    nonisolated(unsafe) static var extraKinds: [any NeuronKind.Type] = []

    /// Adds kinds to every registry made after this call (the audio kinds register this way).
    public static func register(_ kinds: [any NeuronKind.Type]) {
        for k in kinds where !extraKinds.contains(where: { $0.name == k.name }) { extraKinds.append(k) }
    }

    public init(kinds: [String: any NeuronKind.Type]) { self.kinds = kinds }

    /// All kind names, sorted, for suggestions and listings.
    public var names: [String] { kinds.keys.sorted() }

    public subscript(name: String) -> (any NeuronKind.Type)? { kinds[name] }

    /// Kinds in listing order (built-ins first).
    public var ordered: [any NeuronKind.Type] {
        (Self.builtinList + Self.extraKinds).filter { kinds[$0.name] != nil }
    }
}
