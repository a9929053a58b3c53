import DMMCore
import MediaIO

/// W drawn as a heat map: one cell per (input row, output column) of a `MatrixGrid`.
///
/// Colour reads as sign and size at a glance: positive weights warm (dark red → orange →
/// pale yellow), negative weights cool (blue → cyan → pale cyan), brightness rising with
/// |w| as 1 − e^(−|w|) (so 0.1 and 10 are both visible and never clip to the same colour),
/// absent entries near black (darker than any weight), and a one-pixel gutter between neurons. The cell size is chosen
/// so the picture's longer side stays within `maxSide`, never below 2 pixels a cell.
///
/// Rendering a self-modifying patch with `dmm render --matrix` draws one of these per frame,
/// the matrix as it was when that frame was computed: the DMM's program as an animation.
public enum MatrixHeatmap {
    /// Pixel geometry of a grid's picture.
    public struct Layout: Sendable, Equatable {
        public var cell: Int
        public var width: Int
        public var height: Int
        /// x of column c's first pixel, y of row r's first pixel (gutters included).
        public var columnX: [Int]
        public var rowY: [Int]
    }

    /// Where each row and column go: cells of `cell` pixels, one gutter pixel before every
    /// neuron's first port (the grid's names `n.port` share their neuron prefix).
    public static func layout(_ grid: MatrixGrid, maxSide: Int = 512) -> Layout {
        func neuron(_ name: Substring) -> Substring { name.split(separator: ".", maxSplits: 1).first ?? name }
        func gutters(_ names: [String]) -> [Bool] {
            var last: Substring? = nil
            return names.map { n in
                let cur = neuron(Substring(n))
                defer { last = cur }
                return last != nil && last != cur
            }
        }
        let rg = gutters(grid.rows), cg = gutters(grid.columns)
        let longest = max(1, max(grid.rows.count, grid.columns.count))
        let gut = max(rg.filter { $0 }.count, cg.filter { $0 }.count)
        let cell = min(24, max(2, (max(16, maxSide) - gut) / longest))
        var xs: [Int] = [], ys: [Int] = []
        var x = 0
        for c in 0..<grid.columns.count { if cg[c] { x += 1 }; xs.append(x); x += cell }
        var y = 0
        for r in 0..<grid.rows.count { if rg[r] { y += 1 }; ys.append(y); y += cell }
        return Layout(cell: cell, width: max(1, x), height: max(1, y), columnX: xs, rowY: ys)
    }

    /// The colour of a weight (0 = absent is near black).
    public static func color(_ w: Float) -> (UInt8, UInt8, UInt8) {
        guard w.isFinite else { return w.isNaN ? (255, 0, 255) : (w > 0 ? (255, 255, 230) : (230, 255, 255)) }
        if w == 0 { return (34, 34, 38) }
        let m = 1 - FastMath.exp(FastMath.V(repeating: -Swift.abs(w)))[0]   // 0…1, rises with |w|
        func lerp(_ a: Float, _ b: Float, _ t: Float) -> UInt8 { UInt8(max(0, min(255, (a + (b - a) * t).rounded()))) }
        // Two segments: dark → saturated (m ≤ 0.6), saturated → pale.
        let t1 = min(m / 0.6, 1), t2 = max(0, (m - 0.6) / 0.4)
        if w > 0 {
            return t2 == 0 ? (lerp(110, 245, t1), lerp(30, 120, t1), lerp(20, 20, t1))
                           : (lerp(245, 255, t2), lerp(120, 240, t2), lerp(20, 170, t2))
        } else {
            return t2 == 0 ? (lerp(25, 30, t1), lerp(55, 150, t1), lerp(130, 245, t1))
                           : (lerp(30, 190, t2), lerp(150, 250, t2), lerp(245, 255, t2))
        }
    }

    /// The heat map of `grid`.
    public static func image(_ grid: MatrixGrid, maxSide: Int = 512) -> RGBImage {
        let l = layout(grid, maxSide: maxSide)
        var px = [UInt8](repeating: 0, count: l.width * l.height * 3)
        func fill(_ r: Int, _ c: Int, _ rgb: (UInt8, UInt8, UInt8)) {
            // Cells leave a one-pixel seam on their right and bottom edge when they are large
            // enough for it, so neighbouring equal weights stay countable.
            let inner = l.cell >= 4 ? l.cell - 1 : l.cell
            for y in l.rowY[r]..<(l.rowY[r] + inner) {
                var o = (y * l.width + l.columnX[c]) * 3
                for _ in 0..<inner { px[o] = rgb.0; px[o + 1] = rgb.1; px[o + 2] = rgb.2; o += 3 }
            }
        }
        let empty = color(0)
        for r in 0..<grid.rows.count { for c in 0..<grid.columns.count { fill(r, c, empty) } }
        for cell in grid.cells { fill(cell.row, cell.column, color(cell.weight)) }
        return RGBImage(width: l.width, height: l.height, pixels: px)
    }
}
