import Testing
import Foundation
import DMMCore
import PatchLanguage
import Rendering
import Live

/// `clone a,b as PREFIX [scale S]`: live growth at a tick boundary, logged for replay, saved
/// so that the grown patch loads back.
@Suite struct LiveCloneTests {
    func error(_ line: String) -> String {
        do { _ = try LiveCommandParser.parse(line); return "" } catch { return error.message }
    }

    @Test func parsesCloneAndRefusesBadInput() throws {
        guard case .edit(.clone(let n1, let p1, let s1), .next) = try LiveCommandParser.parse("clone s1 as g") else { Issue.record("clone"); return }
        #expect(n1 == ["s1"] && p1 == "g" && s1 == 1)
        guard case .edit(.clone(let n2, let p2, let s2), _) = try LiveCommandParser.parse("clone s1,fb as twin_ scale 0.5") else { Issue.record("clone scale"); return }
        #expect(n2 == ["s1", "fb"] && p2 == "twin_" && s2 == 0.5)
        guard case .edit(.clone(let n3, _, let s3), _) = try LiveCommandParser.parse("clone s1, fb as g scale -2e-1  # comment") else { Issue.record("clone spaced"); return }
        #expect(n3 == ["s1", "fb"] && s3 == -0.2)
        guard case .edit(.clone, .tick(30)) = try LiveCommandParser.parse("at 30 clone s1 as h") else { Issue.record("at clone"); return }
        let usage = "usage: clone NEURON,NEURON… as PREFIX [scale S]"
        #expect(error("clone").hasPrefix(usage))
        #expect(error("clone s1").hasPrefix(usage))
        #expect(error("clone s1 as").hasPrefix(usage))
        #expect(error("clone 2x as g") == "clone: '2x' is not a neuron name")
        #expect(error("clone one as g") == "clone: 'one' is the built-in constant and cannot be cloned")
        #expect(error("clone s1 as 9g").hasPrefix("clone: the prefix '9g' must be a name"))
        #expect(error("clone s1 as g scale big") == "clone: the scale must be a number from -1000 to 1000, not 'big'")
        #expect(error("clone s1 as g scale 1e9") == "clone: the scale must be a number from -1000 to 1000, not '1e9'")
        #expect(error("clone s1 as g scale nan") == "clone: the scale must be a number from -1000 to 1000, not 'nan'")
        #expect(error("clone s1 as g speed 2").hasPrefix("clone: unexpected 'speed'"))
        #expect(LiveCommandParser.help.contains("clone a,b as g scale 0.5"))
    }

    @Test func liveAndReplayedClonesObeyTheNeuronCap() throws {
        var n = Network()
        for i in 0..<(CloneKind.maxNeurons - 2) { try n.add("n\(i)", Identity(config: .init())) }
        #expect(n.neurons.count == CloneKind.maxNeurons - 1)
        #expect(try NeuronEdit.clone(names: ["n0"], prefix: "g", scale: 1).applied(to: n).neurons.count == CloneKind.maxNeurons)
        do {
            _ = try NeuronEdit.clone(names: ["n0", "n1"], prefix: "g", scale: 1).applied(to: n)
            Issue.record("passed the cap")
        } catch { #expect(error.message == "clone: the network would pass 4096 neurons") }
    }

    @Test func oscCloneMapsToTheSameEdit() throws {
        guard case .edit(.clone(let n, let p, let sc), .next) = try OSCMapping.command(for: OSCMessage("/dmm/clone", [.string("s1,fb"), .string("g"), .float(0.5)])) else {
            Issue.record("/dmm/clone"); return
        }
        #expect(n == ["s1", "fb"] && p == "g" && sc == 0.5)
        guard case .edit(.clone(_, _, 1), _) = try OSCMapping.command(for: OSCMessage("/dmm/clone", [.string("s1"), .string("g")])) else {
            Issue.record("/dmm/clone without scale"); return
        }
        guard case .edit(.clone, _) = try OSCMapping.command(for: OSCMessage("/dmm/cmd", [.string("clone s1 as g")])) else {
            Issue.record("/dmm/cmd clone"); return
        }
        func refusal(_ args: [OSCArgument]) -> String {
            do { _ = try OSCMapping.command(for: OSCMessage("/dmm/clone", args)); return "" } catch { return error.message }
        }
        #expect(refusal([.string("s1")]).hasPrefix("/dmm/clone takes ,ss[f]"))
        #expect(refusal([.string("s1"), .string("g"), .float(5000)]) == "/dmm/clone: clone: the scale must be a number from -1000 to 1000, not '5000.0'")
        #expect(refusal([.string("s1"), .string("9")]).hasPrefix("/dmm/clone: clone: the prefix '9' must be a name"))
        #expect(refusal([.string("s1"), .string("g"), .float(.nan)]).hasPrefix("/dmm/clone: argument 3"))
    }

    @Test func cloneLandsAtTheBoundaryIsLoggedSavedAndReplayed() throws {
        let dir = LiveFixtures.tempDir()
        let path = dir + "/p.dmm"
        try LiveFixtures.write(LiveFixtures.visual, to: path)
        let s = try SteppedSession(LiveFixtures.visual, frames: 20, record: dir + "/log", file: path)
        s.step(3)
        #expect(s.submit("clone s1 as g scale 0.5") == .queued("clone s1 as g scale 0.5", due: nil))
        #expect(s.session.network.index(of: "gs1") == nil)   // not before its tick
        s.step(1)
        // Unknown neuron, taken name: refused at once, one line, the patch runs on.
        guard case .error(let unknown) = s.submit("clone ghost as h") else { Issue.record("unknown accepted"); return }
        #expect(unknown.hasPrefix("clone: no neuron named 'ghost'") && !unknown.contains("\n"), "\(unknown)")
        guard case .error(let taken) = s.submit("clone s1 as g") else { Issue.record("taken name accepted"); return }
        #expect(taken == "clone: 'gs1' exists already", "\(taken)")
        // The twin's rows are s1's × 0.5 (s1.a = 6, s1.x = x + 0.5 y, s1.b = 2 t), silent.
        #expect(s.weight("gs1.a", "one") == 3 && s.weight("gs1.x", "x") == 0.5 && s.weight("gs1.x", "y") == 0.25 && s.weight("gs1.b", "t") == 1)
        #expect(s.session.network.matrix.entries.allSatisfy { $0.output.neuron != s.session.network.index(of: "gs1")! })
        _ = s.submit("connect gs1 -> out.b 0.4")
        s.step(2)
        guard case .text(let saved) = s.submit("save") else { Issue.record("save"); return }
        #expect(saved == "saved \(path)")
        s.step(4)
        _ = s.submit("clone s1 as u")
        s.step(1)
        _ = s.submit("undo")
        s.step(1)
        #expect(s.session.network.index(of: "us1") == nil)
        let live = s.session.network
        s.finish()
        let lines = try String(contentsOfFile: dir + "/log", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.first == "3\tclone s1 as g scale 0.5" && lines.dropFirst().first?.hasPrefix("4\t{out.b:{gs1:0.4") == true, "\(lines)")
        #expect(lines.contains("10\tclone s1 as u") && lines.contains("11\tremove us1"), "\(lines)")

        // The saved patch holds the twin and its rows: it loads back to the running network
        // (weights by name), and renders as that network does.
        let back = try PatchLoader.load(path: path).network
        #expect(back.neurons.map(\.name) == live.neurons.map(\.name))
        func byName(_ n: Network) -> [String: Float] {
            Dictionary(uniqueKeysWithValues: n.matrix.entries.map { ("\(n.name(ofInput: $0.input)) ← \(n.name(ofOutput: $0.output))", $0.entry.weight) })
        }
        #expect(byName(back) == byName(live))
        _ = try FrameRenderer.render(network: back, options: .init(directory: dir + "/back", frames: 6))
        _ = try FrameRenderer.render(network: live, options: .init(directory: dir + "/live", frames: 6))
        #expect(Frames.firstDifference(dir + "/back", dir + "/live", count: 6) == nil)

        // Replaying the log on the original patch reproduces the live frames.
        let original = try LiveFixtures.loaded(LiveFixtures.visual, file: path).network
        let log = try EditLogFile.readLog(path: dir + "/log", network: original)
        #expect(log.neuronEdits.map { "\($0.tick) \($0.edit)" } == ["3 clone s1 as g scale 0.5", "10 clone s1 as u", "11 remove us1"])
        let want = try LiveSessionTests.baseline(LiveFixtures.visual, ticks: 16, edits: log.edits.map { ($0.tick, $0.delta) },
                                                    neuronEdits: log.neuronEdits.map { ($0.tick, $0.edit) })
        for t in 0..<16 { #expect(s.capture.frame(t) == want[t], "tick \(t)") }
        // The clone changed the picture (out.b reads the twin from tick 6 on).
        let plain = try LiveSessionTests.baseline(LiveFixtures.visual, ticks: 16)
        #expect(plain[7] != want[7])
    }

    static let growing = """
    # growing.dmm
    size 16x12
    fps 30
    x: coord.x
    y: coord.y
    c: sin
    out: rgb
    grow: clone(of: "c", scale: 2, gain: 0.5, at: 2, every: 3, times: 2)
    c.a = 0
    c.b = 3 x + y
    out.r = 0.6 c
    out.g = -0.4 c

    """

    @Test func aPatchThatGrowsRunsLiveAndSavesItsTwins() throws {
        let dir = LiveFixtures.tempDir()
        let path = dir + "/g.dmm"
        try LiveFixtures.write(Self.growing, to: path)
        let s = try SteppedSession(Self.growing, frames: 12, file: path)
        s.step(4)
        #expect(s.session.network.index(of: "g1_c") != nil && s.session.network.index(of: "g2_c") == nil)
        s.step(4)
        guard case .text(let status) = s.submit("status") else { Issue.record("status"); return }
        #expect(status.contains("7 neurons"), "\(status)")   // x, y, c, out, grow, g1_c, g2_c
        #expect(s.weight("g2_c.b", "x") == 12 && s.weight("out.r", "g2_c") == Float(0.6) * 0.25)
        _ = s.submit("save")
        s.step(1)
        s.finish()
        // Frame by frame what a plain plan of the same patch draws (it grows at the same ticks).
        let want = try LiveSessionTests.baseline(Self.growing, ticks: 12)
        for t in 0..<12 { #expect(s.capture.frame(t) == want[t], "tick \(t)") }
        // The saved file holds the twins; loaded again, the clone counts them as grown and
        // adds nothing more.
        let back = try PatchLoader.load(path: path).network
        #expect(back.neurons.map(\.name) == s.session.network.neurons.map(\.name))
        let plan = try TickPlan(network: back)
        for _ in 0..<10 { plan.tick() }
        #expect(plan.network.neurons.count == back.neurons.count && plan.lastGrowthError == nil)
    }
}
