/// The logistic function `1/(1 + e^(−x))`: a soft step from 0 to 1.
///
/// Neural-network CPPNs end in it (the JAX fitting benchmark's output layer is one), so a
/// network trained elsewhere can be written as a patch unchanged. For the picture, which
/// spans −1…1, wire `out.r = 2 sig − 1` (or use `tanh`, since 2·sigmoid(x) − 1 = tanh(x/2)).
public struct Sigmoid: NeuronKind {
    public static let name = "sigmoid"
    public static let summary = "1/(1 + e^(−x)), a soft step from 0 to 1"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    /// A plain loop, so `exp` inlines (a closure through `Lanes.map1` stayed a call).
    public func forward(_ io: KernelIO) {
        let x = io.inputs[0], y = io.outputs[0]
        var i = 0
        while i < io.count { Lanes.store(Lanes.V(repeating: 1) / (1 + FastMath.exp(-Lanes.load(x, i))), y, i); i += 16 }
    }
    /// dy/dx = y·(1 − y).
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { _, y, g in g * y * (1 - y) }
    }
}
