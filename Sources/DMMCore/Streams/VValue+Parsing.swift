extension VValue {
    /// Reads the text form printed by `description`: `{a:1, b:{x:-2.5}, number:3}`.
    /// Keys are any run of characters other than `{}:,` and spaces; values are numbers or trees.
    public init(parsing text: String) throws(KindError) {
        var p = VValueParser(chars: Array(text))
        self = try p.tree()
        p.skip()
        guard p.pos == p.chars.count else { throw KindError("unexpected text after the V-value at character \(p.pos + 1)") }
    }
}

struct VValueParser {
    let chars: [Character]
    var pos = 0
    mutating func skip() { while pos < chars.count, chars[pos] == " " || chars[pos] == "\t" { pos += 1 } }
    mutating func tree() throws(KindError) -> VValue {
        skip()
        guard pos < chars.count, chars[pos] == "{" else { throw KindError("expected '{' at character \(pos + 1)") }
        pos += 1
        var v = VValue.zero
        skip()
        if pos < chars.count, chars[pos] == "}" { pos += 1; return v }
        while true {
            skip()
            var key = ""
            while pos < chars.count, !"{}:, \t".contains(chars[pos]) { key.append(chars[pos]); pos += 1 }
            guard !key.isEmpty else { throw KindError("expected a key at character \(pos + 1)") }
            skip()
            guard pos < chars.count, chars[pos] == ":" else { throw KindError("expected ':' after '\(key)'") }
            pos += 1
            skip()
            let child: VValue
            if pos < chars.count, chars[pos] == "{" { child = try tree() } else {
                var num = ""
                while pos < chars.count, !"{}:, \t".contains(chars[pos]) { num.append(chars[pos]); pos += 1 }
                guard let d = Double(num), d.isFinite else { throw KindError("expected a number for '\(key)', got '\(num)'") }
                child = VValue(d)
            }
            if key == VValue.numberKey, child.children.isEmpty { v.number += child.number } else { v[key] = v[key] + child }
            skip()
            guard pos < chars.count else { throw KindError("missing '}'") }
            if chars[pos] == "," { pos += 1; continue }
            if chars[pos] == "}" { pos += 1; return v }
            throw KindError("expected ',' or '}' at character \(pos + 1)")
        }
    }
}
