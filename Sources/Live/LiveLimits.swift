import Rendering

/// The ranges every number from outside a live session (stdin, OSC, `--watch`, options) must
/// fall in, and the one place where such numbers become `Int`s and `Float` weights.
///
/// Why: a live show must never die from input. Swift traps on `Int(1e300)`, `Int(.nan)` and on
/// `Int` overflow, and a weight of ±3.4e38 turns into −inf and NaN after one more edit (and
/// writes an edit log that cannot be replayed). So values are range-checked *before* they are
/// converted, and refused with a one-line reason that says what the range is.
public enum LiveLimits {
    /// The largest tick an edit, a glide or `step` may name: the edit log's own limit
    /// (`EditLogFile.maxTick`), so that everything a session records can be replayed.
    /// At 750 ticks a second (48 kHz, block 64) that is more than two weeks.
    public static let maxTick = EditLogFile.maxTick

    /// The longest duration, in seconds, a glide or a morph may take (11.5 days).
    public static let maxSeconds: Double = 1_000_000

    /// The largest magnitude of a weight a live edit may set. Far beyond any musical or
    /// visual use, and small enough that the difference of two weights (a ΔW) and their sum
    /// stay finite in `Float`.
    public static let maxWeight: Double = 1e15
    static let maxWeightText = "±1e15"

    /// Whole ticks for `seconds / secondsPerTick`, rounded, clamped to `1...maxTick` (NaN
    /// counts as 1): total for any Double, so that no duration can trap the tick thread.
    public static func ticks(_ seconds: Double, secondsPerTick: Double, rounding: FloatingPointRoundingRule = .toNearestOrEven) -> Int {
        let x = (seconds / secondsPerTick).rounded(rounding)
        guard x.isFinite else { return x == -.infinity ? 1 : (x.isNaN ? 1 : maxTick) }
        if x <= 1 { return 1 }
        if x >= Double(maxTick) { return maxTick }
        return Int(x)
    }

    /// A number of ticks parsed from text (`at 120`, `step 5`, `30t`): a whole number in
    /// `0...maxTick`, or nil.
    public static func tickCount(_ text: some StringProtocol) -> Int? {
        guard let n = Int(text), n >= 0, n <= maxTick else { return nil }
        return n
    }

    /// Checks that `value` may become a weight; `what` names it in the message
    /// (e.g. "s1.a ← one").
    public static func weight(_ value: Double, _ what: String) throws(LiveError) -> Float {
        guard value.isFinite else { throw LiveError("\(what) would become \(value), which is not a finite weight") }
        guard abs(value) <= maxWeight else {
            throw LiveError("\(what) would become \(VNumber.text(value)), outside the weight range \(maxWeightText)")
        }
        return Float(value)
    }

    /// Checks a number typed or sent as a weight, before it goes anywhere.
    public static func checkValue(_ value: Double, _ what: String) throws(LiveError) -> Double {
        guard value.isFinite else { throw LiveError("the \(what) must be a finite number, not \(value)") }
        guard abs(value) <= maxWeight else {
            throw LiveError("the \(what) \(VNumber.text(value)) is out of range: weights must be within \(maxWeightText)")
        }
        return value
    }
}
