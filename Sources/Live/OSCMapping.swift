import DMMCore
import Rendering

/// The OSC address space of a live session: which message means which command.
///
/// ```
/// /dmm/set     ,sf[s]   "s1.a" 6.5 ["y"]         set a weight (from `one` unless a source)
/// /dmm/glide   ,sff[s]  "s1.a" 6.5 2.0 ["y"]     glide there over seconds
/// /dmm/connect ,ss[f][f] "lfo" "s1.b" [0.1] [s]  wire a source into an input
/// /dmm/cut     ,ss      "lfo" "s1.b"             remove that weight
/// /dmm/add     ,s | ,ss "s3: sin" | "s3" "sin"   declare a neuron;  /dmm/remove ,s "s3"
/// /dmm/clone   ,ss[f]   "a,b" "g" [0.5]          twins ga, gb of a subnetwork, rows × scale
/// /dmm/delta   ,s       "{s1.a:{one:0.5}}"       a raw ΔW fragment
/// /dmm/undo
/// /dmm/cmd     ,s       "show s1"                any command line (queries reply to the sender)
/// /s1/a        ,f | ,ff | ,fs  6.5 [2.0 | "y"]   per-input: set (or glide, or from a source)
/// ```
/// Numbers may be sent as i, f, h or d; strings as s or S. Address patterns with wildcards are
/// not expanded: every address names one thing.
public enum OSCMapping {
    /// Commands that are never taken over the network: they write files, end the session or
    /// drive its clock, which belongs to whoever started it.
    static let localOnly = "save, step and quit are not available over OSC"

    /// The command a message stands for.
    public static func command(for m: OSCMessage) throws(LiveError) -> LiveCommand {
        let a = m.arguments
        func num(_ i: Int, _ what: String) throws(LiveError) -> Double {
            guard i < a.count, let v = a[i].number else { throw LiveError("\(m.address): argument \(i + 1) (\(what)) must be a number") }
            do { return try LiveLimits.checkValue(v, what) } catch { throw LiveError("\(m.address): argument \(i + 1): \(error.message)") }
        }
        func duration(_ i: Int) throws(LiveError) -> LiveDuration {
            guard i < a.count, let v = a[i].number else { throw LiveError("\(m.address): argument \(i + 1) (seconds) must be a number") }
            guard let d = LiveDuration(seconds: v) else {
                throw LiveError("\(m.address): argument \(i + 1): \(v.isFinite ? VNumber.text(v) : "\(v)") seconds is not a duration from 0 to \(Int(LiveLimits.maxSeconds)) s")
            }
            return d
        }
        func str(_ i: Int, _ what: String) throws(LiveError) -> String {
            guard i < a.count, let s = a[i].text else { throw LiveError("\(m.address): argument \(i + 1) (\(what)) must be a string") }
            return s
        }
        func count(_ range: ClosedRange<Int>, _ usage: String) throws(LiveError) {
            guard range.contains(a.count) else { throw LiveError("\(m.address) takes \(usage)") }
        }
        let parts = m.address.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty else { throw LiveError("unknown address '\(m.address)'; expected /dmm/<command> or /<neuron>/<input>") }
        if parts[1] == "dmm" {
            switch parts[2] {
            case "set":
                try count(2...3, ",sf[s]: row, value[, source]")
                let row = try LiveCommandParser.rowName(try str(0, "row"))
                let src = a.count == 3 ? try LiveCommandParser.columnName(try str(2, "source")) : "one"
                return .edit(.set(WeightKey(row: row, column: src), value: try num(1, "value"), over: nil), at: .next)
            case "glide":
                try count(3...4, ",sff[s]: row, value, seconds[, source]")
                let row = try LiveCommandParser.rowName(try str(0, "row"))
                let value = try num(1, "value")
                let over = try duration(2)
                let src = a.count == 4 ? try LiveCommandParser.columnName(try str(3, "source")) : "one"
                return .edit(.set(WeightKey(row: row, column: src), value: value, over: over), at: .next)
            case "connect":
                try count(2...4, ",ss[f][f]: source, row[, weight[, seconds]]")
                let src = try LiveCommandParser.columnName(try str(0, "source"))
                let row = try LiveCommandParser.rowName(try str(1, "row"))
                let w = a.count >= 3 ? try num(2, "weight") : 1
                let over: LiveDuration? = a.count == 4 ? try duration(3) : nil
                return .edit(.set(WeightKey(row: row, column: src), value: w, over: over), at: .next)
            case "cut":
                try count(2...2, ",ss: source, row")
                let src = try LiveCommandParser.columnName(try str(0, "source"))
                let row = try LiveCommandParser.rowName(try str(1, "row"))
                return .edit(.set(WeightKey(row: row, column: src), value: 0, over: nil), at: .next)
            case "add":
                try count(1...2, ",s \"name: kind\" or ,ss name, kind")
                let text = a.count == 2 ? "\(try str(0, "name")): \(try str(1, "kind"))" : try str(0, "declaration")
                return try LiveCommandParser.declaration(text)
            case "clone":
                try count(2...3, ",ss[f]: neurons (a,b), prefix[, scale]")
                let names = try str(0, "neurons"), prefix = try str(1, "prefix")
                let scale = a.count == 3 ? try num(2, "scale") : 1
                do {
                    // The live command's grammar and checks, from the message's parts.
                    let c = try NeuronEdit.parseClone("\(names) as \(prefix) scale \(scale)")
                    return .edit(.clone(names: c.names, prefix: c.prefix, scale: c.scale), at: .next)
                } catch { throw LiveError("\(m.address): \(error.message)") }
            case "remove":
                try count(1...1, ",s: name")
                return try LiveCommandParser.parse("remove " + (try str(0, "name")))
            case "undo":
                return .edit(.undo, at: .next)
            case "delta":
                try count(1...1, ",s: a ΔW fragment such as {s1.a:{one:0.5}}")
                return .edit(.delta(try LiveCommandParser.delta(try str(0, "ΔW"))), at: .next)
            case "cmd":
                try count(1...1, ",s: a command line")
                let cmd = try LiveCommandParser.parse(try str(0, "command"))
                switch cmd {
                case .save, .step, .quit: throw LiveError(localOnly)
                default: return cmd
                }
            default:
                throw LiveError("unknown address '\(m.address)'\(Suggest.hint(String(parts[2]), ["set", "glide", "connect", "cut", "add", "remove", "clone", "undo", "delta", "cmd"]))")
            }
        }
        // /neuron/input
        let row = try LiveCommandParser.rowName("\(parts[1]).\(parts[2])")
        try count(1...2, ",f (value), ,ff (value, seconds) or ,fs (value, source)")
        let v = try num(0, "value")
        if a.count == 2, let src = a[1].text {
            return .edit(.set(WeightKey(row: row, column: try LiveCommandParser.columnName(src)), value: v, over: nil), at: .next)
        }
        if a.count == 2 {
            return .edit(.set(WeightKey(row: row, column: "one"), value: v, over: try duration(1)), at: .next)
        }
        return .edit(.set(WeightKey(row: row, column: "one"), value: v, over: nil), at: .next)
    }
}
