import DMMCore
import Foundation
import Live
import Testing

/// `at +1bar …` and `at beat …`: live edits quantised to the patch's tempo grid land on the
/// first tick of the bar (or beat), computed here from the bpm independently.
@Suite struct BeatQuantiseTests {
    /// The visual fixture at 137 bpm: a bar is 240/137 = 1.7518 s = 52.55 ticks at 30 fps, so
    /// bar lines fall between ticks and must round up to the tick that starts after them.
    static let patch = LiveFixtures.visual.replacingOccurrences(of: "fps 30\n", with: "fps 30\nbpm 137\n")

    /// The first tick starting at or after `seconds`, in Double.
    static func firstTick(atOrAfter seconds: Double) -> Int { Int((seconds * 30 - 1e-9).rounded(.up)) }

    @Test func barEditLandsOnTheBarsFirstTick() throws {
        let bar = 240.0 / 137
        let nextBar = Self.firstTick(atOrAfter: bar)
        #expect(nextBar == 53)
        let s = try SteppedSession(Self.patch, frames: 70)
        s.step(5)
        // out.r's constant: read by the picture's own neuron, so the tick it lands on shows it.
        #expect(s.submit("at +1bar set out.r 0.5") == .queued("set out.r 0.5", due: nextBar))
        s.step(65)
        s.finish()
        #expect(s.events.applied.map(\.0) == [nextBar])
        // The picture is the unedited patch's up to the tick before the bar line, and changes
        // on the bar's first tick: the edit is the first thing that tick's down movement sees.
        let base = try LiveSessionTests.baseline(Self.patch, ticks: nextBar + 1)
        for t in 0..<nextBar { #expect(s.capture.frame(t) == base[t], "tick \(t)") }
        #expect(s.capture.frame(nextBar) != base[nextBar])
    }

    @Test func beatsAndSeveralBarsAhead() throws {
        let bar = 240.0 / 137, beat = bar / 4
        let s = try SteppedSession(Self.patch, frames: 200)
        s.step(5)
        let nextBeat = Self.firstTick(atOrAfter: beat), secondBeat = Self.firstTick(atOrAfter: 2 * beat)
        let thirdBar = Self.firstTick(atOrAfter: 3 * bar)
        #expect(nextBeat == 14 && thirdBar == 158)
        #expect(s.submit("at beat set s1.a 2") == .queued("set s1.a 2", due: nextBeat))
        #expect(s.submit("at +3bars set s1.a 3") == .queued("set s1.a 3", due: thirdBar))
        #expect(s.submit("at +2beat set s1.a 4") == .queued("set s1.a 4", due: secondBeat))
        s.step(190)
        s.finish()
        #expect(s.events.applied.map(\.0) == [nextBeat, secondBeat, thirdBar])
        #expect(s.weight("s1.a", "one") == 3)
    }

    /// On a bar line's own tick (before it runs), `at +1bar` lands on that tick; an audio
    /// patch's bar at 120 bpm and block 64 is exactly tick 1500.
    @Test func gridArithmetic() {
        var t = Timing()
        t.visual = false; t.block = 64; t.sampleRate = 48_000; t.bpm = 120
        let bars = BeatGrid(t, beats: false), beats = BeatGrid(t, beats: true)
        #expect(bars.due(after: 0, count: 1) == 0)
        #expect(bars.due(after: 1, count: 1) == 1500)
        #expect(bars.due(after: 1500, count: 1) == 1500)
        #expect(bars.due(after: 1501, count: 2) == 4500)
        #expect(beats.due(after: 1, count: 1) == 375)
        #expect(bars.due(after: -10, count: 1) == 0)
    }

    @Test(arguments: ["at +0bar set s1.a 1", "at +100001bar set s1.a 1", "at +1.5beat set s1.a 1"])
    func badQuantisedTimesAreRefused(_ line: String) {
        #expect(throws: LiveError.self) { try LiveCommandParser.parse(line) }
    }
}
