import DMMCore
import Fitting
import Testing

// The fitter's loss is the render error.
//
// Targets are the reference's pictures of a *different* set of weights (every non-frozen
// weight moved by up to 15 % and 0.1); `BackpropThroughTime(network:targets:)` evaluated at
// the network's own weights must report the reference's mean squared error of its own
// pictures against those targets (−1…1 units, mean over frames × pixels × 3, unquantised).
//
// Tolerance: 1e-5 relative, with an absolute floor of 1e-7 for losses near 0 (the engine
// computes in Float: pictures carry errors of about 1e-6, which move an MSE of 0.01–0.1 by
// well under 1e-5 of itself since their signs average out). A misaligned fitter (frames a
// tick early or late, a wrong warm-up) is off by tens of per cent.
//
// The quantisation floor: fitted against its own 8-bit render (targets v = byte/127.5 − 1),
// a network's loss is the rounding error alone, about (1/127.5)²/12 ≈ 5.1e-6 and at most
// (0.5/127.5)² ≈ 1.54e-5 for values inside −1…1; values outside clamp to 0 or 255 and add
// their excess. The test checks the loss against the reference's MSE against the same bytes
// (same tolerance) and against that worst-case ceiling.

/// The fitting engine, or nil for a self-modifying patch, which the fitter must refuse with
/// a clear error (it cannot follow edits to its own matrix yet) rather than fit wrongly.
func fitEngine(_ net: Network, _ targets: FitTargets, label: String) throws -> BackpropThroughTime? {
    let selfModifying = net.neurons.contains { $0.kindName == "self" } && net.matrix.entries.contains { e in
        net.neurons[e.input.neuron].kindName == "self"
    }
    guard selfModifying else { return try BackpropThroughTime(network: net, targets: targets) }
    do {
        _ = try BackpropThroughTime(network: net, targets: targets)
        Issue.record("\(label): the fitter accepted a self-modifying patch; it must refuse it")
    } catch {
        #expect(error.message.contains("self-modifying"), "\(label): \(error.message)")
        print("FitLoss: \(label): not fitted: self-modifying patches are refused (\(error.message))")
    }
    return nil
}

func expectFitLossMatches(_ net: Network, frames: Int, label: String, text: String?) throws {
    let px = net.timing.pixels
    let reference = try referenceFrames(net, count: frames)
    let targetValues = planar(try referenceFrames(perturbed(net, seed: 4242), count: frames), pixels: px)
    let targets = try FitTargets(width: net.timing.width, height: net.timing.height, frames: frames, planar: targetValues)
    guard let engine = try fitEngine(net, targets, label: label) else { return }
    let loss = engine.evaluate(engine.initialWeights, gradient: false).loss
    // The loss the trainer sees comes with the gradient (a different pass over the trace).
    let lossWithGradient = engine.evaluate(engine.initialWeights, gradient: true).loss
    let want = referenceMSE(reference, targetValues, pixels: px)
    let tol = fitLossRelativeTolerance * want + fitLossAbsoluteFloor
    print("FitLoss: \(label): loss \(loss), with gradient \(lossWithGradient), reference \(want), relative difference \((loss - want) / want)")
    for (what, l) in [("evaluate(gradient: false)", loss), ("evaluate(gradient: true)", lossWithGradient)] where !(Swift.abs(l - want) <= tol) {
        Issue.record("""
        \(label): fit loss (\(what)) \(l) but the reference's render error is \(want) \
        (difference \(l - want), relative \((l - want) / want), tolerance \(tol)); \
        \(fitDiagnosis(engine, net, reference: reference))\(text.map { "\n\($0)" } ?? "")
        """)
    }
}

func expectQuantisationFloor(_ net: Network, frames: Int, label: String, text: String?) throws {
    let px = net.timing.pixels, lanes = (px + 15) / 16 * 16
    let reference = try referenceFrames(net, count: frames)
    let bytes = try engineFrames(net, count: frames)
    var targetValues = [Float](repeating: 0, count: frames * 3 * lanes)
    for f in 0..<frames {
        for p in 0..<px { for c in 0..<3 { targetValues[(f * 3 + c) * lanes + p] = Float(Double(bytes[f][3 * p + c]) / 127.5 - 1) } }
    }
    let targets = try FitTargets(width: net.timing.width, height: net.timing.height, frames: frames, planar: targetValues)
    guard let engine = try fitEngine(net, targets, label: label) else { return }
    let loss = engine.evaluate(engine.initialWeights, gradient: false).loss
    let want = referenceMSE(reference, targetValues, pixels: px)
    // Worst case of rounding to bytes, per value, from the reference's own values.
    let half = 0.5 / 127.5
    var ceiling = 0.0
    for fr in reference { for _ in fr { ceiling += half * half } }
    ceiling = ceiling / Double(frames * px * 3) + 1e-7
    let tol = fitLossRelativeTolerance * want + fitLossAbsoluteFloor
    let context = text.map { "\n\($0)" } ?? ""
    print("QuantisationFloor: \(label): loss \(loss), reference \(want), ceiling \(ceiling)")
    if !(Swift.abs(loss - want) <= tol) || !(loss <= ceiling) {
        Issue.record("""
        \(label): fitted against its own 8-bit render the loss is \(loss); the reference's error against the same \
        bytes is \(want) and rounding alone allows at most \(ceiling); \
        \(fitDiagnosis(engine, net, reference: reference))\(context)
        """)
    }
}

@Suite("Fit loss equals the reference's render error") struct FitLossTests {
    @Test("every visual patch in patches/", arguments: ReferenceCases.visualPatches)
    func shippedPatch(_ patch: ShippedPatch) throws {
        let net = try patch.network()
        try expectFitLossMatches(net, frames: patch.frames(net), label: patch.name, text: nil)
    }

    @Test func cppnTemplates() throws {
        for t in try ReferenceCases.cppnTemplates() {
            try expectFitLossMatches(t.network, frames: t.frames, label: t.label, text: nil)
        }
    }

    @Test("generated patches, rows of 1–16 sources", arguments: ReferenceCases.narrowSeeds)
    func generatedNarrow(seed: UInt64) throws {
        let g = ReferenceCases.generated(seed, wide: false)
        try expectFitLossMatches(g.network, frames: g.frames, label: "generated seed \(seed)", text: g.text)
    }

    @Test("generated patches with a row of 20–300 sources", arguments: ReferenceCases.wideSeeds)
    func generatedWide(seed: UInt64) throws {
        let g = ReferenceCases.generated(seed, wide: true)
        try expectFitLossMatches(g.network, frames: g.frames, label: "generated wide seed \(seed)", text: g.text)
    }
}

@Suite("Fitted against its own render, the loss is the quantisation floor") struct QuantisationFloorTests {
    @Test("every visual patch in patches/", arguments: ReferenceCases.visualPatches)
    func shippedPatch(_ patch: ShippedPatch) throws {
        let net = try patch.network()
        try expectQuantisationFloor(net, frames: patch.frames(net), label: patch.name, text: nil)
    }

    @Test func cppnTemplates() throws {
        for t in try ReferenceCases.cppnTemplates() {
            try expectQuantisationFloor(t.network, frames: t.frames, label: t.label, text: nil)
        }
    }

    @Test("generated patches, rows of 1–16 sources", arguments: ReferenceCases.narrowSeeds)
    func generatedNarrow(seed: UInt64) throws {
        let g = ReferenceCases.generated(seed, wide: false)
        try expectQuantisationFloor(g.network, frames: g.frames, label: "generated seed \(seed)", text: g.text)
    }

    @Test("generated patches with a row of 20–300 sources", arguments: ReferenceCases.wideSeeds)
    func generatedWide(seed: UInt64) throws {
        let g = ReferenceCases.generated(seed, wide: true)
        try expectQuantisationFloor(g.network, frames: g.frames, label: "generated wide seed \(seed)", text: g.text)
    }
}
