import DMMCore
import Fitting
import PatchLanguage
import Testing

// The engine (renderer and fitter) against the independent Double reference.
//
// Observed on the engine at commit 0252eb5 (see the commit message of this file): rows of 20
// or more field sources into a fused sin/cos crash the test process (TickPlan.runTile writes
// one source pointer per term into a stack buffer of maxIn + 8 pointers), which hits the
// wide-row tests and the generated wide patch of seed 3; and the fitter ignores Self's edits,
// so rewire.dmm's fit loss is wrong from frame 23 on. These tests are the specification;
// they pass once the engine implements it. A crash ends the whole process: run single cases
// past it with REFERENCE_SEEDS / REFERENCE_SOURCES (ReferenceSupport.swift).

/// Renders through the engine (per tick and batched) and the reference: every byte within 1.
func expectRenderMatches(_ net: Network, frames: Int, label: String, text: String?) throws {
    let reference = try referenceFrames(net, count: frames)
    let perTick = try engineFrames(net, count: frames)
    let batched = try engineFrames(net, count: frames, batched: true)
    let context = text.map { "\n\($0)" } ?? ""
    let w = net.timing.width
    if let m = compareFrames(engine: perTick, reference: reference, width: w, what: "\(label), tick(frame:)") {
        Issue.record("\(m)\(context)")
    }
    if let m = compareFrames(engine: batched, reference: reference, width: w, what: "\(label), tick(frames:) batched") {
        Issue.record("\(m)\(context)")
    }
}

@Suite("Renders match the reference") struct RenderReferenceTests {
    @Test("every visual patch in patches/", arguments: ReferenceCases.visualPatches)
    func shippedPatch(_ patch: ShippedPatch) throws {
        let net = try patch.network()
        try expectRenderMatches(net, frames: patch.frames(net), label: patch.name, text: nil)
    }

    @Test func shippedPatchesFound() {
        let all = ReferenceCases.allPatchFiles.map(\.name), visual = ReferenceCases.visualPatches.map(\.name)
        print("ReferenceTests: \(visual.count) of \(all.count) patches in patches/ draw a picture and are compared: \(visual.joined(separator: ", "))")
        #expect(visual.count >= 3, "expected plasma, rewire and av-pulse at least; found \(visual)")
    }

    /// The engine's warm-up is the documented one (longest chain into the picture or the
    /// sound), on every shipped patch (audio ones too), the templates and generated patches.
    @Test func warmUpIsTheLongestChain() throws {
        var nets: [(String, Network)] = []
        for f in ReferenceCases.allPatchFiles {
            nets.append((f.name, try PatchBuilder.build(try PatchParser.parse(f.text, file: ReferenceCases.patchPath(f.name)))))
        }
        nets += try ReferenceCases.cppnTemplates().map { ($0.label, $0.network) }
        nets += ReferenceCases.seeds(0..<30).map { ("generated seed \($0)", ReferenceCases.generated($0, wide: false).network) }
        for (label, net) in nets {
            #expect(net.warmUpTicks == ReferenceEvaluatorWarmUp.documented(net), "\(label): engine warm-up \(net.warmUpTicks)")
        }
        let plasma = try #require(nets.first { $0.0 == "plasma.dmm" }?.1)
        #expect(plasma.warmUpTicks == 3)   // x → s1 → s2 → out
    }

    @Test func cppnTemplates() throws {
        for t in try ReferenceCases.cppnTemplates() {
            try expectRenderMatches(t.network, frames: t.frames, label: t.label, text: nil)
        }
    }

    @Test("generated patches, rows of 1–16 sources", arguments: ReferenceCases.narrowSeeds)
    func generatedNarrow(seed: UInt64) throws {
        let g = ReferenceCases.generated(seed, wide: false)
        try expectRenderMatches(g.network, frames: g.frames, label: "generated seed \(seed) (widest row \(g.widestRow))", text: g.text)
    }

    @Test("generated patches with a row of 20–300 sources", arguments: ReferenceCases.wideSeeds)
    func generatedWide(seed: UInt64) throws {
        let g = ReferenceCases.generated(seed, wide: true)
        try expectRenderMatches(g.network, frames: g.frames, label: "generated wide seed \(seed) (widest row \(g.widestRow))", text: g.text)
    }

    /// The generated set covers every differentiable visual kind, in fields and in scalars,
    /// and rows from 1 to 300 sources.
    @Test func generatorCoverage() {
        let narrow = ReferenceCases.narrowSeeds.map { ReferenceCases.generated($0, wide: false) }
        let wide = ReferenceCases.wideSeeds.map { ReferenceCases.generated($0, wide: true) }
        let kinds = (narrow + wide).reduce(into: Set<String>()) { $0.formUnion($1.kinds) }
        var wanted = Set(PatchGenerator.pointwiseKinds)
        wanted.formUnion(PatchGenerator.pointwiseKinds.map { "scalar:" + $0 })
        wanted.formUnion(["feedback", "rgb", "hsv", "clock", "coord.x", "coord.y", "coord.r", "coord.theta"])
        #expect(wanted.subtracting(kinds).isEmpty, "kinds never generated: \(wanted.subtracting(kinds).sorted())")
        let widths = Set((narrow + wide).flatMap(\.rowWidths))
        #expect(widths.contains(1) && widths.contains(300), "row widths: \(widths.sorted())")
        #expect(narrow.contains { $0.widestRow > 11 }, "no narrow patch has a row of 12–16 sources")
        #expect(wide.allSatisfy { $0.widestRow >= 20 }, "wide patches' widest rows: \(wide.map(\.widestRow))")
        // Every picture must move: a constant (say all-black hsv) picture would test nothing.
        var stats: [String] = []
        for g in narrow + wide {
            guard let frames = try? referenceFrames(g.network, count: g.frames) else {
                Issue.record("the reference cannot evaluate generated \(g.seed)\n\(g.text)"); continue
            }
            let values = frames.flatMap { $0 }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            let inside = Double(values.filter { Swift.abs($0) < 1 }.count) / Double(values.count)
            stats.append("\(g.seed)\(wide.contains { $0.text == g.text } ? "w" : ""): sd \((sd * 100).rounded() / 100), \(Int(inside * 100))% inside")
            #expect(sd > 0.02 && inside > 0.2, "generated seed \(g.seed): a near-constant or saturated picture (sd \(sd), \(inside) inside −1…1)\n\(g.text)")
        }
        print("ReferenceTests: generated pictures: \(stats.joined(separator: "; "))")
        print("ReferenceTests: \(narrow.count) narrow generated patches (widest rows \(narrow.map(\.widestRow))), \(wide.count) wide (\(wide.map(\.widestRow)))")
    }
}

/// One `sin` or `cos` whose x row reads exactly `sources` field neurons.
struct WideRowCase: Sendable, CustomTestStringConvertible {
    let sources: Int
    let kind: String
    var testDescription: String { "\(sources) field sources into a \(kind)" }

    var text: String {
        var rng = SplitMix64(seed: UInt64(sources) &* 31 &+ (kind == "sin" ? 1 : 2))
        var lines = ["size 24x16", "fps 30", "frames 4", "", "t: clock", "x: coord.x", "y: coord.y", "r: coord.r"]
        var rows: [String] = []
        let feeders = ["sin", "cos", "tanh", "gauss"]
        for k in 1...sources {
            let kind = feeders[k % feeders.count]
            lines.append("f\(k): \(kind)")
            rows.append("f\(k).x = " + PatchGenerator.sum([(rng.uniform(-2, 2), "x"), (rng.uniform(-2, 2), "y"),
                                                           (rng.uniform(-1, 1), "r"), (rng.uniform(0.2, 1), "t")]))
        }
        lines.append("s: \(kind)")
        lines.append("out: rgb")
        let scale = 2.5 / Double(sources).squareRoot()
        rows.append("s.x = " + PatchGenerator.sum((1...sources).map { (rng.normal() * scale, "f\($0)") }))
        rows.append("s.a = 1.5 + 0.2 t")
        rows.append("s.b = 0.7 t - 0.3")
        rows.append("out.r = 0.9 s")
        rows.append("out.g = 0.5 s + 0.4 f1")
        rows.append("out.b = 0.6 f2 - 0.3 s")
        return (lines + [""] + rows).joined(separator: "\n") + "\n"
    }
}

@Suite("Wide rows into sin and cos") struct WideRowTests {
    /// `REFERENCE_SOURCES` (e.g. `64,300`) restricts the widths run; unset, all run.
    static let cases = [19, 20, 64, 300].filter { ReferenceCases.environmentList("REFERENCE_SOURCES")?.contains($0) ?? true }
        .flatMap { n in ["sin", "cos"].map { WideRowCase(sources: n, kind: $0) } }

    @Test(arguments: cases)
    func wideRow(_ c: WideRowCase) throws {
        let text = c.text
        let net = try PatchBuilder.build(try PatchParser.parse(text, file: "wide-\(c.sources)-\(c.kind).dmm"))
        let s = try #require(net.index(of: "s"))
        #expect(net.matrix.row(PortRef(s, 1)).count == c.sources)
        try expectRenderMatches(net, frames: 4, label: c.testDescription, text: text)
        try expectFitLossMatches(net, frames: 4, label: c.testDescription, text: text)
        try expectQuantisationFloor(net, frames: 4, label: c.testDescription, text: text)
    }
}
