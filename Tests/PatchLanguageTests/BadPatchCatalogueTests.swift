import Testing
import DMMCore
import PatchLanguage

/// Every way a patch can be wrong, with the exact one-line message a user sees first.
@Suite struct BadPatchCatalogueTests {
    static let base = "t: clock\nx: coord.x\ns1: sin\ns2: sin\nout: rgb\n"

    static let catalogue: [(String, String)] = [
        (base + "s3.x = t\n", "bad.dmm:6:1: error: unknown neuron 's3'; did you mean 's1'?"),
        (base + "s1.x = t + s4\n", "bad.dmm:6:12: error: unknown neuron 's4'; did you mean 's1'?"),
        (base + "s1.q = t\n", "bad.dmm:6:4: error: 's1' (sin) has no input 'q'; its inputs are a, x, b"),
        (base + "s1.xx = t\n", "bad.dmm:6:4: error: 's1' (sin) has no input 'xx'; did you mean 'x'?; its inputs are a, x, b"),
        ("s: sinn\n", "bad.dmm:1:4: error: unknown neuron kind 'sinn'; did you mean 'sin'?"),
        ("s: sin\ns: cos\n", "bad.dmm:2:1: error: neuron 's' is declared twice (first on line 1)"),
        ("one: sin\n", "bad.dmm:1:1: error: 'one' is the built-in constant neuron; choose another name"),
        ("size 12by12\n", "bad.dmm:1:6: error: 'size' must be WIDTHxHEIGHT with each side from 1 to 16384, not '12by12'"),
        ("fps -3\n", "bad.dmm:1:5: error: 'fps' must be a number above 0.0 and at most 1000.0, not '-3'"),
        ("frames 0\n", "bad.dmm:1:8: error: 'frames' must be a whole number from 1 to 10000000, not '0'"),
        ("sise 12x12\n", "bad.dmm:1:1: error: unknown header 'sise'; did you mean 'size'? (or a missing ':' in a declaration)"),
        (base + "s1.x = t +\n", "bad.dmm:6:11: error: expected a term after the sign"),
        (base + "s1.x =\n", "bad.dmm:6:7: error: expected a weight or a neuron after '='"),
        (base + "s1.x = t s2\n", "bad.dmm:6:10: error: expected '+' or '-' between terms"),
        (base + "s1.x = 2 $\n", "bad.dmm:6:10: error: unexpected '$' in a row"),
        (base + "s1.x t\n", "bad.dmm:6:6: error: expected '=' or '+=' after 's1.x'"),
        (base + "s1 = t\n", "bad.dmm:6:1: error: a row names an input: write 's1.<input> = …'"),
        (base + "s1.x = t\ns1.x = x\n", "bad.dmm:7:1: error: 's1.x' is set twice (first on line 6); use += to add terms"),
        (base + "s1.x = out.z\n", "bad.dmm:6:8: error: 'out' has no output 'z'; its outputs are r, g, b"),
        ("c: clip(lo: 1, hi: 0)\n", "bad.dmm:1:4: error: clip: clip needs lo < hi, got lo 1.0, hi 0.0"),
        ("c: clip(low: 1)\n", "bad.dmm:1:4: error: 'clip' has no option 'low'; did you mean 'lo'?; it takes lo, hi"),
        ("c: clip(lo: 1\n", "bad.dmm:1:14: error: missing ')'"),
        ("c: clip(lo: 1, lo: 2)\n", "bad.dmm:1:16: error: 'lo' is given twice"),
        (base + "fb: feedback\nfb.zoom = x\n", "bad.dmm:7:1: error: cannot connect field 'x' to scalar input 'fb.zoom'"),
        (base + "s1.x = 1e999 t\n", "bad.dmm:6:8: error: weight 1e999 is out of range: weights must be finite, at most ±3.4e38"),
        ("=\n", "bad.dmm:1:1: error: expected a header, a declaration (name: kind) or a row (neuron.input = …)"),
        // Numbers past their range, at the column of the number (the patch text hardening).
        (base + "s1.x = 1e39 t\n", "bad.dmm:6:8: error: weight 1e39 is out of range: weights must be finite, at most ±3.4e38"),
        (base + "s1.x = -3.5e38\n", "bad.dmm:6:9: error: weight 3.5e38 is out of range: weights must be finite, at most ±3.4e38"),
        (base + "s1.x = 2e38 t + 2e38 t\n", "bad.dmm:6:22: error: the weights from 't' into 's1.x' add up to 4e+38, out of range: weights must be finite, at most ±3.4e38"),
        (base + "s1.x = 1.2.3 t\n", "bad.dmm:6:8: error: malformed number '1.2.3'"),
        ("e: edit(at: 9223372036854775808)\n", "bad.dmm:1:13: error: edit: 'at' must be a whole number from -1000000000000 to 1000000000000 (ticks), not 9.223372036854776e+18"),
        ("e: edit(every: 1e19)\n", "bad.dmm:1:16: error: edit: 'every' must be a whole number from 0 to 1000000000000 (ticks), not 1e+19"),
        ("e: edit(at: 1e999)\n", "bad.dmm:1:13: error: number '1e999' is out of range: numbers must be finite, at most ±1.8e308"),
        ("c: clip(hi: 1e39)\n", "bad.dmm:1:13: error: clip: 'hi' must be a finite number of at most ±3.4e38, not 1e+39"),
        ("frames 1e20\n", "bad.dmm:1:8: error: 'frames' must be a whole number from 1 to 10000000, not '1e20'"),
        ("seconds 1e400\n", "bad.dmm:1:9: error: 'seconds' must be a number above 0.0 and at most 86400.0, not '1e400'"),
        ("size 16x16x\n", "bad.dmm:1:6: error: 'size' must be WIDTHxHEIGHT with each side from 1 to 16384, not '16x16x'"),
        ("rate 9223372036854775808\n", "bad.dmm:1:6: error: 'rate' must be a whole number from 1000 to 768000, not '9223372036854775808'"),
        ("fps 0.00001\nseconds 2\n" + base, "bad.dmm:2:9: error: 'seconds 2' at 'fps 1e-05' is 0 frames; a render has 1 to 10000000 frames"),
        ("fps 0.01\nframes 5\n" + base + "o: osc.sine\na: audio.out\na.left = o\n",
         "bad.dmm:1:5: error: 'fps 0.01' at 'rate 48000' is 4800000 audio samples per frame; at most 1048576 (fps at least 0.0458)"),
        // Text that would not print as itself is shown visibly.
        (base + "s1.x = t \u{7}\n", "bad.dmm:6:10: error: unexpected '␇' in a row"),
        ("fps 3\u{0}0\n", "bad.dmm:1:5: error: 'fps' must be a number above 0.0 and at most 1000.0, not '3␀0'"),
    ]

    @Test(arguments: catalogue)
    func rejectsWithMessage(_ patch: String, _ expected: String) {
        do {
            let doc = try PatchParser.parse(patch, file: "bad.dmm")
            _ = try PatchBuilder.build(doc)
            Issue.record("accepted a bad patch: \(patch)")
        } catch {
            #expect(error.summary == expected)
            let lines = error.description.split(separator: "\n")
            #expect(lines.count == 3, "message, source line, caret")
            if lines.count == 3 {
                #expect(lines[2].count == 4 + error.column, "caret under column \(error.column)")
            }
        }
    }

    @Test func missingFileNamesIt() {
        #expect {
            try PatchLoader.load(path: "/nonexistent/p.dmm")
        } throws: { e in
            (e as? PatchError)?.description == "/nonexistent/p.dmm: error: cannot read patch: No such file or directory"
        }
    }
}
