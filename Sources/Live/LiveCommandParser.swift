import DMMCore
import PatchLanguage
import Rendering

/// Reads the live command language, one line at a time (stdin, `/dmm/cmd` over OSC).
///
/// ```
/// set s1.a 6.5              the weight from `one` into s1.a (the constant) becomes 6.5
/// set s1.x 0.5 y            the weight from y into s1.x becomes 0.5
/// glide s1.a 6.5 2s         the same, one small ΔW per tick over 2 s (also 500ms, 30t)
/// connect lfo -> s1.b 0.1   a new (or changed) weight; the weight defaults to 1
/// cut lfo -> s1.b           the weight becomes 0
/// s1.x = x + 0.5 y          a whole row in patch syntax (+= adds terms)
/// add s3: sin               a new neuron (s3: sin alone works too); remove s3
/// clone a,b as g scale 0.5  twins ga, gb of a subnetwork, rows × 0.5, silent until connected
/// delta {s1.a:{one:0.5}}    a raw ΔW fragment
/// undo · show [neuron] · matrix · save [file] · status · step [n] · help · quit
/// at 120 set s1.a 3         any edit at an absolute tick; at +30 … is relative
/// at +1bar set s1.a 3        on the next bar's first tick (at beat …, at +2beat …: beats)
/// ```
/// Syntax only: names are checked against the running network when the edit is applied, and
/// then again when the tick boundary takes it.
public enum LiveCommandParser {
    /// Parses one line. Errors say what was expected.
    public static func parse(_ line: String) throws(LiveError) -> LiveCommand {
        var text = Substring(line)
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        text = text.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        if text.isEmpty { return .nothing }
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)

        var time = EditTime.next
        if words[0] == "at" {
            guard words.count >= 3 else { throw LiveError("usage: at TICK COMMAND (e.g. at 120 set s1.a 3, or at +30 …, at +1bar …, at beat …)") }
            let t = words[1]
            if let q = try quantised(t) { time = q }
            else if t.hasPrefix("+"), let n = LiveLimits.tickCount(t.dropFirst()) { time = .later(n) }
            else if let n = LiveLimits.tickCount(t) { time = .tick(n) }
            else { throw LiveError("'at' needs a tick number from 0 to \(LiveLimits.maxTick) or +N, not '\(t)'") }
            words.removeFirst(2)
            let rest = dropWords(text, 2)
            let cmd = try parseCommand(words, rest: rest)
            guard case .edit(let e, _) = cmd else { throw LiveError("only edits can be scheduled with 'at' (set, glide, connect, cut, add, remove, clone, delta, undo, rows)") }
            return .edit(e, at: time)
        }
        return try parseCommand(words, rest: text)
    }

    /// `bar`, `beat`, `+Nbar`, `+Nbeat` (also `bars`, `beats`): an edit quantised to the
    /// patch's tempo grid (`BeatGrid`); nil for anything else.
    static func quantised(_ word: String) throws(LiveError) -> EditTime? {
        var w = Substring(word)
        let plus = w.hasPrefix("+")
        if plus { w = w.dropFirst() }
        if w.hasSuffix("s") { w = w.dropLast() }
        let isBar = w.hasSuffix("bar"), isBeat = w.hasSuffix("beat")
        guard isBar || isBeat else { return nil }
        let digits = w.dropLast(isBar ? 3 : 4)
        guard plus || digits.isEmpty else { return nil }
        var n = 1
        if !digits.isEmpty {
            guard digits.utf8.count <= 6, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(digits),
                  v >= 1, v <= BeatGrid.maxLines else {
                throw LiveError("'at +N\(isBar ? "bar" : "beat")' needs N from 1 to \(BeatGrid.maxLines), not '\(word)'")
            }
            n = v
        }
        return isBar ? .bar(n) : .beat(n)
    }

    /// The text after the first `n` words.
    static func dropWords(_ text: Substring, _ n: Int) -> Substring {
        var s = text
        for _ in 0..<n {
            s = s.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            s = s.drop(while: { $0 != " " && $0 != "\t" })
        }
        return s.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
    }

    static func parseCommand(_ w: [String], rest text: Substring) throws(LiveError) -> LiveCommand {
        let verb = w[0]
        let args = Array(w.dropFirst())
        switch verb {
        case "set":
            guard args.count >= 2 else { throw LiveError("usage: set NEURON.INPUT VALUE [SOURCE]  (or set NEURON.INPUT = TERMS)") }
            if args[1] == "=" || args[1] == "+=" { return try row(String(dropWords(text, 1))) }
            let r = try rowName(args[0])
            let v = try number(args[1], what: "value")
            guard args.count <= 3 else { throw LiveError("too many words: set NEURON.INPUT VALUE [SOURCE]") }
            let src = args.count == 3 ? try columnName(args[2]) : "one"
            return .edit(.set(WeightKey(row: r, column: src), value: v, over: nil), at: .next)
        case "glide":
            guard args.count == 3 || args.count == 4 else {
                throw LiveError("usage: glide NEURON.INPUT VALUE DURATION [SOURCE]  (DURATION: 2s, 500ms, 30t)")
            }
            let r = try rowName(args[0])
            let v = try number(args[1], what: "value")
            guard let d = LiveDuration(args[2]) else { throw LiveError("'\(args[2])' is not a duration: \(LiveDuration.usage)") }
            let src = args.count == 4 ? try columnName(args[3]) : "one"
            return .edit(.set(WeightKey(row: r, column: src), value: v, over: d), at: .next)
        case "connect", "cut", "disconnect":
            let cut = verb != "connect"
            let parts = try arrow(args, verb: verb)
            let src = try columnName(parts.source)
            let r = try rowName(parts.target)
            var weight = cut ? 0.0 : 1.0
            var over: LiveDuration?
            var extra = parts.after
            if !cut, let first = extra.first { weight = try number(first, what: "weight"); extra.removeFirst() }
            if let first = extra.first {
                guard let d = LiveDuration(first) else {
                    throw LiveError("unexpected '\(first)' after the \(cut ? "row" : "weight"); a duration must be one: \(LiveDuration.usage)")
                }
                over = d; extra.removeFirst()
            }
            guard extra.isEmpty else { throw LiveError("unexpected '\(extra[0])'") }
            return .edit(.set(WeightKey(row: r, column: src), value: weight, over: over), at: .next)
        case "add":
            guard !args.isEmpty else { throw LiveError("usage: add NAME: KIND  (e.g. add s3: sin, add lfo: sin)") }
            var decl = String(dropWords(text, 1))
            if args.count == 2, !args[0].hasSuffix(":"), !args[0].contains(":") { decl = args[0] + ": " + args[1] }
            return try declaration(decl)
        case "remove", "rm":
            guard args.count == 1 else { throw LiveError("usage: remove NAME") }
            guard args[0] != "one" else { throw LiveError("'one' is the built-in constant neuron and cannot be removed") }
            return .edit(.remove(name: args[0]), at: .next)
        case "clone":
            do {
                let c = try NeuronEdit.parseClone(dropWords(text, 1))
                return .edit(.clone(names: c.names, prefix: c.prefix, scale: c.scale), at: .next)
            } catch { throw LiveError(error.message) }
        case "delta":
            let body = String(dropWords(text, 1))
            guard !body.isEmpty else { throw LiveError("usage: delta {row:{column:dw}}, e.g. delta {s1.a:{one:0.5}}") }
            return .edit(.delta(try delta(body)), at: .next)
        case "undo":
            guard args.isEmpty else { throw LiveError("'undo' takes no arguments") }
            return .edit(.undo, at: .next)
        case "show":
            guard args.count <= 1 else { throw LiveError("usage: show [NEURON]") }
            return .show(args.first)
        case "matrix":
            guard args.isEmpty else { throw LiveError("'matrix' takes no arguments") }
            return .matrix
        case "save":
            guard args.count <= 1 else { throw LiveError("usage: save [FILE]") }
            return .save(args.first)
        case "step", "tick":
            guard args.count <= 1 else { throw LiveError("usage: step [N]") }
            guard let n = args.isEmpty ? 1 : LiveLimits.tickCount(args[0]) else {
                throw LiveError("'step' needs a whole number of ticks from 0 to \(LiveLimits.maxTick), not '\(args[0])'")
            }
            return .step(n)
        case "status":
            return .status
        case "help", "?":
            return .help(args.first)
        case "quit", "exit", "q":
            return .quit
        default:
            // Patch syntax: a row (s1.x = …, s1.x += …) or a declaration (s3: sin).
            if text.contains("=") { return try row(String(text)) }
            if verb.hasSuffix(":") || (w.count >= 2 && verb.contains(":")) || (w.count >= 2 && w[1].hasPrefix(":")) {
                return try declaration(String(text))
            }
            let verbs = ["set", "glide", "connect", "cut", "add", "remove", "clone", "delta", "undo", "show", "matrix", "save", "status", "step", "help", "quit"]
            throw LiveError("unknown command '\(verb)'\(Suggest.hint(verb, verbs)); type 'help' for the list")
        }
    }

    /// `SRC -> ROW …` (also `→`, or `SRC->ROW`).
    static func arrow(_ args: [String], verb: String) throws(LiveError) -> (source: String, target: String, after: [String]) {
        let joined = args.joined(separator: " ").replacing("→", with: "->")
        let sides = joined.split(separator: "->", omittingEmptySubsequences: false)
        guard sides.count == 2 else { throw LiveError("usage: \(verb) SOURCE -> NEURON.INPUT\(verb == "connect" ? " [WEIGHT]" : "")") }
        let left = sides[0].split(separator: " ").map(String.init)
        let right = sides[1].split(separator: " ").map(String.init)
        guard left.count == 1, !right.isEmpty else { throw LiveError("usage: \(verb) SOURCE -> NEURON.INPUT\(verb == "connect" ? " [WEIGHT]" : "")") }
        return (left[0], right[0], Array(right.dropFirst()))
    }

    /// A ΔW fragment typed or sent (`delta …`, `/dmm/delta`): `{row:{column:dw}}` is two
    /// levels deep, so deeper nesting is refused by a linear scan before the V-value parser
    /// sees it: a hostile fragment nested thousands deep costs microseconds, on no thread's
    /// time budget.
    static func delta(_ text: String) throws(LiveError) -> VValue {
        guard EditLogFile.isShallowDelta(text) else { throw LiveError("ΔW: nested deeper than {row:{column:dw}}") }
        do { return try VValue(parsing: text) } catch { throw LiveError("ΔW: \(error.message)") }
    }

    static func row(_ text: String) throws(LiveError) -> LiveCommand {
        let doc: PatchDocument
        do { doc = try PatchParser.parse(text + "\n", file: "command") } catch { throw LiveError(error.message) }
        guard doc.lines.count == 1, case .row(let r) = doc.lines[0].statement else {
            throw LiveError("expected a row: NEURON.INPUT = TERMS (e.g. s1.x = x + 0.5 y)")
        }
        let terms = r.terms.map { (column: $0.sourceKey, weight: $0.weight) }
        return .edit(.row("\(r.neuron).\(r.input)", terms: terms, adds: r.adds), at: .next)
    }

    static func declaration(_ text: String) throws(LiveError) -> LiveCommand {
        let doc: PatchDocument
        do { doc = try PatchParser.parse(text + "\n", file: "command") } catch { throw LiveError(error.message) }
        guard doc.lines.count == 1, case .declaration(let d) = doc.lines[0].statement else {
            throw LiveError("expected a declaration: NAME: KIND (e.g. s3: sin)")
        }
        guard d.name != "one" else { throw LiveError("'one' is the built-in constant neuron; choose another name") }
        return .edit(.declare(name: d.name, kind: d.kind, config: d.config), at: .next)
    }

    static func rowName(_ s: String) throws(LiveError) -> String {
        let p = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard p.count == 2, isName(p[0]), isName(p[1]) else {
            throw LiveError("'\(s)' is not an input: write NEURON.INPUT, e.g. s1.a")
        }
        return s
    }

    static func columnName(_ s: String) throws(LiveError) -> String {
        let p = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard p.allSatisfy(isName) else { throw LiveError("'\(s)' is not a source: write NEURON or NEURON.OUTPUT") }
        return s
    }

    static func isName(_ s: Substring) -> Bool {
        guard let f = s.first, f == "_" || (f.isLetter && f.isASCII) else { return false }
        return s.allSatisfy { $0 == "_" || (($0.isLetter || $0.isNumber) && $0.isASCII) }
    }

    /// A weight or value typed on a command line: a finite number within the weight range.
    static func number(_ s: String, what: String) throws(LiveError) -> Double {
        guard let v = NumberText.double(s) else { throw LiveError("the \(what) must be a number, not '\(s)'") }
        return try LiveLimits.checkValue(v, what)
    }

    /// The command reference printed by `help`.
    public static let help = """
    edits (applied at the next tick; prefix 'at TICK' or 'at +N' to schedule, 'at +1bar' or
    'at beat' to land on the next bar or beat of the patch's bpm):
      set s1.a 6.5              the constant of s1.a (its weight from 'one') becomes 6.5
      set s1.x 0.5 y            the weight from y into s1.x becomes 0.5
      glide s1.a 6.5 2s         the same, smoothly, one small ΔW per tick (2s, 500ms, 30t)
      connect lfo -> s1.b 0.1   wire a source into an input (weight 1 if omitted)
      cut lfo -> s1.b           remove that weight
      s1.x = x + 0.5 y          replace a whole row in patch syntax (+= adds terms)
      add s3: sin               declare a neuron (then connect it); remove s3
      clone a,b as g scale 0.5  twins ga, gb of a subnetwork (rows × 0.5), silent until connected
      delta {s1.a:{one:0.5}}    add a raw ΔW fragment
      undo                      revert the last edit
    queries and session:
      show [neuron]  matrix  status  save [file]  step [n] (--step mode)  help  quit
    """
}
