import Testing
import Foundation
import DMMCore
import PatchLanguage
import Rendering
import Live

/// The session in process, in step mode: every edit lands at the tick it should, through ΔW.
@Suite struct LiveSessionTests {
    /// Frames of the same patch with no edits, by tick, from a plain TickPlan (the renderer's
    /// warm-up convention).
    static func baseline(_ text: String, ticks: Int, edits: [(Int, VValue)] = [], neuronEdits: [(Int, NeuronEdit)] = []) throws -> [[UInt8]] {
        let net = try LiveFixtures.loaded(text).network
        let probe = try TickPlan(network: net)
        let plan = try TickPlan(network: net, startTick: -probe.warmUpTicks)
        var audio = [Float](repeating: 0, count: max(2, net.timing.samplesPerTick * 2))
        while plan.currentTick < 0 { audio.withUnsafeMutableBufferPointer { plan.tick(audio: $0.baseAddress) } }
        var frame = [UInt8](repeating: 0, count: net.timing.pixels * 3)
        var out: [[UInt8]] = []
        for t in 0..<ticks {
            for (tick, e) in neuronEdits where tick == t { try plan.replaceNetwork(e.applied(to: plan.network)) }
            for (tick, d) in edits where tick == t { try plan.apply(delta: d) }
            frame.withUnsafeMutableBufferPointer { fb in audio.withUnsafeMutableBufferPointer { plan.tick(frame: fb.baseAddress, audio: $0.baseAddress) } }
            out.append(frame)
        }
        return out
    }

    @Test func setLandsAtTheNextTickAsDeltaW() throws {
        let dir = LiveFixtures.tempDir()
        let s = try SteppedSession(LiveFixtures.visual, frames: 12, record: dir + "/log")
        s.step(5)
        #expect(s.session.currentTick == 5)
        #expect(s.submit("set s1.a 3") == .queued("set s1.a 3", due: nil))
        #expect(s.weight("s1.a", "one") == 6)      // not before its tick
        s.step(1)
        #expect(s.weight("s1.a", "one") == 3)
        s.finish()
        #expect(s.events.applied.map(\.0) == [5])
        let log = try String(contentsOfFile: dir + "/log", encoding: .utf8)
        #expect(log.split(separator: "\n").filter { !$0.hasPrefix("#") } == ["5\t{s1.a:{one:-3}}"])
        // Frame by frame equal to a plain plan given the same ΔW at tick 5, and different from
        // one that took it at tick 4 or 6.
        let want = try Self.baseline(LiveFixtures.visual, ticks: 12, edits: [(5, VValue(["s1.a": ["one": -3.0]]))])
        for t in 0..<12 { #expect(s.capture.frame(t) == want[t], "tick \(t)") }
        let early = try Self.baseline(LiveFixtures.visual, ticks: 12, edits: [(4, VValue(["s1.a": ["one": -3.0]]))])
        let late = try Self.baseline(LiveFixtures.visual, ticks: 12, edits: [(6, VValue(["s1.a": ["one": -3.0]]))])
        #expect(early[5] != want[5] && late[6] != want[6])
    }

    @Test func glideTakesOneStepPerTickAndLandsExactly() throws {
        let s = try SteppedSession(LiveFixtures.visual, frames: 20)
        s.step(2)
        _ = s.submit("glide s1.a 3 4t")
        var seen: [Float] = []
        for _ in 0..<5 { s.step(1); seen.append(s.weight("s1.a", "one")) }
        #expect(seen == [5.25, 4.5, 3.75, 3, 3])
        _ = s.submit("glide s1.a 4 0.1s")    // 0.1 s at 30 fps = 3 ticks
        s.step(3)
        #expect(s.weight("s1.a", "one") == 4)
        s.finish()
    }

    @Test func connectCutRowsDeltaAndUndo() throws {
        let dir = LiveFixtures.tempDir()
        let s = try SteppedSession(LiveFixtures.visual, frames: 20, record: dir + "/log")
        s.step(1)
        _ = s.submit("connect y -> s1.b 0.5")
        s.step(1)
        #expect(s.weight("s1.b", "y") == 0.5)
        _ = s.submit("s1.x = 2 x - y")
        s.step(1)
        #expect(s.weight("s1.x", "x") == 2 && s.weight("s1.x", "y") == -1)
        _ = s.submit("s1.x += 0.25 y")
        _ = s.submit("delta {s1.a:{one:0.5}}")
        s.step(1)
        #expect(s.weight("s1.x", "y") == -0.75 && s.weight("s1.a", "one") == 6.5)
        _ = s.submit("cut y -> s1.b")
        s.step(1)
        #expect(s.weight("s1.b", "y") == 0)
        _ = s.submit("undo")          // the cut
        s.step(1)
        #expect(s.weight("s1.b", "y") == 0.5)
        _ = s.submit("undo")          // the delta
        _ = s.submit("undo")          // the += row
        s.step(1)
        #expect(s.weight("s1.a", "one") == 6 && s.weight("s1.x", "y") == -1)
        s.finish()
        // The log replays onto a fresh network to the same matrix.
        let net = try LiveFixtures.loaded(LiveFixtures.visual).network
        let log = try EditLogFile.readLog(path: dir + "/log", network: net)
        var replayed = net
        for e in log.edits { try replayed.apply(delta: e.delta) }
        #expect(replayed.matrix == s.session.network.matrix)
        #expect(log.edits.map(\.tick) == [1, 2, 3, 4, 5, 6])
    }

    @Test func badEditsAreRefusedAndThePatchRunsOn() throws {
        let s = try SteppedSession(LiveFixtures.visual, frames: 10)
        guard case .error(let e1) = s.submit("set s9.a 1") else { Issue.record("s9"); return }
        #expect(e1 == "unknown neuron 's9'; did you mean 's1'?")
        guard case .error(let e2) = s.submit("set s1.q 1") else { Issue.record("s1.q"); return }
        #expect(e2.contains("'s1' (sin) has no input 'q'") && e2.contains("its inputs are a, x, b"))
        guard case .error(let e3) = s.submit("add s3: sinn") else { Issue.record("sinn"); return }
        #expect(e3.contains("unknown neuron kind 'sinn'") && e3.contains("did you mean 'sin'?"))
        #expect(s.submit("undo") == .queued("undo", due: nil))
        s.step(2)
        #expect(s.events.rejected == ["undo: nothing to undo"])
        _ = s.submit("set s1.a 2")
        s.step(1)
        #expect(s.weight("s1.a", "one") == 2)
        s.finish()
        #expect(s.capture.count == 10)
    }

    @Test func mixingAFieldIntoASignalIsRefusedAtItsTick() throws {
        let av = LiveFixtures.visual.replacingOccurrences(of: "out: rgb", with: "out: rgb\no1: osc.sine\nsnd: audio.out")
            + "o1.freq = 220\nsnd.left = 0.1 o1\n"
        let s = try SteppedSession(av, frames: 6)
        s.step(1)
        #expect(s.submit("connect x -> o1.freq 1") == .queued("set o1.freq 1 x", due: nil))
        s.step(1)
        #expect(s.events.rejected.count == 1)
        #expect(s.events.rejected.first?.contains("cannot connect field 'x' to signal input 'o1.freq'") == true)
        #expect(s.weight("o1.freq", "x") == 0)
        s.finish()
    }

    @Test func addingANeuronKeepsEveryStateAndRemovingItToo() throws {
        let dir = LiveFixtures.tempDir()
        let s = try SteppedSession(LiveFixtures.visual, frames: 16, record: dir + "/log")
        s.step(4)
        _ = s.submit("add s3: sin")
        _ = s.submit("connect x -> s3.x 1")   // same tick: neurons first, then the ΔW
        s.step(3)
        _ = s.submit("remove s3")
        s.step(2)
        #expect(s.session.network.index(of: "s3") == nil)
        _ = s.submit("undo")                   // s3 comes back with its weight
        s.step(1)
        #expect(s.weight("s3.x", "x") == 1)
        s.finish()
        // s3 never feeds the picture, so every frame equals the unedited patch: the clock and
        // the feedback buffer kept their state through three recompiles.
        let want = try Self.baseline(LiveFixtures.visual, ticks: 16)
        for t in 0..<16 { #expect(s.capture.frame(t) == want[t], "tick \(t)") }
        let lines = try String(contentsOfFile: dir + "/log", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == ["4\tdeclare s3: sin", "4\t{s3.x:{x:1}}", "7\tremove s3", "9\tdeclare s3: sin", "9\t{s3.x:{x:1}}"])
    }

    @Test func scheduledEditsApplyAtTheirTick() throws {
        let s = try SteppedSession(LiveFixtures.visual, frames: 30)
        #expect(s.submit("at 10 set s1.a 2") == .queued("set s1.a 2", due: 10))
        s.step(3)
        #expect(s.submit("at +4 set s1.a 5") == .queued("set s1.a 5", due: 7))
        s.step(20)
        s.finish()
        #expect(s.events.applied.map(\.0) == [7, 10])
        #expect(s.weight("s1.a", "one") == 2)
    }

    @Test func queriesDescribeTheRunningPatch() throws {
        let s = try SteppedSession(LiveFixtures.visual, frames: 10)
        s.step(2)
        guard case .text(let show) = s.submit("show s1") else { Issue.record("show"); return }
        #expect(show.contains("s1: sin [field]"))
        #expect(show.contains("s1.a = 6") && show.contains("s1.x = x + 0.5 y") && show.contains("s1.b = 2 t"))
        #expect(show.contains("feeds out.r (0.8)"))
        guard case .text(let clock) = s.submit("show t") else { Issue.record("show t"); return }
        #expect(clock.contains("t is "))
        guard case .text(let all) = s.submit("show") else { Issue.record("show all"); return }
        #expect(all.contains("fb") && all.contains("feedback [field]"))
        guard case .text(let m) = s.submit("matrix") else { Issue.record("matrix"); return }
        #expect(m.contains("out.g = 0.5 s1 + 0.3 fb"))
        guard case .text(let st) = s.submit("status") else { Issue.record("status"); return }
        #expect(st.hasPrefix("tick 2 (frame 3"))
        guard case .text(let h) = s.submit("help") else { Issue.record("help"); return }
        #expect(h.contains("glide s1.a 6.5 2s"))
        s.finish()
    }

    @Test func saveWritesTheRunningWeightsKeepingComments() throws {
        let dir = LiveFixtures.tempDir()
        let path = dir + "/p.dmm"
        try LiveFixtures.write(LiveFixtures.visual, to: path)
        let s = try SteppedSession(LiveFixtures.visual, frames: 10, file: path)
        _ = s.submit("set s1.a 2.5")
        _ = s.submit("add s3: cos")
        s.step(1)
        _ = s.submit("connect x -> s3.x 0.5")
        _ = s.submit("remove fb")
        s.step(2)
        guard case .text(let r) = s.submit("save") else { Issue.record("save"); return }
        #expect(r == "saved \(path)")
        s.finish()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# live-test.dmm"))
        #expect(text.contains("s1.a = 2.5") && text.contains("s3.x = 0.5 x"))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("s3:") && $0.hasSuffix(" cos") })
        #expect(!text.contains("fb"))
        // It loads back to the running network.
        let back = try PatchLoader.load(path: path).network
        #expect(back.matrix.count == s.session.network.matrix.count)
    }

    @Test func watchMorphsKeepsStateAndSurvivesSyntaxErrors() throws {
        let dir = LiveFixtures.tempDir()
        let path = dir + "/p.dmm"
        try LiveFixtures.write(LiveFixtures.visual, to: path)
        let s = try SteppedSession(LiveFixtures.visual, frames: 30, file: path)
        let watcher = PatchWatcher(session: s.session, path: path, morph: .ticks(4))
        let failures = Box<[String]>([])
        watcher.onEvent = { if case .failed(let d) = $0 { failures.update { $0.append(d) } } }
        s.step(3)
        // A syntax error: reported with the PatchError's description, nothing changes.
        try LiveFixtures.write(LiveFixtures.visual.replacingOccurrences(of: "s1.a = 6", with: "s1.a = 6 +"), to: path)
        #expect(watcher.reload() == false)
        #expect(failures.value.count == 1)
        #expect(failures.value.first?.hasPrefix("\(path):12:") == true)
        #expect(failures.value.first?.contains("error:") == true)
        s.step(1)
        #expect(s.weight("s1.a", "one") == 6)
        // A good save: s1.a morphs 6 → 2 over 4 ticks, a neuron appears, one goes.
        let edited = LiveFixtures.visual
            .replacingOccurrences(of: "s1.a = 6", with: "s1.a = 2")
            .replacingOccurrences(of: "out: rgb", with: "out: rgb\ns2: cos")
            .replacingOccurrences(of: "fb.in = 0.5 out.g + 0.45 fb\nfb.zoom = 1.02\n", with: "s2.x = y\n")
            .replacingOccurrences(of: "fb: feedback\n", with: "")
            .replacingOccurrences(of: " + 0.3 fb", with: " + 0.3 s2")
        try LiveFixtures.write(edited, to: path)
        #expect(watcher.reload())
        var a: [Float] = []
        for _ in 0..<5 { s.step(1); a.append(s.weight("s1.a", "one")) }
        #expect(a == [5, 4, 3, 2, 2])
        #expect(s.session.network.index(of: "s2") != nil)
        #expect(s.session.network.index(of: "fb") == nil)
        #expect(s.weight("out.g", "s2") == 0.3)
        s.finish()
    }

    @Test func oscBundlesLandAtTheirTimetagTick() throws {
        let dir = LiveFixtures.tempDir()
        let s = try SteppedSession(LiveFixtures.visual, frames: 30, record: dir + "/log")
        let server = try OSCServer(session: s.session, port: 0)
        #expect(server.isLoopback)
        let queued = DispatchSemaphore(value: 0)
        let dues = Box<[Int?]>([])
        server.onEvent = { if case .received(_, let due, _) = $0 { dues.update { $0.append(due) }; queued.signal() } }
        server.start()
        defer { server.stop() }
        s.step(3)
        let sender = try OSCSender(port: server.port)
        let t0 = s.session.tickZeroWallTime, dt = s.session.secondsPerTick
        let at12 = OSCCodec.timetag(unix: t0 + 11.5 * dt)
        sender.send(.bundle(timetag: at12, elements: [.message(OSCMessage("/s1/a", [.float(2)]))]))
        sender.send(.bundle(timetag: OSCCodec.immediately, elements: [.message(OSCMessage("/dmm/connect", [.string("y"), .string("s1.b"), .float(0.5)]))]))
        #expect(queued.wait(timeout: .now() + 5) == .success && queued.wait(timeout: .now() + 5) == .success)
        #expect(dues.value == [12, nil])
        s.step(15)
        s.finish()
        let lines = try String(contentsOfFile: dir + "/log", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == ["3\t{s1.b:{y:0.5}}", "12\t{s1.a:{one:-4}}"])
    }

    @Test func recordThenReplayIsByteIdentical() throws {
        let dir = LiveFixtures.tempDir()
        let path = dir + "/p.dmm"
        try LiveFixtures.write(LiveFixtures.visual, to: path)
        var o = LiveSession.Options()
        o.pacing = .step
        o.frames = 24
        let loaded = try PatchLoader.load(path: path)
        let session = try LiveSession(patch: loaded, options: o)
        session.sinks = [try FrameSequenceSink(directory: dir + "/live", timing: loaded.network.timing, withAudio: false)]
        session.recorder = try EditRecorder(path: dir + "/log", patch: path)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { session.run(); done.signal() }
        session.step(3)
        _ = session.submit("glide s1.a 2 5t")
        session.step(2)
        _ = session.submit("add s2: sin")
        session.step(1)
        _ = session.submit("s2.x = 3 y")
        _ = session.submit("connect s2 -> out.b 0.7")
        session.step(4)
        _ = session.submit("at 15 undo")
        session.endOfInput()
        done.wait()
        var ro = FrameRenderer.Options(directory: dir + "/replay", frames: 24)
        let log = try EditLogFile.readLog(path: dir + "/log", network: loaded.network)
        ro.edits = log.edits; ro.neuronEdits = log.neuronEdits
        _ = try FrameRenderer.render(network: loaded.network, options: ro)
        #expect(Frames.firstDifference(dir + "/live", dir + "/replay", count: 24) == nil)
        // And the edits did change the picture from tick 4 on (frame 5 = tick 4 shows s1's change).
        let bo = FrameRenderer.Options(directory: dir + "/base", frames: 24)
        _ = try FrameRenderer.render(network: loaded.network, options: bo)
        #expect(Frames.firstDifference(dir + "/live", dir + "/base", count: 24) == 5)
    }

    @Test func audioSignalGainsGlideInsteadOfJumping() throws {
        let s = try SteppedSession(LiveFixtures.audio, frames: 40, smoothing: 0.005)
        s.step(2)
        _ = s.submit("set out.left 0.6 o1")   // a signal gain: 5 ms = 4 blocks of 64 at 48 kHz
        var g: [Float] = []
        for _ in 0..<5 { s.step(1); g.append(s.weight("out.left", "o1")) }
        for (got, want) in zip(g, [0.3, 0.4, 0.5, 0.6, 0.6] as [Float]) { #expect(abs(got - want) < 1e-6) }
        #expect(g.last == 0.6)
        _ = s.submit("set o1.freq 440")       // a constant: the signal stroke ramps it in-block
        s.step(1)
        #expect(s.weight("o1.freq", "one") == 440)
        s.finish()
    }
}

/// The latency measurement itself (figures depend on the machine; only sanity is checked).
@Suite struct LatencyProbeTests {
    @Test func everyPacketIsAppliedWithinAFewTicks() throws {
        let r = try LatencyProbe.measure(count: 40)
        #expect(r.count == 40 && r.lost == 0)
        #expect(abs(r.secondsPerTick - 64.0 / 48_000) < 1e-12)
        #expect(r.arrivalToApplied.allSatisfy { $0 >= 0 })
        // The README's figure is a median of 0.71 ms (one tick is 1.33 ms); the bound is its
        // order of magnitude (ten times it), loose enough for a loaded machine's wake-ups.
        #expect(LatencyProbe.Report.median(r.arrivalToApplied) < 0.0071)
        #expect(r.json.contains("\"packets\": 40"))
    }
}
