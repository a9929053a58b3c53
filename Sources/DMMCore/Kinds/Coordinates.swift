/// Pixel coordinates as constant fields, aspect-correct: the shorter side spans −1…1 and the
/// longer side extends past it, so circles stay round. y grows upwards; pixel centres are used.
enum CoordinateKernel {
    /// (x, y) of lane i of a call.
    @inline(__always)
    static func xy(_ ctx: KernelContext, _ lane: Int) -> (Float, Float) {
        let p = ctx.start + lane
        let w = ctx.width, h = ctx.height
        let s = 2 / Float(min(w, h))
        let col = p % w, row = p / w
        let x = (Float(col) + 0.5 - Float(w) / 2) * s
        let y = (Float(h) / 2 - Float(row) - 0.5) * s
        return (x, y)
    }

    static func fill(_ io: KernelIO, _ f: (Float, Float) -> Float) {
        let out = io.outputs[0]
        for i in 0..<io.count { let (x, y) = xy(io.context, i); out[i] = f(x, y) }
    }
}

/// Horizontal pixel coordinate, −1…1 across the shorter side.
public struct CoordX: NeuronKind {
    public static let name = "coord.x"
    public static let summary = "x coordinate field (−1…1 on the shorter side, aspect-correct)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.field))] }
    public var traits: KindTraits { [.constantSource, .notDifferentiable] }
    public func forward(_ io: KernelIO) { CoordinateKernel.fill(io) { x, _ in x } }
}

/// Vertical pixel coordinate, −1…1 across the shorter side, growing upwards.
public struct CoordY: NeuronKind {
    public static let name = "coord.y"
    public static let summary = "y coordinate field (−1…1, upwards, aspect-correct)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.field))] }
    public var traits: KindTraits { [.constantSource, .notDifferentiable] }
    public func forward(_ io: KernelIO) { CoordinateKernel.fill(io) { _, y in y } }
}

/// Distance from the centre.
public struct CoordR: NeuronKind {
    public static let name = "coord.r"
    public static let summary = "distance from the centre (field)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.field))] }
    public var traits: KindTraits { [.constantSource, .notDifferentiable] }
    public func forward(_ io: KernelIO) { CoordinateKernel.fill(io) { x, y in (x * x + y * y).squareRoot() } }
}

/// Angle around the centre in units of π, so it spans −1…1 like the other coordinates.
public struct CoordTheta: NeuronKind {
    public static let name = "coord.theta"
    public static let summary = "angle around the centre divided by π (−1…1, field)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.field))] }
    public var traits: KindTraits { [.constantSource, .notDifferentiable] }
    public func forward(_ io: KernelIO) {
        CoordinateKernel.fill(io) { x, y in FastMath.atan2(FastMath.V(repeating: y), FastMath.V(repeating: x))[0] / Float.pi }
    }
}
