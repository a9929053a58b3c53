import Foundation
import Testing

/// Patches that compute their own ΔW (`delta`, `scale`, `mask` wired into Self) are refused by
/// `dmm export --jax` with one line naming the neuron: the exported module has a fixed matrix.
struct ExportSelfModificationTests {
    @Test(arguments: [
        ("d: delta(row: \"s1.a\", col: \"one\")", "d.x = t", "W.delta = d", "d", "delta"),
        ("k: scale\nc: const(tree: \"{s1.a:{one:0.1}}\")", "k.x = c\nk.s = t", "W.delta = k", "k", "scale"),
        ("k: mask\nc: const(tree: \"{s1.a:1}\")", "k.x = W\nk.m = c", "W.delta = 0.01 k", "k", "mask"),
    ])
    func selfModifyingKindsAreRefusedNamingTheNeuron(_ decl: String, _ wiring: String, _ into: String, _ name: String, _ kind: String) throws {
        let dir = Proc.tempDir()
        let text = """
        size 16x16
        frames 2
        \(decl)
        t: clock
        x: coord.x
        s1: sin
        out: rgb
        W: self
        s1.x = 3 x
        out.r = s1
        \(wiring)
        \(into)

        """
        try text.write(toFile: dir + "/p.dmm", atomically: true, encoding: .utf8)
        let r = try Proc.dmm(["export", "p.dmm", "--jax", "-o", "p.py"], cwd: dir)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains(try Regex("p.dmm:[0-9]+:[0-9]+: error: neuron '\(name)' \\(\(kind)\\)")), "\(r.stderr)")
        #expect(r.stderr.contains("self-modifying patches cannot be exported"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/p.py"))
        // The same picture without Self and the ΔW neurons exports.
        let plain = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in !(decl + "\n" + wiring + "\n" + into + "\nW: self").split(separator: "\n").contains(line) }
            .joined(separator: "\n")
        try plain.write(toFile: dir + "/q.dmm", atomically: true, encoding: .utf8)
        let q = try Proc.dmm(["export", "q.dmm", "--jax", "-o", "q.py"], cwd: dir)
        #expect(q.status == 0, "\(plain)\n\(q)")
    }
}
