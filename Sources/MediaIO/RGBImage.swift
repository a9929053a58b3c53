/// An 8-bit RGB raster: the common currency between PNG files, spectrograms, contact sheets
/// and renderers.
///
/// Deliberately minimal (no alpha, no strides, no colour space) because everything DMMSynth
/// draws is opaque sRGB-ish pixels and a flat array is trivial to hash, compare in tests, and
/// hand to libpng or ffmpeg without conversion.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Interleaved R, G, B bytes, rows top to bottom, no padding: `width * height * 3` bytes.
    public var pixels: [UInt8]

    /// Wraps existing pixels; traps if the count does not match, since a mismatched buffer would
    /// otherwise surface much later as a confusing libpng or ffmpeg error.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size")
        precondition(pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A solid-colour image (black by default), the usual starting canvas for drawing.
    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8) = (0, 0, 0)) {
        precondition(width >= 0 && height >= 0, "negative image size")
        self.width = width
        self.height = height
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if fill != (0, 0, 0) {
            for index in stride(from: 0, to: pixels.count, by: 3) {
                pixels[index] = fill.r
                pixels[index + 1] = fill.g
                pixels[index + 2] = fill.b
            }
        }
        self.pixels = pixels
    }

    /// The pixel at column `x`, row `y` (row 0 at the top); handy for tests and small plots.
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        get {
            let index = (y * width + x) * 3
            return (pixels[index], pixels[index + 1], pixels[index + 2])
        }
        set {
            let index = (y * width + x) * 3
            pixels[index] = newValue.r
            pixels[index + 1] = newValue.g
            pixels[index + 2] = newValue.b
        }
    }
}
