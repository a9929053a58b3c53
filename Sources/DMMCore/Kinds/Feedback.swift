/// Video feedback: samples its field input through a zoom, a rotation, a translation and a
/// per-pixel displacement.
///
/// The Shadertoy/Hydra staple (`src(o0).scale(1.01).rotate(0.01)`), as a DMM neuron. Wire the
/// picture (or any field) into `in` and the neuron's own output back with a weight below 1 for
/// trails. Sampling is bilinear. All geometry is in coordinate units (the shorter side spans
/// −1…1): the output at p reads the input at R(rotate)·p / zoom + (tx, ty) + (dx(p), dy(p)).
/// Scalar inputs zoom (default 1), rotate (radians), tx, ty; field inputs dx, dy displace every
/// pixel on its own (Hydra's `modulate`: `fb.dx = 0.05 n` with n a noise field). It is spatial:
/// it runs once the whole input frame is known, so it costs one tick like every other neuron.
///
/// `feedback(edge: …)` says what is read outside the frame: "black" (0, the default and the
/// behaviour before the option existed), "clamp" (the nearest edge pixel), "wrap" (the frame
/// tiles the plane) or "mirror" (the frame tiles the plane reflected, so there are no seams).
/// The edge applies per pixel index, so the bilinear blend across the border is seamless.
public struct Feedback: NeuronKind {
    public static let name = "feedback"
    public static let summary = "previous field through zoom / rotate (rad) / tx, ty and field displacement dx, dy (bilinear; edge: black, clamp, wrap, mirror)"
    public static let configKeys = ["edge"]

    /// What a sample outside the frame reads.
    public enum Edge: String, Sendable, CaseIterable {
        case black, clamp, wrap, mirror
    }

    public let config: NeuronConfig
    public let edge: Edge

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        guard let v = config["edge"] else { edge = .black; return }
        guard let s = v.string, let e = Edge(rawValue: s) else {
            throw KindError("'edge' must be one of \(Edge.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \(DiagnosticText.shortened(DiagnosticText.visible(v.description), limit: DiagnosticText.quoteLimit))", key: "edge")
        }
        edge = e
    }

    public var inputs: [PortSpec] {
        [PortSpec("in", .fixed(.field)), PortSpec("zoom", .fixed(.scalar), default: 1),
         PortSpec("rotate", .fixed(.scalar)), PortSpec("tx", .fixed(.scalar)), PortSpec("ty", .fixed(.scalar)),
         PortSpec("dx", .fixed(.field)), PortSpec("dy", .fixed(.field))]
    }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.field))] }
    public var traits: KindTraits { [.spatial] }

    /// The source position (in fractional pixels) read by pixel (col, row), displaced by
    /// (ox, oy) coordinate units.
    @inline(__always)
    static func source(col: Int, row: Int, w: Int, h: Int, zoom: Float, c: Float, s: Float, tx: Float, ty: Float,
                       ox: Float = 0, oy: Float = 0)
        -> (px: Float, py: Float, x: Float, y: Float) {
        let sc = 2 / Float(min(w, h))
        let x = (Float(col) + 0.5 - Float(w) / 2) * sc
        let y = (Float(h) / 2 - Float(row) - 0.5) * sc
        let qx = (c * x - s * y) / zoom + tx + ox
        let qy = (s * x + c * y) / zoom + ty + oy
        return (qx / sc + Float(w) / 2 - 0.5, Float(h) / 2 - 0.5 - qy / sc, x, y)
    }

    public func forward(_ io: KernelIO) {
        let w = io.context.width, h = io.context.height
        let src = io.inputs[0], out = io.outputs[0]
        let zoom = io.inputs[1][0], rot = io.inputs[2][0], tx = io.inputs[3][0], ty = io.inputs[4][0]
        let ox = io.inputs[5], oy = io.inputs[6]
        let c = Float(Foundation_cos(Double(rot))), s = Float(Foundation_sin(Double(rot)))
        let safeZoom = abs(zoom) < 1e-6 ? 1e-6 : zoom
        for row in 0..<h {
            for col in 0..<w {
                let i = row * w + col
                let q = Self.source(col: col, row: row, w: w, h: h, zoom: safeZoom, c: c, s: s, tx: tx, ty: ty, ox: ox[i], oy: oy[i])
                out[i] = Self.bilinear(src, w, h, q.px, q.py, edge: edge).value
            }
        }
    }

    /// Bilinear read under an edge mode; also returns the derivatives along columns and rows
    /// and the four pixels read (index −1: outside a black edge, reads 0) with their weights.
    @inline(__always)
    static func bilinear(_ p: UnsafeMutablePointer<Float>, _ w: Int, _ h: Int, _ x: Float, _ y: Float, edge: Edge = .black)
        -> (value: Float, dx: Float, dy: Float, cells: (Int, Int, Int, Int), fx: Float, fy: Float) {
        let none = (Float(0), Float(0), Float(0), (-1, -1, -1, -1), Float(0), Float(0))
        guard x.isFinite, y.isFinite else { return none }
        var x = x, y = y
        switch edge {
        case .black:
            guard x > -2, y > -2, x < Float(w + 1), y < Float(h + 1) else { return none }
        case .clamp:
            x = min(max(x, -1), Float(w)); y = min(max(y, -1), Float(h))
        case .wrap, .mirror:
            // Reduce by the period first so far positions stay in Int range.
            let pw = Float(edge == .wrap ? w : 2 * w), ph = Float(edge == .wrap ? h : 2 * h)
            x -= pw * (x / pw).rounded(.down); y -= ph * (y / ph).rounded(.down)
            // Far out (|x| ≳ 2²⁴ pixels) the reduction itself rounds; keep it in one period.
            x = min(max(x, 0), pw); y = min(max(y, 0), ph)
        }
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        @inline(__always) func map(_ i: Int, _ n: Int) -> Int {
            switch edge {
            case .black: return i >= 0 && i < n ? i : -1
            case .clamp: return min(max(i, 0), n - 1)
            case .wrap: return ((i % n) + n) % n
            case .mirror:
                let m = ((i % (2 * n)) + 2 * n) % (2 * n)
                return m < n ? m : 2 * n - 1 - m
            }
        }
        let c0 = map(x0, w), c1 = map(x0 + 1, w), r0 = map(y0, h), r1 = map(y0 + 1, h)
        @inline(__always) func at(_ c: Int, _ r: Int) -> Float { c >= 0 && r >= 0 ? p[r * w + c] : 0 }
        let v00 = at(c0, r0), v10 = at(c1, r0), v01 = at(c0, r1), v11 = at(c1, r1)
        let top = v00 + (v10 - v00) * fx, bottom = v01 + (v11 - v01) * fx
        let dx = (1 - fy) * (v10 - v00) + fy * (v11 - v01)
        return (top + (bottom - top) * fy, dx, bottom - top, (c0, c1, r0, r1), fx, fy)
    }

    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let w = io.context.width, h = io.context.height
        let src = io.inputs[0], g = gr.outputGrads[0], gin = gr.inputGrads[0]
        let zoom = io.inputs[1][0], rot = io.inputs[2][0], tx = io.inputs[3][0], ty = io.inputs[4][0]
        let ox = io.inputs[5], oy = io.inputs[6], gox = gr.inputGrads[5], goy = gr.inputGrads[6]
        let c = Float(Foundation_cos(Double(rot))), s = Float(Foundation_sin(Double(rot)))
        let z = abs(zoom) < 1e-6 ? 1e-6 : zoom
        let sc = 2 / Float(min(w, h))
        var gZoom: Float = 0, gRot: Float = 0, gTx: Float = 0, gTy: Float = 0
        for row in 0..<h {
            for col in 0..<w {
                let i = row * w + col
                let gv = g[i]
                if gv == 0 { continue }
                let q = Self.source(col: col, row: row, w: w, h: h, zoom: z, c: c, s: s, tx: tx, ty: ty, ox: ox[i], oy: oy[i])
                let b = Self.bilinear(src, w, h, q.px, q.py, edge: edge)
                @inline(__always) func add(_ cc: Int, _ r: Int, _ wgt: Float) {
                    if cc >= 0 && r >= 0 { gin[r * w + cc] += gv * wgt }
                }
                let (c0, c1, r0, r1) = b.cells
                add(c0, r0, (1 - b.fx) * (1 - b.fy)); add(c1, r0, b.fx * (1 - b.fy))
                add(c0, r1, (1 - b.fx) * b.fy); add(c1, r1, b.fx * b.fy)
                // Chain rule through q = R·p/z + t + d(p), with pixel = q/sc (x right, y down).
                let dqx = gv * b.dx / sc, dqy = -gv * b.dy / sc
                gTx += dqx; gTy += dqy
                gox[i] += dqx; goy[i] += dqy
                let rx = c * q.x - s * q.y, ry = s * q.x + c * q.y
                gZoom += -(dqx * rx + dqy * ry) / (z * z)
                gRot += (dqx * (-s * q.x - c * q.y) + dqy * (c * q.x - s * q.y)) / z
            }
        }
        gr.inputGrads[1][0] += gZoom; gr.inputGrads[2][0] += gRot
        gr.inputGrads[3][0] += gTx; gr.inputGrads[4][0] += gTy
    }
}
