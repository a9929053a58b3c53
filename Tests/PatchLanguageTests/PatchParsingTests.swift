import Testing
import DMMCore
import PatchLanguage

let repoRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

@Suite struct PatchParsingTests {
    @Test func plasmaAsWritten() throws {
        let loaded = try PatchLoader.load(path: repoRoot + "/patches/plasma.dmm")
        let n = loaded.network
        #expect(n.timing.width == 256 && n.timing.height == 256)
        #expect(n.timing.fps == 30 && n.timing.frames == 120)
        #expect(n.neurons.map(\.name) == ["one", "t", "x", "y", "s1", "s2", "out"])
        #expect(n.matrix.count == 13)
        #expect(n.matrix[n.input("s2", "b")!, n.output("t")!] == -1.5)
        #expect(n.matrix[n.input("s2", "b")!, n.output("s1")!] == 0.25)
        #expect(n.matrix[n.input("s1", "a")!, n.output("one")!] == 6)
        #expect(n.matrix[n.input("s2", "x")!, n.output("x")!] == -0.3)
    }

    @Test func extendedSyntax() throws {
        let text = """
        size 64x32   # wide
        seed 9
        o: rgb
        c: clip(lo: -0.5, hi: 0.5)
        s: sin
        s.x = 2!·o.g - 0.5 * c + 3
        s.x += 1 c
        c.x = s
        o.r = s
        """
        let doc = try PatchParser.parse(text, file: "x.dmm")
        let n = try PatchBuilder.build(doc)
        #expect(n.timing.width == 64 && n.timing.height == 32 && n.seed == 9)
        let row = n.input("s", "x")!
        #expect(n.matrix.rows[row]?[n.output("o", "g")!] == SparseMatrix.Entry(weight: 2, frozen: true))
        #expect(n.matrix[row, n.output("c")!] == 0.5)
        #expect(n.matrix[row, n.output("one")!] == 3)
    }

    /// `dmm fmt` output is a fixed point, keeps comments and builds the same network.
    @Test func formatRoundTrips() throws {
        let messy = """
        # a comment that stays
        size   128x128
        fps 24


        t:clock
        longname:   sin   # trailing comment
        out: rgb
        longname.x = 1.0 t+2 - 0.25   longname
        out.r=longname
        """
        let doc = try PatchParser.parse(messy, file: "m.dmm")
        let once = PatchPrinter.format(doc)
        #expect(once == """
        # a comment that stays
        size 128x128
        fps 24

        t:        clock
        longname: sin  # trailing comment
        out:      rgb
        longname.x = t + 2 - 0.25 longname
        out.r = longname

        """)
        let again = try PatchParser.parse(once, file: "m.dmm")
        #expect(PatchPrinter.format(again) == once)
        #expect(try PatchBuilder.build(again).matrix == PatchBuilder.build(doc).matrix)
    }

    @Test func weightsRewriteKeepsLayout() throws {
        let src = """
        # fitted later
        x: coord.x
        s: sin
        out: rgb
        s.a = 6      # frequency
        s.x = x
        out.r = s
        """
        let doc = try PatchParser.parse(src, file: "w.dmm")
        var n = try PatchBuilder.build(doc)
        n.matrix.set(n.input("s", "a")!, n.output("one")!, 6.25)
        n.matrix.set(n.input("out", "r")!, n.output("s")!, 0)            // pruned
        n.matrix.set(n.input("out", "g")!, n.output("x")!, -0.5)         // new row
        let text = PatchPrinter.format(doc.updatingWeights(from: n))
        #expect(text == """
        # fitted later
        x:   coord.x
        s:   sin
        out: rgb
        s.a = 6.25  # frequency
        s.x = x

        out.g = -0.5 x

        """)
        let back = try PatchBuilder.build(PatchParser.parse(text, file: "w.dmm"))
        #expect(back.matrix == n.matrix)
    }

    /// Port defaults are weights from `one`: `=` replaces them, `+=` adds to them, `= 0` means 0,
    /// and printing back reproduces the same matrix.
    @Test func portDefaultsAreWeights() throws {
        let src = """
        x: coord.x
        s1: sin
        s2: sin
        s3: sin
        out: rgb
        s1.x = x
        s2.a = 0
        s3.a += 0.5 x
        out.r = s1 + s2 + s3
        """
        let doc = try PatchParser.parse(src, file: "d.dmm")
        var n = try PatchBuilder.build(doc)
        let one = n.output("one")!
        #expect(n.matrix[n.input("s1", "a")!, one] == 1)
        #expect(n.matrix.rows[n.input("s2", "a")!] == nil)
        #expect(n.matrix[n.input("s3", "a")!, one] == 1)
        #expect(n.matrix[n.input("s3", "a")!, n.output("x")!] == 0.5)
        #expect(PatchPrinter.format(doc.updatingWeights(from: n)) == PatchPrinter.format(doc))
        n.matrix.set(n.input("s1", "a")!, one, 2.5)     // fitted
        n.matrix.set(n.input("s3", "a")!, one, 1.25)
        let text = PatchPrinter.format(doc.updatingWeights(from: n))
        #expect(text.contains("s3.a += 0.5 x + 0.25\n"))
        #expect(text.hasSuffix("\ns1.a = 2.5\n"))
        let back = try PatchBuilder.build(PatchParser.parse(text, file: "d.dmm"))
        #expect(back.matrix == n.matrix)
    }

    @Test func networkPrintsAsAPatch() throws {
        let n = try PatchLoader.load(path: repoRoot + "/patches/plasma.dmm").network
        let text = PatchPrinter.print(network: n)
        let back = try PatchBuilder.build(PatchParser.parse(text, file: "p.dmm"))
        #expect(back.matrix == n.matrix)
        #expect(back.neurons.map(\.name) == n.neurons.map(\.name))
    }
}
