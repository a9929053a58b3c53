/// `max(a, b)`: the larger input (GLSL `max`), for intersections and floors (`max(x, 0)` is a
/// ReLU). The gradient goes to the input that is returned; at a tie all of it goes to a.
public struct Max: NeuronKind {
    public static let name = "max"
    public static let summary = "the larger of a, b (a tie's gradient goes to a)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a"), PortSpec("b")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) { Lanes.map2(io) { a, b in a.replacing(with: b, where: b .> a) } }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        PickGradient.backward(io, gr) { a, b in b .> a }
    }
}
