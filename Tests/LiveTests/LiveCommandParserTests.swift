import Testing
import DMMCore
import Live

/// The command language: every form from the issue, and errors that say what was wrong.
@Suite struct LiveCommandParserTests {
    func edit(_ line: String) throws -> (LiveEdit, EditTime) {
        guard case .edit(let e, let t) = try LiveCommandParser.parse(line) else { throw LiveError("not an edit: \(line)") }
        return (e, t)
    }

    func error(_ line: String) -> String {
        do { _ = try LiveCommandParser.parse(line); return "" } catch { return error.message }
    }

    @Test func setGlideConnectCut() throws {
        guard case (.set(let k, let v, nil), .next) = try edit("set s1.a 6.5") else { Issue.record("set"); return }
        #expect(k == WeightKey(row: "s1.a", column: "one") && v == 6.5)
        guard case (.set(let k2, let v2, nil), _) = try edit("set s1.x 0.5 y") else { Issue.record("set with source"); return }
        #expect(k2 == WeightKey(row: "s1.x", column: "y") && v2 == 0.5)
        guard case (.set(let k3, let v3, .seconds(let s)?), _) = try edit("glide s1.a 6.5 2s") else { Issue.record("glide"); return }
        #expect(k3.row == "s1.a" && v3 == 6.5 && s == 2)
        guard case (.set(_, _, .ticks(30)?), _) = try edit("glide s1.a 1 30t") else { Issue.record("glide ticks"); return }
        guard case (.set(_, _, .seconds(let ms)?), _) = try edit("glide s1.a 1 500ms lfo.out") else { Issue.record("glide ms"); return }
        #expect(abs(ms - 0.5) < 1e-12)
        guard case (.set(let k4, let v4, nil), _) = try edit("connect lfo -> s1.b 0.1") else { Issue.record("connect"); return }
        #expect(k4 == WeightKey(row: "s1.b", column: "lfo") && v4 == 0.1)
        guard case (.set(_, let v5, nil), _) = try edit("connect lfo->s1.b") else { Issue.record("connect default"); return }
        #expect(v5 == 1)
        guard case (.set(let k6, let v6, nil), _) = try edit("cut lfo -> s1.b") else { Issue.record("cut"); return }
        #expect(k6 == WeightKey(row: "s1.b", column: "lfo") && v6 == 0)
    }

    @Test func rowsDeclarationsAndRaw() throws {
        guard case (.row(let r, let terms, false), _) = try edit("s1.x = x + 0.5 y - 2") else { Issue.record("row"); return }
        #expect(r == "s1.x" && terms.map(\.column) == ["x", "y", "one"] && terms.map(\.weight) == [1, 0.5, -2])
        guard case (.row(_, _, true), _) = try edit("s1.b += 0.1 lfo") else { Issue.record("+="); return }
        guard case (.row("s1.a", _, false), _) = try edit("set s1.a = 3 + t") else { Issue.record("set ="); return }
        guard case (.declare("s3", "sin", _), _) = try edit("add s3: sin") else { Issue.record("add"); return }
        guard case (.declare("s4", "sin", _), _) = try edit("s4: sin") else { Issue.record("declaration"); return }
        guard case (.declare("s5", "cos", _), _) = try edit("add s5 cos") else { Issue.record("add NAME KIND"); return }
        guard case (.remove("s3"), _) = try edit("remove s3") else { Issue.record("remove"); return }
        guard case (.delta(let d), _) = try edit("delta {s1.a:{one:0.5}}") else { Issue.record("delta"); return }
        #expect(d[path: ["s1.a", "one"]].number == 0.5)
        guard case (.undo, _) = try edit("undo") else { Issue.record("undo"); return }
    }

    @Test func scheduling() throws {
        guard case (_, .tick(120)) = try edit("at 120 set s1.a 3") else { Issue.record("at"); return }
        guard case (_, .later(30)) = try edit("at +30 glide s1.a 3 1s") else { Issue.record("at +"); return }
        #expect(error("at 10 show").contains("only edits can be scheduled"))
        #expect(error("at x set s1.a 1").contains("tick number"))
    }

    @Test func queries() throws {
        #expect(try LiveCommandParser.parse("show") == .show(nil))
        #expect(try LiveCommandParser.parse("show s1") == .show("s1"))
        #expect(try LiveCommandParser.parse("matrix") == .matrix)
        #expect(try LiveCommandParser.parse("save") == .save(nil))
        #expect(try LiveCommandParser.parse("save out.dmm") == .save("out.dmm"))
        #expect(try LiveCommandParser.parse("step 5") == .step(5))
        #expect(try LiveCommandParser.parse("step") == .step(1))
        #expect(try LiveCommandParser.parse("help") == .help(nil))
        #expect(try LiveCommandParser.parse("quit") == .quit)
        #expect(try LiveCommandParser.parse("   # a comment") == .nothing)
        #expect(try LiveCommandParser.parse("") == .nothing)
    }

    @Test func badCommandsSayWhatWasWrong() {
        #expect(error("sett s1.a 3") == "unknown command 'sett'; did you mean 'set'?; type 'help' for the list")
        #expect(error("set s1 3").contains("'s1' is not an input"))
        #expect(error("set s1.a abc").contains("the value must be a number, not 'abc'"))
        #expect(error("set s1.a").contains("usage: set"))
        #expect(error("glide s1.a 3 soon").contains("'soon' is not a duration"))
        #expect(error("connect lfo s1.b").contains("usage: connect SOURCE -> NEURON.INPUT"))
        #expect(error("connect lfo -> s1.b x") == "the weight must be a number, not 'x'")
        #expect(error("connect lfo -> s1.b 1 2s more") == "unexpected 'more'")
        #expect(error("add").contains("usage: add"))
        #expect(error("add one: sin").contains("built-in constant"))
        #expect(error("delta {s1.a:").contains("ΔW"))
        #expect(error("s1.x = x +").contains("expected a term"))
        #expect(error("step -1").contains("whole number"))
    }

    @Test func durations() {
        #expect(LiveDuration("2s") == .seconds(2))
        #expect(LiveDuration("1.5") == .seconds(1.5))
        #expect(LiveDuration("30t") == .ticks(30))
        #expect(LiveDuration("10ticks") == .ticks(10))
        #expect(LiveDuration("-1s") == nil)
        #expect(LiveDuration("fast") == nil)
        #expect(LiveDuration("500ms")!.ticks(secondsPerTick: 1.0 / 30) == 15)
        #expect(LiveDuration("0")!.ticks(secondsPerTick: 1.0 / 30) == 1)
    }
}

extension LiveCommand: Equatable {
    public static func == (a: LiveCommand, b: LiveCommand) -> Bool {
        switch (a, b) {
        case (.show(let x), .show(let y)): x == y
        case (.matrix, .matrix), (.status, .status), (.quit, .quit), (.nothing, .nothing): true
        case (.save(let x), .save(let y)): x == y
        case (.step(let x), .step(let y)): x == y
        case (.help(let x), .help(let y)): x == y
        default: false
        }
    }
}
