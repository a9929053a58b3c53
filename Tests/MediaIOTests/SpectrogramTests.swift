import MediaIO
import Testing

@Suite("Spectrogram and spectra")
struct SpectrogramTests {
    @Test("magnitudeSpectrum peaks at the sine's bin with the documented scale")
    func magnitudePeak() {
        let sampleRate = 48_000, fftSize = 2_048
        // 64 * 48000 / 2048 = 1500 Hz: exactly on bin 64.
        let onBin = Fixtures.sine(frequency: 1_500, sampleRate: sampleRate, count: fftSize,
                                  amplitude: 0.5)
        let spectrum = Spectrogram.magnitudeSpectrum(onBin, fftSize: fftSize)
        #expect(spectrum.count == fftSize / 2 + 1)
        let peak = spectrum.indices.max { spectrum[$0] < spectrum[$1] }!
        #expect(peak == 64)
        #expect(abs(spectrum[64] - 0.5 * Float(fftSize) / 4) < 1)
        // Hann leakage: far bins are > 80 dB down.
        #expect(spectrum[200] < spectrum[64] * 1e-4)

        let thousand = Fixtures.sine(frequency: 1_000, sampleRate: sampleRate, count: 10_000)
        let slice = thousand[3_000..<(3_000 + fftSize)]
        let sliced = Spectrogram.magnitudeSpectrum(slice, fftSize: fftSize)
        let slicedPeak = sliced.indices.max { sliced[$0] < sliced[$1] }!
        #expect(Double(slicedPeak) * Double(sampleRate) / Double(fftSize) - 1_000 < 24)
        #expect([42, 43].contains(slicedPeak))
        // Fewer samples than fftSize are zero-padded.
        #expect(Spectrogram.magnitudeSpectrum([1], fftSize: 8).count == 5)
    }

    @Test("a 1 kHz sine lights the 1 kHz row, low frequencies at the bottom")
    func renderPeakRow() {
        let sampleRate = 48_000
        let samples = Fixtures.sine(frequency: 1_000, sampleRate: sampleRate, count: 48_000)
        let height = 256
        let image = Spectrogram.render(samples: samples, sampleRate: sampleRate, width: 64,
                                       height: height, fftSize: 2_048)
        #expect(image.width == 64 && image.height == height)
        var brightness = [Int](repeating: 0, count: height)
        for y in 0..<height {
            for x in 0..<image.width {
                let pixel = image[x, y]
                brightness[y] += Int(pixel.r) + Int(pixel.g) + Int(pixel.b)
            }
        }
        let brightestRow = brightness.indices.max { brightness[$0] < brightness[$1] }!
        // Row r from the top covers (height - 1 - r) / height ... of 0...Nyquist.
        let rowFromBottom = Double(height - 1 - brightestRow)
        let nyquist = Double(sampleRate) / 2
        let low = rowFromBottom / Double(height) * nyquist
        let high = (rowFromBottom + 1) / Double(height) * nyquist
        let binWidth = Double(sampleRate) / 2_048
        #expect(low - binWidth <= 1_000 && 1_000 <= high + binWidth,
                "brightest row spans \(low)...\(high) Hz")
    }

    @Test("rendering is deterministic and silence is dark")
    func deterministicAndSilent() {
        let samples = Fixtures.sine(frequency: 440, sampleRate: 8_000, count: 8_000)
        let a = Spectrogram.render(samples: samples, sampleRate: 8_000, width: 40, height: 30,
                                   fftSize: 256)
        let b = Spectrogram.render(samples: samples, sampleRate: 8_000, width: 40, height: 30,
                                   fftSize: 256)
        #expect(a == b)
        let silent = Spectrogram.render(samples: [Float](repeating: 0, count: 100),
                                        sampleRate: 8_000, width: 8, height: 8, fftSize: 256)
        let darkest = ColorMap.inferno(0)
        #expect(silent == RGBImage(width: 8, height: 8, fill: darkest))
        let empty = Spectrogram.render(samples: [], sampleRate: 8_000, width: 3, height: 3,
                                       fftSize: 16)
        #expect(empty.width == 3)
    }

    @Test("the colour map's luminance increases monotonically (up to 8-bit rounding)")
    func colourMapMonotonic() {
        let luminance = (0...255).map { step in
            let colour = ColorMap.inferno(Float(step) / 255)
            return 0.2126 * Double(colour.r) + 0.7152 * Double(colour.g) + 0.0722 * Double(colour.b)
        }
        for step in 1...255 {
            // Rounding one green unit may dip by at most 0.72; over 8 steps it always rises.
            #expect(luminance[step] > luminance[step - 1] - 0.75, "step \(step)")
            if step >= 8 { #expect(luminance[step] > luminance[step - 8], "step \(step)") }
        }
        #expect(ColorMap.inferno(.nan) == ColorMap.inferno(0))
        #expect(ColorMap.inferno(7) == ColorMap.inferno(1))
    }

    @Test("spectra can be computed concurrently")
    func concurrent() async {
        let samples = Fixtures.sine(frequency: 1_500, sampleRate: 48_000, count: 2_048)
        let reference = Spectrogram.magnitudeSpectrum(samples, fftSize: 2_048)
        let all = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<16 {
                group.addTask { Spectrogram.magnitudeSpectrum(samples, fftSize: 2_048) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(all.allSatisfy { $0 == reference })
    }
}
