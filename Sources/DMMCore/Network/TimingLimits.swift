/// The valid range of every timing quantity, wherever it comes from: a patch header (`size`,
/// `fps`, `frames`, `seconds`, `rate`, `block`) or the command-line option that overrides it
/// (`--size`, `--frames`, `--seconds`, `--rate`, `--block`, `--fps`).
///
/// Why one definition: a limit written twice drifts (the CLI once let `--frames 100000000`
/// through while the header stopped at 10,000,000). Why checked here and not later: every
/// value is checked as text or as a `Double` before it becomes an `Int` or sizes a buffer, so
/// no input can trap a conversion or ask for gigabytes. The messages name the valid range and
/// call the quantity by the name the user typed (`'frames'` in a patch, `--frames` on the
/// command line).
public enum TimingLimits {
    /// Width and height of a frame, in pixels.
    public static let side: ClosedRange<Int> = 1...16_384
    /// Frames of a render.
    public static let frames: ClosedRange<Int> = 1...10_000_000
    /// Audio sample rate, in Hz.
    public static let sampleRate: ClosedRange<Int> = 1_000...768_000
    /// Samples per tick of an audio-only patch.
    public static let block: ClosedRange<Int> = 1...65_536
    /// Frames per second are above 0 and at most this.
    public static let maxFPS = 1_000.0
    /// Tempo in beats per minute (`bpm`): 1 to 1000 (a bar lasts 0.24 s to 4 min).
    public static let bpm: ClosedRange<Double> = 1...1_000
    /// A patch lasts more than 0 and at most this many seconds (a day).
    public static let maxSeconds = 86_400.0
    /// Audio samples per tick of an audiovisual patch (rate ÷ fps): the length of every signal
    /// buffer, so it is bounded like `block` is (a very low fps would otherwise ask for
    /// gigabytes per buffer).
    public static let maxSamplesPerTick = 1 << 20

    /// Why a timing value was refused: the message, and the header keys it concerns (the first
    /// one the patch has is the line to point at).
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var keys: [String]
        public init(_ message: String, keys: [String]) { self.message = message; self.keys = keys }
        public var description: String { message }
    }

    // MARK: Single values (text from a patch, or a value the argument parser already read)

    /// A whole number in `range`, from text.
    public static func whole(_ text: some StringProtocol, _ range: ClosedRange<Int>, name: String) throws(Problem) -> Int {
        guard let v = Int(text), range.contains(v) else { throw wholeProblem(DiagnosticText.quoted(text), range, name) }
        return v
    }

    /// A whole number in `range`, already an `Int`.
    @discardableResult
    public static func check(_ v: Int, _ range: ClosedRange<Int>, name: String) throws(Problem) -> Int {
        guard range.contains(v) else { throw wholeProblem("'\(v)'", range, name) }
        return v
    }

    static func wholeProblem(_ shown: String, _ range: ClosedRange<Int>, _ name: String) -> Problem {
        Problem("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(shown)", keys: [bare(name)])
    }

    /// A number above 0 and at most `max` (NaN and infinities refused), from text.
    public static func positive(_ text: some StringProtocol, atMost max: Double, name: String) throws(Problem) -> Double {
        guard let v = NumberText.double(text), v.isFinite, v > 0, v <= max else { throw positiveProblem(DiagnosticText.quoted(text), max, name) }
        return v
    }

    /// A number above 0 and at most `max`, already a `Double`.
    @discardableResult
    public static func check(_ v: Double, atMost max: Double, name: String) throws(Problem) -> Double {
        guard v.isFinite, v > 0, v <= max else { throw positiveProblem("'\(v)'", max, name) }
        return v
    }

    static func positiveProblem(_ shown: String, _ max: Double, _ name: String) -> Problem {
        Problem("\(name) must be a number above \(0.0) and at most \(max), not \(shown)", keys: [bare(name)])
    }

    /// A number in `range` (NaN and infinities refused), from text.
    public static func number(_ text: some StringProtocol, _ range: ClosedRange<Double>, name: String) throws(Problem) -> Double {
        guard let v = NumberText.double(text), v.isFinite, range.contains(v) else {
            throw Problem("\(name) must be a number from \(show(range.lowerBound)) to \(show(range.upperBound)), not \(DiagnosticText.quoted(text))", keys: [bare(name)])
        }
        return v
    }

    /// `WIDTHxHEIGHT`, each side in `side`: digits only on both sides of one `x`.
    public static func size(_ text: some StringProtocol, name: String) throws(Problem) -> (width: Int, height: Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 9 && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              let w = Int(parts[0]), let h = Int(parts[1]), side.contains(w), side.contains(h) else {
            throw Problem("\(name) must be WIDTHxHEIGHT with each side from \(side.lowerBound) to \(side.upperBound), not \(DiagnosticText.quoted(text))",
                          keys: [bare(name)])
        }
        return (w, h)
    }

    /// `'frames'` → `frames`, `--frames` → `frames`.
    static func bare(_ name: String) -> String {
        var s = Substring(name)
        while s.first == "-" || s.first == "'" { s = s.dropFirst() }
        while s.last == "'" { s = s.dropLast() }
        return String(s)
    }

    // MARK: Derived quantities

    /// Checks what the single values imply together, after a patch's headers and any
    /// command-line overrides are applied: the frames that `seconds × fps` gives, the samples
    /// per tick that `rate ÷ fps` gives an audiovisual patch, and the length that
    /// `frames ÷ fps` gives a patch that sounds.
    /// - Parameter sounds: the patch has an audio output (its length and blocks matter).
    public static func check(_ t: Timing, sounds: Bool) throws(Problem) {
        if t.visual, t.frames == nil, let s = t.seconds {
            let n = (s * t.fps).rounded()
            guard n >= Double(frames.lowerBound), n <= Double(frames.upperBound) else {
                throw Problem("'seconds \(show(s))' at 'fps \(show(t.fps))' is \(show(n)) frames; a render has \(frames.lowerBound) to \(frames.upperBound) frames",
                              keys: ["seconds", "fps"])
            }
        }
        guard sounds else { return }
        if t.visual {
            let n = (Double(t.sampleRate) / t.fps).rounded()
            guard n <= Double(maxSamplesPerTick) else {
                throw Problem("'fps \(show(t.fps))' at 'rate \(t.sampleRate)' is \(show(n)) audio samples per frame; at most \(maxSamplesPerTick) (fps at least \(show(Double(t.sampleRate) / Double(maxSamplesPerTick))))",
                              keys: ["fps", "rate"])
            }
        }
        if t.seconds == nil, let f = t.frames {
            let length = Double(f) / t.fps
            guard length <= maxSeconds else {
                throw Problem("'frames \(f)' at 'fps \(show(t.fps))' last \(show(length)) seconds; a patch lasts at most \(show(maxSeconds)) seconds",
                              keys: ["frames", "fps"])
            }
        }
    }

    static func show(_ x: Double) -> String { DiagnosticText.number(x) }
}
