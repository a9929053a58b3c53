import CFFTWPlanner
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real-to-complex FFTW plan of one size, made once per process and shared by every
/// instance that needs it (plans are immutable; executing one is thread safe).
///
/// Why FFTW in the engine: `band` needs a spectrum of the last few thousand samples every
/// tick, and the project's FFT is FFTW (MediaIO's spectrograms use it too). DMMCore cannot
/// depend on MediaIO, and a second, hand-written FFT in the core would be a second
/// implementation of the same semantic; so both modules call FFTW through `CFFTWPlanner`,
/// a small C target that owns the one planner lock of the process (FFTW's planner is not
/// thread safe). Plans are made with `FFTW_UNALIGNED`, so they execute on any state buffer.
final class FFTPlan: @unchecked Sendable {
    let size: Int
    private let plan: UnsafeMutableRawPointer
    /// The Hann window of `size` points (periodic) and Σ w², for level calibration.
    let window: [Float]
    let windowPower: Double

    private init(size: Int) {
        self.size = size
        guard let p = dmm_fftw_plan_r2c(Int32(size)) else { fatalError("FFTW could not plan a size-\(size) transform") }
        plan = p
        var w = [Float](repeating: 0, count: size), power = 0.0
        for i in 0..<size {
            let v = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(size))
            w[i] = Float(v); power += v * v
        }
        window = w
        windowPower = power
    }

    /// The shared plan of `band`'s analysis size.
    static let band = FFTPlan(size: Band.fftSize)

    /// Transforms `input` (`size` floats, overwritten) into `output` (size/2 + 1 complex
    /// numbers as interleaved floats).
    @inline(__always)
    func execute(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        dmm_fftw_execute_r2c(plan, input, output)
    }
}
