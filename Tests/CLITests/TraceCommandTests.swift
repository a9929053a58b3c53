import Foundation
import Testing

/// `dmm trace` (one JSON object per tick: scalars as numbers, trees as objects),
/// `dmm template dmm-synthesis` and `dmm fit --teacher` through the real binary.
@Suite struct TraceCommandTests {
    static let teacher = CLI.repoRoot + "/patches/duplicates-teacher.dmm"

    /// Parses each stdout line as a JSON object.
    static func lines(_ r: CLI.Result) throws -> [[String: Any]] {
        try r.stdout.split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(o as? [String: Any], "not a JSON object: \(line)")
        }
    }

    /// The detector in Double, independently of the engine: the character counts after
    /// each tick and dup = relu(highest count − 1), end = count of ".", each delayed as the
    /// patch's chain of connections delays it (acc 1 tick after the character, dup 4, end 3).
    static func reference(_ s: String, ticks: Int) -> (acc: [[String: Double]], dup: [Double], end: [Double]) {
        let chars = s.map { String($0) }
        var acc: [[String: Double]] = [], counts: [String: Double] = [:]
        for t in 0..<ticks {
            let u = t - 1   // the character that reaches acc at tick t left `in` at tick t − 1
            if u >= 0, u % 10 == 0 { counts[chars[min(u / 10, chars.count - 1)], default: 0] += 1 }
            acc.append(counts)
        }
        let dup = (0..<ticks).map { t in t >= 3 ? max(0, (acc[t - 3].values.max() ?? 0) - 1) : 0 }
        let end = (0..<ticks).map { t in t >= 2 ? (acc[t - 2]["."] ?? 0) : 0 }
        return (acc, dup, end)
    }

    @Test(arguments: [nil, "tets string."])
    func jsonLinesCarryNumbersAndTrees(input: String?) throws {
        let text = input ?? "test string."
        var args = ["trace", Self.teacher, "--ticks", "140", "--outputs", "dup,end,acc,in", "--json"]
        if let input { args += ["--input", input] }
        let r = try Claims.ok(args, in: CLI.tempDir())
        let lines = try Self.lines(r)
        #expect(lines.count == 140)
        let want = Self.reference(text, ticks: 140)
        for (t, o) in lines.enumerated() {
            #expect(Set(o.keys) == ["tick", "dup", "end", "acc", "in"])
            #expect(o["tick"] as? Int == t)
            #expect((o["dup"] as? NSNumber)?.doubleValue == want.dup[t], "dup at \(t): \(o["dup"] ?? "nil") vs \(want.dup[t])")
            #expect((o["end"] as? NSNumber)?.doubleValue == want.end[t], "end at \(t)")
            let acc = try #require(o["acc"] as? [String: Any], "acc is an object")
            #expect(acc.mapValues { ($0 as? NSNumber)?.doubleValue ?? .nan } == want.acc[t], "acc at \(t)")
            let inp = try #require(o["in"] as? [String: Any])
            let chars = text.map { String($0) }
            #expect(inp.keys.sorted() == (t % 10 == 0 ? [chars[min(t / 10, chars.count - 1)]] : []), "in at \(t)")
        }
        // The raw text: keys in order, one object per line, integers without a decimal point.
        let first = r.stdout.split(separator: "\n")[0]
        #expect(first == "{\"tick\": 0, \"dup\": 0, \"end\": 0, \"acc\": {}, \"in\": {\"t\": 1}}")
    }

    @Test func badOutputNameIsOneLineError() throws {
        let r = try CLI.run(["trace", Self.teacher, "--ticks", "5", "--outputs", "dup,nope", "--json"], cwd: CLI.tempDir())
        #expect(r.status != 0)
        #expect(r.stderr.contains("nope") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        let r2 = try CLI.run(["trace", Self.teacher, "--ticks", "0"], cwd: CLI.tempDir())
        #expect(r2.status != 0 && r2.stderr.contains("--ticks"))
    }

    /// The student template is a valid patch with 1486 weights plus the accumulators' hidden
    /// loops; a short distillation to the teacher writes a fitted patch and lowers the loss.
    @Test func templateAndTeacherFit() throws {
        let dir = CLI.tempDir()
        try Claims.ok(["template", "dmm-synthesis", "-o", dir + "/student.dmm", "--seed", "7"], in: dir)
        let text = try String(contentsOfFile: dir + "/student.dmm", encoding: .utf8)
        #expect(text.contains("text(input: \"test string.\", every: 10, hold: 1)") && text.contains("eos:"))
        let r = try Claims.ok(["fit", "student.dmm", "--teacher", Self.teacher, "--outputs", "dup,end", "--ticks", "140",
                               "--steps", "30", "--lr", "0.01", "--stats", "-q"], in: dir, timeout: 300)
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(stats["initial_weights"] as? Int == 1486)
        let csv = try String(contentsOfFile: dir + "/student-fitted-loss.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 31)
        let first = Double(csv[1].split(separator: ",")[1])!, last = Double(csv[30].split(separator: ",")[1])!
        #expect(first > 100 && last < first, "loss \(first) → \(last)")
        // The fitted student runs.
        try Claims.ok(["trace", dir + "/student-fitted.dmm", "--ticks", "3", "--outputs", "dup", "--json"], in: dir)
    }
}
