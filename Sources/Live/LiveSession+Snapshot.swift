import DMMCore
import PatchLanguage

/// Read-outs and whole-patch edits for front ends other than the terminal (the studio).
extension LiveSession {
    /// The running patch as text, exactly as `save` writes it: the patch file with the running
    /// weights and neurons, comments and layout kept.
    public func patchText() -> String {
        stateLock.locked { PatchPrinter.format(LiveDocument.synced(document, with: plan.network)) }
    }

    /// W between ticks (includes edits made by Self through its delta input).
    public func matrixSnapshot() -> MatrixSnapshot {
        stateLock.locked { MatrixSnapshot(network: plan.network, tick: plan.currentTick) }
    }

    /// Applies new patch text as a `--watch` reload does: parsed and built first (a bad patch
    /// throws its `PatchError` with line and column and the running patch is untouched), then
    /// queued as a morph over `over`. Returns the tick the morph is due at (nil: next tick).
    @discardableResult
    public func applyPatch(text: String, over: LiveDuration, source: EditSource = .api,
                           arrival: Double = LiveClock.now()) throws(PatchError) -> Int? {
        let doc = try PatchParser.parse(text, file: path)
        let net = try PatchBuilder.build(doc, registry: options.registry)
        return enqueue(.morph(to: net, document: doc, over: over), source: source, arrival: arrival)
    }
}
