/// Decoded pictures for the input-media kinds (`image`, `video`): 8-bit RGB frames, row-major,
/// immutable once made, shared by every copy of the kind (a plan, the fitter, a live reload).
///
/// DMMCore reads no files: the patch loader (PatchLanguage, through MediaIO's libpng and
/// ffmpeg) decodes the file a patch names and attaches the frames with `MediaKind.attaching`.
public final class MediaFrames: Sendable {
    public let width: Int
    public let height: Int
    /// Number of frames (1 for a picture).
    public let count: Int
    /// count × height × width × 3 bytes.
    public let rgb: [UInt8]

    public init(width: Int, height: Int, count: Int, rgb: [UInt8]) {
        precondition(width > 0 && height > 0 && count > 0 && rgb.count == width * height * count * 3)
        self.width = width; self.height = height; self.count = count; self.rgb = rgb
    }

    /// Writes frame `f` (clamped to the frames there are) as r, g, b fields in −1…1 for `count`
    /// lanes from pixel `start` of a `w`×`h` frame, resampled bilinearly from pixel centres
    /// (stretched to the frame, as a texture is to a quad). Lanes past the frame are 0.
    public func fill(_ out: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, frame f: Int, start: Int, count n: Int,
                     width w: Int, height h: Int) {
        let fi = min(max(f, 0), count - 1)
        let r = out[0], g = out[1], b = out[2]
        let scale: Float = 1 / 127.5
        rgb.withUnsafeBufferPointer { src in
            let base = src.baseAddress! + fi * width * height * 3
            let same = w == width && h == height
            let sx = Float(width) / Float(w), sy = Float(height) / Float(h)
            for i in 0..<n {
                let p = start + i
                guard p < w * h else { r[i] = 0; g[i] = 0; b[i] = 0; continue }
                let col = p % w, row = p / w
                if same {
                    let q = base + p * 3
                    r[i] = Float(q[0]) * scale - 1; g[i] = Float(q[1]) * scale - 1; b[i] = Float(q[2]) * scale - 1
                    continue
                }
                let x = min(max((Float(col) + 0.5) * sx - 0.5, 0), Float(width - 1))
                let y = min(max((Float(row) + 0.5) * sy - 0.5, 0), Float(height - 1))
                let x0 = Int(x), y0 = Int(y)
                let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                let fx = x - Float(x0), fy = y - Float(y0)
                let w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy
                let a = base + (y0 * width + x0) * 3, c = base + (y0 * width + x1) * 3
                let d = base + (y1 * width + x0) * 3, e = base + (y1 * width + x1) * 3
                for (k, o) in [r, g, b].enumerated() {
                    let v = w00 * Float(a[k]) + w10 * Float(c[k]) + w01 * Float(d[k]) + w11 * Float(e[k])
                    o[i] = v * scale - 1
                }
            }
        }
    }
}

/// A kind whose pictures come from a file named by its `file` option.
public protocol MediaKind: NeuronKind {
    /// The file as written in the patch (relative paths are relative to the patch file).
    var file: String { get }
    /// True for a moving picture (one frame per tick at the patch's fps, through ffmpeg).
    static var isVideo: Bool { get }
    /// The frames, once attached.
    var frames: MediaFrames? { get }
    /// A copy of the kind that draws `frames`.
    func attaching(_ frames: MediaFrames) -> Self
}

extension MediaKind {
    /// The `file` option: a non-empty string, or "" when it is not given (so `dmm kinds` can
    /// list the kind's ports; the patch loader refuses a media neuron without a file).
    static func fileOption(_ config: NeuronConfig) throws(KindError) -> String {
        guard let v = config["file"] else { return "" }
        guard let s = v.string, !s.isEmpty else {
            throw KindError("'file' must be a file name in quotes, not \(DiagnosticText.shortened(DiagnosticText.visible(v.description), limit: DiagnosticText.quoteLimit))", key: "file")
        }
        return s
    }

    /// Outputs r, g, b: fields in −1…1, the range `rgb` takes.
    public var outputs: [PortSpec] { ["r", "g", "b"].map { PortSpec($0, .fixed(.field)) } }

    /// Writes picture `frame` of the attached frames into r, g, b (zeros before a file is
    /// attached, as `dmm kinds` builds the kind without one).
    func emit(_ io: KernelIO, frame: Int) {
        guard let frames else {
            for o in io.outputs { Lanes.fill(o, io.count, 0) }
            return
        }
        frames.fill(io.outputs, frame: frame, start: io.context.start, count: io.count,
                    width: io.context.width, height: io.context.height)
    }
}
