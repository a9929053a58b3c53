/// The picture: inputs r, g, b in −1…1 become the frame's colours (−1 → 0, 1 → 255).
///
/// Its outputs repeat its inputs so the picture can also be fed back into the network.
public struct RGB: NeuronKind {
    public static let name = "rgb"
    public static let summary = "picture output: r, g, b in −1…1 map to 0…255"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("r", .fixed(.field)), PortSpec("g", .fixed(.field)), PortSpec("b", .fixed(.field))] }
    public var outputs: [PortSpec] { [PortSpec("r", .fixed(.field)), PortSpec("g", .fixed(.field)), PortSpec("b", .fixed(.field))] }
    public var traits: KindTraits { [.display, .identity] }
    public func forward(_ io: KernelIO) {
        for c in 0..<3 { io.outputs[c].update(from: io.inputs[c], count: io.count) }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        for c in 0..<3 {
            let g = gr.outputGrads[c], gi = gr.inputGrads[c]
            var i = 0
            while i < io.count { Lanes.store(Lanes.load(gi, i) + Lanes.load(g, i), gi, i); i += 16 }
        }
    }
}
