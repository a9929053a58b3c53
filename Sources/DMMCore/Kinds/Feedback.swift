/// Video feedback: samples its field input through a zoom, a rotation and a translation.
///
/// The Shadertoy/Hydra staple (`src(o0).scale(1.01).rotate(0.01)`), as a DMM neuron. Wire the
/// picture (or any field) into `in` and the neuron's own output back with a weight below 1 for
/// trails. Sampling is bilinear; outside the frame reads 0. All geometry is in coordinate units
/// (the shorter side spans −1…1): the output at p reads the input at R(rotate)·p / zoom + (tx, ty).
/// Scalar inputs zoom (default 1), rotate (radians), tx, ty. It is spatial: it runs once the
/// whole input frame is known, so it costs one tick like every other neuron.
public struct Feedback: NeuronKind {
    public static let name = "feedback"
    public static let summary = "previous field sampled through zoom / rotate (rad) / tx, ty (bilinear)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] {
        [PortSpec("in", .fixed(.field)), PortSpec("zoom", .fixed(.scalar), default: 1),
         PortSpec("rotate", .fixed(.scalar)), PortSpec("tx", .fixed(.scalar)), PortSpec("ty", .fixed(.scalar))]
    }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.field))] }
    public var traits: KindTraits { [.spatial] }

    /// The source position (in fractional pixels) read by pixel (col, row).
    @inline(__always)
    static func source(col: Int, row: Int, w: Int, h: Int, zoom: Float, c: Float, s: Float, tx: Float, ty: Float)
        -> (px: Float, py: Float, x: Float, y: Float) {
        let sc = 2 / Float(min(w, h))
        let x = (Float(col) + 0.5 - Float(w) / 2) * sc
        let y = (Float(h) / 2 - Float(row) - 0.5) * sc
        let qx = (c * x - s * y) / zoom + tx
        let qy = (s * x + c * y) / zoom + ty
        return (qx / sc + Float(w) / 2 - 0.5, Float(h) / 2 - 0.5 - qy / sc, x, y)
    }

    public func forward(_ io: KernelIO) {
        let w = io.context.width, h = io.context.height
        let src = io.inputs[0], out = io.outputs[0]
        let zoom = io.inputs[1][0], rot = io.inputs[2][0], tx = io.inputs[3][0], ty = io.inputs[4][0]
        let c = Float(Foundation_cos(Double(rot))), s = Float(Foundation_sin(Double(rot)))
        let safeZoom = abs(zoom) < 1e-6 ? 1e-6 : zoom
        for row in 0..<h {
            for col in 0..<w {
                let q = Self.source(col: col, row: row, w: w, h: h, zoom: safeZoom, c: c, s: s, tx: tx, ty: ty)
                out[row * w + col] = Self.bilinear(src, w, h, q.px, q.py).value
            }
        }
    }

    /// Bilinear read with zero outside; also returns the derivatives along columns and rows.
    @inline(__always)
    static func bilinear(_ p: UnsafeMutablePointer<Float>, _ w: Int, _ h: Int, _ x: Float, _ y: Float)
        -> (value: Float, dx: Float, dy: Float, x0: Int, y0: Int, fx: Float, fy: Float) {
        guard x.isFinite, y.isFinite, x > -2, y > -2, x < Float(w + 1), y < Float(h + 1) else {
            return (0, 0, 0, -10, -10, 0, 0)
        }
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        @inline(__always) func at(_ c: Int, _ r: Int) -> Float {
            (c >= 0 && c < w && r >= 0 && r < h) ? p[r * w + c] : 0
        }
        let v00 = at(x0, y0), v10 = at(x0 + 1, y0), v01 = at(x0, y0 + 1), v11 = at(x0 + 1, y0 + 1)
        let top = v00 + (v10 - v00) * fx, bottom = v01 + (v11 - v01) * fx
        let dx = (1 - fy) * (v10 - v00) + fy * (v11 - v01)
        return (top + (bottom - top) * fy, dx, bottom - top, x0, y0, fx, fy)
    }

    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let w = io.context.width, h = io.context.height
        let src = io.inputs[0], g = gr.outputGrads[0], gin = gr.inputGrads[0]
        let zoom = io.inputs[1][0], rot = io.inputs[2][0], tx = io.inputs[3][0], ty = io.inputs[4][0]
        let c = Float(Foundation_cos(Double(rot))), s = Float(Foundation_sin(Double(rot)))
        let z = abs(zoom) < 1e-6 ? 1e-6 : zoom
        let sc = 2 / Float(min(w, h))
        var gZoom: Float = 0, gRot: Float = 0, gTx: Float = 0, gTy: Float = 0
        for row in 0..<h {
            for col in 0..<w {
                let gv = g[row * w + col]
                if gv == 0 { continue }
                let q = Self.source(col: col, row: row, w: w, h: h, zoom: z, c: c, s: s, tx: tx, ty: ty)
                let b = Self.bilinear(src, w, h, q.px, q.py)
                if b.x0 > -10 {
                    @inline(__always) func add(_ cc: Int, _ r: Int, _ wgt: Float) {
                        if cc >= 0 && cc < w && r >= 0 && r < h { gin[r * w + cc] += gv * wgt }
                    }
                    add(b.x0, b.y0, (1 - b.fx) * (1 - b.fy)); add(b.x0 + 1, b.y0, b.fx * (1 - b.fy))
                    add(b.x0, b.y0 + 1, (1 - b.fx) * b.fy); add(b.x0 + 1, b.y0 + 1, b.fx * b.fy)
                }
                // Chain rule through q = R·p/z + t, with pixel = q/sc (x right, y down).
                let dqx = gv * b.dx / sc, dqy = -gv * b.dy / sc
                gTx += dqx; gTy += dqy
                let rx = c * q.x - s * q.y, ry = s * q.x + c * q.y
                gZoom += -(dqx * rx + dqy * ry) / (z * z)
                gRot += (dqx * (-s * q.x - c * q.y) + dqy * (c * q.x - s * q.y)) / z
            }
        }
        gr.inputGrads[1][0] += gZoom; gr.inputGrads[2][0] += gRot
        gr.inputGrads[3][0] += gTx; gr.inputGrads[4][0] += gTy
    }
}
