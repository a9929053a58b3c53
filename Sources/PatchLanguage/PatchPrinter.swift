import DMMCore

/// Prints patches: the clean canonical form of a document (`dmm fmt`), with comments kept,
/// and a fresh patch from a network alone.
public enum PatchPrinter {
    /// The canonical text of a document: declarations aligned in blocks, single spaces around
    /// operators, one blank line at most between blocks, comments kept where they were.
    public static func format(_ doc: PatchDocument) -> String {
        var out: [String] = []
        var i = 0
        let lines = doc.lines
        var lastBlank = true
        while i < lines.count {
            let l = lines[i]
            if case .declaration = l.statement {
                var j = i
                var block: [PatchLine] = []
                while j < lines.count, case .declaration = lines[j].statement { block.append(lines[j]); j += 1 }
                let width = block.map { l -> Int in if case .declaration(let d) = l.statement { d.name.count } else { 0 } }.max() ?? 0
                for b in block {
                    guard case .declaration(let d) = b.statement else { continue }
                    let head = d.name + ":" + String(repeating: " ", count: width - d.name.count)
                    out.append(withComment(head + " " + declarationText(d), b.trailingComment))
                }
                lastBlank = false
                i = j
                continue
            }
            switch l.statement {
            case .blank:
                if !lastBlank { out.append("") }
                lastBlank = true
            case .comment(let c):
                out.append("#" + c); lastBlank = false
            case .header(let k, let v, _):
                out.append(withComment("\(k) \(v)", l.trailingComment)); lastBlank = false
            case .row(let r):
                out.append(withComment(rowText(r), l.trailingComment)); lastBlank = false
            case .declaration: break
            }
            i += 1
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    static func withComment(_ s: String, _ c: String?) -> String { c.map { "\(s)  #\($0)" } ?? s }

    /// `kind` or `kind(key: value, …)`.
    public static func declarationText(_ d: Declaration) -> String {
        d.config.isEmpty ? d.kind : d.kind + "(" + d.config.entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
    }

    /// `neuron.input = 0.5 x - y + 2`.
    public static func rowText(_ r: Row) -> String {
        "\(r.neuron).\(r.input) \(r.adds ? "+=" : "=") " + termsText(r.terms)
    }

    /// Terms joined with signs; weight 1 is left out and a term from `one` is a bare number.
    public static func termsText(_ terms: [Term]) -> String {
        if terms.isEmpty { return "0" }
        var s = ""
        for (k, t) in terms.enumerated() {
            let neg = t.weight < 0 || (t.weight == 0 && t.weight.sign == .minus)
            let mag = abs(t.weight)
            if k == 0 { if neg { s += "-" } } else { s += neg ? " - " : " + " }
            let bang = t.frozen ? "!" : ""
            if t.source == "one" && t.output == nil {
                s += number(mag) + bang
            } else if mag == 1 && !t.frozen {
                s += t.sourceKey
            } else {
                s += number(mag) + bang + " " + t.sourceKey
            }
        }
        return s
    }

    /// Shortest text that reads back as the same Float (weights are stored as Float): every
    /// finite Float, subnormals and ±greatestFiniteMagnitude included, prints as digits the
    /// parser reads back bit for bit (the sign is the caller's: `-0` is `-` and `0`). A value
    /// that is not a finite Float (an overflowed weight from a fit or a live session) prints as
    /// the nearest finite one, and NaN as 0, so the printer never writes `inf` or `nan`, which
    /// no patch can read.
    /// A value that is not exactly a Float (a literal as written, `0.1`; the difference from a
    /// port default that `updatingWeights` prints) prints as the shortest text of the Double,
    /// so that the builder's sum in Double gives back exactly the intended Float.
    public static func number(_ x: Double) -> String {
        let text = floatText(Float(x))
        guard Float(x).isFinite, Double(Float(x)) != x, NumberText.double(text) != x else { return text }
        var s = "\(x)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// The shortest text of a Float (non-finite values clamped, see `number`).
    static func floatText(_ value: Float) -> String {
        var f = value
        if f.isNaN { f = 0 }
        if f.isInfinite { f = f < 0 ? -.greatestFiniteMagnitude : .greatestFiniteMagnitude }
        if f == f.rounded(), abs(f) < 1e7 { return (f.sign == .minus && f == 0 ? "-" : "") + String(Int(f)) }
        var s = "\(f)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// Shortest text that reads back as the same Double: header values (`fps`, `seconds`),
    /// which are kept as Double.
    public static func headerNumber(_ x: Double) -> String {
        guard x.isFinite else { return number(x) }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// A clean patch for a network that has no document (a template, a live session's new
    /// neurons): header, declarations, then one row per input with weights, sorted.
    public static func print(network net: Network, comment: String? = nil) -> String {
        var lines: [PatchLine] = []
        if let comment { lines.append(PatchLine(.comment(" " + comment))) }
        let t = net.timing
        if net.hasDisplay {
            lines.append(PatchLine(.header(key: "size", value: "\(t.width)x\(t.height)", valueColumn: 0)))
            lines.append(PatchLine(.header(key: "fps", value: headerNumber(t.fps), valueColumn: 0)))
        } else {
            lines.append(PatchLine(.header(key: "rate", value: "\(t.sampleRate)", valueColumn: 0)))
            lines.append(PatchLine(.header(key: "block", value: "\(t.block)", valueColumn: 0)))
        }
        if let f = t.frames { lines.append(PatchLine(.header(key: "frames", value: "\(f)", valueColumn: 0))) }
        if let s = t.seconds { lines.append(PatchLine(.header(key: "seconds", value: headerNumber(s), valueColumn: 0))) }
        if t.bpm != Timing().bpm { lines.append(PatchLine(.header(key: "bpm", value: headerNumber(t.bpm), valueColumn: 0))) }
        if net.seed != 0 { lines.append(PatchLine(.header(key: "seed", value: "\(net.seed)", valueColumn: 0))) }
        lines.append(PatchLine(.blank))
        for n in net.neurons.dropFirst() {
            lines.append(PatchLine(.declaration(Declaration(name: n.name, kind: n.kindName, config: n.kind.config))))
        }
        lines.append(PatchLine(.blank))
        var doc = PatchDocument(file: "", lines: lines)
        doc = doc.updatingWeights(from: net)
        return format(doc)
    }
}
