/// Where an edit came from, for messages and statistics.
public enum EditSource: String, Sendable {
    case stdin, osc, watch, api
}

/// What a running session reports. The library never prints: the command line turns these
/// into lines on the terminal (from its own queue, so printing never delays a tick).
public enum LiveEvent: Sendable {
    /// An edit took effect at the boundary before `tick` (frame tick + 1).
    case applied(tick: Int, summary: String, source: EditSource)
    /// An edit was refused when its tick came; the patch runs on unchanged.
    case rejected(summary: String, reason: String, source: EditSource)
    /// Something the user should know that is not an error of theirs (late edits, a
    /// session running behind real time, a header change a reload cannot apply).
    case warning(String)
    /// The session stopped after `ticks` ticks from tick 0.
    case finished(ticks: Int)
}

/// When an edit arrived and when its tick boundary applied it (for latency measurements).
public struct AppliedStamp: Sendable {
    /// The tick the edit applied at.
    public var tick: Int
    /// Monotonic seconds when the edit reached the session (socket read, line read).
    public var arrival: Double
    /// Monotonic seconds when the boundary finished applying it.
    public var applied: Double
    public var source: EditSource
}
