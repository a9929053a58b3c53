/// Hard clip of x into [lo, hi] (configuration, default −1…1).
public struct Clip: NeuronKind {
    public static let name = "clip"
    public static let summary = "clamp x into [lo, hi] (config; default −1, 1)"
    public static let configKeys = ["lo", "hi"]
    public let config: NeuronConfig
    package let lo: Float, hi: Float
    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        lo = try config.float("lo", default: -1)
        hi = try config.float("hi", default: 1)
        guard lo < hi else { throw KindError("clip needs lo < hi, got lo \(lo), hi \(hi)") }
    }
    public var inputs: [PortSpec] { [PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) {
        let x = io.inputs[0], y = io.outputs[0]
        var i = 0
        while i < io.count { Lanes.store(FastMath.clamp(Lanes.load(x, i), lo, hi), y, i); i += 16 }
    }
    /// Passes the gradient where x is strictly inside the range.
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        Lanes.vjp1(io, gr) { [lo, hi] x, _, g in
            var r = g
            r.replace(with: 0, where: (x .<= FastMath.V(repeating: lo)) .| (x .>= FastMath.V(repeating: hi)))
            return r
        }
    }
}
