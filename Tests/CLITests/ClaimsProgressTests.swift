import Foundation
import Testing

/// "A progress bar (frames, fps, ETA) is drawn on a terminal, plain lines otherwise, nothing
/// with -q": `dmm render` on a pseudo-terminal, into a pipe, and quiet on both.
@Suite struct ClaimsProgressTests {
    static let patch = """
        size 64x64
        fps 30
        frames 40
        t: clock
        x: coord.x
        s: sin
        out: rgb
        s.x = 9 x
        s.b = 2 t
        out.r = s
        out.g = s
        out.b = s

        """

    @Test func terminalGetsABarRedrawnInPlace() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.patch, dir, "p.dmm")
        let r = try Claims.onTerminal(["render", "p.dmm", "-o", "f"], cwd: dir)
        #expect(r.status == 0, "\(r.output)")
        // Redraws start with a carriage return and end by clearing the rest of the line.
        let draws = r.output.components(separatedBy: "\r").filter { $0.hasPrefix("render p [") }
        #expect(!draws.isEmpty, "no bar drawn: \(r.output.debugDescription)")
        for d in draws {
            #expect(d.wholeMatch(of: /render p \[[#-]{24}\] [0-9]+\/40 [0-9]+%( [0-9.]+ fps( ETA [0-9.:]+s?)?)?\u{1B}\[K/) != nil,
                    "bar: \(d.debugDescription)")
        }
        #expect(r.output.contains(/\rrender p: 40\/40 frames in [0-9.:]+s? \([0-9.]+ fps\) wrote 40 frames to f\/\u{1B}\[K/),
                "final line: \(r.output.debugDescription)")
        let quiet = try Claims.onTerminal(["render", "p.dmm", "-o", "g", "-q"], cwd: dir)
        #expect(quiet.status == 0 && quiet.output.isEmpty, "-q on a terminal printed \(quiet.output.debugDescription)")
    }

    @Test func pipeGetsPlainLinesEveryTenPercent() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.patch, dir, "p.dmm")
        let r = try Claims.ok(["render", "p.dmm", "-o", "f"], in: dir)
        #expect(!r.stderr.contains("\r") && !r.stderr.contains("\u{1B}"), "terminal codes in a pipe: \(r.stderr.debugDescription)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let bars = lines.dropLast()
        // At most one line per 10 % (frames are reported as they are encoded, so a line may
        // skip a decile), each with its count and percentage, the last at 40/40.
        let counts = bars.map { Int($0.split(separator: " ")[2].split(separator: "/")[0]) ?? -1 }
        #expect(!counts.isEmpty && counts.count <= 10 && counts == counts.sorted() && counts.last == 40, "\(lines)")
        #expect(Set(counts.map { $0 * 10 / 40 }).count == counts.count, "two lines in one decile: \(lines)")
        for (b, n) in zip(bars, counts) { #expect(b.contains(" \(n)/40 \(n * 100 / 40)%"), "\(b)") }
        for b in bars.dropLast() { #expect(b.wholeMatch(of: /render p [0-9]+\/40 [0-9]+% [0-9.]+ fps ETA [0-9.:]+s?/) != nil, "\(b)") }
        #expect(lines.last?.hasPrefix("render p: 40/40 frames in ") == true)
        #expect(try Claims.ok(["render", "p.dmm", "-o", "g", "-q"], in: dir).stderr.isEmpty)
    }
}
