import DMMTestSupport
import DMMCore
import PatchLanguage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The reference tests' view of the shared `SplitMix`: Doubles, integers, normals, picks.
struct SplitMix64 {
    /// The shared generator, from a scrambled seed (so small seeds give unrelated streams).
    var core: SplitMix
    init(seed: UInt64) { core = SplitMix(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 0x1234_5678) }
    mutating func next() -> UInt64 { core.next() }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992) }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func normal() -> Double {
        let u = max(unit(), 1e-300), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
    mutating func pick<T>(_ a: [T]) -> T { a[int(0...(a.count - 1))] }
    /// k distinct elements of `a` (k ≤ a.count), in random order.
    mutating func sample<T>(_ a: [T], _ k: Int) -> [T] {
        var b = a
        for i in 0..<min(k, b.count) { b.swapAt(i, int(i...(b.count - 1))) }
        return Array(b.prefix(k))
    }
}

/// A random, valid visual patch, as text (so a failure can print it) and as a network.
struct GeneratedPatch: CustomStringConvertible {
    let seed: UInt64
    let text: String
    let network: Network
    let frames: Int
    /// The number of sources of every row written.
    let rowWidths: [Int]
    /// The largest number of sources in one row.
    var widestRow: Int { rowWidths.max() ?? 0 }
    /// Kinds used, with "scalar:" before those of scalar neurons.
    let kinds: Set<String>
    var description: String { "generated patch, seed \(seed)" }
}

/// Random patches over every differentiable visual kind: sin, cos, tanh, sigmoid, gauss, abs,
/// clip, mul, id, accum, feedback, rgb/hsv, over clock (with a random rate) and the four
/// coordinates. Layered (depth 1–5) with the clock into every first-layer neuron, random
/// wiring from any earlier output (and now and then a recurrent term from a later neuron or
/// the picture), field neurons and scalar neurons (wired only from the clock, `one` and other
/// scalars), small frames (16×12 … 40×24) and 3–8 frames. Weights are N(0, 1) scaled by a
/// per-kind gain and 1/√sources so values stay in sane ranges.
enum PatchGenerator {
    static let pointwiseKinds = ["sin", "cos", "tanh", "sigmoid", "gauss", "abs", "clip", "mul", "id", "accum"]

    /// Four decimals, never 0 (a zero weight would drop the term), never an exponent.
    static func number(_ x: Double) -> String {
        var q = Int((x * 10_000).rounded())
        if q == 0 { q = x < 0 ? -1 : 1 }
        let m = Swift.abs(q), frac = String(m % 10_000)
        return (q < 0 ? "-" : "") + "\(m / 10_000)." + String(repeating: "0", count: 4 - frac.count) + frac
    }

    /// The right-hand side of a row, `a n1 - b n2 + c`, from (weight, source) terms and a constant.
    static func sum(_ terms: [(Double, String)], constant: Double? = nil) -> String {
        var s = ""
        var all = terms.map { (number($0.0), $0.1) }
        if let constant { all.append((number(constant), "")) }
        for (k, (wt, src)) in all.enumerated() {
            let neg = wt.hasPrefix("-")
            let mag = neg ? String(wt.dropFirst()) : wt
            let term = src.isEmpty ? mag : "\(mag) \(src)"
            s += k == 0 ? (neg ? "-" : "") + term : (neg ? " - " : " + ") + term
        }
        return s
    }

    /// - Parameters:
    ///   - maxSources: the cap on sources per row (1…300); with `wide`, one layer has enough
    ///     neurons that some row reads between 20 and `maxSources` field sources.
    static func make(seed: UInt64, maxSources: Int = 16, wide: Bool = false) -> GeneratedPatch {
        var rng = SplitMix64(seed: seed &+ (wide ? 0x5EED_0000 : 0))
        let w = rng.int(16...40), h = rng.int(12...24)
        let frames = rng.int(3...8)
        let fps = rng.pick([24.0, 30, 60])
        var lines = ["# generated: seed \(seed)\(wide ? " (wide)" : "")", "size \(w)x\(h)", "fps \(Int(fps))", "frames \(frames)", ""]
        var rowsText: [String] = []
        var kinds = Set<String>()
        var widths: [Int] = []

        func row(_ target: String, _ terms: [(Double, String)], constant: Double? = nil) {
            rowsText.append("\(target) = \(sum(terms, constant: constant))")
            widths.append(terms.count)
        }

        // Sources.
        let rate = rng.chance(0.5) ? 1 : (rng.uniform(0.25, 3) * 100).rounded() / 100
        lines.append(rate == 1 ? "t: clock" : "t: clock(rate: \(rate))")
        kinds.insert("clock")
        var fieldOuts: [String] = []
        for (name, kind) in [("x", "coord.x"), ("y", "coord.y"), ("r", "coord.r"), ("th", "coord.theta")] where rng.chance(0.8) || name == "x" {
            lines.append("\(name): \(kind)")
            fieldOuts.append(name)
            kinds.insert(kind)
        }
        var scalarOuts = ["t"]
        var allNeurons: [(name: String, field: Bool)] = []

        let depth = rng.int(1...5)
        let wideLayer = wide ? rng.int(0...(max(0, depth - 2))) : -1
        var layers: [[(name: String, field: Bool)]] = []
        for l in 0..<depth {
            var count = rng.int(1...(l == 0 ? 6 : 4))
            if l == wideLayer { count = seed % 3 == 0 ? maxSources : rng.int(20...max(20, maxSources)) }
            var layer: [(name: String, field: Bool)] = []
            for k in 0..<count {
                let name = "n\(l + 1)_\(k + 1)"
                let wideRow = wide && l == wideLayer + 1 && k == 0
                let scalar = l != wideLayer && !wideRow && rng.chance(0.25)
                let kind = rng.pick(pointwiseKinds)
                var decl = "\(name): \(kind)"
                if kind == "clip" && rng.chance(0.6) {
                    let lo = (rng.uniform(-1, 0) * 100).rounded() / 100
                    decl = "\(name): clip(lo: \(lo), hi: \((rng.uniform(0.1, 1) * 100).rounded() / 100))"
                }
                lines.append(decl)
                kinds.insert(scalar ? "scalar:" + kind : kind)
                // The pool this neuron reads: scalars only, or anything earlier.
                let pool = scalar ? scalarOuts : fieldOuts + scalarOuts
                let limit = min(maxSources, pool.count)
                var n = rng.chance(0.2) ? rng.int(1...max(1, limit)) : rng.int(1...max(1, min(limit, 6)))
                if wideRow { n = limit }   // the wide row
                var srcs = rng.sample(pool, n)
                // At least one field source for a field neuron; the clock into layer 1.
                if !scalar && !srcs.contains(where: fieldOuts.contains) { srcs[0] = rng.pick(fieldOuts) }
                if l == 0 && !srcs.contains("t") { if srcs.count < maxSources { srcs.append("t") } else { srcs[srcs.count - 1] = "t" } }
                let gain: Double
                switch kind {
                case "sin", "cos": gain = rng.uniform(1, 4)
                case "accum": gain = 0.15
                case "gauss", "sigmoid", "tanh": gain = 1.5
                default: gain = 1
                }
                let scale = gain / Double(srcs.count).squareRoot()
                var terms = srcs.map { (rng.normal() * scale, $0) }
                // Now and then a recurrent term: the neuron's own output.
                if !scalar && rng.chance(0.1) && terms.count < maxSources { terms.append((rng.uniform(-0.3, 0.3), name)) }
                switch kind {
                case "sin", "cos":
                    row("\(name).x", terms)
                    if rng.chance(0.3) { row("\(name).a", [(rng.uniform(-0.5, 0.5), rng.pick(scalarOuts))], constant: rng.uniform(0.5, 2)) }
                    else if rng.chance(0.15) && !scalar { row("\(name).a", [(rng.uniform(0.2, 0.8), rng.pick(fieldOuts))], constant: 1) }
                    if rng.chance(0.7) { row("\(name).b", l == 0 && rng.chance(0.5) ? [(rng.uniform(-2, 2), "t")] : [], constant: rng.uniform(-3, 3)) }
                case "mul":
                    let half = max(1, terms.count / 2)
                    row("\(name).a", Array(terms.prefix(half)), constant: rng.chance(0.5) ? rng.uniform(-0.5, 0.5) : nil)
                    let rest = Array(terms.dropFirst(half))
                    let bTerms = rest.isEmpty ? [(rng.normal(), rng.pick(pool))] : rest
                    row("\(name).b", bTerms, constant: rng.chance(0.5) ? rng.uniform(-0.5, 0.5) : nil)
                default:
                    row("\(name).x", terms, constant: rng.chance(0.6) ? rng.uniform(-0.5, 0.5) : nil)
                }
                layer.append((name, !scalar))
            }
            layers.append(layer)
            for n in layer {
                allNeurons.append(n)
                if n.field { fieldOuts.append(n.name) } else { scalarOuts.append(n.name) }
            }
        }

        // Feedback, now and then: a field of the network (and its own output) through a zoom.
        let display = rng.chance(0.7) ? "rgb" : "hsv"
        var extra: [String] = []
        if rng.chance(0.35) {
            lines.append("fb: feedback")
            kinds.insert("feedback")
            let neuronFields = allNeurons.filter(\.field).map(\.name)
            let src = rng.pick(neuronFields.isEmpty ? fieldOuts : neuronFields)
            var terms = [(rng.uniform(0.4, 0.9), src), (rng.uniform(0.2, 0.5), "fb")]
            if rng.chance(0.5) { terms.append((rng.uniform(0.1, 0.4), "out.g")) }
            row("fb.in", terms)
            row("fb.zoom", rng.chance(0.5) ? [(rng.uniform(-0.05, 0.05), rng.pick(scalarOuts))] : [], constant: rng.uniform(0.9, 1.1))
            if rng.chance(0.7) { row("fb.rotate", [(rng.uniform(-0.3, 0.3), "t")], constant: rng.uniform(-0.2, 0.2)) }
            if rng.chance(0.5) { row("fb.tx", [], constant: rng.uniform(-0.1, 0.1)) }
            if rng.chance(0.5) { row("fb.ty", [(rng.uniform(-0.1, 0.1), rng.pick(scalarOuts))]) }
            extra.append("fb")
        }

        // The picture: each channel reads the last layer, plus a few of everything else.
        lines.append("out: \(display)")
        kinds.insert(display)
        let last = layers.last!.map(\.name)
        let everything = fieldOuts + scalarOuts + extra
        for ch in (display == "rgb" ? ["r", "g", "b"] : ["h", "s", "v"]) {
            let n = rng.int(1...max(1, min(maxSources, 6)))
            var srcs = rng.sample(everything, n)
            let lastPick = rng.pick(last)
            if !srcs.contains(lastPick) { if srcs.count < maxSources { srcs.append(lastPick) } else { srcs[0] = lastPick } }
            if wide, ch == "r" || ch == "h", let wl = layers.indices.contains(wideLayer) ? layers[wideLayer].map(\.name) : nil, wideLayer == depth - 1 {
                srcs = Array(wl.prefix(maxSources))     // the wide row is the picture's
            }
            // Gains and offsets that keep most of the picture inside −1…1 (hsv: not black).
            let gain: Double, offset: Double?
            switch ch {
            case "h": (gain, offset) = (1.2, rng.chance(0.5) ? rng.uniform(-1, 1) : nil)
            case "s": (gain, offset) = (0.5, rng.uniform(-0.3, 0.5))
            case "v": (gain, offset) = (0.5, rng.uniform(0.2, 0.7))
            default: (gain, offset) = (0.7, rng.chance(0.5) ? rng.uniform(-0.3, 0.3) : nil)
            }
            row("out.\(ch)", srcs.map { (rng.normal() * gain / Double(srcs.count).squareRoot(), $0) }, constant: offset)
        }
        let text = (lines + [""] + rowsText).joined(separator: "\n") + "\n"
        let network: Network
        do { network = try PatchBuilder.build(try PatchParser.parse(text, file: "generated-\(seed).dmm")) }
        catch { fatalError("generated patch \(seed) does not build: \(error)\n\(text)") }
        return GeneratedPatch(seed: seed, text: text, network: network, frames: frames, rowWidths: widths, kinds: kinds)
    }
}
