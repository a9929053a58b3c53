#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decoded sound for `sample`: mono Float samples at the file's own rate, immutable once
/// made, shared by every copy of the kind (a plan, a live reload).
///
/// DMMCore reads no files: the patch loader (PatchLanguage, through MediaIO's libsndfile)
/// decodes the file a patch names and attaches it with `SamplePlayer.attaching(_:)`. The
/// samples keep the file's rate; the player resamples while it plays (`interpolate`), so the
/// same attachment serves any patch rate (`dmm synth --rate`) and any playback `rate`.
public final class SampleData: Sendable {
    /// Frames at the file's rate, channels mixed to mono (their mean).
    public let samples: [Float]
    /// The file's sample rate in Hz.
    public let rate: Double

    /// Longest sound a `sample` holds: 2^26 frames (23 minutes at 48 kHz, 256 MB).
    public static let maxFrames = 1 << 26

    /// Mixes `interleaved` frames of `channels` channels to mono.
    public init(interleaved: [Float], channels: Int, rate: Double) {
        let c = max(1, channels), n = interleaved.count / c
        var mono = [Float](repeating: 0, count: n)
        let scale = 1 / Float(c)
        for i in 0..<n {
            var s: Float = 0
            for k in 0..<c { s += interleaved[i * c + k] }
            mono[i] = AudioMath.finite(s * scale)
        }
        samples = mono
        self.rate = rate
    }

    // MARK: Windowed-sinc interpolation

    /// Zero crossings on each side of the kernel at full bandwidth.
    static let halfWidth = 8
    /// Table points per unit of the kernel's argument.
    static let resolution = 512
    /// The kernel h(t) = sinc(t)·blackman(t/halfWidth) for t in 0…halfWidth (symmetric), with
    /// one extra point so linear lookup never reads past the end.
    static let kernel: [Float] = {
        let n = halfWidth * resolution
        return (0...n + 1).map { i in
            let t = Double(i) / Double(resolution)
            guard t < Double(halfWidth) else { return 0 }
            let sinc = t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t)
            let x = 0.5 + 0.5 * t / Double(halfWidth)   // Blackman over [−W, W] mapped to [0, 1]
            let w = 0.42 - 0.5 * cos(2 * Double.pi * x) + 0.08 * cos(4 * Double.pi * x)
            return Float(sinc * w)
        }
    }()

    /// The sound at fractional frame `p`, band-limited to `cutoff` (a fraction of the file's
    /// Nyquist, ≤ 1: below 1 when playing faster than the output can carry, so nothing
    /// aliases). Frames outside the sound are 0, or wrap around when `loop`.
    @inline(__always)
    func interpolate(_ p: Double, cutoff: Float, loop: Bool, kernel: UnsafePointer<Float>,
                     samples x: UnsafePointer<Float>, count: Int) -> Float {
        let base = p.rounded(.down)
        let frac = Float(p - base)
        let i0 = Int(base)
        let reach = Int((Float(Self.halfWidth) / cutoff).rounded(.up))
        let scale = cutoff * Float(Self.resolution)
        var sum: Float = 0, norm: Float = 0
        for k in (1 - reach)...reach {
            let u = abs(Float(k) - frac) * scale
            let ui = Int(u)
            guard ui < Self.halfWidth * Self.resolution else { continue }
            let f = u - Float(ui)
            let h = kernel[ui] + (kernel[ui + 1] - kernel[ui]) * f
            norm += h
            var j = i0 + k
            if loop { j %= count; if j < 0 { j += count } } else if j < 0 || j >= count { continue }
            sum += h * x[j]
        }
        return norm > 0 ? sum / norm : 0
    }
}
