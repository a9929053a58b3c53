import DMMCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// An independent reference evaluator of visual DMM patches.
//
// Plain loops in Double with libm. It shares no code with the engine: it reads only what the
// patch parser and builder produce (neuron names, kind names, port names and kinds, kind
// configurations, the matrix, the timing and `Network.warmUpTicks`) and re-implements, from
// the kind sources, every formula and the two-stroke tick:
//
//   * down movement: every input at tick t is Σ_j W[input ← output_j] · y_j(t − 1), the
//     outputs of the previous tick; before the first tick every output is 0 except the
//     constant sources (`one` = 1, the coordinate fields). Scalars broadcast over pixels. Port
//     defaults (`sin.a` = 1) are ordinary weights from `one` that the builder put in the
//     matrix, so an empty row is 0. `accum` adds its own previous output to input 0 (the
//     implicit weight-1 loop of the `.accumulator` trait).
//   * up movement: every neuron maps its inputs to its outputs.
//   * `self` adds the ΔW on its `delta` input to the matrix at the end of the tick, so the
//     next tick's down movement sees it; its output is W as {"n.input": {"m": w}}.
//   * trees are leaf path → value maps: a tree input is Σ w · tree outputs plus the scalar
//     sources in its scalar part; `const`/`edit` emit their V-value, `delta` {row: {col:
//     scale·x}}, `scale` s·x, `mask` x times m summed over each leaf's path prefixes, `id` x.
//
// The render starts at tick −warmUpTicks; frame k (0-based, `frame_0000{k+1}`) is tick k; the
// clock reads tick × secondsPerTick × rate. The picture is the first display neuron's (rgb or
// hsv) three outputs in −1…1, quantised as round(127.5·(v + 1)) clamped to 0…255.

/// The reference cannot evaluate a patch (an audio kind on the picture's path, a kind it does
/// not know, a tree read by a neuron that is not a tree kind it models).
struct ReferenceUnsupported: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The per-kind formulas in Double, for the evaluator and for `KindFormulaTests`.
enum ReferenceFormula {
    /// Kinds computed pointwise: inputs (per lane) → outputs (per lane).
    static let pointwiseKinds: Set<String> = [
        "sin", "cos", "tanh", "sigmoid", "gauss", "abs", "clip", "mul", "id", "accum", "rgb", "hsv",
        "fract", "floor", "mod", "step", "smoothstep", "min", "max", "pow", "mix",
    ]
    /// Noise fields: pointwise too, but they also read the neuron's seed.
    static let noiseKinds: Set<String> = ["noise.value", "noise.perlin", "noise.worley"]
    /// The port names each supported kind must have (in order), so a changed kind is noticed.
    static let ports: [String: (inputs: [String], outputs: [String])] = [
        "one": ([], ["y"]),
        "clock": ([], ["t"]),
        "coord.x": ([], ["y"]), "coord.y": ([], ["y"]), "coord.r": ([], ["y"]), "coord.theta": ([], ["y"]),
        "sin": (["a", "x", "b"], ["y"]), "cos": (["a", "x", "b"], ["y"]),
        "tanh": (["x"], ["y"]), "sigmoid": (["x"], ["y"]), "gauss": (["x"], ["y"]), "abs": (["x"], ["y"]),
        "clip": (["x"], ["y"]), "mul": (["a", "b"], ["y"]), "id": (["x"], ["y"]), "accum": (["x"], ["y"]),
        "rgb": (["r", "g", "b"], ["r", "g", "b"]), "hsv": (["h", "s", "v"], ["r", "g", "b"]),
        "feedback": (["in", "zoom", "rotate", "tx", "ty", "dx", "dy"], ["y"]),
        "lf.tri": (["freq"], ["y"]),
        "edit": ([], ["y"]), "self": (["delta"], ["W"]),
        "delta": (["x"], ["y"]), "scale": (["x", "s"], ["y"]), "mask": (["x", "m"], ["y"]),
        "fract": (["x"], ["y"]), "floor": (["x"], ["y"]), "mod": (["a", "b"], ["y"]), "step": (["edge", "x"], ["y"]),
        "smoothstep": (["lo", "hi", "x"], ["y"]), "min": (["a", "b"], ["y"]), "max": (["a", "b"], ["y"]),
        "pow": (["x", "p"], ["y"]), "mix": (["a", "b", "t"], ["y"]),
        "noise.value": (["x", "y", "z", "freq"], ["y"]), "noise.perlin": (["x", "y", "z", "freq"], ["y"]),
        "noise.worley": (["x", "y", "z", "freq"], ["y"]),
        "image": ([], ["r", "g", "b"]), "video": ([], ["r", "g", "b"]),
    ]

    /// image / video: frame f (clamped to the clip) of the pixels the loader attached, resampled
    /// to w×h by sampling at pixel centres ((col + ½)·W/w − ½, clamped to the picture) with
    /// bilinear weights; a byte b is b/127.5 − 1. Channels r, g, b, each w·h values.
    static func media(_ kind: any NeuronKind, frame f: Int, width w: Int, height h: Int) -> [[Double]] {
        guard let m = (kind as? any MediaKind)?.frames else { return [[0], [0], [0]] }
        let fi = min(max(f, 0), m.count - 1)
        let W = m.width, H = m.height
        func byte(_ c: Int, _ r: Int, _ k: Int) -> Double { Double(m.rgb[((fi * H + r) * W + c) * 3 + k]) }
        var out = [[Double]](repeating: [Double](repeating: 0, count: w * h), count: 3)
        for row in 0..<h {
            for col in 0..<w {
                let x = min(max((Double(col) + 0.5) * Double(W) / Double(w) - 0.5, 0), Double(W - 1))
                let y = min(max((Double(row) + 0.5) * Double(H) / Double(h) - 0.5, 0), Double(H - 1))
                let x0 = Int(x), y0 = Int(y), x1 = min(x0 + 1, W - 1), y1 = min(y0 + 1, H - 1)
                let fx = x - Double(x0), fy = y - Double(y0)
                for k in 0..<3 {
                    let v = (1 - fx) * (1 - fy) * byte(x0, y0, k) + fx * (1 - fy) * byte(x1, y0, k)
                        + (1 - fx) * fy * byte(x0, y1, k) + fx * fy * byte(x1, y1, k)
                    out[k][row * w + col] = v / 127.5 - 1
                }
            }
        }
        return out
    }

    /// clip's range from its configuration (default −1…1).
    static func clipRange(_ config: NeuronConfig) -> (lo: Double, hi: Double) {
        (config["lo"]?.number ?? -1, config["hi"]?.number ?? 1)
    }

    /// One lane of a pointwise kind. `x` holds the inputs in port order.
    static func pointwise(_ kind: String, config: NeuronConfig, _ x: [Double]) -> [Double] {
        switch kind {
        case "sin": return [sin(x[0] * x[1] + x[2])]
        case "cos": return [cos(x[0] * x[1] + x[2])]
        case "tanh": return [tanh(x[0])]
        case "sigmoid": return [1 / (1 + exp(-x[0]))]
        case "gauss": return [exp(-x[0] * x[0])]
        case "abs": return [Swift.abs(x[0])]
        case "clip":
            let (lo, hi) = clipRange(config)
            return [min(max(x[0], lo), hi)]
        case "mul": return [x[0] * x[1]]
        case "id", "accum": return [x[0]]
        case "rgb": return [x[0], x[1], x[2]]
        case "hsv": return hsv(x[0], x[1], x[2])
        // GLSL's definitions (with the kinds' documented choices where GLSL has none).
        case "floor": return [x[0].rounded(.down)]
        case "fract": return [x[0] - x[0].rounded(.down)]
        case "mod": return [x[1] == 0 ? x[0] : x[0] - x[1] * (x[0] / x[1]).rounded(.down)]
        case "step": return [x[1] < x[0] ? 0 : 1]
        case "smoothstep":
            let (lo, hi, v) = (x[0], x[1], x[2])
            if lo == hi { return [v < lo ? 0 : 1] }
            let t = min(max((v - lo) / (hi - lo), 0), 1)
            return [t * t * (3 - 2 * t)]
        case "min": return [Swift.min(x[0], x[1])]
        case "max": return [Swift.max(x[0], x[1])]
        case "pow":
            // sign(x)·|x|^p, 0 at x = 0; the kind saturates |x|^p at e^88.
            if x[0] == 0 { return [0] }
            let m = Swift.min(Glibc.pow(Swift.abs(x[0]), x[1]), exp(88))
            return [x[0] < 0 ? -m : m]
        case "mix": return [x[0] + (x[1] - x[0]) * x[2]]
        default: fatalError("not a pointwise kind: \(kind)")
        }
    }

    /// hsv: hue wraps (H = (h + 1)/2), s and v map −1…1 onto 0…1 and clamp; per channel with
    /// offsets 0, 2/3, 1/3: f = clamp(|6·fract(H + k) − 3| − 1, 0, 1), c = v′·(1 − s′·(1 − f)),
    /// output 2c − 1.
    static func hsv(_ h: Double, _ s: Double, _ v: Double) -> [Double] {
        let H = (h + 1) / 2
        let S = min(max((s + 1) / 2, 0), 1), V = min(max((v + 1) / 2, 0), 1)
        return [0, 2.0 / 3, 1.0 / 3].map { k in
            let u = H + k
            let fr = u - u.rounded(.down)
            let f = min(max(Swift.abs(6 * fr - 3) - 1, 0), 1)
            return V * (1 - S * (1 - f)) * 2 - 1
        }
    }

    /// Pixel centre (col, row) in coordinate units: the shorter side spans −1…1, y up.
    static func position(col: Int, row: Int, width w: Int, height h: Int) -> (x: Double, y: Double) {
        let s = 2 / Double(min(w, h))
        return ((Double(col) + 0.5 - Double(w) / 2) * s, (Double(h) / 2 - Double(row) - 0.5) * s)
    }

    /// A coordinate field's value at pixel p (row-major).
    static func coordinate(_ kind: String, pixel p: Int, width w: Int, height h: Int) -> Double {
        let (x, y) = position(col: p % w, row: p / w, width: w, height: h)
        switch kind {
        case "coord.x": return x
        case "coord.y": return y
        case "coord.r": return (x * x + y * y).squareRoot()
        case "coord.theta": return atan2(y, x) / Double.pi
        default: fatalError("not a coordinate: \(kind)")
        }
    }

    /// clock: seconds of the tick, scaled by `rate` (default 1).
    static func clock(tick: Int, secondsPerTick: Double, config: NeuronConfig) -> Double {
        Double(tick) * secondsPerTick * (config["rate"]?.number ?? 1)
    }

    /// lf.tri's shape at phase p (cycles): 4·|fract(p − ¼) − ½| − 1.
    static func triangle(_ p: Double) -> Double {
        let q = p - 0.25
        return 4 * Swift.abs(q - q.rounded(.down) - 0.5) - 1
    }

    /// feedback: output pixel p reads the input at R(rotate)·p / zoom + (tx, ty) + (dx[p], dy[p]),
    /// bilinear; a zoom below 1e-6 in magnitude is taken as 1e-6. Outside the frame, by `edge`:
    /// "black" reads 0 (and positions 2 or more pixels out read 0 whole), "clamp" the nearest
    /// pixel, "wrap" the frame repeated, "mirror" the frame reflected (period 2w, edge pixels
    /// doubled), each applied to the four pixel indices of the bilinear read.
    static func feedback(_ src: [Double], width w: Int, height h: Int,
                         zoom: Double, rotate: Double, tx: Double, ty: Double,
                         dx: [Double]? = nil, dy: [Double]? = nil, edge: String = "black") -> [Double] {
        let z = Swift.abs(zoom) < 1e-6 ? 1e-6 : zoom
        let c = cos(rotate), s = sin(rotate)
        let sc = 2 / Double(min(w, h))
        func index(_ i: Int, _ n: Int) -> Int? {
            switch edge {
            case "clamp": return min(max(i, 0), n - 1)
            case "wrap": return ((i % n) + n) % n
            case "mirror":
                let m = ((i % (2 * n)) + 2 * n) % (2 * n)
                return m < n ? m : 2 * n - 1 - m
            default: return i >= 0 && i < n ? i : nil
            }
        }
        func at(_ col: Int, _ row: Int) -> Double {
            guard let cc = index(col, w), let rr = index(row, h) else { return 0 }
            return src[rr * w + cc]
        }
        var out = [Double](repeating: 0, count: w * h)
        for row in 0..<h {
            for col in 0..<w {
                let p = row * w + col
                let (x, y) = position(col: col, row: row, width: w, height: h)
                let qx = (c * x - s * y) / z + tx + (dx?[p] ?? 0), qy = (s * x + c * y) / z + ty + (dy?[p] ?? 0)
                let px = qx / sc + Double(w) / 2 - 0.5, py = Double(h) / 2 - 0.5 - qy / sc
                guard px.isFinite, py.isFinite else { continue }
                if edge == "black" && !(px > -2 && py > -2 && px < Double(w + 1) && py < Double(h + 1)) { continue }
                let x0 = Int(px.rounded(.down)), y0 = Int(py.rounded(.down))
                let fx = px - Double(x0), fy = py - Double(y0)
                let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
                let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
                out[p] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }

    /// A picture value as a byte: round(127.5·(v + 1)) clamped to 0…255.
    static func byte(_ v: Double) -> UInt8 {
        UInt8(min(max((127.5 * (v + 1)).rounded(), 0), 255))
    }
}

/// Runs a network tick by tick in Double.
final class ReferenceEvaluator {
    /// One entry of a ΔW: row `neuron.input`, column `neuron` or `neuron.output`.
    struct DeltaEntry { var row: String; var column: String; var weight: Double }

    let network: Network
    let width: Int, height: Int, pixels: Int
    let secondsPerTick: Double
    /// The first display neuron (rgb or hsv).
    let display: Int
    /// The tick the next `step` computes.
    private(set) var tick: Int

    private let kindNames: [String]
    /// The matrix in Double, rows by input; Self edits change it.
    private var rows: [PortRef: [PortRef: Double]] = [:]
    private var domains: [StreamKind] = []
    /// Neurons recomputed every tick, in index order.
    private var active: [Int] = []
    /// outputs[neuron][port]: 1 value (scalar) or `pixels` values (field), from the last tick.
    private var outputs: [[[Double]]]
    /// Tree outputs after the last tick, as leaf path → value (the root's scalar part at []).
    private var trees: [Int: [[String]: Double]] = [:]
    /// lf.tri phases (scalar domain), in cycles.
    private var phases: [Int: Double] = [:]
    private let editDeltas: [Int: (at: Int, every: Int, delta: [[String]: Double])]
    /// Tree kinds the reference evaluates (`id` too when a tree feeds it).
    static let treeKinds: Set<String> = ["edit", "const", "self", "delta", "scale", "mask"]

    /// Compiles `network`; the first `step` computes tick `startTick` (default −warmUpTicks).
    init(_ network: Network, startTick: Int? = nil) throws {
        self.network = network
        width = network.timing.width; height = network.timing.height
        pixels = width * height
        secondsPerTick = network.timing.secondsPerTick
        tick = startTick ?? -ReferenceEvaluatorWarmUp.documented(network)
        kindNames = network.neurons.map(\.kindName)
        for e in network.matrix.entries { rows[e.input, default: [:]][e.output] = Double(e.entry.weight) }
        guard let d = kindNames.firstIndex(where: { $0 == "rgb" || $0 == "hsv" }) else {
            throw ReferenceUnsupported("the patch has no rgb or hsv neuron")
        }
        display = d
        var edits: [Int: (Int, Int, [[String]: Double])] = [:]
        for (i, n) in network.neurons.enumerated() {
            if let expected = ReferenceFormula.ports[n.kindName] {
                let ins = n.kind.inputs.map(\.name), outs = n.kind.outputs.map(\.name)
                guard ins == expected.inputs, outs == expected.outputs else {
                    throw ReferenceUnsupported("kind \(n.kindName) has ports \(ins) → \(outs), the reference expects \(expected.inputs) → \(expected.outputs)")
                }
            }
            if n.kindName == "edit" {
                let cfg = n.kind.config
                let text = cfg["delta"]?.string ?? "{}"
                edits[i] = (Int(cfg["at"]?.number ?? 0), Int(cfg["every"]?.number ?? 0), try Self.parseTree(text))
            }
            if n.kindName == "const" {
                // A constant ΔW: an edit that fires on every tick.
                edits[i] = (-1_000_000_000, 1, try Self.parseTree(n.kind.config["tree"]?.string ?? "{}"))
            }
        }
        editDeltas = edits.mapValues { (at: $0.0, every: $0.1, delta: $0.2) }
        outputs = network.neurons.map { n in n.kind.outputs.map { _ in [0.0] } }
        try compile(initial: true)
    }

    // MARK: Structure

    /// Infers domains, chooses the neurons to run, and (initially) sets the constant sources.
    private func compile(initial: Bool) throws {
        let newDomains = inferDomains()
        if !initial && newDomains != domains {
            throw ReferenceUnsupported("a Self edit changed a neuron's domain (the engine would reset its output)")
        }
        domains = newDomains
        let n = network.neurons.count
        // Computable: a known kind in the scalar or field domain all of whose sources are
        // computable (audio chains are left out unless the picture needs them).
        var ok = (0..<n).map { i -> Bool in
            let k = kindNames[i]
            if Self.treeKinds.contains(k) || (k == "id" && domains[i] == .tree) { return true }
            guard ReferenceFormula.ports[k] != nil else { return false }
            return domains[i] == .scalar || domains[i] == .field
        }
        var changed = true
        while changed {
            changed = false
            for (r, cols) in rows where ok[r.neuron] {
                if cols.keys.contains(where: { !ok[$0.neuron] }) { ok[r.neuron] = false; changed = true }
            }
        }
        // Needed: the display, Self (it rewires everything) and, transitively, their sources.
        var needed = Set<Int>(), stack = [display] + (0..<n).filter { kindNames[$0] == "self" }
        while let i = stack.popLast() {
            guard needed.insert(i).inserted else { continue }
            for (r, cols) in rows where r.neuron == i { stack += cols.keys.map(\.neuron) }
        }
        for i in needed where !ok[i] {
            throw ReferenceUnsupported("neuron '\(network.neurons[i].name)' (\(kindNames[i]), \(domains[i])) feeds the picture but the reference cannot evaluate it")
        }
        // Trees go only into tree neurons (the reference has no tree → number kinds such as
        // `dot`); scalars may feed a tree input's scalar part.
        for (r, cols) in rows {
            for c in cols.keys where domains[c.neuron] == .tree {
                guard domains[r.neuron] == .tree, ok[r.neuron] else {
                    throw ReferenceUnsupported("'\(network.neurons[r.neuron].name)' reads the tree output of '\(network.neurons[c.neuron].name)'")
                }
            }
            if domains[r.neuron] == .tree, cols.keys.contains(where: { domains[$0.neuron] != .tree && domains[$0.neuron] != .scalar }) {
                throw ReferenceUnsupported("'\(network.neurons[r.neuron].name)' reads a field or a signal into a tree")
            }
        }
        active = (0..<n).filter { ok[$0] && !["one", "coord.x", "coord.y", "coord.r", "coord.theta", "image"].contains(kindNames[$0]) }
        guard initial else { return }
        for i in 0..<n {
            switch kindNames[i] {
            case "one": outputs[i] = [[1]]
            case "coord.x", "coord.y", "coord.r", "coord.theta":
                outputs[i] = [(0..<pixels).map { ReferenceFormula.coordinate(kindNames[i], pixel: $0, width: width, height: height) }]
            case "image":
                outputs[i] = ReferenceFormula.media(network.neurons[i].kind, frame: 0, width: width, height: height)
            default:
                outputs[i] = domains[i] == .field ? network.neurons[i].kind.outputs.map { _ in [Double](repeating: 0, count: pixels) }
                                                  : network.neurons[i].kind.outputs.map { _ in [0] }
            }
        }
    }

    /// The stream kind of every neuron: a fixed output kind, else a fixed field input, else the
    /// widest kind among the sources of its pointwise inputs (scalar until a field feeds it).
    private func inferDomains() -> [StreamKind] {
        let neurons = network.neurons
        func fixed(_ k: PortKind) -> StreamKind? { if case .fixed(let s) = k { return s } else { return nil } }
        var dom: [StreamKind] = neurons.map { n in
            if let k = n.kind.outputs.lazy.compactMap({ fixed($0.kind) }).first { return k }
            if let k = n.kind.inputs.lazy.compactMap({ fixed($0.kind) }).first(where: { $0 == .field || $0 == .signal }) { return k }
            return .scalar
        }
        let fixedOut = neurons.map { n in n.kind.outputs.contains { fixed($0.kind) != nil } }
        var changed = true
        while changed {
            changed = false
            for (r, cols) in rows where !fixedOut[r.neuron] && fixed(neurons[r.neuron].kind.inputs[r.port].kind) == nil {
                for c in cols.keys {
                    let k = fixed(neurons[c.neuron].kind.outputs[c.port].kind) ?? dom[c.neuron]
                    if (k == .field || k == .signal || k == .tree) && dom[r.neuron] == .scalar { dom[r.neuron] = k; changed = true }
                }
            }
        }
        return dom
    }

    /// Lanes of input p of neuron i: 1 for a scalar, `pixels` for a field.
    private func inputLength(_ i: Int, _ p: Int) -> Int {
        let spec = network.neurons[i].kind.inputs[p]
        if case .fixed(let k) = spec.kind { return k == .field ? pixels : 1 }
        return domains[i] == .field ? pixels : 1
    }

    // MARK: Ticking

    /// The down movement of input p of neuron i: Σ w · previous outputs (+ the accumulator loop).
    private func input(_ i: Int, _ p: Int) -> [Double] {
        let n = inputLength(i, p)
        var v = [Double](repeating: 0, count: n)
        var terms = Array(rows[PortRef(i, p)] ?? [:])
        if p == 0 && kindNames[i] == "accum" { terms.append((PortRef(i, 0), 1)) }
        for (o, w) in terms {
            let y = outputs[o.neuron][o.port]
            if y.count == 1 {
                let c = w * y[0]
                for k in 0..<n { v[k] += c }
            } else {
                precondition(y.count == n, "a field into a scalar input")
                for k in 0..<n { v[k] += w * y[k] }
            }
        }
        return v
    }

    /// One two-stroke tick.
    func step() throws {
        var next = outputs
        var nextTrees = trees
        var delta: [[String]: Double] = [:]
        for i in active {
            let kind = network.neurons[i].kind
            let name = kindNames[i]
            switch name {
            case "edit", "const":
                let e = editDeltas[i]!
                let fire = e.every > 0 ? (tick >= e.at && (tick - e.at) % e.every == 0) : tick == e.at
                nextTrees[i] = fire ? e.delta : [:]
            case "self":
                delta = treeInput(i, 0)
                nextTrees[i] = matrixTree()
            case "delta":
                let cfg = kind.config
                let x = treeInput(i, 0)[[]] ?? 0
                nextTrees[i] = [[cfg["row"]?.string ?? "", cfg["col"]?.string ?? ""]: (cfg["scale"]?.number ?? 1) * x]
            case "scale":
                let s = treeInput(i, 1)[[]] ?? 0
                nextTrees[i] = treeInput(i, 0).mapValues { s * $0 }
            case "mask":
                // Each leaf of x times the sum of m's leaves at its path and at every prefix of it.
                let x = treeInput(i, 0), m = treeInput(i, 1)
                var y: [[String]: Double] = [:]
                for (q, v) in x { y[q] = v * (0...q.count).reduce(0.0) { $0 + (m[Array(q[0..<$1])] ?? 0) } }
                nextTrees[i] = y
            case "id" where domains[i] == .tree:
                nextTrees[i] = treeInput(i, 0)
            case "video":
                // Emitted one tick ahead, so a direct route to the picture shows frame f at tick f.
                next[i] = ReferenceFormula.media(kind, frame: tick + 1, width: width, height: height)
            case "clock":
                next[i] = [[ReferenceFormula.clock(tick: tick, secondsPerTick: secondsPerTick, config: kind.config)]]
            case "lf.tri":
                let freq = input(i, 0)
                if domains[i] == .scalar {
                    let p = phases[i] ?? 0
                    next[i] = [[ReferenceFormula.triangle(p)]]
                    let q = p + freq[0] * secondsPerTick
                    phases[i] = q - q.rounded(.down)
                } else {
                    let t = Double(tick) * secondsPerTick
                    next[i] = [freq.map { ReferenceFormula.triangle($0 * t) }]
                }
            case "feedback":
                let src = input(i, 0)
                let s = (1...4).map { input(i, $0)[0] }
                next[i] = [ReferenceFormula.feedback(src, width: width, height: height, zoom: s[0], rotate: s[1], tx: s[2], ty: s[3],
                                                     dx: input(i, 5), dy: input(i, 6), edge: kind.config["edge"]?.string ?? "black")]
            case _ where ReferenceFormula.noiseKinds.contains(name):
                let ins = (0..<4).map { input(i, $0) }
                let lanes = ins.map(\.count).max() ?? 1
                let seed = ReferenceNoise.neuronSeed(patch: network.seed, neuron: i)
                next[i] = [(0..<lanes).map { k in
                    let v = ins.map { $0.count == 1 ? $0[0] : $0[k] }
                    return ReferenceNoise.value(name, x: v[0], y: v[1], z: v[2], freq: v[3], seed: seed)
                }]
            default:
                precondition(ReferenceFormula.pointwiseKinds.contains(name), "unexpected kind \(name)")
                let ins = (0..<kind.inputs.count).map { input(i, $0) }
                let lanes = ins.map(\.count).max() ?? 1
                var outs = kind.outputs.map { _ in [Double](repeating: 0, count: lanes) }
                var x = [Double](repeating: 0, count: ins.count)
                for k in 0..<lanes {
                    for p in ins.indices { x[p] = ins[p].count == 1 ? ins[p][0] : ins[p][k] }
                    let y = ReferenceFormula.pointwise(name, config: kind.config, x)
                    for o in outs.indices { outs[o][k] = y[o] }
                }
                next[i] = outs
            }
        }
        outputs = next
        trees = nextTrees
        tick += 1
        // Self applies the {row: {column: w}} leaves of its delta (other leaves are ignored).
        let entries = delta.filter { $0.key.count == 2 && $0.value != 0 }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map { DeltaEntry(row: $0.key[0], column: $0.key[1], weight: $0.value) }
        if !entries.isEmpty { try apply(entries) }
    }

    /// Σ w · tree outputs of the previous tick into input p of tree neuron i; a scalar source
    /// adds to the scalar part (path []).
    private func treeInput(_ i: Int, _ p: Int) -> [[String]: Double] {
        var v: [[String]: Double] = [:]
        for (o, w) in rows[PortRef(i, p)] ?? [:] {
            if domains[o.neuron] == .tree {
                for (path, x) in trees[o.neuron] ?? [:] { v[path, default: 0] += w * x }
            } else {
                v[[], default: 0] += w * outputs[o.neuron][o.port][0]
            }
        }
        return v
    }

    /// Self's output: W as {"neuron.input": {"neuron" (first output) or "neuron.output": w}}.
    private func matrixTree() -> [[String]: Double] {
        var v: [[String]: Double] = [:]
        for (r, cols) in rows {
            let rn = network.neurons[r.neuron]
            for (c, w) in cols where w != 0 {
                let cn = network.neurons[c.neuron]
                v[[rn.name + "." + rn.kind.inputs[r.port].name, c.port == 0 ? cn.name : cn.name + "." + cn.kind.outputs[c.port].name]] = w
            }
        }
        return v
    }

    /// W(t+1) = W(t) + ΔW(t); a ΔW naming an unknown port is dropped whole, as the engine does.
    private func apply(_ delta: [DeltaEntry]) throws {
        let net = network
        func neuron(_ s: Substring) -> Int? { net.neurons.firstIndex { $0.name == s } }
        var resolved: [(PortRef, PortRef, Double)] = []
        for e in delta {
            let rp = e.row.split(separator: ".", maxSplits: 1)
            guard rp.count == 2, let rn = neuron(rp[0]),
                  let ri = net.neurons[rn].kind.inputs.firstIndex(where: { $0.name == rp[1] }) else { return }
            let cp = e.column.split(separator: ".", maxSplits: 1)
            guard let cn = neuron(cp[0]) else { return }
            let co: Int
            if cp.count > 1 {
                guard let k = net.neurons[cn].kind.outputs.firstIndex(where: { $0.name == cp[1] }) else { return }
                co = k
            } else {
                guard !net.neurons[cn].kind.outputs.isEmpty else { return }
                co = 0
            }
            resolved.append((PortRef(rn, ri), PortRef(cn, co), e.weight))
        }
        for (r, c, w) in resolved {
            let v = (rows[r]?[c] ?? 0) + w
            if v == 0 { rows[r]?[c] = nil } else { rows[r, default: [:]][c] = v }
        }
        try compile(initial: false)
    }

    /// The display neuron's r, g, b after the last tick, interleaved per pixel.
    var picture: [Double] {
        let o = outputs[display]
        var v = [Double](repeating: 0, count: 3 * pixels)
        for p in 0..<pixels { for c in 0..<3 { v[3 * p + c] = o[c].count == 1 ? o[c][0] : o[c][p] } }
        return v
    }

    // MARK: ΔW text

    /// A V-value `{key: number or {…}, …}` as leaf path → value; the key `number` is the scalar
    /// part of its level. Keys are runs of characters other than `{}:,` and blanks.
    static func parseTree(_ text: String) throws -> [[String]: Double] {
        let c = Array(text)
        var i = 0
        var out: [[String]: Double] = [:]
        func skip() { while i < c.count, c[i] == " " || c[i] == "\t" { i += 1 } }
        func word() -> String {
            skip()
            var s = ""
            while i < c.count, !"{}:, \t".contains(c[i]) { s.append(c[i]); i += 1 }
            return s
        }
        func expect(_ ch: Character) throws {
            skip()
            guard i < c.count, c[i] == ch else { throw ReferenceUnsupported("tree '\(text)': expected '\(ch)' at \(i + 1)") }
            i += 1
        }
        func value(_ path: [String]) throws {
            skip()
            if i < c.count, c[i] == "{" {
                i += 1
                skip()
                if i < c.count, c[i] == "}" { i += 1; return }
                while true {
                    let key = word()
                    try expect(":")
                    try value(key == "number" ? path : path + [key])
                    skip()
                    if i < c.count, c[i] == "," { i += 1; continue }
                    try expect("}")
                    return
                }
            }
            let num = word()
            guard let x = Double(num) else { throw ReferenceUnsupported("tree '\(text)': '\(num)' is not a number") }
            out[path, default: 0] += x
        }
        try value([])
        return out
    }
}

/// The pictures of frames 0..<count (tick 0…count−1 after the warm-up): per frame, r, g, b per
/// pixel interleaved (`[3·p + c]`), unquantised, in −1…1 units.
func referenceFrames(_ network: Network, count: Int) throws -> [[Double]] {
    let ev = try ReferenceEvaluator(network)
    while ev.tick < 0 { try ev.step() }
    var frames: [[Double]] = []
    for _ in 0..<count { try ev.step(); frames.append(ev.picture) }
    return frames
}

/// The same frames quantised to bytes (width × height × 3 per frame, like the renderer's).
func referenceFrameBytes(_ network: Network, count: Int) throws -> [[UInt8]] {
    try referenceFrames(network, count: count).map { $0.map(ReferenceFormula.byte) }
}


/// The warm-up as the README documents it, computed here rather than read from the engine:
/// the longest chain of connections (those from `one` and a neuron's loop onto itself do not
/// count) ending at the picture or the sound, at least 1. For a network whose connections form
/// a cycle through several neurons "loops are cut" depends on the order they are cut in, so
/// there the engine's figure is used (the generated patches' only cycles are self-loops).
enum ReferenceEvaluatorWarmUp {
    static func documented(_ net: Network) -> Int {
        let n = net.neurons.count
        var preds = [[Int]](repeating: [], count: n)
        for e in net.matrix.entries where e.output.neuron != 0 && e.output.neuron != e.input.neuron {
            if !preds[e.input.neuron].contains(e.output.neuron) { preds[e.input.neuron].append(e.output.neuron) }
        }
        // Longest path by dynamic programming over a topological order (Kahn); a cycle leaves
        // neurons unordered.
        var indegree = [Int](repeating: 0, count: n)
        var succs = [[Int]](repeating: [], count: n)
        for v in 0..<n { for p in preds[v] { succs[p].append(v); indegree[v] += 1 } }
        var order: [Int] = [], queue = (0..<n).filter { indegree[$0] == 0 }
        while let v = queue.popLast() {
            order.append(v)
            for w in succs[v] { indegree[w] -= 1; if indegree[w] == 0 { queue.append(w) } }
        }
        guard order.count == n else { return net.warmUpTicks }
        var depth = [Int](repeating: 0, count: n)
        for v in order { for p in preds[v] { depth[v] = max(depth[v], depth[p] + 1) } }
        let sinks = (0..<n).filter { ["rgb", "hsv", "audio.out"].contains(net.neurons[$0].kindName) }
        return max(1, sinks.map { depth[$0] }.max() ?? 1)
    }
}
