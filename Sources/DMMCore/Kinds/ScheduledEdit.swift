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
    let every: Int
    let delta: VValue

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        at = try Self.tick("at", config)
        every = try Self.tick("every", config)
        guard every >= 0 else { throw KindError("'every' must be ≥ 0") }
        guard let text = config["delta"]?.string else {
            if config["delta"] != nil { throw KindError("'delta' must be a \"{row:{column:weight}}\" string") }
            delta = .zero
            return
        }
        delta = try VValue(parsing: text)
    }

    /// A whole tick number from the config, range-checked before the conversion (`Int(1e300)`
    /// and `Int(.nan)` trap): at most 10¹² ticks either way, 300 years at 100 fps.
    static func tick(_ key: String, _ config: NeuronConfig) throws(KindError) -> Int {
        let x = try config.number(key, default: 0)
        guard x.isFinite, abs(x) <= 1e12, x == x.rounded() else {
            throw KindError("'\(key)' must be a whole number of ticks within ±10¹², got \(x)")
        }
        return Int(x)
    }

    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }

    public func forwardTree(_ inputs: [VValue], context: KernelContext) -> [VValue] {
        let t = context.tick
        let fire = every > 0 ? (t >= at && (t - at) % every == 0) : t == at
        return [fire ? delta : .zero]
    }
}
