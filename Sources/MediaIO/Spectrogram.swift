import CFFTW
import CFFTWPlanner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// FFTW's planner keeps global state and is not thread safe; every plan creation and
/// destruction in the process goes through one lock, which DMMCore's `band` shares
/// (CFFTWPlanner); executing a plan is thread safe.
private enum FFTWPlanner {
    static func withLock<T>(_ body: () -> T) -> T {
        dmm_fftw_planner_lock()
        defer { dmm_fftw_planner_unlock() }
        return body()
    }
}

/// Spectrum analysis and spectrogram pictures via FFTW (single precision).
///
/// Audio renders are checked by ear and by eye: a spectrogram PNG next to each WAV shows
/// aliasing, clicks and runaway oscillation at a glance, and ``magnitudeSpectrum(_:fftSize:)``
/// gives tests a way to assert on pitch and aliasing numerically.
public enum Spectrogram {
    /// Renders a spectrogram of mono `samples` as an image.
    ///
    /// Time runs left to right (column `x` analyses a window spread evenly across the signal),
    /// frequency runs linearly from 0 Hz at the bottom row to Nyquist at the top. Each pixel
    /// shows the loudest FFT bin within its row, in dB relative to a full-scale sine (0 dB),
    /// mapped from `-dbRange...0` onto ``ColorMap/inferno(_:)``. Output is deterministic.
    /// - Parameters:
    ///   - sampleRate: only used to validate input; the axis always spans 0...Nyquist.
    ///   - fftSize: window length (even, at least 4); larger is finer in frequency.
    public static func render(
        samples: [Float], sampleRate: Int, width: Int = 1024, height: Int = 512,
        fftSize: Int = 2048, dbRange: Float = 100
    ) -> RGBImage {
        let builder = Builder(totalSamples: samples.count, sampleRate: sampleRate, width: width, height: height,
                              fftSize: fftSize, dbRange: dbRange)
        samples.withUnsafeBufferPointer { builder.append($0) }
        return builder.finish()
    }

    /// Hann-windowed magnitude spectrum `|X[k]|` for `k = 0 ... fftSize/2`.
    ///
    /// Uses the first `fftSize` samples (zero-padding if there are fewer). The window is the
    /// periodic Hann `0.5 - 0.5 cos(2πn/N)` and magnitudes are unnormalised, so a sine of
    /// amplitude `A` centred on bin `k` gives `|X[k]| ≈ A * fftSize / 4`; compare bins by ratio
    /// (e.g. `20 * log10(alias / fundamental)`) rather than absolute value. Bin `k` is at
    /// `k * sampleRate / fftSize` Hz.
    public static func magnitudeSpectrum(_ samples: [Float], fftSize: Int) -> [Float] {
        samples.withUnsafeBufferPointer { spectrum(of: $0, fftSize: fftSize) }
    }

    /// ``magnitudeSpectrum(_:fftSize:)-([Float],_)`` for a slice, so tests can analyse a
    /// window in the middle of a render without copying.
    public static func magnitudeSpectrum(_ samples: ArraySlice<Float>, fftSize: Int) -> [Float] {
        samples.withUnsafeBufferPointer { spectrum(of: $0, fftSize: fftSize) }
    }

    private static func spectrum(of samples: UnsafeBufferPointer<Float>, fftSize: Int) -> [Float] {
        precondition(fftSize >= 2 && fftSize % 2 == 0, "fftSize must be even and >= 2")
        let analyzer = Analyzer(fftSize: fftSize)
        var result = [Float](repeating: 0, count: fftSize / 2 + 1)
        let used = UnsafeBufferPointer(rebasing: samples.prefix(fftSize))
        analyzer.magnitudes(of: used, into: &result)
        return result
    }
}

/// One FFTW r2c plan with its aligned buffers and Hann window; lives for one public call.
final class Analyzer {
    let fftSize: Int
    let input: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<fftwf_complex>
    let window: [Float]
    let plan: fftwf_plan

    init(fftSize: Int) {
        self.fftSize = fftSize
        let input = fftwf_alloc_real(fftSize)!
        let output = fftwf_alloc_complex(fftSize / 2 + 1)!
        self.input = input
        self.output = output
        window = (0..<fftSize).map { index in
            let phase = 2 * Double.pi * Double(index) / Double(fftSize)
            return Float(0.5 - 0.5 * cos(phase))
        }
        let flags = UInt32(FFTW_ESTIMATE)
        nonisolated(unsafe) var created: fftwf_plan?
        FFTWPlanner.withLock {
            created = fftwf_plan_dft_r2c_1d(Int32(fftSize), input, output, flags)
        }
        guard let created else { fatalError("FFTW could not plan a size-\(fftSize) transform") }
        plan = created
    }

    deinit {
        FFTWPlanner.withLock { fftwf_destroy_plan(plan) }
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Windows `samples` (zero-padded to fftSize), transforms, and stores |X[k]| in `result`.
    func magnitudes(of samples: UnsafeBufferPointer<Float>, into result: inout [Float]) {
        let used = min(samples.count, fftSize)
        for index in 0..<used { input[index] = samples[index] * window[index] }
        for index in used..<fftSize { input[index] = 0 }
        fftwf_execute(plan)
        for bin in 0...(fftSize / 2) {
            let value = output[bin]
            result[bin] = (value.0 * value.0 + value.1 * value.1).squareRoot()
        }
    }
}
