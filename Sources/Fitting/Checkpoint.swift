import MediaIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fit's state on disk: JSON (readable, and Float values round-trip exactly through
/// their shortest decimal form), written atomically and durably so that a Ctrl-C or a crash
/// never leaves half a checkpoint.
public enum Checkpoint {
    /// The checkpoint path that goes with an output patch: `fitted.dmm` → `fitted-checkpoint.json`.
    public static func path(forOutput output: String) -> String {
        let stem = output.hasSuffix(".dmm") ? String(output.dropLast(4)) : output
        return stem + "-checkpoint.json"
    }

    /// Any checkpoint state (a fit's `FitState`, a distillation's `DistillState`) as
    /// sorted-key JSON; non-finite numbers as strings.
    public static func encode<State: Encodable>(_ state: State) throws(FitError) -> [UInt8] {
        do {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return Array(try e.encode(state))
        } catch { throw FitError("cannot encode the checkpoint: \(error)") }
    }

    public static func decode(_ bytes: [UInt8], name: String = "checkpoint") throws(FitError) -> FitState {
        try decode(FitState.self, bytes, name: name, what: "fit checkpoint")
    }

    /// The state in `bytes`; an unreadable file is one error naming `name` and saying it is not a readable `what`.
    static func decode<State: Decodable>(_ type: State.Type, _ bytes: [UInt8], name: String, what: String) throws(FitError) -> State {
        do {
            let d = JSONDecoder()
            d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try d.decode(State.self, from: Data(bytes))
        }
        catch let e as DecodingError { throw FitError("\(name): not a readable \(what) (\(describe(e)))") }
        catch { throw FitError("\(name): not a readable \(what) (\(error))") }
    }

    /// A decoding error in one line: where in the JSON, and what.
    static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined()
            return p.isEmpty ? "" : (p.hasPrefix(".") ? String(p.dropFirst()) : p) + ": "
        }
        func oneLine(_ s: String) -> String { s.split(whereSeparator: \.isNewline).joined(separator: " ") }
        switch e {
        case .keyNotFound(let k, let c): return "\(path(c))missing '\(k.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c) + oneLine(c.debugDescription)
        @unknown default: return oneLine("\(e)")
        }
    }

    /// Checks a loaded checkpoint against the fit it is to continue, before any of it is used
    /// as an index or a count: a hand-edited, truncated or foreign file is refused with one
    /// line naming `name` and what is wrong, instead of trapping or resuming a different fit.
    ///
    /// `parameters` are the patch's trainable weights (what the engine fits); `options` the
    /// options of this run (already compared with the checkpoint's by the trainer).
    public static func validate(_ s: FitState, parameters: [WeightRef], options: FitOptions, name: String) throws(FitError) {
        func bad(_ what: String) -> FitError { FitError("\(name): not a checkpoint of this fit: \(what)") }
        let n = parameters.count
        guard s.format == 1 else { throw bad("format \(s.format) (this dmm writes format 1)") }
        guard s.parameters.count == n else {
            throw bad("it lists \(s.parameters.count) parameters but the patch has \(n) trainable weights")
        }
        if let k = s.parameters.indices.first(where: { s.parameters[$0] != parameters[$0] }) {
            throw bad("parameters[\(k)] is \(s.parameters[k]), the patch's is \(parameters[k]) (a patch with other weights)")
        }
        let starts = max(1, options.restarts)
        guard s.startDescriptions.count == starts else {
            throw bad("it describes \(s.startDescriptions.count) starts but the fit has \(starts)")
        }
        let runsNeeded = s.phase == .trials ? starts : 1
        guard s.runs.count == runsNeeded else { throw bad("phase \(s.phase.rawValue) needs \(runsNeeded) runs, it has \(s.runs.count)") }
        guard (0..<starts).contains(s.winner) else { throw bad("winner \(s.winner) is not one of the \(starts) starts (0 to \(starts - 1))") }
        guard s.trialLosses.isEmpty || s.trialLosses.count == starts else {
            throw bad("it has \(s.trialLosses.count) trial losses for \(starts) starts")
        }
        if let k = s.trialLosses.firstIndex(where: { $0.isNaN || $0 < 0 }) { throw bad("trialLosses[\(k)] is \(s.trialLosses[k])") }
        if (s.phase == .prune || s.pruner != nil) && !options.prune { throw bad("it is pruning but this fit does not prune") }
        for (i, r) in s.runs.enumerated() { try validate(r, "runs[\(i)]", n: n, options: options, bad: bad) }
        if let p = s.pruner {
            try validate(p.best, "pruner.best", n: n, options: options, bad: bad)
            if let t = p.trying, !(0..<n).contains(t) { throw bad("pruner.trying is \(t), not a parameter index (0 to \(n - 1))") }
            if let k = p.protected.first(where: { !(0..<n).contains($0) }) { throw bad("pruner.protected holds \(k), not a parameter index") }
            for (label, v) in [("baseline", p.baseline), ("threshold", p.threshold), ("bestLoss", p.bestLoss)] where v.isNaN || v < 0 {
                throw bad("pruner.\(label) is \(v)")
            }
            for (label, v) in [("recoverySteps", p.recoverySteps), ("failures", p.failures), ("kept", p.kept), ("undone", p.undone),
                               ("polishLeft", p.polishLeft ?? 0)] where v < 0 {
                throw bad("pruner.\(label) is \(v), below 0")
            }
        }
    }

    /// One run: every per-parameter array as long as the parameter list, finite values, a
    /// step count ≥ 0 matching its history, and the optimiser of these options.
    static func validate(_ r: RunState, _ label: String, n: Int, options: FitOptions, bad: (String) -> FitError) throws(FitError) {
        for (what, count) in [("weights", r.weights.count), ("active", r.active.count), ("adam.m", r.adam.m.count), ("adam.v", r.adam.v.count)]
        where count != n {
            throw bad("\(label).\(what) has \(count) entries for \(n) parameters")
        }
        guard r.step >= 0 else { throw bad("\(label).step is \(r.step), below 0") }
        guard r.adam.step >= 0 else { throw bad("\(label).adam.step is \(r.adam.step), below 0") }
        guard r.losses.count == r.step, r.counts.count == r.step else {
            throw bad("\(label) took \(r.step) steps but records \(r.losses.count) losses and \(r.counts.count) weight counts")
        }
        if let k = r.weights.firstIndex(where: { !$0.isFinite }) { throw bad("\(label).weights[\(k)] is \(r.weights[k]), not finite") }
        if let k = r.adam.m.firstIndex(where: { !$0.isFinite }) { throw bad("\(label).adam.m[\(k)] is \(r.adam.m[k]), not finite") }
        if let k = r.adam.v.firstIndex(where: { !$0.isFinite || $0 < 0 }) { throw bad("\(label).adam.v[\(k)] is \(r.adam.v[k]), not a finite value ≥ 0") }
        if let k = r.losses.firstIndex(where: { $0.isNaN || $0 < 0 }) { throw bad("\(label).losses[\(k)] is \(r.losses[k])") }
        if let k = r.counts.firstIndex(where: { !(0...n).contains($0) }) { throw bad("\(label).counts[\(k)] is \(r.counts[k]), not 0 to \(n)") }
        let a = r.adam
        guard a.learningRate == options.learningRate else {
            throw bad("\(label).adam.learningRate is \(a.learningRate) but the fit's is \(options.learningRate)")
        }
        guard a.beta1 >= 0, a.beta1 < 1, a.beta2 >= 0, a.beta2 < 1, a.epsilon > 0, a.epsilon.isFinite else {
            throw bad("\(label).adam has beta1 \(a.beta1), beta2 \(a.beta2), epsilon \(a.epsilon) (betas must be in 0..<1, epsilon > 0)")
        }
    }

    /// Writes any checkpoint state atomically and durably (a crash never leaves half a file).
    public static func save<State: Encodable>(_ state: State, to path: String) throws(FitError) {
        let bytes = try encode(state)
        do { try AtomicFile.write(bytes, to: path, durable: true) } catch { throw FitError(error.message) }
    }

    /// Deletes the checkpoint at `path` if there is one (a fit that completed: the file
    /// would only be stale). A failure to delete is not an error: the outputs are written.
    public static func remove(_ path: String) { _ = unlink(path) }

    public static func load(from path: String) throws(FitError) -> FitState {
        try decode(readBytes(path), name: path)
    }

    /// The bytes of the checkpoint file at `path` (shared by the fit and distillation checkpoints).
    static func readBytes(_ path: String) throws(FitError) -> [UInt8] {
        guard let fh = fopen(path, "rb") else { throw FitError("\(path): no checkpoint to resume from") }
        defer { fclose(fh) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, fh)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return bytes
    }
}

#if canImport(Glibc)
import Glibc
#endif
