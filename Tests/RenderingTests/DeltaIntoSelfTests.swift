import DMMCore
import PatchLanguage
import Testing

/// `delta` wired into Self: a scalar neuron's value becomes a change of exactly one weight.
@Suite struct DeltaIntoSelfTests {
    static let patch = """
    size 8x8
    fps 10
    frames 1
    x: coord.x
    n: accum
    s1: sin
    out: rgb
    W: self
    d: delta(row: "s1.a", col: "one", scale: 0.5)
    e: delta(row: "out.g", col: "s1", scale: -0.25)
    n.x = 0.25
    s1.a = 2
    s1.x = x
    out.r = s1
    d.x = n
    e.x = n
    W.delta = d + e

    """

    @Test("each tick the two named weights change by exactly scale·x and nothing else changes")
    func scalarDrivesOneWeight() throws {
        let net = try PatchBuilder.build(try PatchParser.parse(Self.patch, file: "d.dmm"))
        let plan = try TickPlan(network: net, startTick: 0)
        // Independently: n(τ) = n(τ−1) + 0.25 from n(−1) = 0; d and e read n one tick later; Self reads
        // them one tick after that and adds at the boundary. All values are exact in Float.
        var prevN = 0.0, prevD = 0.0, prevE = 0.0
        var a = 2.0, g = 0.0
        let before = MatrixGrid(net)
        for tick in 0..<24 {
            let grid = MatrixGrid(plan.network)
            #expect(Double(grid.weight(row: "s1.a", column: "one")) == a, "tick \(tick)")
            #expect(Double(grid.weight(row: "out.g", column: "s1")) == g, "tick \(tick)")
            for c in before.cells {
                let (r, col) = (before.rows[c.row], before.columns[c.column])
                guard !(r == "s1.a" && col == "one") else { continue }
                #expect(grid.weight(row: r, column: col) == c.weight, "tick \(tick): \(r) ← \(col) moved")
            }
            #expect(grid.cells.count == before.cells.count + (g != 0 ? 1 : 0), "tick \(tick)")
            plan.tick()
            #expect(plan.lastSelfError == nil)
            let (nOut, d, e) = (prevN + 0.25, 0.5 * prevN, -0.25 * prevN)
            a += prevD; g += prevE
            (prevN, prevD, prevE) = (nOut, d, e)
        }
        #expect(a > 2 && g < 0)
    }

    @Test("a delta naming an unknown input is not applied; the patch keeps running and says why")
    func unknownRowIsReported() throws {
        let text = Self.patch.replacingOccurrences(of: "row: \"s1.a\"", with: "row: \"s9.a\"")
        let net = try PatchBuilder.build(try PatchParser.parse(text, file: "d.dmm"))
        let plan = try TickPlan(network: net, startTick: 0)
        for _ in 0..<6 { plan.tick() }
        #expect(plan.lastSelfError?.description.contains("s9.a") == true, "\(String(describing: plan.lastSelfError))")
        #expect(MatrixGrid(plan.network).weight(row: "s1.a", column: "one") == 2)
    }
}
