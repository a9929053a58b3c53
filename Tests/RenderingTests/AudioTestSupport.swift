import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Rendering

/// Helpers for the audio tests: patches from text, short renders, spectra, levels.
enum AudioTest {
    static let rate = 48_000

    /// A network from patch text (headers included).
    static func network(_ text: String, block: Int? = nil) throws -> Network {
        var net = try PatchBuilder.build(PatchParser.parse(text, file: "test.dmm"))
        if let block { net.timing.block = block }
        return net
    }

    /// The left channel of `seconds` of the patch's sound.
    static func render(_ text: String, seconds: Double, block: Int? = nil) throws -> [Float] {
        let r = try AudioRenderer.renderSamples(network: network(text, block: block), seconds: seconds)
        return r.channels == 1 ? r.samples : stride(from: 0, to: r.samples.count, by: 2).map { r.samples[$0] }
    }

    /// A mono patch around one neuron declaration: `out.left = <gain> o` plus `rows`.
    static func single(_ declaration: String, _ rows: String, block: Int = 64, gain: Double = 1) -> String {
        """
        rate 48000
        block \(block)
        o: \(declaration)
        out: audio.out
        \(rows)
        out.left = \(gain) o
        """
    }

    static func rms(_ x: ArraySlice<Float>) -> Double {
        (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count))).squareRoot()
    }

    static func db(_ ratio: Double) -> Double { 20 * log10(max(ratio, 1e-30)) }

    /// Hann-windowed magnitudes of `x` (bins of rate / fftSize Hz).
    static func spectrum(_ x: ArraySlice<Float>, fftSize: Int) -> [Float] {
        Spectrogram.magnitudeSpectrum(x, fftSize: fftSize)
    }

    /// Frequency (Hz) of the strongest bin above DC.
    static func peakFrequency(_ x: ArraySlice<Float>, fftSize: Int = 9600) -> Double {
        let mean = x.reduce(0, +) / Float(max(1, x.count))
        let s = spectrum(ArraySlice(x.map { $0 - mean }), fftSize: fftSize)
        var best = 1
        for k in 1..<s.count where s[k] > s[best] { best = k }
        return Double(best) * Double(rate) / Double(fftSize)
    }

    /// Energy (dB, relative to the fundamental) in the bins that are not within `guard` bins
    /// of a harmonic of `f0`: what aliasing folds back. `f0` should sit on a bin.
    static func aliasLevel(_ x: ArraySlice<Float>, f0: Double, fftSize: Int = 9600, guardBins: Int = 3) -> Double {
        let s = spectrum(x, fftSize: fftSize)
        let binHz = Double(rate) / Double(fftSize)
        let h = Int((f0 / binHz).rounded())
        var fundamental = 0.0, alias = 0.0
        for k in 0..<s.count {
            let e = Double(s[k]) * Double(s[k])
            let nearest = Int((Double(k) / Double(h)).rounded())
            if abs(k - nearest * h) <= guardBins {
                if nearest == 1 { fundamental += e }
            } else {
                alias += e
            }
        }
        return 10 * log10(max(alias, 1e-30) / fundamental)
    }
}

/// A scratch directory removed when the value is released.
final class ScratchDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "/dmm-audio-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}
