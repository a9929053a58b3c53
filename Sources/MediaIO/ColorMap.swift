/// A perceptual colour map for heat-map style pictures (spectrograms, weight matrices).
///
/// An inferno-like ramp (black → purple → orange → pale yellow) whose luminance rises
/// monotonically (to within 8-bit rounding), so brightness alone reads as magnitude and it survives grayscale printing.
/// A 256-entry lookup table keeps it fast and bit-for-bit deterministic.
public enum ColorMap {
    /// Maps `t` in 0...1 (clamped; NaN maps to 0) to an RGB triple.
    public static func inferno(_ t: Float) -> (r: UInt8, g: UInt8, b: UInt8) {
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        let index = Int((clamped * 255).rounded())
        return (table[index * 3], table[index * 3 + 1], table[index * 3 + 2])
    }

    /// Control points sampled from matplotlib's "inferno" at t = 0, 0.1, ..., 1.
    private static let stops: [(Float, Float, Float)] = [
        (0, 0, 4), (22, 11, 57), (66, 10, 104), (106, 23, 110), (147, 38, 103),
        (188, 55, 84), (221, 81, 58), (243, 120, 25), (252, 165, 10), (246, 215, 70),
        (252, 255, 164),
    ]

    /// 256 interpolated entries, RGB interleaved.
    private static let table: [UInt8] = {
        var result: [UInt8] = []
        result.reserveCapacity(256 * 3)
        let segments = stops.count - 1
        for entry in 0..<256 {
            let position = Float(entry) / 255 * Float(segments)
            let lower = min(Int(position), segments - 1)
            let fraction = position - Float(lower)
            let a = stops[lower]
            let b = stops[lower + 1]
            for (from, to) in [(a.0, b.0), (a.1, b.1), (a.2, b.2)] {
                result.append(UInt8((from + (to - from) * fraction).rounded()))
            }
        }
        return result
    }()
}
