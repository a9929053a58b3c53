import DMMCore

/// Parses patch text into a `PatchDocument` (syntax only; names are resolved by `PatchBuilder`).
///
/// The language is line-oriented: every line is blank, a `#` comment, a header (`size 256x256`),
/// a declaration (`s1: sin`) or a row (`s1.x = x + 0.5 y`). Errors carry the line and column.
public enum PatchParser {
    /// Header keys and what their values look like.
    public static let headerKeys = ["size", "fps", "frames", "seconds", "seed", "rate", "block", "bpm"]

    /// Parses a whole patch. Line ends may be LF, CRLF or CR (mixed, too), a UTF-8 byte-order
    /// mark at the start is ignored, and the last line needs no line end.
    public static func parse(_ text: String, file: String) throws(PatchError) -> PatchDocument {
        var lines: [PatchLine] = []
        for (i, raw) in sourceLines(text).enumerated() {
            lines.append(try parseLine(String(raw), number: i + 1, file: file))
        }
        return PatchDocument(file: file, lines: lines)
    }

    /// The lines of a patch text as the parser numbers them: split at LF, CRLF and CR, without
    /// a leading byte-order mark, and without the empty piece after a final line end. The one
    /// definition of "line" that error locations (including the loader's for bad UTF-8) use.
    public static func sourceLines(_ text: some StringProtocol) -> [Substring] {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        // "\r\n" is one Character in Swift, so all three line ends are single characters here.
        var lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static func parseLine(_ text: String, number: Int, file: String) throws(PatchError) -> PatchLine {
        var s = Scanner(Array(text), line: number, file: file, text: text)
        s.skipSpaces()
        if s.atEnd { return PatchLine(.blank, number: number, text: text) }
        if s.peek == "#" {
            s.advance()
            return PatchLine(.comment(String(s.rest)), number: number, text: text)
        }
        let stmtStart = s.pos
        guard let first = s.identifier(allowDots: true) else {
            throw s.error("expected a header, a declaration (name: kind) or a row (neuron.input = …)", at: stmtStart)
        }
        let statement: PatchStatement
        s.skipSpaces()
        if s.peek == ":" && !first.contains(".") {
            // Declaration.
            s.advance(); s.skipSpaces()
            let kindCol = s.column
            guard let kind = s.identifier(allowDots: true) else { throw s.error("expected a neuron kind after ':'") }
            var config = NeuronConfig()
            var columns: [String: Int] = [:]
            s.skipSpaces()
            if s.peek == "(" {
                s.advance()
                (config, columns) = try s.configList()
            }
            statement = .declaration(Declaration(name: first, kind: kind, config: config, nameColumn: stmtStart + 1, kindColumn: kindCol,
                                                 configColumns: columns))
        } else if first.contains(".") && (s.peek == "=" || (s.peek == "+" && s.peek(1) == "=")) {
            let parts = first.split(separator: ".", maxSplits: 1).map(String.init)
            let adds = s.peek == "+"
            s.advance(adds ? 2 : 1)
            let terms = try s.terms()
            statement = .row(Row(neuron: parts[0], input: parts[1], adds: adds, terms: terms,
                                 neuronColumn: stmtStart + 1, inputColumn: stmtStart + parts[0].count + 2))
        } else if headerKeys.contains(first) {
            let col = s.column
            let value = s.word()
            guard !value.isEmpty else { throw s.error("\(DiagnosticText.quoted(first)) needs a value") }
            statement = .header(key: first, value: value, valueColumn: col)
        } else if s.peek == "=" {
            throw s.error("a row names an input: write \(DiagnosticText.quoted(first + ".<input> = …", limit: 60))", at: stmtStart)
        } else if first.contains(".") {
            throw s.error("expected '=' or '+=' after \(DiagnosticText.quoted(first))")
        } else {
            let hint = NameSuggestion.hint(first, among: headerKeys)
            throw s.error("unknown header \(DiagnosticText.quoted(first))\(hint) (or a missing ':' in a declaration)", at: stmtStart)
        }
        s.skipSpaces()
        var comment: String?
        if s.peek == "#" { s.advance(); comment = String(s.rest) }
        else if let c = s.peek { throw s.error("unexpected \(DiagnosticText.quoted(String(c)))") }
        return PatchLine(statement, trailingComment: comment, number: number, text: text)
    }
}

/// A cursor over one line.
struct Scanner {
    let chars: [Character]
    var pos = 0
    let line: Int
    let file: String
    let text: String

    init(_ chars: [Character], line: Int, file: String, text: String) {
        self.chars = chars; self.line = line; self.file = file; self.text = text
    }

    var atEnd: Bool { pos >= chars.count }
    var peek: Character? { pos < chars.count ? chars[pos] : nil }
    func peek(_ k: Int) -> Character? { pos + k < chars.count ? chars[pos + k] : nil }
    var column: Int { pos + 1 }
    var rest: Substring { Substring(String(chars[min(pos, chars.count)...])) }
    mutating func advance(_ k: Int = 1) { pos += k }
    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { pos += 1 } }

    func error(_ message: String, at p: Int? = nil) -> PatchError {
        PatchError(file: file, line: line, column: (p ?? pos) + 1, message: message, sourceLine: text)
    }

    static func isIdentStart(_ c: Character) -> Bool { c == "_" || (c.isLetter && c.isASCII) }
    static func isIdent(_ c: Character) -> Bool { c == "_" || ((c.isLetter || c.isNumber) && c.isASCII) }

    /// `name` or `name.part.part` (kinds and port references use dots).
    mutating func identifier(allowDots: Bool) -> String? {
        guard let c = peek, Scanner.isIdentStart(c) else { return nil }
        var out = ""
        while let c = peek {
            if Scanner.isIdent(c) { out.append(c); pos += 1 }
            else if allowDots, c == ".", let n = peek(1), Scanner.isIdentStart(n) { out.append(c); pos += 1 }
            else { break }
        }
        return out
    }

    /// Everything up to a space or a comment.
    mutating func word() -> String {
        var out = ""
        while let c = peek, c != " ", c != "\t", c != "#" { out.append(c); pos += 1 }
        return out
    }

    /// True where a number literal starts.
    var atNumber: Bool { peek.map { ($0.isNumber && $0.isASCII) || $0 == "." } ?? false }

    /// The characters of a number literal (`2`, `0.5`, `1e-3`, `.25`; a sign is the caller's).
    mutating func literal() -> String {
        var s = ""
        while let c = peek, (c.isNumber && c.isASCII) || c == "." || c == "e" || c == "E" ||
                ((c == "-" || c == "+") && (s.last == "e" || s.last == "E")) {
            s.append(c); pos += 1
        }
        return s
    }

    /// An option's number: malformed or not a finite Double is an error at its first character.
    mutating func number() throws(PatchError) -> Double {
        let start = pos
        let s = literal()
        guard let v = NumberText.double(s) else { throw error("malformed number \(DiagnosticText.quoted(s))", at: start) }
        guard v.isFinite else { throw error("number \(DiagnosticText.quoted(s)) is out of range: numbers must be finite, at most ±1.8e308", at: start) }
        return v
    }

    /// A weight: a number that stays finite as a `Float` (weights are stored as Float, and
    /// `dmm fmt` must print every weight so that it reads back).
    mutating func weightLiteral() throws(PatchError) -> Double {
        let start = pos
        let s = literal()
        guard let v = NumberText.double(s) else { throw error("malformed number \(DiagnosticText.quoted(s))", at: start) }
        guard Float(v).isFinite else {
            throw error("weight \(DiagnosticText.shortened(s, limit: DiagnosticText.quoteLimit)) is out of range: weights must be finite, at most ±3.4e38", at: start)
        }
        return v
    }

    /// `key: value, key: "text"` up to `)`, with the column where each value starts.
    mutating func configList() throws(PatchError) -> (NeuronConfig, [String: Int]) {
        var cfg = NeuronConfig()
        var columns: [String: Int] = [:]
        skipSpaces()
        if peek == ")" { advance(); return (cfg, columns) }
        while true {
            skipSpaces()
            let keyPos = pos
            guard let key = identifier(allowDots: false) else { throw error("expected a configuration key") }
            skipSpaces()
            guard peek == ":" else { throw error("expected ':' after \(DiagnosticText.quoted(key))") }
            advance(); skipSpaces()
            let valueColumn = column
            let value: ConfigValue
            if peek == "\"" {
                advance()
                var str = ""
                while let c = peek, c != "\"" { str.append(c); advance() }
                guard peek == "\"" else { throw error("unterminated string") }
                advance()
                value = .string(str)
            } else {
                var sign = 1.0
                if peek == "-" { sign = -1; advance() }
                if atNumber { value = .number(sign * (try number())) }
                else if sign > 0, let w = identifier(allowDots: true) { value = .string(w) }
                else { throw error("expected a number or a \"string\" for \(DiagnosticText.quoted(key))") }
            }
            if cfg[key] != nil { throw error("\(DiagnosticText.quoted(key)) is given twice", at: keyPos) }
            cfg.entries.append((key, value))
            columns[key] = valueColumn
            skipSpaces()
            if peek == "," { advance(); continue }
            if peek == ")" { advance(); return (cfg, columns) }
            throw error(atEnd ? "missing ')'" : "expected ',' or ')'")
        }
    }

    /// `[+|-] [weight[!] [*|·]] [source[.output]]` repeated with + and -.
    mutating func terms() throws(PatchError) -> [Term] {
        var terms: [Term] = []
        skipSpaces()
        var first = true
        while true {
            skipSpaces()
            if atEnd || peek == "#" {
                if first { throw error("expected a weight or a neuron after '='") }
                throw error("expected a term after the sign")
            }
            let termStart = pos
            var sign = 1.0
            if peek == "+" || peek == "-" { if peek == "-" { sign = -1 }; advance(); skipSpaces() }
            else if !first {
                if let c = peek, !(Scanner.isIdent(c) || c == ".") { throw error("unexpected \(DiagnosticText.quoted(String(c))) in a row") }
                throw error("expected '+' or '-' between terms")
            }
            var weight: Double?
            var frozen = false
            if atNumber {
                weight = try weightLiteral()
                if peek == "!" { frozen = true; advance() }
                skipSpaces()
                if peek == "*" || peek == "·" { advance(); skipSpaces() }
            }
            let srcCol = pos
            if let name = identifier(allowDots: true) {
                let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
                terms.append(Term(weight: sign * (weight ?? 1), source: parts[0], output: parts.count > 1 ? parts[1] : nil,
                                  frozen: frozen, column: srcCol + 1))
            } else if let w = weight {
                terms.append(Term(weight: sign * w, source: "one", frozen: frozen, column: termStart + 1))
            } else {
                throw error(peek.map { "unexpected \(DiagnosticText.quoted(String($0))) in a row" } ?? "expected a term after the sign")
            }
            first = false
            skipSpaces()
            if atEnd || peek == "#" { return terms }
        }
    }
}
