/// Text as a JSON string literal: the one escaper behind every JSON the tools print (`dmm trace
/// --json`, the studio's `/matrix` and WebSocket messages).
///
/// Quotes, backslashes and control characters are escaped, and so are U+2028 and U+2029, which
/// JSON allows raw but JavaScript source does not, so the output is safe to embed in a page too.
public enum JSONText {
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
