import DMMCore
import Fitting
import PatchLanguage
import MediaIO

/// Patches used across the fitting tests, and small helpers.
enum TestPatches {
    static func network(_ text: String) throws -> Network {
        try PatchBuilder.build(try PatchParser.parse(text, file: "test.dmm"))
    }

    /// Per-pixel: sines over coordinates, a scalar LFO on the clock, a product, an
    /// accumulator (implicit self-loop) and a tanh; 19×13 so the last 16 lanes are partly padding.
    static let perPixel = """
    size 19x13
    fps 30
    x: coord.x
    y: coord.y
    clk: clock
    lfo: sin
    s1: sin
    s2: sin
    m: mul
    acc: accum
    th: tanh
    out: rgb

    lfo.x = 3 clk + 0.2
    s1.x = 2.5 x - 1.5 y + 0.7 lfo
    s1.b = 0.3
    s2.a = 1.2 + 0.3 s1
    s2.x = y + 0.5 x
    m.a = s1
    m.b = s2 - 0.2
    acc.x = 0.1 m - 0.05
    th.x = 1.5 acc + 0.5 s2
    out.r = 0.8 s1
    out.g = th
    out.b = 0.5 m + 0.3 lfo
    """

    /// Per-pixel CPPN as the benchmark writes it: `sin` neurons with a frozen `a = 1!`, whose
    /// backward reads the cosine stored by the forward pass in place of x.
    static let frozenA = """
    size 19x13
    fps 30
    x: coord.x
    y: coord.y
    clk: clock
    h1: sin
    h2: sin
    h3: sin
    o: sigmoid
    out: rgb

    h1.a = 1!
    h1.x = 2.5 x - 1.5 y + 0.7 clk
    h1.b = 0.3
    h2.a = 1!
    h2.x = 0.8 y + 0.5 x - 0.4 h1
    h3.a = 1!
    h3.x = 1.1 h1 - 0.9 h2 + 0.2 clk
    o.x = 1.3 h3 - 0.6 h1 + 0.1
    out.r = 2! o - 1!
    out.g = 0.7 h2
    out.b = 0.5 h3 + 0.3 h1
    """

    /// Spatial: the demo's feedback loop, small.
    static let spatial = """
    size 16x12
    fps 30
    t:  clock
    x:  coord.x
    y:  coord.y
    r:  coord.r
    s1: sin
    s2: sin
    fb: feedback
    out: rgb

    s1.a = 3
    s1.x = x + 0.6 y
    s1.b = 1.7 t
    s2.x = 0.8 y - 0.5 x + 0.4 s1 + r
    s2.b = -1.1 t
    fb.in = 0.55 out.g + 0.42 fb
    fb.zoom = 1.015 + 0.05 s1c
    fb.rotate = 0.1
    fb.tx = 0.05
    s1c: sin
    s1c.x = 2 t
    out.r = 0.5 s1 + 0.4 s2 + 0.05 t
    out.g = 0.4 + 0.5 s2
    out.b = 0.2 s2 + 0.8 fb
    """
}

/// Renders `frames` frames of `network` with the plan itself (the renderer's semantics) and
/// returns the picture bytes (width × height × 3 per frame).
func renderBytesWithPlan(_ network: Network, frames: Int) throws -> [UInt8] {
    let probe = try TickPlan(network: network)
    let plan = try TickPlan(network: network, startTick: -probe.warmUpTicks)
    while plan.currentTick < 0 { plan.tick() }
    let n = network.timing.pixels * 3
    var out = [UInt8](repeating: 0, count: frames * n)
    out.withUnsafeMutableBufferPointer { b in
        for f in 0..<frames { plan.tick(frame: b.baseAddress! + f * n) }
    }
    return out
}

/// The renderer's rounding of a picture value: (v + 1)·127.5, clamped, to nearest (ties even).
func pictureByte(_ v: Float) -> UInt8 {
    UInt8(min(max((v + 1) * 127.5, 0), 255).rounded(.toNearestOrEven))
}

extension TestPatches {
    /// The recovery patch: three sines (one reading the other two) on x, y, t; 32×32.
    static let known = """
    size 32x32
    fps 30
    frames 8
    x: coord.x
    y: coord.y
    t: clock
    s1: sin
    s2: sin
    s3: sin
    out: rgb

    s1.x = 3 x + 1.2 y + 4 t
    s1.b = 0.5
    s2.x = -2 y + 0.8 x - 3 t
    s2.b = -1
    s3.x = 1.5 s1 + 2 s2 + x
    s3.b = 0.3
    out.r = 0.8 s1 + 0.1
    out.g = 0.6 s2 + 0.3 s3
    out.b = 0.7 s3 - 0.2
    """

    /// The synthesis target: two sines and the picture (3 neurons, 10 weights).
    static let small = """
    size 32x32
    fps 30
    frames 8
    x: coord.x
    y: coord.y
    t: clock
    s1: sin
    s2: sin
    out: rgb

    s1.x = 3 x + 1.5 y + 6 t
    s2.x = -2.5 y + x - 4 t
    out.r = 0.8 s1
    out.g = 0.7 s2
    out.b = 0.5 s1 - 0.4 s2
    """
}

/// Frames of a network rendered by the plan and rounded to bytes, as target images.
func renderTargets(_ network: Network, frames: Int) throws -> FitTargets {
    let probe = try TickPlan(network: network)
    let plan = try TickPlan(network: network, startTick: -probe.warmUpTicks)
    while plan.currentTick < 0 { plan.tick() }
    let t = network.timing
    var images: [RGBImage] = []
    for _ in 0..<frames {
        var bytes = [UInt8](repeating: 0, count: t.pixels * 3)
        bytes.withUnsafeMutableBufferPointer { plan.tick(frame: $0.baseAddress) }
        images.append(RGBImage(width: t.width, height: t.height, pixels: bytes))
    }
    return try FitTargets(images: images)
}
