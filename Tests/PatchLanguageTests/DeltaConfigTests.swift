import DMMCore
import PatchLanguage
import Testing

/// `delta(row:, col:, scale:)` refuses a row or column that cannot name a port, at load, with
/// one line at the value's position naming the key.
@Suite struct DeltaConfigTests {
    @Test(arguments: [
        ("d: delta(col: \"one\")\n", "'row' is required"),
        ("d: delta(row: \"s1.a\")\n", "'col' is required"),
        ("d: delta(row: 3, col: \"one\")\n", "'row' must be a string"),
        ("d: delta(row: \"\", col: \"one\")\n", "'row' '' is not a port name"),
        ("d: delta(row: \"s1\", col: \"one\")\n", "'row' 's1' names no input"),
        ("d: delta(row: \".a\", col: \"one\")\n", "'row' '.a' is not a port name"),
        ("d: delta(row: \"s1.\", col: \"one\")\n", "'row' 's1.' is not a port name"),
        ("d: delta(row: \"s1 .a\", col: \"one\")\n", "'row' 's1 .a' is not a port name"),
        ("d: delta(row: \"s1.a\", col: \"\")\n", "'col' '' is not a port name"),
        ("d: delta(row: \"s1.a\", col: \"fb.\")\n", "'col' 'fb.' is not a port name"),
        ("d: delta(row: \"s1.a\", col: \"one\", scale: 1e39)\n", "'scale' must be a finite number of at most ±3.4e38"),
        ("d: delta(row: \"s1.a\", col: \"one\", scale: \"x\")\n", "'scale' must be a number"),
    ])
    func badRowsAndColumnsAreRefused(_ text: String, _ message: String) {
        do {
            _ = try PatchBuilder.build(try PatchParser.parse(text, file: "p.dmm"))
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.summary.hasPrefix("p.dmm:1:"), "\(error.summary)")
            #expect(error.summary.contains("error: delta: " + message), "\(error.summary)")
            #expect(!error.summary.contains("\n"))
        }
    }

    @Test func goodRowsAndColumnsLoad() throws {
        let net = try PatchBuilder.build(try PatchParser.parse("""
        d: delta(row: "s1.a", col: "one")
        e: delta(row: "W.delta", col: "fb.y", scale: -0.5)

        """, file: "p.dmm"))
        let e = try #require(net.neurons.first { $0.name == "e" }?.kind as? Delta)
        #expect(e.row == "W.delta" && e.col == "fb.y" && e.scale == -0.5)
    }
}
