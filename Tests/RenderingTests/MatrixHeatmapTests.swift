import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Rendering
import Testing

/// `dmm render --matrix`: W drawn per frame, as the frame was computed with it.
@Suite struct MatrixHeatmapTests {
    /// A self-modifying patch: every 30 ticks from tick 20 an `edit` adds 3 to `s1.a`.
    static let patch = """
        size 32x32
        fps 30
        frames 70
        t:    clock
        x:    coord.x
        s1:   sin
        out:  rgb
        W:    self
        bump: edit(at: 20, every: 30, delta: "{s1.a:{one:3}}")
        W.delta = bump
        s1.a = 3
        s1.x = x
        s1.b = 2 t
        out.r = s1
        out.g = 0.5 s1
        out.b = -0.25 s1
        """

    /// The heat map's cell for (row, column) in a picture of `grid`: its first pixel.
    static func cell(_ img: RGBImage, _ grid: MatrixGrid, row: String, column: String) -> (UInt8, UInt8, UInt8) {
        let l = MatrixHeatmap.layout(grid)
        let r = grid.rows.firstIndex(of: row)!, c = grid.columns.firstIndex(of: column)!
        let o = (l.rowY[r] * img.width + l.columnX[c]) * 3
        return (img.pixels[o], img.pixels[o + 1], img.pixels[o + 2])
    }

    @Test("every matrix frame shows the weight its picture frame was computed with")
    func weightAtEveryFrame() throws {
        let net = try PatchBuilder.build(PatchParser.parse(Self.patch, file: "m.dmm"))
        let dir = NSTemporaryDirectory() + "dmm-matrix-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var opts = FrameRenderer.Options(directory: dir, frames: 70)
        opts.matrixDirectory = dir + "/matrix"
        _ = try FrameRenderer.render(network: net, options: opts)
        let grid = MatrixGrid(net)
        // Independent timing: the edit fires on tick 20 + 30k, reaches Self one connection
        // later (tick 21 + 30k) and W changes at the end of that tick: frames (0-based) from
        // 22 + 30k on are computed with the new weight.
        for f in 0..<70 {
            let bumps = f >= 22 ? (f - 22) / 30 + 1 : 0
            let expected = MatrixHeatmap.color(Float(3 + 3 * bumps))
            let img = try PNGCodec.read(path: dir + "/matrix/" + FrameRenderer.frameName(f + 1))
            let got = Self.cell(img, grid, row: "s1.a", column: "one")
            #expect(got == expected, "frame \(f): s1.a should be \(3 + 3 * bumps)")
            // The other weights never move.
            #expect(Self.cell(img, grid, row: "out.g", column: "s1") == MatrixHeatmap.color(0.5))
            #expect(Self.cell(img, grid, row: "out.b", column: "s1") == MatrixHeatmap.color(-0.25))
            #expect(Self.cell(img, grid, row: "out.r", column: "one") == MatrixHeatmap.color(0))
        }
        // The pictures themselves: still 70 frames beside the matrix frames.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".png") }.count == 70)
    }

    @Test("colour: sign picks the hue, brightness rises with |w|, absent is dark")
    func colourScale() {
        func lum(_ c: (UInt8, UInt8, UInt8)) -> Double { 0.2126 * Double(c.0) + 0.7152 * Double(c.1) + 0.0722 * Double(c.2) }
        let ws: [Float] = [0.01, 0.1, 0.5, 1, 2, 5, 20]
        for (a, b) in zip(ws, ws.dropFirst()) {
            #expect(lum(MatrixHeatmap.color(b)) > lum(MatrixHeatmap.color(a)))
            #expect(lum(MatrixHeatmap.color(-b)) > lum(MatrixHeatmap.color(-a)))
        }
        for w in ws {
            let p = MatrixHeatmap.color(w), n = MatrixHeatmap.color(-w)
            #expect(p.0 >= p.2 && n.2 >= n.0, "w = \(w): warm positive, cool negative")
        }
        #expect(lum(MatrixHeatmap.color(0)) < lum(MatrixHeatmap.color(0.05)))
    }

    @Test("the grid reads rows as inputs and columns as outputs, in neuron order")
    func gridLayout() throws {
        let net = try PatchBuilder.build(PatchParser.parse(Self.patch, file: "m.dmm"))
        let grid = MatrixGrid(net)
        #expect(grid.rows.contains("s1.a") && grid.rows.contains("W.delta"))
        #expect(grid.columns.contains("s1") && grid.columns.contains("W"))
        #expect(grid.weight(row: "s1.a", column: "one") == 3)
        #expect(grid.weight(row: "out.b", column: "s1") == -0.25)
        #expect(grid.weight(row: "out.b", column: "x") == 0)
        #expect(grid.rows.firstIndex(of: "s1.a")! < grid.rows.firstIndex(of: "out.r")!)
        let l = MatrixHeatmap.layout(grid)
        #expect(l.width <= 512 && l.height <= 512 && l.cell >= 2)
    }
}
