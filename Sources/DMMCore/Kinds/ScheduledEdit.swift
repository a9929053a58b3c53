/// A ΔW fragment at a given frame (tick), for wiring into Self: scheduled rewiring written in
/// the patch itself.
///
/// `bump: edit(at: 60, delta: "{s1.a:{one:2}}")` outputs the fragment on tick 60 and zero
/// otherwise; with `every: 30` it repeats every 30 ticks from `at`. Wired as
/// `W.delta = bump`, the edit reaches Self one tick later and changes the matrix at the end of
/// that tick, so it shapes frame `at + 3` onwards (two connections plus the boundary).
public struct ScheduledEdit: TreeKind {
    public static let name = "edit"
    public static let summary = "outputs a ΔW V-value at tick `at` (optionally `every` N ticks)"
    public static let configKeys = ["at", "every", "delta"]
    public let config: NeuronConfig
    let at: Int
    /// The latest tick `at` and `every` may name: far past any render (a day of audio at
    /// 768 kHz in blocks of 1 is 6.6e10 ticks) and far inside `Int`, so `t - at` never overflows.
    public static let maxTick = 1_000_000_000_000
    let every: Int
    let delta: VValue

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        at = try config.wholeNumber("at", default: 0, in: -Self.maxTick...Self.maxTick, "(ticks)")
        every = try config.wholeNumber("every", default: 0, in: 0...Self.maxTick, "(ticks)")
        guard let text = config["delta"]?.string else {
            if config["delta"] != nil { throw KindError("'delta' must be a \"{row:{column:weight}}\" string", key: "delta") }
            delta = .zero
            return
        }
        do { delta = try VValue(parsing: text) } catch {
            throw KindError("'delta': " + error.message, key: "delta", offset: error.offset)
        }
        for leaf in delta.leaves where !Float(leaf.value).isFinite {
            throw KindError("'delta' weight \(ConfigValue.number(leaf.value)) at \(DiagnosticText.quoted(leaf.path.joined(separator: "/"))) is out of range: weights must be finite, at most ±3.4e38", key: "delta")
        }
    }

    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }

    public func forwardTree(_ inputs: [VValue], context: KernelContext) -> [VValue] {
        let t = context.tick
        let fire = every > 0 ? (t >= at && (t - at) % every == 0) : t == at
        return [fire ? delta : .zero]
    }
}
