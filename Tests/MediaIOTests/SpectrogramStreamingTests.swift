import Foundation
import MediaIO
import Testing

/// The spectrogram is drawn while the sound streams past: its picture must not depend on how
/// the sound was cut into blocks, each column must be the spectrum of its documented window,
/// and the memory it holds must stay one window whatever the length.
@Suite struct SpectrogramStreamingTests {
    static let rate = 8_000

    /// A chirp with a click, so every column differs.
    static func signal(_ count: Int) -> [Float] {
        (0..<count).map { (i: Int) -> Float in
            let t = Double(i) / Double(rate)
            let phase: Double = 2 * Double.pi * (200 * t + 300 * t * t)
            let click: Float = i % 5_000 == 17 ? 0.9 : 0
            return Float(0.5 * sin(phase)) + click
        }
    }

    static func pixels(_ img: RGBImage) -> [UInt8] { img.pixels }

    @Test func pictureDoesNotDependOnBlockSize() {
        let samples = Self.signal(40_000)
        let whole = Spectrogram.render(samples: samples, sampleRate: Self.rate, width: 97, height: 40, fftSize: 256)
        for block in [1, 64, 255, 4_096, 39_999] {
            let b = Spectrogram.Builder(totalSamples: samples.count, sampleRate: Self.rate, width: 97, height: 40, fftSize: 256)
            var i = 0
            samples.withUnsafeBufferPointer { p in
                while i < p.count {
                    let n = min(block, p.count - i)
                    b.append(UnsafeBufferPointer(rebasing: p[i..<(i + n)]))
                    #expect(b.bufferedSamples <= 256 + block, "holds one window plus a block, not the signal")
                    i += n
                }
            }
            #expect(Self.pixels(b.finish()) == Self.pixels(whole), "block size \(block)")
        }
    }

    @Test func columnIsTheSpectrumOfItsWindow() {
        // Independent of the builder: the column's window from the documented formula,
        // analysed by magnitudeSpectrum, mapped to dB and the colour map by hand.
        let n = 30_000, width = 50, height = 32, fft = 512
        let samples = Self.signal(n)
        let img = Spectrogram.render(samples: samples, sampleRate: Self.rate, width: width, height: height, fftSize: fft)
        for column in [0, 17, 49] {
            let start = Int((Double(column) * Double(n - fft) / Double(width - 1)).rounded())
            let mags = Spectrogram.magnitudeSpectrum(samples[start..<(start + fft)], fftSize: fft)
            let bins = fft / 2 + 1
            for row in [0, 5, 31] {
                let lo = row * bins / height, hi = min(max(lo + 1, (row + 1) * bins / height), bins)
                let peak = mags[lo..<hi].max()!
                let db = 20 * log10(max(peak / (Float(fft) / 4), 1e-12))
                let expected = ColorMap.inferno((db + 100) / 100)
                let got = img[column, height - 1 - row]
                #expect(got == expected, "column \(column) row \(row)")
            }
        }
    }

    @Test func stereoIsAnalysedAsTheMonoMix() {
        let left = Self.signal(9_000), right = left.map { -0.5 * $0 }
        let mix = zip(left, right).map { 0.5 * ($0 + $1) }
        let b = Spectrogram.Builder(totalSamples: left.count, sampleRate: Self.rate, width: 30, height: 20, fftSize: 128)
        let inter = zip(left, right).flatMap { [$0, $1] }
        inter.withUnsafeBufferPointer { b.append(stereo: $0) }
        let mono = Spectrogram.render(samples: mix, sampleRate: Self.rate, width: 30, height: 20, fftSize: 128)
        #expect(Self.pixels(b.finish()) == Self.pixels(mono))
    }
}
