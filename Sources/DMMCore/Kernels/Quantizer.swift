/// Float streams to 8-bit pixels: the last step of every frame.
public enum Quantizer {
    /// v ∈ −1…1 → round(127.5·(v + 1)) clamped to 0…255, three planes into interleaved RGB.
    @inlinable
    public static func rgb(_ r: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           count: Int, into dst: UnsafeMutablePointer<UInt8>) {
        for i in 0..<count {
            dst[3 * i] = byte(r[i])
            dst[3 * i + 1] = byte(g[i])
            dst[3 * i + 2] = byte(b[i])
        }
    }

    /// One value: the magic-number add rounds to nearest and leaves the integer in the low bits.
    @inlinable @inline(__always)
    public static func byte(_ v: Float) -> UInt8 {
        let x = min(max((v + 1) * 127.5, 0), 255) + FastMath.magic
        return UInt8(truncatingIfNeeded: x.bitPattern)
    }
}
