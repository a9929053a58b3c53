import Testing
import DMMCore
import DMMTestSupport
import PatchLanguage

/// The patch text path at the edges: line ends, byte-order marks, bad UTF-8, the shape of an
/// error's excerpt, and numbers that must survive print → parse → print bit for bit.
@Suite struct PatchTextTests {
    static let body = "t: clock\nx: coord.x\ns: sin\nout: rgb\ns.x = 3 x  # wave\ns.b = t\nout.r = s\n"

    static func summary(_ text: String) -> String {
        do {
            _ = try PatchBuilder.build(try PatchParser.parse(text, file: "p.dmm"))
            return "accepted"
        } catch { return error.summary }
    }

    // MARK: Line ends and encodings

    static let awkward: [(String, String)] = {
        var cases: [(String, String)] = [("LF", body)]
        cases.append(("CRLF", body.replacing("\n", with: "\r\n")))
        cases.append(("CR", body.replacing("\n", with: "\r")))
        cases.append(("BOM", "\u{FEFF}" + body))
        cases.append(("BOM + CRLF", "\u{FEFF}" + body.replacing("\n", with: "\r\n")))
        cases.append(("no final newline", String(body.dropLast())))
        cases.append(("tabs", body.replacing(" ", with: "\t")))
        cases.append(("mixed", "t: clock\r\nx: coord.x\rs: sin\nout: rgb\r\ns.x = 3 x  # wave\ns.b = t\rout.r = s"))
        let comment = "# Plasma — façade, 日本語, 🎨\n"
        cases.append(("non-ASCII comments", comment + body.replacing("# wave", with: "# ünïcödé ∑")))
        return cases
    }()

    @Test(arguments: awkward)
    func awkwardButValidTextReadsTheSame(_ name: String, _ text: String) throws {
        let doc = try PatchParser.parse(text, file: "p.dmm")
        let rows = doc.lines.filter { if case .row = $0.statement { true } else { false } }
        #expect(rows.count == 3, "\(name)")
        let net = try PatchBuilder.build(doc)
        let reference = try PatchBuilder.build(try PatchParser.parse(Self.body, file: "p.dmm"))
        #expect(net.matrix == reference.matrix, "\(name)")
        #expect(net.neurons.map(\.name) == reference.neurons.map(\.name), "\(name)")
    }

    @Test func lineNumbersCountEveryKindOfLineEnd() {
        // Line 3 is the bad one whatever ends the lines before it.
        for end in ["\n", "\r\n", "\r"] {
            let text = ["t: clock", "out: rgb", "out.r = t + nope"].joined(separator: end) + end
            #expect(Self.summary(text) == "p.dmm:3:13: error: unknown neuron 'nope'", "\(end.unicodeScalars.map(\.value))")
        }
        #expect(Self.summary("\u{FEFF}out: rgbb\n") == "p.dmm:1:6: error: unknown neuron kind 'rgbb'; did you mean 'rgb'?")
    }

    static let badUTF8: [([UInt8], String)] = {
        var cases: [([UInt8], String)] = []
        let prefix = "p.dmm:"
        let what = ": error: patch is not UTF-8 text: invalid byte 0x"
        cases.append(([0x74, 0x3A, 0x20, 0xFF, 0x0A], prefix + "1:4" + what + "FF"))
        let a: [UInt8] = Array("t: clock\n# ok\nout: rgb # caf".utf8)
        cases.append((a + [0xC3, 0x28, 0x0A], prefix + "3:15" + what + "C3"))
        let b: [UInt8] = Array("t: clock\r\n# é\r\n".utf8)
        cases.append((b + [0x80], prefix + "3:1" + what + "80"))
        let c: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("t: clock\rx: ".utf8)
        cases.append((c + [0xED, 0xA0, 0x80], prefix + "2:4" + what + "ED"))
        return cases
    }()

    @Test(arguments: badUTF8)
    func invalidUTF8NamesLineAndColumn(_ bytes: [UInt8], _ expected: String) {
        #expect(throws: PatchError.self) { try PatchLoader.decode(bytes, file: "p.dmm") }
        do { _ = try PatchLoader.decode(bytes, file: "p.dmm") } catch {
            #expect(error.summary == expected)
            #expect(error.description.split(separator: "\n").count == 3, "message, excerpt, caret")
        }
    }

    // MARK: Error excerpts

    @Test func controlCharactersAreShownVisibly() {
        let text = "t: clock\nout: rgb\nout.r = t \u{0}\u{1B}[31m\n"
        let e = Self.error(text)
        #expect(e.summary == "p.dmm:3:11: error: unexpected '␀' in a row")
        #expect(!e.description.contains("\u{0}") && !e.description.contains("\u{1B}"))
        let lines = e.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "    out.r = t ␀␛[31m")
        #expect(lines[2] == "    " + String(repeating: " ", count: 10) + "^")
    }

    @Test func tabsKeepTheCaretUnderTheCharacter() {
        let e = Self.error("t:\tclock\nout:\trgb\nout.r\t=\tt\t+\tq\n")
        #expect(e.summary == "p.dmm:3:13: error: unknown neuron 'q'")
        let lines = e.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "    out.r = t + q")
        #expect(lines[2] == "    " + String(repeating: " ", count: 12) + "^")
    }

    @Test func wideCharactersCountTwoColumns() {
        let (text, pad) = PatchError.excerpt("# 日本 x", column: 6)
        #expect(text == "# 日本 x")
        #expect(pad == 7)
    }

    @Test func aMegabyteLineIsCutAroundTheColumn() {
        let long = String(repeating: "a", count: 1 << 20)
        for (line, column) in [("s.x = " + long + " $", 6 + (1 << 20) + 2), ("s.x = $ " + long, 7), ("s.x = " + long + "$" + long, 7 + (1 << 20))] {
            let (text, pad) = PatchError.excerpt(line, column: column)
            #expect(text.count <= PatchError.excerptWidth, "\(text.count)")
            let chars = Array(text)
            #expect(pad < chars.count && chars[pad] == "$", "caret under the character at the column")
        }
        let e = Self.error("t: clock\nout: rgb\nout.r = " + long + "\n")
        #expect(e.summary.count < 200, "a quoted name is shortened")
        #expect(e.summary.hasPrefix("p.dmm:3:9: error: unknown neuron 'aaaa"))
        #expect(e.description.split(separator: "\n").allSatisfy { $0.count <= PatchError.excerptWidth + 10 })
    }

    static func error(_ text: String) -> PatchError {
        do { _ = try PatchBuilder.build(try PatchParser.parse(text, file: "p.dmm")) } catch { return error }
        Issue.record("accepted: \(text.prefix(80))")
        return PatchError(file: "", line: 0, column: 0, message: "")
    }

    // MARK: Numbers that print and read back

    /// Every finite Float, extremes included, prints as a weight that reads back bit for bit,
    /// and printing the parsed document again gives the same text.
    @Test func weightsRoundTripBitForBit() throws {
        var rng = SplitMix(seed: 9)
        var values: [Float] = [0, -0.0, 1, -1, 0.1, 1.0 / 3, 16_777_216, 1e7, 9_999_999, 1e-7,
                               .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, Float.leastNormalMagnitude.nextDown]
        while values.count < 3000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if f.isFinite { values.append(f) }
        }
        for chunk in stride(from: 0, to: values.count, by: 100) {
            let ws = Array(values[chunk..<min(chunk + 100, values.count)])
            var lines = [PatchLine(.declaration(Declaration(name: "t", kind: "clock"))),
                         PatchLine(.declaration(Declaration(name: "s", kind: "sin")))]
            for (k, w) in ws.enumerated() {
                let src = k % 2 == 0 ? "one" : "t"
                lines.append(PatchLine(.row(Row(neuron: "s", input: k % 3 == 0 ? "b" : "x", adds: true,
                                               terms: [Term(weight: Double(w), source: src, frozen: k % 5 == 0)]))))
            }
            let text = PatchPrinter.format(PatchDocument(file: "p.dmm", lines: lines))
            #expect(!text.contains("inf") && !text.contains("nan"))
            let doc = try PatchParser.parse(text, file: "p.dmm")
            let read = doc.lines.compactMap { l -> Term? in if case .row(let r) = l.statement { r.terms.first } else { nil } }
            #expect(read.count == ws.count)
            for (w, t) in zip(ws, read) {
                #expect(Float(t.weight).bitPattern == w.bitPattern, "\(w) printed as \(PatchPrinter.number(Double(w)))")
            }
            #expect(PatchPrinter.format(doc) == text)
        }
    }

    /// Option and header numbers print as Doubles that read back bit for bit.
    @Test func optionsAndHeadersRoundTrip() throws {
        var rng = SplitMix(seed: 4)
        var rates: [Double] = [0, -0.0, 1, -1, 1.0 / 3, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, 2.2250738585072014e-308, 999_999.999_999, -1e6, 1e6, 1e-300]
        while rates.count < 500 { rates.append(Double(rng.uniform(-1, 1)) * Self.pow10(Int(rng.next() % 7))) }
        for r in rates {
            var net = try PatchBuilder.build(try PatchParser.parse("out: rgb\n", file: "p.dmm"))
            _ = try net.add("t", try Clock(config: NeuronConfig([("rate", .number(r))])))
            let fps = min(1000, abs(r) / 1000 + 1)
            net.timing.fps = fps
            net.timing.seconds = min(10_000, abs(r) / 100 + 1)
            let text = PatchPrinter.print(network: net)
            let back = try PatchBuilder.build(try PatchParser.parse(text, file: "p.dmm"))
            let rate = back.neurons[back.index(of: "t")!].kind.config["rate"]?.number
            #expect(rate?.bitPattern == r.bitPattern, "\(r) printed as \(text)")
            #expect(back.timing.fps.bitPattern == fps.bitPattern)
            #expect(back.timing.seconds?.bitPattern == net.timing.seconds?.bitPattern)
            #expect(PatchPrinter.print(network: back) == text)
        }
    }

    static func pow10(_ k: Int) -> Double { var p = 1.0; for _ in 0..<k { p *= 10 }; return p }

    @Test func printerNeverWritesInfinityOrNaN() throws {
        #expect(PatchPrinter.number(.infinity) == "3.4028235e+38")
        #expect(PatchPrinter.number(-1e39) == "-3.4028235e+38")
        #expect(PatchPrinter.number(.nan) == "0")
        var net = try PatchBuilder.build(try PatchParser.parse("t: clock\nout: rgb\nout.r = t\n", file: "p.dmm"))
        net.matrix.set(net.input("out", "r")!, net.output("t")!, .infinity)
        let text = PatchPrinter.print(network: net)
        #expect(!text.contains("inf"))
        #expect(throws: Never.self) { try PatchBuilder.build(try PatchParser.parse(text, file: "p.dmm")) }
    }

    // MARK: Where a kind's option error points

    @Test(arguments: [
        ("e: edit(at: 9223372036854775808)\n", "p.dmm:1:13: error: edit: 'at' must be a whole number from -1000000000000 to 1000000000000 (ticks), not 9.223372036854776e+18"),
        ("e: edit(at: 2, every: 1e19)\n", "p.dmm:1:23: error: edit: 'every' must be a whole number from 0 to 1000000000000 (ticks), not 1e+19"),
        ("e: edit(at: 2.5)\n", "p.dmm:1:13: error: edit: 'at' must be a whole number from -1000000000000 to 1000000000000 (ticks), not 2.5"),
        ("e: edit(delta: \"{a:{b:1}\")\n", "p.dmm:1:25: error: edit: 'delta': missing '}' at character 9"),
        ("e: edit(delta: \"{a:{b:x}}\")\n", "p.dmm:1:23: error: edit: 'delta': expected a finite number for 'b', got 'x' at character 7"),
        ("e: edit(delta: \"{a:{b:1e39}}\")\n", "p.dmm:1:16: error: edit: 'delta' weight 1e+39 at 'a/b' is out of range: weights must be finite, at most ±3.4e38"),
        ("c: clip(lo: -1e39)\n", "p.dmm:1:13: error: clip: 'lo' must be a finite number of at most ±3.4e38, not -1e+39"),
        ("c: clock(rate: 1e300)\n", "p.dmm:1:16: error: clock: 'rate' must be from -1000000 to 1000000 times real time, not 1e+300"),
        ("d: delay(max: 1e300)\n", "p.dmm:1:15: error: delay: 'max' must be above 0 and at most 60 seconds, not 1e+300"),
        ("e: env.breakpoints(points: \"0 0, 1e300 1\")\n", "p.dmm:1:34: error: env.breakpoints: 'points' times must be from 0 to 86400 seconds, not 1e+300"),
        ("e: env.breakpoints(points: \"0 0, 1 1e39\")\n", "p.dmm:1:36: error: env.breakpoints: 'points' values must be finite numbers of at most ±3.4e38, not 1e+39"),
        ("e: env.breakpoints(points: \"0 0, 1 z\")\n", "p.dmm:1:36: error: env.breakpoints: 'points' has 'z', which is not a number"),
        ("e: env.breakpoints(points: \"0 0, 1 1\u{0}5\")\n", "p.dmm:1:36: error: env.breakpoints: 'points' has '1␀5', which is not a number"),
        ("e: env.breakpoints(loop: 2)\n", "p.dmm:1:26: error: env.breakpoints: 'loop' must be a whole number from 0 to 1, not 2"),
        ("c: clip(lo: 1e999)\n", "p.dmm:1:13: error: number '1e999' is out of range: numbers must be finite, at most ±1.8e308"),
    ])
    func optionErrorsPointAtTheValue(_ text: String, _ expected: String) {
        #expect(Self.error(text).summary == expected)
    }
}

/// Weights on ports with a default (sin's `a` is 1) print as their difference from it in rows
/// that only add (`+=`); the difference must read back to exactly the weight.
@Suite struct DefaultPortWeightTests {
    static let weights: [Float] = [1.5e-8, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 3e38, -3e38, 0.1, 1, Float(1).nextUp, -1, 0, 7.25]

    @Test(arguments: weights)
    func differencesFromADefaultReadBackExactly(_ w: Float) throws {
        let text = "t: clock\ns: sin\nout: rgb\ns.a += 0.5 t\nout.r = s\n"
        let doc = try PatchParser.parse(text, file: "p.dmm")
        var net = try PatchBuilder.build(doc)
        let row = net.input("s", "a")!, one = net.output("one")!
        net.matrix.set(row, one, w)
        let printed = PatchPrinter.format(doc.updatingWeights(from: net))
        let back = try PatchBuilder.build(try PatchParser.parse(printed, file: "p.dmm"))
        #expect((back.matrix.rows[row]?[one]?.weight ?? 0).bitPattern == w.bitPattern, "\(w) printed as \(printed)")
        if w != 0 { #expect(back.matrix == net.matrix) }
    }
}
