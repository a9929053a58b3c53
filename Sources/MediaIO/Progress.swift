import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress display for long renders and fits, written to standard error.
///
/// On a terminal it redraws one line in place (`\r`, bar, `done/total`, rate, ETA, `ESC[K`) at
/// most ~10 times a second, so it costs nothing measurable even when workers report every frame.
/// When stderr is a file or pipe (CI logs) it prints one plain line per 10 % instead of
/// carriage-return noise. `quiet` suppresses everything. All methods are thread safe: worker
/// threads may call ``update(completed:extra:)`` concurrently; state lives behind a `Mutex`, so
/// the class is checked `Sendable` rather than `@unchecked`.
public final class ProgressReporter: Sendable {
    /// How output is formatted.
    public enum Style: Sendable {
        /// Terminal redraw when stderr is a TTY, plain lines otherwise.
        case automatic
        /// Always redraw in place (for tests and forced terminal output).
        case terminal
        /// Always plain lines, one per 10 %.
        case plain
    }

    /// The number of items when done (frames, steps...). Zero or negative means "unknown":
    /// only counts and rates are shown.
    public let total: Int
    /// What is being done, printed first ("render", "fit").
    public let label: String
    /// Unit for the rate display: "frames" shows `fps`, anything else `<unit>/s`.
    public let unit: String
    /// When true nothing is printed at all.
    public let quiet: Bool

    private let isTerminal: Bool
    private let sink: @Sendable (String) -> Void
    private let state: Mutex<State>

    private struct State {
        var start: ContinuousClock.Instant
        var lastDraw: ContinuousClock.Instant?
        var completed = 0
        var nextDecile = 1
        var finished = false
    }

    /// Creates a reporter that writes to stderr, choosing terminal or plain style with `isatty(2)`.
    public convenience init(total: Int, label: String, unit: String = "frames", quiet: Bool = false) {
        self.init(total: total, label: label, unit: unit, quiet: quiet, style: .automatic,
                  output: nil)
    }

    /// Full initialiser: `style` overrides TTY detection and `output` replaces stderr, so tests
    /// (and a future GUI/live console) can capture exactly what would be printed.
    public init(
        total: Int, label: String, unit: String = "frames", quiet: Bool = false,
        style: Style, output: (@Sendable (String) -> Void)?
    ) {
        self.total = total
        self.label = label
        self.unit = unit
        self.quiet = quiet
        switch style {
        case .automatic: isTerminal = isatty(2) != 0
        case .terminal: isTerminal = true
        case .plain: isTerminal = false
        }
        sink = output ?? { text in
            var copy = text
            copy.withUTF8 { bytes in _ = Platform.writeAll(2, UnsafeRawBufferPointer(bytes)) }
        }
        state = Mutex(State(start: .now))
    }

    /// Records that `completed` items are done (absolute count, not an increment) and redraws
    /// if due. `extra` is appended to the line, e.g. `"loss 0.0012"`.
    ///
    /// Counts may arrive out of order from worker threads; the largest seen is kept.
    public func update(completed: Int, extra: String = "") {
        guard !quiet else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard !state.finished else { return nil }
            state.completed = max(state.completed, completed)
            if isTerminal {
                if let last = state.lastDraw, now - last < .milliseconds(100),
                    state.completed < total
                {
                    return nil
                }
                state.lastDraw = now
                return "\r" + render(state: state, now: now, extra: extra) + "\u{1B}[K"
            }
            guard total > 0 else { return nil }
            let decile = state.completed * 10 / total
            guard decile >= state.nextDecile else { return nil }
            state.nextDecile = decile + 1
            return render(state: state, now: now, extra: extra) + "\n"
        }
        if let line { sink(line) }
    }

    /// Prints the final line (summary plus optional `message`) and stops further updates.
    ///
    /// On a terminal this replaces the live bar; safe to call more than once (later calls are
    /// ignored) and from any thread.
    public func finish(message: String = "") {
        guard !quiet else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            let seconds = Self.seconds(now - state.start)
            var text = "\(label): \(state.completed)"
            if total > 0 { text += "/\(total)" }
            text += " \(unit) in \(Self.formatDuration(seconds))"
            if seconds > 0, state.completed > 0 {
                text += " (\(rateText(Double(state.completed) / seconds)))"
            }
            if !message.isEmpty { text += " \(message)" }
            return (isTerminal ? "\r" : "") + text + (isTerminal ? "\u{1B}[K\n" : "\n")
        }
        if let line { sink(line) }
    }

    // MARK: - Formatting

    private func render(state: State, now: ContinuousClock.Instant, extra: String) -> String {
        let seconds = Self.seconds(now - state.start)
        let done = state.completed
        var parts: [String] = [label]
        if total > 0 {
            let fraction = min(1, max(0, Double(done) / Double(total)))
            if isTerminal {
                let width = 24
                let filled = Int(fraction * Double(width))
                parts.append("[" + String(repeating: "#", count: filled)
                    + String(repeating: "-", count: width - filled) + "]")
            }
            parts.append("\(done)/\(total)")
            parts.append("\(Int((fraction * 100).rounded(.down)))%")
        } else {
            parts.append("\(done)")
        }
        if seconds > 0, done > 0 {
            let rate = Double(done) / seconds
            parts.append(rateText(rate))
            if total > done {
                parts.append("ETA " + Self.formatDuration(Double(total - done) / rate))
            }
        }
        if !extra.isEmpty { parts.append(extra) }
        return parts.joined(separator: " ")
    }

    private func rateText(_ rate: Double) -> String {
        let name = unit == "frames" ? "fps" : "\(unit)/s"
        return "\(Self.formatNumber(rate)) \(name)"
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) * 1e-18
    }

    /// Three significant-ish digits without Foundation's formatters.
    static func formatNumber(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "-" }
        if value >= 100 { return String(Int(value.rounded())) }
        let decimals = value >= 10 ? 1 : 2
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        var fraction = String(scaled % Int(scale))
        while fraction.count < decimals { fraction = "0" + fraction }
        return "\(whole).\(fraction)"
    }

    /// `m:ss`, or `h:mm:ss` beyond an hour; sub-minute values show as e.g. `12.3s`.
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 60 { return formatNumber(seconds) + "s" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
    }
}
