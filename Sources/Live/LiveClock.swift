#if canImport(Glibc)
import Glibc
#endif

/// Time for a live session: a monotonic clock for pacing and latency, the wall clock for OSC
/// timetags, and absolute sleeps so that pacing errors never accumulate.
public enum LiveClock {
    /// Monotonic seconds (CLOCK_MONOTONIC): pacing deadlines and latency measurements.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Wall-clock seconds since 1970 (CLOCK_REALTIME): what OSC timetags are measured against.
    public static func wallNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Sleeps until the monotonic time `deadline`. An absolute sleep (TIMER_ABSTIME) wakes at
    /// the deadline however long the caller took to get here, so tick k of a paced session
    /// starts at t0 + k·dt rather than drifting by the cost of every tick.
    public static func sleep(until deadline: Double) {
        guard deadline.isFinite else { return }
        var ts = timespec()
        let whole = min(deadline, 1e15).rounded(.down)   // clamped: Int(whole) is total
        ts.tv_sec = Int(whole)
        ts.tv_nsec = min(999_999_999, Int((deadline - whole) * 1e9))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }

    /// Seconds between 1900-01-01 (the NTP epoch OSC timetags use) and 1970-01-01.
    public static let ntpOffset: Double = 2_208_988_800
}
