import DMMCore
import PatchLanguage
import Synchronization

/// Measures how long an OSC edit waits before a tick applies it (`dmm live --measure-latency`).
///
/// A real session runs the patch in real time (for the built-in patch: an audio-only sine at
/// block 64 and 48 kHz, 750 ticks a second) with its OSC server on a loopback port. A sender
/// sends `count` `/o1/freq` messages over real UDP, one at a time at random moments (so they
/// land at every phase of the tick), and waits for each to be applied before the next. For each
/// edit it takes three times: sent (before `sendto`), arrived (when `recvfrom` returned in the
/// server thread) and applied (when the tick boundary that took it had applied its ΔW). The
/// wait is bounded by one tick by design: an edit applies at the next tick boundary.
public enum LatencyProbe {
    /// The patch measured when none is given.
    public static let patchText = """
    # latency.dmm: the patch dmm live --measure-latency runs
    rate 48000
    block 64

    o1:  osc.sine
    out: audio.out

    o1.freq = 220
    out.left = 0.2 o1
    """ + "\n"

    /// Distribution figures, in seconds.
    public struct Report: Sendable, CustomStringConvertible {
        public var count: Int
        public var secondsPerTick: Double
        public var arrivalToApplied: [Double]
        public var sendToApplied: [Double]
        /// Edits applied within one tick of arriving.
        public var nextTickShare: Double
        public var lost: Int

        /// The median of `v` (NaN when empty).
        public static func median(_ v: [Double]) -> Double { pct(v, 0.5) }

        /// `x` rounded to `places` decimals as text; "n/a" when it is not finite (no packet
        /// arrived), so no figure can trap the report.
        static func fixed(_ x: Double, places: Int) -> String {
            guard x.isFinite, abs(x) < 1e12 else { return "n/a" }
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            return String((x * scale).rounded() / scale)
        }

        static func pct(_ v: [Double], _ p: Double) -> Double {
            guard !v.isEmpty else { return .nan }
            let s = v.sorted()
            return s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))]
        }

        func line(_ name: String, _ v: [Double]) -> String {
            func ms(_ x: Double) -> String { Self.fixed(x * 1000, places: 3) }
            return "\(name): median \(ms(Self.pct(v, 0.5))) ms, p90 \(ms(Self.pct(v, 0.9))) ms, p99 \(ms(Self.pct(v, 0.99))) ms, max \(ms(v.max() ?? .nan)) ms"
        }

        public var description: String {
            let tick = Self.fixed(secondsPerTick * 1000, places: 3)
            return """
            OSC latency over loopback UDP, \(count) packets, one tick = \(tick) ms
              \(line("packet arrival → tick applied", arrivalToApplied))
              \(line("sendto → tick applied        ", sendToApplied))
              applied at the next tick: \(Self.fixed(nextTickShare * 100, places: 1)) %\(lost > 0 ? ", lost: \(lost)" : "")
            """
        }

        /// One JSON line for scripts.
        public var json: String {
            func us(_ x: Double) -> String { x.isFinite && abs(x) < 1e9 ? String(Int((x * 1e6).rounded())) : "null" }
            return "{\"packets\": \(count), \"tick_us\": \(us(secondsPerTick)), "
                + "\"arrival_to_applied_us\": {\"median\": \(us(Self.pct(arrivalToApplied, 0.5))), \"p90\": \(us(Self.pct(arrivalToApplied, 0.9))), \"p99\": \(us(Self.pct(arrivalToApplied, 0.99))), \"max\": \(us(arrivalToApplied.max() ?? 0))}, "
                + "\"send_to_applied_us\": {\"median\": \(us(Self.pct(sendToApplied, 0.5))), \"p99\": \(us(Self.pct(sendToApplied, 0.99)))}, "
                + "\"next_tick_share\": \(nextTickShare), \"lost\": \(lost)}"
        }
    }

    /// Runs the measurement. `row` is the input the messages set (default `o1.freq`).
    public static func measure(patch: LoadedPatch? = nil, count: Int, row: String = "o1.freq") throws(LiveError) -> Report {
        let loaded: LoadedPatch
        if let patch { loaded = patch } else {
            do {
                let doc = try PatchParser.parse(patchText, file: "latency.dmm")
                loaded = LoadedPatch(path: "latency.dmm", document: doc, network: try PatchBuilder.build(doc))
            } catch { throw LiveError(error.description) }
        }
        var options = LiveSession.Options()
        options.pacing = .realtime
        let session = try LiveSession(patch: loaded, options: options)
        let server = try OSCServer(session: session, port: 0)
        let stamps = Mutex<[AppliedStamp]>([])
        let cond = LiveCondition()
        session.onApplied = { s in
            stamps.withLock { $0.append(s) }
            cond.locked { cond.broadcast() }
        }
        server.start()
        LiveThread.start { session.run() }
        defer { server.stop(); session.stop() }
        let sender = try OSCSender(port: server.port)
        let parts = row.split(separator: ".")
        let address = "/" + parts.joined(separator: "/")
        // Let the session settle (warm-up, first ticks) before measuring.
        LiveClock.sleep(until: LiveClock.now() + 0.2)
        var rng = SystemRandomNumberGenerator()
        var send: [Double] = []
        var lost = 0
        for i in 0..<count {
            LiveClock.sleep(until: LiveClock.now() + Double.random(in: 0.001...0.004, using: &rng))
            let before = stamps.withLock { $0.count }
            let t = LiveClock.now()
            sender.send(.message(OSCMessage(address, [.float(Float(220 + i % 100))])))
            send.append(t)
            let got: Bool = cond.locked {
                let deadline = LiveClock.now() + 0.2
                while stamps.withLock({ $0.count }) == before && LiveClock.now() < deadline { cond.wait(timeout: 0.01) }
                return stamps.withLock { $0.count } > before
            }
            if !got { lost += 1; send.removeLast() }
        }
        let all = stamps.withLock { $0 }
        let n = min(all.count, send.count)
        let arrival = (0..<n).map { all[$0].applied - all[$0].arrival }
        let total = (0..<n).map { all[$0].applied - send[$0] }
        let dt = session.secondsPerTick
        let next = Double(arrival.filter { $0 <= dt * 1.05 }.count) / Double(max(1, n))
        return Report(count: n, secondsPerTick: dt, arrivalToApplied: arrival, sendToApplied: total, nextTickShare: next, lost: lost)
    }
}
