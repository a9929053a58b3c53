import Testing
import Foundation

/// `dmm live --serve` driven over HTTP as a script (or an attacker's page) would: the real
/// binary on a free port, raw requests on 127.0.0.1.
@Suite(.serialized) struct StudioCLITests {
    let dir = LiveFixtures.tempDir()
    var patch: String { dir + "/p.dmm" }

    init() throws { try LiveFixtures.write(LiveFixtures.visual, to: dir + "/p.dmm") }

    func start(_ extra: [String]) throws -> (DMMProcess, Int) {
        let p = try DMMProcess(["live", patch, "--serve", "0", "--no-audio", "--plain"] + extra, cwd: dir)
        guard let port = StudioHTTP.port(p) else {
            p.process.terminate()
            throw StudioTestError("no studio line: \(p.stdout) \(p.stderr)")
        }
        return (p, port)
    }

    /// The page and its files are served; `/frame.png` is a PNG of the newest tick and
    /// changes as the patch runs.
    @Test func frameChangesOverTime() throws {
        let (p, port) = try start(["--ticks-per-second", "30"])
        defer { p.process.terminate() }
        let page = try StudioHTTP.request("GET", port: port, path: "/")
        #expect(page.status == 200 && page.text.contains("<title>dmm studio</title>"))
        #expect(page.headers["x-frame-options"] == "DENY")
        let js = try StudioHTTP.request("GET", port: port, path: "/studio.js")
        #expect(js.status == 200 && js.headers["content-type"]?.hasPrefix("text/javascript") == true)
        Thread.sleep(forTimeInterval: 0.3)
        let a = try StudioHTTP.request("GET", port: port, path: "/frame.png")
        Thread.sleep(forTimeInterval: 0.4)
        let b = try StudioHTTP.request("GET", port: port, path: "/frame.png")
        #expect(a.status == 200 && b.status == 200)
        #expect(a.headers["content-type"] == "image/png")
        #expect(Array(a.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let ta = Int(a.headers["x-dmm-tick"] ?? "") ?? -1, tb = Int(b.headers["x-dmm-tick"] ?? "") ?? -1
        #expect(ta >= 0 && tb > ta, "ticks \(ta) then \(tb)")
        #expect(a.body != b.body)
        // The frame of a kept tick by number; a tick long gone is a 404 with a reason.
        let same = try StudioHTTP.request("GET", port: port, path: "/frame.png?tick=\(tb)")
        #expect(same.status == 200 && same.body == b.body)
        let gone = try StudioHTTP.request("GET", port: port, path: "/frame.png?tick=-5")
        #expect(gone.status == 404 && gone.text.contains("no longer kept"))
        let bad = try StudioHTTP.request("GET", port: port, path: "/frame.png?tick=abc")
        #expect(bad.status == 400)
    }

    /// `POST /edit set s1.a 9` in step mode lands at the same tick as the same line on stdin:
    /// the frames, and the `--record` logs, are identical; `/matrix` shows the new weight.
    @Test func postEditEqualsStdinEdit() throws {
        let (p, port) = try start(["--step", "--frames", "12", "--output", "web", "--record", "web.log"])
        p.send("step 4")
        #expect(p.waitFor("at tick 4") != nil)
        let before = try StudioHTTP.request("GET", port: port, path: "/matrix")
        #expect(before.status == 200 && before.headers["content-type"] == "application/json")
        #expect(try StudioHTTP.weight(before.body, "s1.a", "one") == 6)
        let r = try StudioHTTP.request("POST", port: port, path: "/edit", body: "set s1.a 9\n")
        #expect(r.status == 200 && r.text == "queued: set s1.a 9\n", "\(r.status) \(r.text)")
        p.send("step 1")
        #expect(p.waitFor("at tick 5") != nil)
        let after = try StudioHTTP.request("GET", port: port, path: "/matrix")
        #expect(try StudioHTTP.weight(after.body, "s1.a", "one") == 9)
        // GET /patch is what 'save' would write: the running weights in the patch's own layout.
        let text = try StudioHTTP.request("GET", port: port, path: "/patch")
        #expect(text.status == 200 && text.text.contains("s1.a = 9") && text.text.hasPrefix("# live-test.dmm"))
        p.closeInput()
        #expect(p.wait() == 0, "\(p.stderr)")
        #expect(p.stdout.contains { $0.contains("@4 api: set s1.a 9") })

        let q = try DMMProcess(["live", patch, "--step", "--frames", "12", "--output", "stdin", "--record", "stdin.log",
                                "--no-audio", "--plain"], cwd: dir)
        for l in ["step 4", "set s1.a 9"] { q.send(l) }
        q.closeInput()
        #expect(q.wait() == 0, "\(q.stderr)")
        #expect(Frames.firstDifference(dir + "/web", dir + "/stdin", count: 12) == nil)
        let log = { (f: String) in try String(contentsOfFile: self.dir + "/" + f, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") } }
        #expect(try log("web.log") == ["4\t{s1.a:{one:3}}"])
        #expect(try log("web.log") == log("stdin.log"))
        let base = try DMMProcess.run(["render", patch, "-o", dir + "/base", "--frames", "12", "-q"], cwd: dir)
        #expect(base.status == 0)
        #expect(Frames.firstDifference(dir + "/web", dir + "/base", count: 12) == 6)
    }

    /// Bad commands and bad patches are 4xx with the reason (line and column for patches);
    /// foreign Origins and Hosts are refused before anything runs.
    @Test func refusals() throws {
        let (p, port) = try start(["--step", "--frames", "50"])
        defer { p.process.terminate() }
        let typo = try StudioHTTP.request("POST", port: port, path: "/edit", body: "set s9.a 1")
        #expect(typo.status == 400 && typo.text == "error: unknown neuron 's9'; did you mean 's1'?\n", "\(typo.text)")
        let verb = try StudioHTTP.request("POST", port: port, path: "/edit", body: "frobnicate s1.a")
        #expect(verb.status == 400 && verb.text.hasPrefix("error: "))
        let two = try StudioHTTP.request("POST", port: port, path: "/edit", body: "set s1.a 1\nset s1.a 2")
        #expect(two.status == 400 && two.text.contains("one command line"))
        let big = try StudioHTTP.request("POST", port: port, path: "/edit", body: String(repeating: "x", count: 70_000))
        #expect(big.status == 413)
        let get = try StudioHTTP.request("GET", port: port, path: "/edit")
        #expect(get.status == 405)
        let badPatch = try StudioHTTP.request("POST", port: port, path: "/patch", body: "t: clock\nout: rgb\nout.r = t + s9\n")
        #expect(badPatch.status == 400 && badPatch.text.hasPrefix(patch + ":3:13: error: unknown neuron 's9'"), "\(badPatch.text)")

        // CSRF: a page on another origin posting an edit; DNS rebinding: a foreign Host name.
        let csrf = try StudioHTTP.request("POST", port: port, path: "/edit", body: "set s1.a 1", headers: ["Origin": "http://evil.example"])
        #expect(csrf.status == 403 && csrf.text.contains("another origin"))
        let rebinding = try StudioHTTP.request("GET", port: port, path: "/patch", headers: ["Host": "evil.example:\(port)"])
        #expect(rebinding.status == 403)
        let wrongPort = try StudioHTTP.request("GET", port: port, path: "/matrix", headers: ["Host": "127.0.0.1:1"])
        #expect(wrongPort.status == 403)
        let ws = ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"]
        var foreign = ws; foreign["Origin"] = "http://evil.example"
        #expect(try StudioHTTP.request("GET", port: port, path: "/ws", headers: foreign).status == 403)
        var own = ws; own["Origin"] = "http://127.0.0.1:\(port)"
        let upgraded = try StudioHTTP.request("GET", port: port, path: "/ws", headers: own)
        #expect(upgraded.status == 101 && upgraded.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        // Same-origin requests pass; nothing refused was applied.
        let mine = try StudioHTTP.request("POST", port: port, path: "/edit", body: "set s1.a 2", headers: ["Origin": "http://localhost:\(port)", "Host": "localhost:\(port)"])
        #expect(mine.status == 200)
        p.send("step 1")
        #expect(p.waitFor("at tick 1") != nil)
        #expect(try StudioHTTP.weight(StudioHTTP.request("GET", port: port, path: "/matrix").body, "s1.a", "one") == 2)
        #expect(p.stdout.filter { $0.contains("api: set s1.a") }.count == 1)
    }

    /// Beyond loopback a token printed at start is required (except for the static assets).
    @Test func tokenBeyondLoopback() throws {
        let p = try DMMProcess(["live", patch, "--serve", "0", "--serve-host", "0.0.0.0", "--no-audio", "--plain", "--step", "--frames", "10"], cwd: dir)
        defer { p.process.terminate() }
        guard let line = p.waitFor("studio: http://"), let port = StudioHTTP.port(p) else { Issue.record("no studio line: \(p.stderr)"); return }
        guard let token = line.split(separator: "token=").last.map(String.init), token.count == 32 else { Issue.record("no token in \(line)"); return }
        #expect(p.waitFor("reachable from other machines", stderr: true) != nil)
        #expect(try StudioHTTP.request("GET", port: port, path: "/matrix").status == 401)
        #expect(try StudioHTTP.request("GET", port: port, path: "/matrix?token=" + String(repeating: "0", count: 32)).status == 401)
        #expect(try StudioHTTP.request("GET", port: port, path: "/matrix?token=" + token).status == 200)
        #expect(try StudioHTTP.request("GET", port: port, path: "/matrix", headers: ["X-DMM-Token": token]).status == 200)
        #expect(try StudioHTTP.request("GET", port: port, path: "/studio.css").status == 200)
        let bad = try DMMProcess.run(["live", patch, "--serve", "0", "--serve-host", "nowhere", "--step"], cwd: dir)
        #expect(bad.status == 1 && bad.stderr.contains("--serve-host nowhere is not an IPv4 or IPv6 address"), "\(bad.stderr)")
        let range = try DMMProcess.run(["live", patch, "--serve", "70000", "--step"], cwd: dir)
        #expect(range.status == 64 && range.stderr.contains("--serve port must be 0 to 65535"))
    }
}
