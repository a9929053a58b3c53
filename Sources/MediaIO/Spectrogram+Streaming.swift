#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Spectrogram {
    /// A spectrogram built while the sound streams past, holding one analysis window
    /// (`fftSize` samples plus the block being appended) instead of the whole signal, so a
    /// 20-minute `dmm synth --spectrogram` needs the same memory as a 2-second one.
    ///
    /// The picture is exactly ``Spectrogram/render(samples:sampleRate:width:height:fftSize:dbRange:)``'s
    /// (that function is this builder fed in one block): column `x` analyses the window that
    /// starts at `round(x · (total − fftSize) / (width − 1))`, so the total length must be
    /// known up front. A stream that ends early (an interrupted render) is drawn from what
    /// arrived.
    public final class Builder {
        let width: Int, height: Int, fftSize: Int, total: Int
        let range: Float
        let rowBins: [Range<Int>]
        let reference: Float
        let analyzer: Analyzer
        var magnitudes: [Float]
        var image: RGBImage
        /// Samples `historyStart ..< historyStart + history.count` of the stream.
        var history: [Float] = []
        var historyStart = 0
        var received = 0
        var column = 0

        /// - Parameters:
        ///   - totalSamples: how many mono samples the stream will bring.
        ///   - sampleRate: only validated; the axis always spans 0…Nyquist.
        ///   - fftSize: window length (even, at least 4); larger is finer in frequency.
        public init(totalSamples: Int, sampleRate: Int, width: Int = 1024, height: Int = 512,
                    fftSize: Int = 2048, dbRange: Float = 100) {
            precondition(width >= 1 && height >= 1, "spectrogram size must be positive")
            precondition(fftSize >= 4 && fftSize % 2 == 0, "fftSize must be even and >= 4")
            precondition(sampleRate > 0, "sampleRate must be positive")
            self.width = width; self.height = height; self.fftSize = fftSize
            total = max(0, totalSamples)
            range = dbRange > 0 ? dbRange : 100
            let bins = fftSize / 2 + 1
            // Bin span per row (bottom row 0), fixed for all columns.
            rowBins = (0..<height).map { row in
                let lower = row * bins / height
                let upper = max(lower + 1, (row + 1) * bins / height)
                return lower..<min(upper, bins)
            }
            // A full-scale sine at a bin centre has |X| = fftSize / 4 with a Hann window.
            reference = Float(fftSize) / 4
            analyzer = Analyzer(fftSize: fftSize)
            magnitudes = [Float](repeating: 0, count: bins)
            image = RGBImage(width: width, height: height)
            history.reserveCapacity(2 * fftSize)
        }

        /// Samples held right now (at most one window plus the last block appended).
        package var bufferedSamples: Int { history.count }

        /// First sample of column `x`'s window.
        func windowStart(_ x: Int) -> Int {
            if total <= fftSize || width == 1 { return 0 }
            return Int((Double(x) * Double(total - fftSize) / Double(width - 1)).rounded())
        }

        /// Appends mono samples.
        public func append(_ block: UnsafeBufferPointer<Float>) {
            history.append(contentsOf: block)
            received += block.count
            drawReadyColumns(final: false)
        }

        /// Appends interleaved stereo, analysed as the mono mix (l + r) / 2.
        public func append(stereo block: UnsafeBufferPointer<Float>) {
            let frames = block.count / 2
            for j in 0..<frames { history.append(0.5 * (block[2 * j] + block[2 * j + 1])) }
            received += frames
            drawReadyColumns(final: false)
        }

        /// Draws the columns whose windows have not been drawn yet and returns the picture.
        public func finish() -> RGBImage {
            drawReadyColumns(final: true)
            return image
        }

        /// Draws every column whose window is complete (all of them when `final`), then drops
        /// the samples no later window needs.
        func drawReadyColumns(final: Bool) {
            let limit = min(received, total)
            while column < width {
                let start = windowStart(column)
                let end = min(total, start + fftSize)
                guard end <= limit || final else { break }
                let e = min(end, limit), s = min(start, e)
                history.withUnsafeBufferPointer { h in
                    let window = UnsafeBufferPointer(rebasing: h[(s - historyStart)..<(e - historyStart)])
                    analyzer.magnitudes(of: window, into: &magnitudes)
                }
                for row in 0..<height {
                    var peak: Float = 0
                    for bin in rowBins[row] { peak = max(peak, magnitudes[bin]) }
                    let decibels = 20 * log10f(max(peak / reference, 1e-12))
                    image[column, height - 1 - row] = ColorMap.inferno((decibels + range) / range)
                }
                column += 1
            }
            let keep = column < width ? min(windowStart(column), received) : received
            let drop = keep - historyStart
            if drop > 0 {
                let d = min(drop, history.count)
                history.removeFirst(d)
                historyStart += d
            }
        }
    }
}
