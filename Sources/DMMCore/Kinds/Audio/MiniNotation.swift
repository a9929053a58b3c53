#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pattern in a small subset of Tidal's mini-notation, parsed once into flat arrays and
/// queried by position without allocating (what `seq` plays).
///
/// - Steps separated by spaces share one cycle equally: `"c4 e4 g4 c5"` is four quarters.
/// - `[a b]` subdivides one step: `"c4 [e4 g4]"` is a half and two quarters.
/// - `~` is a rest.
/// - `a*3` repeats an element three times within its step (`[a a a]`); any element repeats,
///   `[a b]*2` too.
/// - `<a b>` alternates: one element per cycle in turn (per repetition, inside `*`: Tidal's
///   `<a b>*2` plays a then b in one cycle).
/// - Values: numbers (`440`, `-0.5`), note names (`c4`, `f#3`, `bb2`: a letter a–g, an
///   optional `#` or `b`, an octave −1…9; A4 = 440 Hz, C4 = middle C) and MIDI notes (`m60`,
///   0…127, fractions allowed), all as Hz except plain numbers, which are taken as they are.
///
/// Errors carry the character offset into the pattern text, so the patch loader points at the
/// column inside the string.
public struct MiniNotation: Sendable, Equatable {
    /// Node kinds.
    enum Kind: UInt8, Sendable { case value, rest, sequence, alternation }
    /// Per node: kind, value (for `.value`), repeat count, children range in `children`.
    var kinds: [Kind] = []
    var values: [Float] = []
    var repeats: [Int] = []
    var childStart: [Int] = []
    var childEnd: [Int] = []
    var children: [Int] = []
    /// The root node (a sequence).
    var root = 0

    /// Longest pattern text, deepest nesting, most repeats of one element.
    public static let maxLength = 10_000
    public static let maxDepth = 64
    public static let maxRepeat = 256

    /// A fault in the pattern at `offset` characters into it.
    public struct Problem: Error, Sendable {
        public var message: String
        public var offset: Int
    }

    /// Parses `text`.
    public init(_ text: String) throws(Problem) {
        let chars = Array(text)
        guard chars.count <= Self.maxLength else {
            throw Problem(message: "is \(chars.count) characters long; at most \(Self.maxLength)", offset: Self.maxLength)
        }
        var parser = Parser(chars: chars)
        root = try parser.sequence(into: &self, closing: nil, depth: 0)
        if parser.i < chars.count {
            throw Problem(message: "has an unmatched \(DiagnosticText.quoted(String(chars[parser.i])))", offset: parser.i)
        }
    }

    /// One step of the pattern: its value (nil: a rest) and where it lies, in cycles.
    public struct Step: Sendable, Equatable {
        public var value: Float?
        public var start: Double
        public var end: Double
    }

    /// The step sounding at `position` cycles (cycle ⌊position⌋, bar = cycle).
    public func step(at position: Double) -> Step {
        let cycle = position.rounded(.down)
        return step(cycle: cycle < -9e15 || cycle > 9e15 ? 0 : Int64(cycle), phase: position - cycle)
    }

    /// The step sounding at `phase` (0 ≤ phase < 1) of cycle `cycle`: the phase passed apart
    /// from the cycle keeps its full precision (1 + 1/3 in one `Double` has lost bits of 1/3,
    /// which would move a step boundary by a sample).
    public func step(cycle: Int64, phase p: Double) -> Step {
        let cycle = Double(cycle)
        var c = Int64(cycle)
        var node = root, start = 0.0, width = 1.0
        while true {
            let r = repeats[node]
            if r > 1 {
                let i = Self.index(p, start, width, r)
                width /= Double(r); start += Double(i) * width
                c = c &* Int64(r) &+ Int64(i)
            }
            switch kinds[node] {
            case .value: return Step(value: values[node], start: cycle + start, end: cycle + start + width)
            case .rest: return Step(value: nil, start: cycle + start, end: cycle + start + width)
            case .sequence:
                let m = childEnd[node] - childStart[node]
                let i = Self.index(p, start, width, m)
                width /= Double(m); start += Double(i) * width
                node = children[childStart[node] + i]
            case .alternation:
                let m = Int64(childEnd[node] - childStart[node])
                var i = c % m
                if i < 0 { i += m }
                c = (c - i) / m
                node = children[childStart[node] + Int(i)]
            }
        }
    }

    /// Which of `m` equal parts of [start, start + width) holds p (clamped into 0..<m).
    @inline(__always)
    static func index(_ p: Double, _ start: Double, _ width: Double, _ m: Int) -> Int {
        let f = ((p - start) / width * Double(m)).rounded(.down)
        return f < 0 ? 0 : f >= Double(m - 1) ? m - 1 : Int(f)
    }

    mutating func add(_ kind: Kind, value: Float = 0) -> Int {
        kinds.append(kind); values.append(value); repeats.append(1)
        childStart.append(0); childEnd.append(0)
        return kinds.count - 1
    }

    /// Hz of a MIDI note number (A4 = 69 = 440 Hz).
    public static func hz(midi m: Double) -> Double { 440 * pow(2, (m - 69) / 12) }

    /// The recursive-descent reader (depth-limited).
    struct Parser {
        let chars: [Character]
        var i = 0

        static func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "," }
        static func isDelimiter(_ c: Character) -> Bool { isSpace(c) || "[]<>*~".contains(c) }

        mutating func skipSpace() { while i < chars.count, Self.isSpace(chars[i]) { i += 1 } }

        /// Elements up to `closing` (nil: the end of the text) as a sequence or alternation node.
        mutating func sequence(into m: inout MiniNotation, closing: Character?, depth: Int) throws(Problem) -> Int {
            let open = i - 1
            guard depth <= MiniNotation.maxDepth else {
                throw Problem(message: "nests deeper than \(MiniNotation.maxDepth) levels", offset: max(0, open))
            }
            var items: [Int] = []
            while true {
                skipSpace()
                if i >= chars.count {
                    if let closing { throw Problem(message: "has \(DiagnosticText.quoted(String(chars[open]))) without its \(DiagnosticText.quoted(String(closing)))", offset: open) }
                    break
                }
                let c = chars[i]
                if c == "]" || c == ">" {
                    guard c == closing else { throw Problem(message: "has an unmatched \(DiagnosticText.quoted(String(c)))", offset: i) }
                    break
                }
                items.append(try element(into: &m, depth: depth))
            }
            guard !items.isEmpty else {
                throw Problem(message: closing == nil ? "is empty: write steps such as \"c4 e4 g4\"" : "has an empty group",
                              offset: max(0, closing == nil ? 0 : open))
            }
            if closing != nil { i += 1 }
            let node = m.add(closing == ">" ? .alternation : .sequence)
            m.childStart[node] = m.children.count
            m.children += items
            m.childEnd[node] = m.children.count
            return node
        }

        /// One element: an atom and an optional `*N`.
        mutating func element(into m: inout MiniNotation, depth: Int) throws(Problem) -> Int {
            let c = chars[i]
            let node: Int
            if c == "[" || c == "<" {
                i += 1
                node = try sequence(into: &m, closing: c == "[" ? "]" : ">", depth: depth + 1)
            } else if c == "~" {
                i += 1
                node = m.add(.rest)
            } else if c == "*" {
                throw Problem(message: "has '*' with nothing before it to repeat", offset: i)
            } else {
                let start = i
                while i < chars.count, !Self.isDelimiter(chars[i]) { i += 1 }
                let word = String(chars[start..<i])
                node = m.add(.value, value: try Self.value(word, at: start))
            }
            if i < chars.count, chars[i] == "*" {
                let star = i
                i += 1
                let start = i
                while i < chars.count, !Self.isDelimiter(chars[i]) { i += 1 }
                let word = String(chars[start..<i])
                guard let r = Int(word), r >= 1, r <= MiniNotation.maxRepeat else {
                    throw Problem(message: "repeats with \(DiagnosticText.quoted("*" + word)); write '*' and a whole number from 1 to \(MiniNotation.maxRepeat)", offset: star)
                }
                m.repeats[node] *= r
            }
            return node
        }

        /// A number, a note name or a MIDI note, as the value a step outputs.
        static func value(_ word: String, at offset: Int) throws(Problem) -> Float {
            let w = Array(word)
            guard let first = w.first else { throw Problem(message: "has an empty step", offset: offset) }
            if first == "m", w.count > 1, w[1].isNumber || w[1] == "." {
                guard let x = NumberText.double(String(w[1...])), x.isFinite, x >= 0, x <= 127 else {
                    throw Problem(message: "has \(DiagnosticText.quoted(word)): a MIDI note is 'm' and a number from 0 to 127", offset: offset)
                }
                return Float(hz(midi: x))
            }
            let letters: [Character: Int] = ["c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11,
                                             "C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11]
            if let semitone = letters[first] {
                var k = 1, acc = 0
                if k < w.count, w[k] == "#" { acc = 1; k += 1 } else if k < w.count, w[k] == "b", k + 1 < w.count { acc = -1; k += 1 }
                let rest = String(w[k...])
                guard !rest.isEmpty, let octave = Int(rest), octave >= -1, octave <= 9 else {
                    throw Problem(message: "has \(DiagnosticText.quoted(word)), which is not a note: a letter a-g, an optional # or b, and an octave from -1 to 9 (c4, f#3, bb2)", offset: offset)
                }
                return Float(hz(midi: Double((octave + 1) * 12 + semitone + acc)))
            }
            guard let x = NumberText.double(word), x.isFinite, Float(x).isFinite else {
                throw Problem(message: "has \(DiagnosticText.quoted(word)), which is not a number, a note (c4, f#3, bb2) or a MIDI note (m60)", offset: offset)
            }
            return Float(x)
        }
    }
}
