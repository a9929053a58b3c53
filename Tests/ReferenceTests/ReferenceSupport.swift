import DMMCore
import Fitting
import PatchLanguage
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared helpers of the reference tests: the shipped patches, engine renders, comparisons.

/// A patch from `patches/` that draws a picture.
struct ShippedPatch: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    var testDescription: String { name }

    /// Built as the CLI builds it, from its path, so the files it names (`image(file:)`) resolve.
    func network() throws -> Network { try PatchBuilder.build(try PatchParser.parse(text, file: ReferenceCases.patchPath(name))) }

    /// Frames compared: the patch's own length, at most 30 (enough for rewire's first edit at
    /// tick 20, which shows from tick 22).
    func frames(_ net: Network) -> Int { min(net.timing.frameCount(default: 30), 30) }
}

enum ReferenceCases {
    /// The path of a shipped patch.
    static func patchPath(_ name: String) -> String { repoRoot + "/patches/" + name }
    /// The repository root, from this file's path (Tests/ReferenceTests/…).
    static let repoRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// Every `patches/*.dmm`, sorted by name.
    static let allPatchFiles: [(name: String, text: String)] = {
        let dir = repoRoot + "/patches"
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".dmm") { names.append(name) }
        }
        return names.sorted().compactMap { name in
            guard let f = fopen(dir + "/" + name, "rb") else { return nil }
            defer { fclose(f) }
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = fread(&buf, 1, buf.count, f)
                if n <= 0 { break }
                bytes += buf[0..<n]
            }
            return (name, String(decoding: bytes, as: UTF8.self))
        }
    }()

    /// The shipped patches that draw (an rgb or hsv neuron); audio-only ones are left out.
    static let visualPatches: [ShippedPatch] = allPatchFiles.compactMap { f in
        guard let net = try? PatchBuilder.build(try PatchParser.parse(f.text, file: patchPath(f.name))) else { return nil }
        // Audio-reactive patches (`follow`, `band`) draw from sound, which this reference does
        // not model; AudioReactiveTests holds their pictures to a Double follower and DFT.
        guard !net.neurons.contains(where: { $0.kindName == "follow" || $0.kindName == "band" }) else { return nil }
        // Patches that grow (`clone`) add neurons while they run, which this reference does not
        // model; GrowthShowcaseTests holds grow.dmm's picture to its own Double evaluation.
        guard !net.neurons.contains(where: { $0.kindName == "clone" }) else { return nil }
        return net.neurons.contains { $0.kindName == "rgb" || $0.kindName == "hsv" } ? ShippedPatch(name: f.name, text: f.text) : nil
    }

    /// A comma-separated list of numbers from the environment, or nil. A crash (the engine's
    /// stack overflow on wide rows) ends the whole test process, so these let one run single
    /// cases past it, e.g. `REFERENCE_SEEDS=4 swift test --filter generatedWide`. Unset, every
    /// case runs.
    static func environmentList(_ name: String) -> [Int]? {
        guard let v = getenv(name) else { return nil }
        let list = String(cString: v).split(separator: ",").compactMap { Int($0.filter { $0 != " " }) }
        return list.isEmpty ? nil : list
    }

    /// Seeds of generated patches: rows of 1–16 sources, and wide ones (a row of 20–300).
    /// `REFERENCE_SEEDS` restricts both.
    static let narrowSeeds: [UInt64] = seeds(0..<30)
    static let wideSeeds: [UInt64] = seeds(0..<10)
    static func seeds(_ all: Range<UInt64>) -> [UInt64] {
        guard let only = environmentList("REFERENCE_SEEDS") else { return Array(all) }
        return all.filter { only.contains(Int($0)) }
    }
    static func generated(_ seed: UInt64, wide: Bool) -> GeneratedPatch {
        wide ? PatchGenerator.make(seed: seed, maxSources: 300, wide: true) : PatchGenerator.make(seed: seed, maxSources: 16)
    }

    /// `dmm template cppn` with its defaults (16 sines in 2 layers, 64×64, 60 frames at 30 fps,
    /// seed 1), and a small deep one (5 sines in 3 layers, 20×14, 6 frames).
    static func cppnTemplates() throws -> [(label: String, network: Network, frames: Int)] {
        [("cppn default (16 neurons, 2 layers, 64x64, 60 frames)",
          try CPPNTemplate.make(neurons: 16, layers: 2, width: 64, height: 64, fps: 30, frames: 60, seed: 1), 60),
         ("cppn small (5 neurons, 3 layers, 20x14, 6 frames, seed 7)",
          try CPPNTemplate.make(neurons: 5, layers: 3, width: 20, height: 14, fps: 24, frames: 6, seed: 7), 6)]
    }
}

/// Renders `count` frames with the engine's plan from tick −warmUpTicks: one `tick(frame:)`
/// per frame, or (`batched`) all frames through `tick(frames:)`, the renderer's batched path
/// for per-pixel patches. Each frame is width × height × 3 bytes.
func engineFrames(_ net: Network, count: Int, batched: Bool = false) throws -> [[UInt8]] {
    let plan = try TickPlan(network: net, startTick: -net.warmUpTicks)
    while plan.currentTick < 0 { plan.tick() }
    let n = net.timing.pixels * 3
    var out = [UInt8](repeating: 0, count: count * n)
    out.withUnsafeMutableBufferPointer { b in
        if batched {
            plan.tick(frames: (0..<count).map { b.baseAddress! + $0 * n })
        } else {
            for f in 0..<count { plan.tick(frame: b.baseAddress! + f * n) }
        }
    }
    return (0..<count).map { Array(out[($0 * n)..<(($0 + 1) * n)]) }
}

/// Compares engine bytes with the reference's values; nil when every byte is within 1 level,
/// else a message naming the worst value.
func compareFrames(engine: [[UInt8]], reference: [[Double]], width: Int, what: String) -> String? {
    var bad = 0, worst = (diff: 0, frame: 0, pixel: 0, channel: 0)
    for f in 0..<min(engine.count, reference.count) {
        for i in 0..<reference[f].count {
            let d = Swift.abs(Int(engine[f][i]) - Int(ReferenceFormula.byte(reference[f][i])))
            if d > 1 { bad += 1 }
            if d > worst.diff { worst = (d, f, i / 3, i % 3) }
        }
    }
    guard bad > 0 else { return nil }
    let (f, p, c) = (worst.frame, worst.pixel, worst.channel)
    let v = reference[f][3 * p + c]
    let total = reference.reduce(0) { $0 + $1.count }
    return """
    \(what): \(bad) of \(total) bytes differ from the reference by more than 1 level; worst: frame \(f + 1) \
    (tick \(f)) pixel (col \(p % width), row \(p / width)) channel \("rgb".map(String.init)[c]): \
    engine \(engine[f][3 * p + c]), reference \(ReferenceFormula.byte(v)) (value \(v))
    """
}

/// Reference frames in FitTargets' planar layout (frames × 3 × lanes, lanes = pixels rounded
/// up to 16, padding 0).
func planar(_ frames: [[Double]], pixels: Int) -> [Float] {
    let lanes = (pixels + 15) / 16 * 16
    var v = [Float](repeating: 0, count: frames.count * 3 * lanes)
    for (f, fr) in frames.enumerated() {
        for p in 0..<pixels { for c in 0..<3 { v[(f * 3 + c) * lanes + p] = Float(fr[3 * p + c]) } }
    }
    return v
}

/// The picture as rendered before rounding: the quantiser clamps every value to −1…1.
func gamut(_ v: Double) -> Double { Swift.min(Swift.max(v, -1), 1) }

/// Mean over frames × pixels × 3 of (clamp(reference) − target)², in Double: the error of a
/// render of the reference's pictures.
func referenceMSE(_ frames: [[Double]], _ targets: [Float], pixels: Int) -> Double {
    let lanes = (pixels + 15) / 16 * 16
    var s = 0.0
    for (f, fr) in frames.enumerated() {
        for p in 0..<pixels {
            for c in 0..<3 { let d = gamut(fr[3 * p + c]) - Double(targets[(f * 3 + c) * lanes + p]); s += d * d }
        }
    }
    return s / Double(frames.count * pixels * 3)
}

/// The network with every non-frozen weight moved a little (a different picture to fit).
func perturbed(_ net: Network, seed: UInt64) -> Network {
    var out = net
    var rng = SplitMix64(seed: seed)
    for e in net.matrix.entries where !e.entry.frozen {
        let w = Double(e.entry.weight)
        out.matrix.set(e.input, e.output, Float(w * (1 + 0.15 * rng.uniform(-1, 1)) + 0.1 * rng.uniform(-1, 1)))
    }
    return out
}

/// Relative tolerance of the fit loss against the reference MSE, and its absolute floor (for
/// losses near zero); see `FitLossTests`.
let fitLossRelativeTolerance = 1e-5
let fitLossAbsoluteFloor = 1e-7

/// Why the fitter's loss differs from the reference: the first frame whose pictures differ,
/// the worst picture value, and whether another warm-up makes the reference draw the fitter's
/// pictures (a misaligned start).
func fitDiagnosis(_ engine: BackpropThroughTime, _ net: Network, reference: [[Double]]) -> String {
    let pics = engine.pictures(engine.initialWeights)
    let px = net.timing.pixels, lanes = pics.lanes, w = net.timing.width
    func fitter(_ f: Int, _ p: Int, _ c: Int) -> Double { Double(pics.values[(f * 3 + c) * lanes + p]) }
    var worst = (d: -1.0, f: 0, p: 0, c: 0)
    var firstBad: Int?
    for f in 0..<reference.count {
        for p in 0..<px {
            for c in 0..<3 {
                let d = Swift.abs(fitter(f, p, c) - gamut(reference[f][3 * p + c]))
                if d > worst.d { worst = (d, f, p, c) }
                if d > 1e-3 && firstBad == nil { firstBad = f }
            }
        }
    }
    var msg = firstBad.map { "the fitter's pictures first differ (by > 1e-3) at frame \($0 + 1) (tick \($0)); " }
        ?? "the fitter's pictures agree with the reference to 1e-3; "
    msg += "worst picture value: frame \(worst.f + 1) pixel (col \(worst.p % w), row \(worst.p / w)) channel \("rgb".map(String.init)[worst.c]): "
        + "fitter \(fitter(worst.f, worst.p, worst.c)), reference \(reference[worst.f][3 * worst.p + worst.c])"
    guard firstBad != nil else { return msg }
    // Does another warm-up reproduce the fitter's pictures?
    let W = net.warmUpTicks
    for warm in max(0, W - 3)...(W + 3) where warm != W {
        guard let ev = try? ReferenceEvaluator(net, startTick: -warm) else { continue }
        var err = 0.0
        do {
            while ev.tick < 0 { try ev.step() }
            for f in 0..<reference.count {
                try ev.step()
                let v = ev.picture
                for p in 0..<px { for c in 0..<3 { err = max(err, Swift.abs(fitter(f, p, c) - v[3 * p + c])) } }
            }
        } catch { continue }
        if err < 1e-3 {
            return msg + "; the fitter draws what the reference draws with \(warm) warm-up ticks instead of the patch's \(W) (to within \(err))"
        }
    }
    return msg + "; no warm-up from \(max(0, W - 3)) to \(W + 3) ticks reproduces the fitter's pictures"
}
