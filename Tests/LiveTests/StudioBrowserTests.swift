import Testing
import Foundation

/// The studio in a real browser: headless Chromium (Debian's `chromium` + `chromium-driver`,
/// Selenium from PyPI; `.ci/run` installs them) driven by `Browser/studio_driver.py`.
/// Skipped, with this reason shown, only when those are not installed.
@Suite(.serialized) struct StudioBrowserTests {
    static var browserReady: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && (try? Tool.run("/usr/bin/env", ["python3", "-c", "import selenium"]).status) == 0
    }

    /// A static picture (no clock: frames change only when W does) and a steady tone.
    static let patch = """
    # studio-browser.dmm
    size 64x48
    fps 30
    rate 48000

    x: coord.x
    y: coord.y
    s1: sin
    pic: rgb
    tone: osc.sine
    out: audio.out

    s1.a = 6
    s1.x = x + 0.5 y
    pic.r = 0.8 s1
    pic.g = 0.5 s1
    pic.b = -0.6 s1 + 0.2
    tone.freq = 330
    out.left = 0.3 tone
    out.right = 0.3 tone
    """ + "\n"

    @Test(.enabled(if: browserReady, "needs /usr/bin/chromium, /usr/bin/chromedriver and python3 -m selenium (apt-get install chromium chromium-driver; pip install selenium)"))
    func studioInChromium() throws {
        let dir = LiveFixtures.tempDir()
        try LiveFixtures.write(Self.patch, to: dir + "/b.dmm")
        let p = try DMMProcess(["live", "b.dmm", "--serve", "0", "--no-audio", "--plain", "--record", "b.log"], cwd: dir)
        defer { p.process.terminate() }
        guard let port = StudioHTTP.port(p) else { Issue.record("no studio line: \(p.stdout) \(p.stderr)"); return }
        let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Browser/studio_driver.py").path
        let shot = dir + "/studio.png"
        let r = try Tool.run("/usr/bin/env", ["python3", driver, "http://127.0.0.1:\(port)/", shot], timeout: 120)
        #expect(r.status == 0, "driver failed: \(r.stderr)")
        guard let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            Issue.record("driver said: \(r.stdout) \(r.stderr)"); return
        }
        #expect(o["error"] == nil, "\(o)")
        // The canvas shows exactly the patch's frame of the tick it says.
        let cmp = o["canvasVsPNG"] as? [String: Any] ?? [:]
        #expect(cmp["width"] as? Int == 64 && cmp["height"] as? Int == 48, "\(cmp)")
        #expect((cmp["maxDiff"] as? Int ?? 99) <= 2 && cmp["badValues"] as? Int == 0, "\(cmp)")
        let cmp2 = o["canvasAfterEdit"] as? [String: Any] ?? [:]
        #expect((cmp2["maxDiff"] as? Int ?? 99) <= 2, "\(cmp2)")
        // The slider moved s1.a, the matrix followed, the picture changed.
        let s1a = o["matrixS1a"] as? Double ?? 0
        #expect(s1a > 7, "s1.a is \(s1a)")
        #expect((o["framesChanged"] as? Int ?? 0) > 1000, "\(o["framesChanged"] ?? "nil") values changed")
        // The heatmap: a click selects the cell, each wheel notch up adds 5 % of the weight.
        #expect((o["cellSelected"] as? String ?? "").hasPrefix("s1.a ← one"), "\(o["cellSelected"] ?? "nil")")
        let wheeled = o["matrixS1aAfterWheel"] as? Double ?? 0
        #expect(abs(wheeled - s1a * 1.05 * 1.05 * 1.05) < 2e-3, "\(s1a) → \(wheeled)")
        // The page plays sound: the AudioWorklet's level of a 0.3-amplitude sine is 0.3/√2 ≈ 0.212 (−13.5 dB).
        let audio = o["audio"] as? [String: Any] ?? [:]
        let rms = audio["rms"] as? Double ?? 0
        #expect(abs(rms - 0.3 / 2.0.squareRoot()) < 0.03, "rms \(rms)")
        // The editor: an error at its line and column (the running patch untouched), then a morph.
        let pe = o["patchError"] as? [String: Any] ?? [:]
        #expect((pe["text"] as? String ?? "").hasPrefix("b.dmm:14:12: error: unknown neuron 's9'"), "\(pe)")
        #expect(pe["line"] as? Int == 14, "\(pe)")
        #expect((o["patchApplied"] as? String ?? "").contains("morphing over 500ms"), "\(o["patchApplied"] ?? "nil")")
        // Every slider edit went through the command path: --record logged them at their ticks.
        p.process.interrupt()
        _ = p.wait(timeout: 10)
        let log = try String(contentsOfFile: dir + "/b.log", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let ticks = (o["editTicks"] as? [Int]) ?? []
        // The slider's edits, then the morph's glide (one ΔW per tick over 500 ms) from the editor.
        // (Two edits landing at one tick share a log line.)
        let unique = Array(Set(ticks)).sorted()
        let sliderLines = log.prefix(unique.count)
        #expect(!unique.isEmpty && sliderLines.allSatisfy { $0.contains("s1.a:{one:") })
        #expect(sliderLines.compactMap { Int($0.split(separator: "\t")[0]) } == unique, "log \(log.prefix(3)) ticks \(ticks.prefix(3))")
        #expect(log.count > unique.count + 10)
        // Latency, as the page measured it.
        let lat = o["latency"] as? [String: Any] ?? [:]
        let edit = lat["editToAppliedMs"] as? [String: Any] ?? [:], frame = lat["tickToCanvasMs"] as? [String: Any] ?? [:]
        print("studio latency: edit → applying tick median \(edit["median"] ?? "?") ms, p99 \(edit["p99"] ?? "?") ms (n=\(edit["n"] ?? "?")); "
              + "tick → canvas median \(frame["median"] ?? "?") ms, p99 \(frame["p99"] ?? "?") ms (n=\(frame["n"] ?? "?"))")
        #expect((edit["median"] as? Double ?? 1e9) < 200)
        #expect((frame["median"] as? Double ?? 1e9) < 200)
        if let out = ProcessInfo.processInfo.environment["DMM_STUDIO_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: out)
            try FileManager.default.copyItem(atPath: shot, toPath: out)
        }
    }
}
