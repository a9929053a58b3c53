/// `a · b`: ring modulation, masks, amplitude control by a stream (gains by constants are
/// weights and need no neuron).
public struct Mul: NeuronKind {
    public static let name = "mul"
    public static let summary = "a · b (ring modulation, masks, VCA)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a"), PortSpec("b")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) { Lanes.map2(io) { a, b in a * b } }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let a = io.inputs[0], b = io.inputs[1], g = gr.outputGrads[0]
        let ga = gr.inputGrads[0], gb = gr.inputGrads[1]
        var i = 0
        while i < io.count {
            let gv = Lanes.load(g, i)
            Lanes.store(Lanes.load(ga, i).madd(gv, Lanes.load(b, i)), ga, i)
            Lanes.store(Lanes.load(gb, i).madd(gv, Lanes.load(a, i)), gb, i)
            i += 16
        }
    }
}
