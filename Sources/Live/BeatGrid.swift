import DMMCore

/// Where bar and beat lines fall on the tick grid, for `at +1bar …` and `at beat …`.
///
/// Bar b starts at b · 240 / bpm seconds (four beats to the bar, the patch's `bpm` header;
/// the same grid `seq` plays its cycles on), counted from tick 0. A line at time s lands on
/// the first tick that starts at or after it, ⌈s / secondsPerTick⌉, so an edit due there is
/// the first thing the bar's first tick hears. Positions are computed from the line's index
/// each time, never accumulated, so no rounding builds up over a long session.
public struct BeatGrid: Sendable, Equatable {
    /// Seconds per bar or beat (the unit) and per tick.
    public var unitSeconds: Double
    public var secondsPerTick: Double

    /// The grid of bars (`beats: false`) or beats of `timing`.
    public init(_ timing: Timing, beats: Bool) {
        unitSeconds = timing.secondsPerBar / (beats ? 4 : 1)
        secondsPerTick = timing.secondsPerTick
    }

    /// Most lines ahead an edit may name (`at +100000bar`).
    public static let maxLines = 100_000

    /// The first tick of line `m` (m ≥ 0).
    public func tick(ofLine m: Int) -> Int {
        let t = (Double(m) * unitSeconds / secondsPerTick * (1 - 1e-12)).rounded(.up)
        return t >= Double(LiveLimits.maxTick) ? LiveLimits.maxTick : max(0, Int(t))
    }

    /// The tick of the `count`-th line at or after tick `now` (count 1: the next line; an
    /// edit made on a line's own tick, before that tick runs, lands on it).
    public func due(after now: Int, count: Int) -> Int {
        let ratio = secondsPerTick / unitSeconds
        var m = max(0, (Double(max(0, now)) * ratio).rounded(.down))
        m = min(m, Double(LiveLimits.maxTick))
        var line = Int(m)
        while tick(ofLine: line) < now && tick(ofLine: line) < LiveLimits.maxTick { line += 1 }
        return tick(ofLine: line + max(1, count) - 1)
    }
}
