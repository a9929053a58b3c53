import DMMCore

/// A length of time as a live coder types it: `2s`, `500ms`, `1.5` (seconds) or `30t` (ticks).
///
/// Ticks are exact whatever the tick rate, which is what tests and tight musical edits want;
/// seconds are converted with the patch's tick length when the edit is applied.
public enum LiveDuration: Sendable, Equatable, CustomStringConvertible {
    case seconds(Double)
    case ticks(Int)

    /// Parses `2s`, `500ms`, `1.5`, `30t`, `30ticks`; nil for anything else, a negative
    /// length, or one beyond `LiveLimits.maxSeconds` / `LiveLimits.maxTick`.
    public init?(_ text: some StringProtocol) {
        let s = String(text).lowercased()
        func seconds(_ t: Substring, scale: Double) -> LiveDuration? {
            guard let v = NumberText.double(t) else { return nil }
            return LiveDuration(seconds: v / scale)
        }
        let parsed: LiveDuration?
        if s.hasSuffix("ms") { parsed = seconds(s.dropLast(2), scale: 1000) }
        else if s.hasSuffix("ticks") { parsed = LiveLimits.tickCount(s.dropLast(5)).map { LiveDuration.ticks($0) } }
        else if s.hasSuffix("t") { parsed = LiveLimits.tickCount(s.dropLast(1)).map { LiveDuration.ticks($0) } }
        else if s.hasSuffix("s") { parsed = seconds(s.dropLast(1), scale: 1) }
        else { parsed = seconds(Substring(s), scale: 1) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// A duration of `seconds` (from OSC, or a number already parsed); nil unless it is
    /// finite and within `0...LiveLimits.maxSeconds`, so that no duration can overflow a
    /// tick count.
    public init?(seconds: Double) {
        guard seconds.isFinite, seconds >= 0, seconds <= LiveLimits.maxSeconds else { return nil }
        self = .seconds(seconds)
    }

    /// How to write a duration, for messages about one that is not.
    public static let usage = "write 2s, 500ms, 1.5 or 30t (0 to \(Int(LiveLimits.maxSeconds)) s, or up to \(LiveLimits.maxTick) ticks)"

    /// Whole ticks at `secondsPerTick`, from 1 (an edit always takes at least one tick) to
    /// `LiveLimits.maxTick`, whatever the value the case was built with.
    public func ticks(secondsPerTick: Double) -> Int {
        switch self {
        case .ticks(let n): return min(max(1, n), LiveLimits.maxTick)
        case .seconds(let s): return LiveLimits.ticks(s, secondsPerTick: secondsPerTick)
        }
    }

    public var description: String {
        switch self {
        case .seconds(let s): return s < 1 ? "\(VNumber.text(s * 1000))ms" : "\(VNumber.text(s))s"
        case .ticks(let n): return "\(n)t"
        }
    }
}

/// Short number text for messages: `6.5`, `3`, `-0.25`, `1.8e+15`.
enum VNumber {
    static func text(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        if x.isFinite, abs(x) >= 1e15 {
            // Seven significant digits: a Float weight this large prints its 16 noisy ones.
            var m = abs(x), e = 0
            while m >= 10 { m /= 10; e += 1 }
            var digits = String((m * 1e6).rounded() / 1e6)
            if digits.hasSuffix(".0") { digits.removeLast(2) }
            return (x < 0 ? "-" : "") + digits + "e+\(e)"
        }
        let f = Float(x)
        if Double(f) == x { var s = "\(f)"; if s.hasSuffix(".0") { s.removeLast(2) }; return s }
        return String(x)
    }
}
