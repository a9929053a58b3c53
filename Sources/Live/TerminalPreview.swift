/// Draws a frame in the terminal with ANSI 24-bit colour: each character cell is two pixels,
/// the upper one as the foreground of `▀` and the lower one as the background.
///
/// The picture is box-filtered down to `columns` × (2 · rows) pixels, keeping its aspect.
/// Escape sequences are only emitted when a colour changes from the previous cell, which
/// halves the bytes for smooth pictures.
public struct TerminalPreview: Sendable {
    public var columns: Int
    public var rows: Int

    /// A preview `columns` wide, as tall as the picture's aspect needs.
    public init(columns: Int, width: Int, height: Int) {
        self.columns = max(4, columns)
        let r = (Double(self.columns) * Double(height) / Double(max(1, width)) / 2).rounded()
        rows = r.isFinite ? max(2, Int(min(r, 10_000))) : 2   // clamped before the conversion
    }

    /// The escape sequences that draw `rgb` (width × height × 3) from the cursor position,
    /// rows separated by `\r\n`, colours reset at the end.
    public func render(_ rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) -> String {
        var out = ""
        out.reserveCapacity(columns * rows * 20)
        let ph = rows * 2
        func pixel(_ cx: Int, _ cy: Int) -> (Int, Int, Int) {
            let x0 = cx * width / columns, x1 = max(x0 + 1, (cx + 1) * width / columns)
            let y0 = cy * height / ph, y1 = max(y0 + 1, (cy + 1) * height / ph)
            var r = 0, g = 0, b = 0, n = 0
            var y = y0
            while y < min(y1, height) {
                var x = x0
                while x < min(x1, width) {
                    let i = (y * width + x) * 3
                    r += Int(rgb[i]); g += Int(rgb[i + 1]); b += Int(rgb[i + 2]); n += 1
                    x += 1
                }
                y += 1
            }
            n = max(1, n)
            return (r / n, g / n, b / n)
        }
        for row in 0..<rows {
            var lastTop = (-1, -1, -1), lastBottom = (-1, -1, -1)
            for col in 0..<columns {
                let top = pixel(col, row * 2), bottom = pixel(col, row * 2 + 1)
                if top != lastTop { out += "\u{1B}[38;2;\(top.0);\(top.1);\(top.2)m"; lastTop = top }
                if bottom != lastBottom { out += "\u{1B}[48;2;\(bottom.0);\(bottom.1);\(bottom.2)m"; lastBottom = bottom }
                out += "▀"
            }
            out += "\u{1B}[0m"
            if row < rows - 1 { out += "\r\n" }
        }
        return out
    }
}
