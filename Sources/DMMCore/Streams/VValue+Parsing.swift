extension VValue {
    /// The deepest nesting the text form accepts. A ΔW fragment is two levels deep
    /// (`{row:{column:weight}}`); the bound keeps every recursive operation on a parsed
    /// V-value (adding, printing, comparing) far from the stack's end, whatever the text.
    public static let maxParseDepth = 64

    /// Reads the text form printed by `description`: `{a:1, b:{x:-2.5}, number:3}`.
    /// Keys are any run of characters other than `{}:,` and spaces; values are finite numbers
    /// or trees nested at most `maxParseDepth` deep.
    ///
    /// Linear time and constant stack: the parser keeps its open trees on an explicit stack,
    /// so a hostile text (60,000 opening braces) is refused at the 65th, at once. Errors say
    /// the character (1-based) where the text goes wrong, and carry it as `offset` (0-based).
    public init(parsing text: String) throws(KindError) {
        var p = VValueParser(chars: Array(text))
        self = try p.parse()
    }
}

/// The text-form reader behind `VValue(parsing:)`.
struct VValueParser {
    let chars: [Character]
    var pos = 0

    /// An open tree and the key it goes under in its parent.
    struct Open { var value = VValue.zero; var key = "" }

    static let stops: Set<Character> = ["{", "}", ":", ",", " ", "\t"]

    mutating func skip() { while pos < chars.count, chars[pos] == " " || chars[pos] == "\t" { pos += 1 } }

    func fail(_ message: String, at p: Int? = nil) -> KindError {
        let at = p ?? pos
        return KindError(message + " at character \(at + 1)", offset: at)
    }

    /// A run of characters up to a stop character.
    mutating func word() -> String {
        let start = pos
        while pos < chars.count, !Self.stops.contains(chars[pos]) { pos += 1 }
        return String(chars[start..<pos])
    }

    mutating func parse() throws(KindError) -> VValue {
        skip()
        guard pos < chars.count, chars[pos] == "{" else { throw fail("expected '{'") }
        pos += 1
        var stack = [Open()]
        var fresh = true   // just after '{': a '}' closes an empty tree
        while true {
            skip()
            var closing = false
            if fresh, pos < chars.count, chars[pos] == "}" {
                pos += 1
                closing = true
            } else {
                let key = word()
                guard !key.isEmpty else { throw fail("expected a key") }
                skip()
                guard pos < chars.count, chars[pos] == ":" else {
                    throw fail("expected ':' after \(DiagnosticText.quoted(key))")
                }
                pos += 1
                skip()
                if pos < chars.count, chars[pos] == "{" {
                    guard stack.count < VValue.maxParseDepth else {
                        throw fail("V-value nested deeper than \(VValue.maxParseDepth) levels")
                    }
                    pos += 1
                    stack.append(Open(key: key))
                    fresh = true
                    continue
                }
                let numAt = pos
                let num = word()
                guard let d = NumberText.double(num), d.isFinite else {
                    throw fail("expected a finite number for \(DiagnosticText.quoted(key)), got \(DiagnosticText.quoted(num))", at: numAt)
                }
                Self.put(VValue(d), under: key, into: &stack[stack.count - 1].value)
            }
            fresh = false
            // After a value or a closed tree: ',' continues the open tree, '}' closes it.
            while true {
                if closing {
                    closing = false
                    let done = stack.removeLast()
                    if stack.isEmpty {
                        skip()
                        guard pos == chars.count else { throw fail("unexpected text after the V-value") }
                        return done.value
                    }
                    Self.put(done.value, under: done.key, into: &stack[stack.count - 1].value)
                }
                skip()
                guard pos < chars.count else { throw fail("missing '}'") }
                if chars[pos] == "," { pos += 1; break }
                guard chars[pos] == "}" else { throw fail("expected ',' or '}'") }
                pos += 1
                closing = true
            }
        }
    }

    /// Adds `child` under `key` (`number` at a leaf is the scalar part); a new key is stored
    /// as is, a repeated key is added to what is there.
    static func put(_ child: VValue, under key: String, into v: inout VValue) {
        if key == VValue.numberKey, child.children.isEmpty { v.number += child.number; return }
        let old = v[key]
        v[key] = old.isZero ? child : old + child
    }
}
