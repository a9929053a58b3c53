#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Simple picture composition for READMEs and fit reports: thumbnail grids and loss curves.
///
/// Kept text-free and dependency-free on purpose (no fonts, no plotting library) so reports can
/// be generated anywhere the renderer runs, and outputs are deterministic for golden tests.
public enum ContactSheet {
    /// Tiles `images` left to right, top to bottom, `columns` per row, each box-filtered to
    /// `thumbWidth` pixels wide (height keeps the aspect ratio, at least 1).
    ///
    /// Rows are as tall as their tallest thumbnail; thumbnails are top-left aligned in their
    /// cell. `gap` black pixels separate cells and surround the sheet. Returns a 1×1 black
    /// image when `images` is empty.
    public static func make(images: [RGBImage], columns: Int, thumbWidth: Int, gap: Int = 2)
        -> RGBImage
    {
        precondition(columns >= 1 && thumbWidth >= 1 && gap >= 0, "invalid contact sheet layout")
        guard !images.isEmpty else { return RGBImage(width: 1, height: 1) }
        let thumbs = images.map { image in
            let height = image.width > 0
                ? max(1, Int((Double(image.height) * Double(thumbWidth) / Double(image.width))
                    .rounded()))
                : 1
            return resize(image, width: thumbWidth, height: height)
        }
        let usedColumns = min(columns, thumbs.count)
        let rows = (thumbs.count + columns - 1) / columns
        var rowHeights = [Int](repeating: 0, count: rows)
        for (index, thumb) in thumbs.enumerated() {
            rowHeights[index / columns] = max(rowHeights[index / columns], thumb.height)
        }
        let width = usedColumns * thumbWidth + (usedColumns + 1) * gap
        let height = rowHeights.reduce(0, +) + (rows + 1) * gap
        var sheet = RGBImage(width: width, height: height)
        var top = gap
        for row in 0..<rows {
            for column in 0..<usedColumns {
                let index = row * columns + column
                guard index < thumbs.count else { break }
                blit(thumbs[index], into: &sheet, x: gap + column * (thumbWidth + gap), y: top)
            }
            top += rowHeights[row] + gap
        }
        return sheet
    }

    /// Plots `values` (e.g. a loss per step) as a polyline with an x and y axis.
    ///
    /// The x axis spans all values; the y axis spans their finite range (positive values only
    /// when `logScale`, with faint lines at each power of ten). Non-finite points (and
    /// non-positive ones in log scale) are skipped, breaking the line. No text is drawn.
    public static func lineChart(values: [Float], width: Int, height: Int, logScale: Bool)
        -> RGBImage
    {
        precondition(width >= 8 && height >= 8, "chart too small")
        var image = RGBImage(width: width, height: height, fill: (16, 16, 20))
        let margin = 4
        let plotLeft = margin + 1, plotRight = width - margin - 1
        let plotTop = margin, plotBottom = height - margin - 2
        let axis: (r: UInt8, g: UInt8, b: UInt8) = (160, 160, 170)
        let grid: (r: UInt8, g: UInt8, b: UInt8) = (44, 44, 54)
        let line: (r: UInt8, g: UInt8, b: UInt8) = (252, 165, 10)

        func transform(_ value: Float) -> Double? {
            guard value.isFinite else { return nil }
            if logScale { return value > 0 ? log10(Double(value)) : nil }
            return Double(value)
        }
        let mapped = values.map(transform)
        let finite = mapped.compactMap { $0 }
        if var low = finite.min(), var high = finite.max() {
            if high - low < 1e-12 { low -= 0.5; high += 0.5 }
            let span = high - low
            func yPixel(_ v: Double) -> Int {
                plotBottom - Int(((v - low) / span * Double(plotBottom - plotTop)).rounded())
            }
            if logScale {
                var decade = low.rounded(.up)
                while decade <= high {
                    let y = yPixel(decade)
                    for x in plotLeft...plotRight { image[x, y] = grid }
                    decade += 1
                }
            }
            let steps = max(1, mapped.count - 1)
            var previous: (x: Int, y: Int)?
            for (index, value) in mapped.enumerated() {
                guard let value else { previous = nil; continue }
                let x = plotLeft + Int((Double(index) / Double(steps)
                    * Double(plotRight - plotLeft)).rounded())
                let point = (x: x, y: yPixel(value))
                drawLine(&image, from: previous ?? point, to: point, colour: line)
                previous = point
            }
        }
        // Axes last so they stay visible: y axis on the left, x axis at the bottom.
        drawLine(&image, from: (margin, plotTop), to: (margin, plotBottom + 1), colour: axis)
        drawLine(&image, from: (margin, plotBottom + 1), to: (plotRight, plotBottom + 1),
                 colour: axis)
        return image
    }

    /// Area-averaging (box filter) resample: each output pixel is the coverage-weighted mean of
    /// the source pixels under it, done separably in x then y.
    static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        guard image.width > 0, image.height > 0 else { return RGBImage(width: width, height: height) }
        if image.width == width && image.height == height { return image }
        let xWeights = boxWeights(source: image.width, target: width)
        let yWeights = boxWeights(source: image.height, target: height)
        // Horizontal pass into floats.
        var horizontal = [Float](repeating: 0, count: width * image.height * 3)
        image.pixels.withUnsafeBufferPointer { source in
            for y in 0..<image.height {
                let rowBase = y * image.width * 3
                for x in 0..<width {
                    var sums: (Float, Float, Float) = (0, 0, 0)
                    for (sourceX, weight) in xWeights[x] {
                        let index = rowBase + sourceX * 3
                        sums.0 += Float(source[index]) * weight
                        sums.1 += Float(source[index + 1]) * weight
                        sums.2 += Float(source[index + 2]) * weight
                    }
                    let out = (y * width + x) * 3
                    horizontal[out] = sums.0
                    horizontal[out + 1] = sums.1
                    horizontal[out + 2] = sums.2
                }
            }
        }
        var result = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                var sums: (Float, Float, Float) = (0, 0, 0)
                for (sourceY, weight) in yWeights[y] {
                    let index = (sourceY * width + x) * 3
                    sums.0 += horizontal[index] * weight
                    sums.1 += horizontal[index + 1] * weight
                    sums.2 += horizontal[index + 2] * weight
                }
                let out = (y * width + x) * 3
                result.pixels[out] = clampByte(sums.0)
                result.pixels[out + 1] = clampByte(sums.1)
                result.pixels[out + 2] = clampByte(sums.2)
            }
        }
        return result
    }

    /// For each target index, the source indices it covers and their normalised weights.
    private static func boxWeights(source: Int, target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { index in
            let start = Double(index) * scale
            let end = Double(index + 1) * scale
            var taps: [(Int, Float)] = []
            var position = Int(start.rounded(.down))
            while Double(position) < end, position < source {
                let overlap = min(end, Double(position + 1)) - max(start, Double(position))
                if overlap > 0 { taps.append((position, Float(overlap / (end - start)))) }
                position += 1
            }
            if taps.isEmpty { taps.append((min(source - 1, Int(start)), 1)) }
            return taps
        }
    }

    private static func clampByte(_ value: Float) -> UInt8 {
        UInt8(min(255, max(0, value.rounded())))
    }

    private static func blit(_ thumb: RGBImage, into sheet: inout RGBImage, x: Int, y: Int) {
        let rowBytes = thumb.width * 3
        for row in 0..<thumb.height {
            let target = ((y + row) * sheet.width + x) * 3
            sheet.pixels.replaceSubrange(
                target..<(target + rowBytes),
                with: thumb.pixels[(row * rowBytes)..<((row + 1) * rowBytes)])
        }
    }

    /// Bresenham line, clipped to the image.
    private static func drawLine(
        _ image: inout RGBImage, from start: (Int, Int), to end: (Int, Int),
        colour: (r: UInt8, g: UInt8, b: UInt8)
    ) {
        var (x, y) = start
        let dx = abs(end.0 - x), dy = -abs(end.1 - y)
        let sx = x < end.0 ? 1 : -1, sy = y < end.1 ? 1 : -1
        var error = dx + dy
        while true {
            if x >= 0, x < image.width, y >= 0, y < image.height { image[x, y] = colour }
            if x == end.0 && y == end.1 { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }
}
