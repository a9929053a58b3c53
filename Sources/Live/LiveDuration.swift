/// A length of time as a live coder types it: `2s`, `500ms`, `1.5` (seconds) or `30t` (ticks).
///
/// Ticks are exact whatever the tick rate, which is what tests and tight musical edits want;
/// seconds are converted with the patch's tick length when the edit is applied.
public enum LiveDuration: Sendable, Equatable, CustomStringConvertible {
    case seconds(Double)
    case ticks(Int)

    /// Parses `2s`, `500ms`, `1.5`, `30t`, `30ticks`; nil for anything else or a negative length.
    public init?(_ text: some StringProtocol) {
        let s = String(text).lowercased()
        func number(_ t: Substring) -> Double? {
            guard let v = Double(t), v.isFinite, v >= 0 else { return nil }
            return v
        }
        if s.hasSuffix("ms"), let v = number(s.dropLast(2)) { self = .seconds(v / 1000) }
        else if s.hasSuffix("ticks"), let v = Int(s.dropLast(5)), v >= 0 { self = .ticks(v) }
        else if s.hasSuffix("t"), let v = Int(s.dropLast(1)), v >= 0 { self = .ticks(v) }
        else if s.hasSuffix("s"), let v = number(s.dropLast(1)) { self = .seconds(v) }
        else if let v = number(Substring(s)) { self = .seconds(v) }
        else { return nil }
    }

    /// Whole ticks at `secondsPerTick`, at least 1 (an edit always takes at least one tick).
    public func ticks(secondsPerTick: Double) -> Int {
        switch self {
        case .ticks(let n): return max(1, n)
        case .seconds(let s): return max(1, Int((s / secondsPerTick).rounded()))
        }
    }

    public var description: String {
        switch self {
        case .seconds(let s): return s < 1 ? "\(VNumber.text(s * 1000))ms" : "\(VNumber.text(s))s"
        case .ticks(let n): return "\(n)t"
        }
    }
}

/// Short number text for messages: `6.5`, `3`, `-0.25`.
enum VNumber {
    static func text(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        let f = Float(x)
        if Double(f) == x { var s = "\(f)"; if s.hasSuffix(".0") { s.removeLast(2) }; return s }
        return String(x)
    }
}
