/// Growth written in the patch: at its ticks, clones a named subnetwork, so the patch grows
/// fractal-like while it runs.
///
/// `grow: clone(of: "a b", prefix: "g", scale: 2, gain: 0.5, at: 24, every: 24, times: 4)`
/// clones `a` and `b` at the end of tick 24 (the tick boundary where Self's ΔW lands, after
/// it), then again every 24 ticks, four times in all. Each growth clones the *latest*
/// generation: generation k + 1 is a copy of generation k (`Network.cloning`, the one
/// implementation), its rows generation k's times `scale`, so generation k's rows are the
/// originals' × scale^k. Twins are named `PREFIX<k>_NAME` (`g1_a`, `g2_a`, …): deterministic,
/// and distinct for distinct (k, name) since names start with a letter or `_`.
///
/// `gain` (default 1) makes each generation heard at once: every weight from generation k
/// into a neuron outside the family (the originals and all their twins) is copied for the
/// twin, times `gain`, so generation k reaches the outside with the originals' weights ×
/// gain^k. The output is then Σₖ gainᵏ · f(scaleᵏ · …): with `scale: 2, gain: 0.5` on a sine
/// of the coordinates, a Weierstrass-like sum that gains an octave of detail per growth.
/// `gain: 0` leaves the twins silent (as `Network.cloning` does) until a ΔW connects them.
///
/// The input `gate` (a tree input, default 1 from `one`) must be positive at a scheduled tick
/// for the growth to happen, so a network can decide when it grows. The output `n` is the
/// number of generations grown so far, counted from the network's names (so a saved, grown
/// patch that is loaded again carries on where it stopped instead of growing twice).
///
/// Growth stops after `times` generations, and before the network would pass
/// ``maxNeurons``. A growth that cannot happen (a twin's name is taken, a weight overflows,
/// the cap) is skipped; `TickPlan.lastGrowthError` says why and the patch keeps running.
/// The kind has no gradient: `dmm fit` refuses a patch that grows, as it refuses one that
/// edits its matrix, and the JAX exporter refuses it naming the neuron.
public struct CloneKind: TreeKind {
    public static let name = "clone"
    public static let summary = "at tick `at` (every N ticks, `times` in all) clones the subnetwork `of`: twins PREFIX<k>_NAME, rows × scale, outputs × gain"
    public static let configKeys = ["of", "prefix", "scale", "gain", "at", "every", "times"]
    public let config: NeuronConfig

    /// The neurons of generation 0 (the originals), in the order given.
    public let names: [String]
    public let prefix: String
    public let scale: Float
    public let gain: Float
    let at: Int
    let every: Int
    public let times: Int

    /// No growth takes a network past this many neurons (`one` included): a patch that
    /// grows stays within a size every renderer can hold.
    public static let maxNeurons = 4096
    /// At most this many neurons in `of`, and at most this many generations.
    public static let maxNames = 256
    public static let maxTimes = 4096
    /// Weights and gains past this size are a typo, not a design: the range `scale` and
    /// `gain` must lie in.
    public static let maxScale = 1000.0
    /// Longest `prefix`: twin names stay readable.
    public static let maxPrefix = 32

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        // Without `of` the kind still builds (so `dmm kinds` can list its ports); a patch that
        // leaves it out is refused by `Network.checkGrowth` at the neuron's line.
        let of = config["of"] ?? .string("")
        guard let list = of.string else { throw KindError("'of' must be a string of neuron names, as in of: \"a b\"", key: "of") }
        var seen = Set<String>(), names: [String] = []
        for w in list.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
            let n = String(w)
            guard Self.isName(n) else {
                throw KindError("'of': \(DiagnosticText.quoted(DiagnosticText.shortened(n, limit: DiagnosticText.quoteLimit))) is not a neuron name", key: "of")
            }
            guard n != "one" else { throw KindError("'of': 'one' is the built-in constant and cannot be cloned", key: "of") }
            if seen.insert(n).inserted { names.append(n) }
        }
        guard !names.isEmpty || config["of"] == nil else { throw KindError("'of' names no neuron: write of: \"a b\"", key: "of") }
        guard names.count <= Self.maxNames else { throw KindError("'of' names \(names.count) neurons; at most \(Self.maxNames)", key: "of") }
        self.names = names
        if let p = config["prefix"] {
            guard let s = p.string, Self.isName(s), s.count <= Self.maxPrefix else {
                throw KindError("'prefix' must be a name of at most \(Self.maxPrefix) letters, digits or _ (starting with a letter or _), as in prefix: \"g\"", key: "prefix")
            }
            prefix = s
        } else {
            prefix = "g"
        }
        scale = Float(try config.number("scale", default: 1, in: -Self.maxScale...Self.maxScale))
        gain = Float(try config.number("gain", default: 1, in: -Self.maxScale...Self.maxScale))
        at = try config.wholeNumber("at", default: 0, in: -ScheduledEdit.maxTick...ScheduledEdit.maxTick, "(ticks)")
        every = try config.wholeNumber("every", default: 0, in: 0...ScheduledEdit.maxTick, "(ticks)")
        times = try config.wholeNumber("times", default: 1, in: 1...Self.maxTimes, "(generations)")
    }

    public var inputs: [PortSpec] { [PortSpec("gate", .fixed(.tree), default: 1)] }
    public var outputs: [PortSpec] { [PortSpec("n", .fixed(.tree))] }

    /// The plan runs growth itself (`TickPlan.treeStroke`); alone, the kind outputs nothing.
    public func forwardTree(_ inputs: [VValue], context: KernelContext) -> [VValue] { [.zero] }

    /// True on the ticks the schedule names (`at`, then every `every` ticks).
    public func isScheduled(_ tick: Int) -> Bool {
        every > 0 ? (tick >= at && (tick - at) % every == 0) : tick == at
    }

    /// The name of `name`'s twin in generation `k` (generation 0 is the original).
    public func twinName(_ name: String, generation k: Int) -> String {
        k == 0 ? name : "\(prefix)\(k)_\(name)"
    }

    /// The neurons of generation `k`, in the order of `of`.
    public func generation(_ k: Int) -> [String] { names.map { twinName($0, generation: k) } }

    /// How many generations `net` has grown: the largest k ≤ `times` such that every twin of
    /// generations 1…k is there. A generation whose names all exist counts as grown, whoever
    /// declared them (a saved, grown patch carries on); one that exists in part makes the next
    /// growth fail on the taken name.
    public func generations(in net: Network) -> Int {
        let present = Set(net.neurons.map(\.name))
        var k = 0
        while k < times, generation(k + 1).allSatisfy(present.contains) { k += 1 }
        return k
    }

    /// The network after one growth: generation k + 1 cloned from generation k (rows × scale),
    /// and, for `gain` ≠ 0, generation k's weights into outside neurons copied for the twins
    /// × gain. nil when `times` generations have grown.
    ///
    /// - Parameter owner: the clone neuron's own name, for messages.
    /// - Throws: a taken twin name, a generation-0 neuron that is missing, a weight that
    ///   overflows, or a network past ``maxNeurons``; the network is then unchanged.
    public func grow(_ net: Network, owner: String) throws(NetworkError) -> Network? {
        let k = generations(in: net)
        guard k < times else { return nil }
        let from = generation(k), to = generation(k + 1)
        guard net.neurons.count + names.count <= Self.maxNeurons else {
            throw NetworkError("clone '\(owner)': generation \(k + 1) would take the network past \(Self.maxNeurons) neurons", neuron: owner)
        }
        var out: Network
        do { out = try net.cloning(from, as: to, scale: scale) } catch {
            throw NetworkError("clone '\(owner)': generation \(k + 1): \(error.message)", neuron: owner)
        }
        guard gain != 0 else { return out }
        var family = Set<Int>()
        for g in 0...(k + 1) { for n in generation(g) { if let i = out.index(of: n) { family.insert(i) } } }
        var twinOf: [Int: Int] = [:]
        for (a, b) in zip(from, to) { if let i = net.index(of: a), let j = out.index(of: b) { twinOf[i] = j } }
        for e in net.matrix.entries where !family.contains(e.input.neuron) {
            guard let j = twinOf[e.output.neuron] else { continue }
            let w = e.entry.weight * gain
            guard w.isFinite else {
                throw NetworkError("clone '\(owner)': generation \(k + 1): weight \(e.entry.weight) × gain \(gain) overflows", neuron: owner)
            }
            out.matrix.set(e.input, PortRef(j, e.output.port), w, frozen: e.entry.frozen)
        }
        do { _ = try out.domains() } catch { throw NetworkError("clone '\(owner)': \(error.message)", neuron: owner) }
        return out
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.first, f == "_" || (f.isLetter && f.isASCII) else { return false }
        return s.allSatisfy { $0 == "_" || (($0.isLetter || $0.isNumber) && $0.isASCII) }
    }
}
