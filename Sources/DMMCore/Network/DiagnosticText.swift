/// How user text appears inside an error message: every diagnostic that quotes what a user
/// wrote (a patch value, a name, a V-value key, a command-line value) goes through here, so a
/// message is always one printable line of sane length.
///
/// Why: a message is printed as the first line of stderr, the line scripts and tests read. Raw
/// control characters (a NUL, an escape sequence, a carriage return that overwrites the line)
/// or a megabyte-long value would make it unreadable or lie about what went wrong.
public enum DiagnosticText {
    /// The longest quoted text, in characters, before the middle is replaced by `…`.
    public static let quoteLimit = 40

    /// `'text'`: escaped with `visible(_:)` and shortened to `limit` characters around the
    /// middle (`'aaaa…zzzz'`), for a value named inside a message.
    public static func quoted(_ text: some StringProtocol, limit: Int = quoteLimit) -> String {
        "'" + shortened(visible(text), limit: limit) + "'"
    }

    /// The text with every character that would not print as itself replaced by a visible
    /// stand-in: C0 controls and DEL as their control pictures (NUL → ␀, ESC → ␛, CR → ␍),
    /// other invisible or reordering characters (C1 controls, line and paragraph separators,
    /// zero-width and bidirectional marks, BOM) as `\u{…}` escapes.
    public static func visible(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text { out += visible(c) }
        return out
    }

    /// One character as it is shown (itself when it prints).
    public static func visible(_ c: Character) -> String {
        guard c.unicodeScalars.contains(where: isInvisible) else { return String(c) }
        var out = ""
        for u in c.unicodeScalars {
            if u.value < 0x20 { out.unicodeScalars.append(Unicode.Scalar(0x2400 + u.value)!) }
            else if u.value == 0x7F { out += "\u{2421}" }
            else if isInvisible(u) { out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}" }
            else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// True for scalars that do not print as themselves.
    static func isInvisible(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0..<0x20, 0x7F...0x9F, 0xAD, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF, 0xFFF9...0xFFFB: true
        default: false
        }
    }

    /// A computed number as a message shows it: whole numbers without `.0`, others to about
    /// four significant digits (`6e+38`, not `6.000000005497756e+38`). Values the user typed
    /// are quoted as typed instead (`quoted(_:)`).
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        if abs(x) >= 1e-3, abs(x) < 1e15 {
            var s = String((x * 1e4).rounded() / 1e4)
            if s.hasSuffix(".0") { s.removeLast(2) }
            return s
        }
        let parts = String(x).split(separator: "e")
        guard parts.count == 2, let m = Double(parts[0]) else { return String(x) }
        var s = String((m * 1000).rounded() / 1000)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s + "e" + parts[1]
    }

    /// At most `limit` characters: the start and the end of a longer text with `…` between.
    public static func shortened(_ text: String, limit: Int) -> String {
        guard text.count > limit, limit >= 3 else { return text }
        let head = (limit - 1) / 2, tail = limit - 1 - head
        return String(text.prefix(head)) + "…" + String(text.suffix(tail))
    }

    /// Terminal columns a shown character takes: 2 for East Asian wide and emoji characters, 1
    /// otherwise (so a caret under a source line lands under the right character).
    public static func columns(_ shown: String) -> Int {
        var n = 0
        for c in shown {
            guard let u = c.unicodeScalars.first else { continue }
            n += isWide(u.value) ? 2 : 1
        }
        return n
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD: true
        default: false
        }
    }
}
