import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Testing

/// README claims about `dmm render`, `inspect`, `fmt` and `kinds`, checked through the real
/// binary as a user meets them. Each test fails when its claim is false (docs/CLAIMS.md).
@Suite struct ClaimsRenderTests {
    /// A small audiovisual patch with noise in its sound, so determinism covers the seeded
    /// generator as well as the picture and the WAV.
    static let audiovisual = """
        size 24x16
        fps 20
        frames 6
        rate 16000
        seed 11
        t: clock
        x: coord.x
        s: sin
        pic: rgb
        n: noise.white
        tone: osc.sine
        out: audio.out
        s.x = 5 x
        s.b = 3 t
        pic.r = s
        pic.g = 0.5 s
        pic.b = -0.3 s
        tone.freq = 330
        out.left = 0.3 tone + 0.1 n
        out.right = 0.2 tone - 0.1 n

        """

    /// "Renders are deterministic: the same patch, seed and flags give byte-identical PNG and
    /// WAV files": two separate processes, every output file byte for byte.
    @Test func audiovisualRenderIsByteIdenticalAcrossProcesses() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.audiovisual, dir, "av.dmm")
        try Claims.ok(["render", "av.dmm", "-o", "a", "-q"], in: dir)
        try Claims.ok(["render", "av.dmm", "-o", "b", "-q"], in: dir)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/a").sorted()
        #expect(names == ["audio.wav"] + (1...6).map { String(format: "frame_%05d.png", $0) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/b").sorted() == names)
        for n in names {
            let a = Claims.bytes(dir + "/a/" + n)
            #expect(!a.isEmpty && a == Claims.bytes(dir + "/b/" + n), "\(n) differs between two processes")
        }
        // The noise is really in the WAV (left and right differ by it), so the check covers it.
        let audio = try AudioFileWriter.read(path: dir + "/a/audio.wav")
        #expect(audio.channels == 2 && audio.samples.count == 2 * 6 * 16_000 / 20)
        let diff = stride(from: 0, to: audio.samples.count, by: 2).map { audio.samples[$0] - audio.samples[$0 + 1] }
        #expect(Claims.rms(diff[...]) > 0.02)
    }

    /// "renders the built-in demo into renders/demo/ (90 PNG frames)" with no patch named.
    @Test func demoIsNinetyFramesInRendersDemo() throws {
        let dir = CLI.tempDir()
        try Claims.ok(["render", "-q"], in: dir)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/renders/demo").sorted()
        #expect(names == (1...90).map { String(format: "frame_%05d.png", $0) })
        let last = try PNGCodec.read(path: dir + "/renders/demo/frame_00090.png")
        #expect(last.width == 256 && last.height == 256)
    }

    /// WAV (and the other formats) from `dmm synth`, noise included: byte-identical across
    /// processes.
    @Test(arguments: ["wav16", "wav24", "float", "flac", "ogg"])
    func synthIsByteIdenticalAcrossProcesses(_ format: String) throws {
        let dir = CLI.tempDir()
        let ext = ["flac": "flac", "ogg": "ogg"][format] ?? "wav"
        try Claims.write(ClaimsSynthTests.noise, dir, "n.dmm")
        try Claims.ok(["synth", "n.dmm", "-o", "a.\(ext)", "--format", format, "-q"], in: dir)
        try Claims.ok(["synth", "n.dmm", "-o", "b.\(ext)", "--format", format, "-q"], in: dir)
        let a = Claims.bytes(dir + "/a.\(ext)")
        #expect(a.count > 1000 && a == Claims.bytes(dir + "/b.\(ext)"), "\(format): two runs differ")
    }

    /// `patches/av-pulse.dmm`: "one LFO drives the picture's brightness and the tone's pitch",
    /// in sync: over one LFO cycle, each frame's mean red and the pitch of the sound written
    /// for that frame rise and fall together, the pitch over its documented 220 … 440 Hz.
    @Test func avPulseBrightnessAndPitchMoveTogether() throws {
        let dir = CLI.tempDir()
        try Claims.ok(["render", CLI.repoRoot + "/patches/av-pulse.dmm", "-o", "av", "--size", "24x24", "--frames", "60", "-q"], in: dir)
        let frames = try Claims.frames(dir + "/av", count: 60)
        let audio = try Claims.left(dir + "/av/audio.wav")
        #expect(audio.count == 60 * 1600)
        var red: [Double] = [], pitch: [Double] = []
        for f in stride(from: 0, to: 60, by: 2) {        // two frames (3200 samples, 15 Hz bins) a point
            red.append((frames[f].pixels + frames[f + 1].pixels).enumerated().filter { $0.offset % 3 == 0 }
                .reduce(0.0) { $0 + Double($1.element) } / Double(2 * 24 * 24))
            pitch.append(Claims.peakFrequency(audio[(f * 1600)..<(f * 1600 + 3200)], rate: 48_000, fftSize: 3200))
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        let (mr, mp) = (mean(red), mean(pitch))
        let cov = zip(red, pitch).reduce(0.0) { $0 + ($1.0 - mr) * ($1.1 - mp) }
        let vr = red.reduce(0.0) { $0 + ($1 - mr) * ($1 - mr) }, vp = pitch.reduce(0.0) { $0 + ($1 - mp) * ($1 - mp) }
        let correlation = cov / (vr * vp).squareRoot()
        #expect(correlation > 0.95, "brightness and pitch correlate at \(correlation): red \(red), pitch \(pitch)")
        #expect(pitch.min()! < 250 && pitch.max()! > 410, "pitch spans \(pitch.min()!) … \(pitch.max()!) Hz")
    }

    /// `--level` and `--filter` change how the PNGs are compressed, never the picture.
    @Test func levelAndFilterChangeTheBytesNotThePicture() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.audiovisual, dir, "av.dmm")
        try Claims.ok(["render", "av.dmm", "-o", "default", "-q", "--frames", "2"], in: dir)
        let reference = try Claims.frames(dir + "/default", count: 2).map(\.pixels)
        var sizes: [String: Int] = [:]
        for (name, flags) in [("l0", ["--level", "0"]), ("l9", ["--level", "9", "--filter", "all"]),
                              ("none", ["--filter", "none"]), ("sub", ["--filter", "sub"]), ("up", ["--filter", "up"]),
                              ("average", ["--filter", "average"]), ("paeth", ["--filter", "paeth"])] {
            try Claims.ok(["render", "av.dmm", "-o", name, "-q", "--frames", "2"] + flags, in: dir)
            let same = try Claims.frames(dir + "/" + name, count: 2).map(\.pixels) == reference
            #expect(same, "\(name): the picture changed")
            sizes[name] = Claims.bytes(dir + "/\(name)/frame_00002.png").count
        }
        // Level 0 stores the rows uncompressed: 24×16×3 bytes plus filter bytes and headers.
        #expect(sizes["l0"]! >= 24 * 16 * 3, "level 0 wrote \(sizes["l0"]!) bytes")
        #expect(sizes["l9"]! < sizes["l0"]!, "level 9 is not smaller than level 0: \(sizes)")
        #expect(Claims.bytes(dir + "/none/frame_00002.png") != Claims.bytes(dir + "/paeth/frame_00002.png"))
        // Out of range: a usage error, nothing written.
        let bad = try CLI.run(["render", "av.dmm", "-o", "bad", "--level", "10"], cwd: dir)
        #expect(bad.status == 64 && bad.stderr.contains("--level must be 0 to 9"))
        let badFilter = try CLI.run(["render", "av.dmm", "-o", "bad", "--filter", "best"], cwd: dir)
        #expect(badFilter.status == 64 && badFilter.stderr.contains("--filter must be one of"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
    }

    /// `--contact-sheet F`: 8 evenly spaced frames (the first and the last among them), 4 to a
    /// row, each thumbnail the frame itself when it is at most 160 pixels wide, 2-pixel gaps.
    @Test func contactSheetHoldsEightEvenlySpacedFrames() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.audiovisual, dir, "av.dmm")
        try Claims.ok(["render", "av.dmm", "-o", "f", "--frames", "15", "--contact-sheet", "sheet.png", "-q"], in: dir)
        let sheet = try PNGCodec.read(path: dir + "/sheet.png")
        #expect(sheet.width == 4 * 24 + 5 * 2 && sheet.height == 2 * 16 + 3 * 2, "sheet is \(sheet.width)x\(sheet.height)")
        let frames = try Claims.frames(dir + "/f", count: 15)
        let picks = [1, 3, 5, 7, 9, 11, 13, 15]
        for (i, f) in picks.enumerated() {
            let x0 = 2 + (i % 4) * 26, y0 = 2 + (i / 4) * 18
            var same = true
            for y in 0..<16 { for x in 0..<24 { for c in 0..<3 where
                sheet.pixels[((y0 + y) * sheet.width + x0 + x) * 3 + c] != frames[f - 1].pixels[(y * 24 + x) * 3 + c] { same = false } } }
            #expect(same, "thumbnail \(i) is not frame \(f)")
        }
        #expect(frames[0].pixels != frames[2].pixels, "the frames must differ for the check to mean anything")
    }

    /// `--gif` (through ffmpeg): an animated GIF with every frame.
    @Test(.enabled(if: FFmpeg.path() != nil, "ffmpeg is not on PATH: --gif cannot be checked (install ffmpeg)"))
    func gifHasEveryFrame() throws {
        let dir = CLI.tempDir()
        try Claims.write(Self.audiovisual, dir, "av.dmm")
        try Claims.ok(["render", "av.dmm", "-o", "g", "--frames", "6", "--gif", "-q"], in: dir)
        let gif = Claims.bytes(dir + "/g/av.gif")
        #expect(gif.starts(with: Array("GIF8".utf8)), "not a GIF")
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: FFmpeg.path()!.replacingOccurrences(of: "ffmpeg", with: "ffprobe"))
        probe.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                           "stream=nb_read_frames,width,height", "-of", "csv=p=0", dir + "/g/av.gif"]
        let out = Pipe()
        probe.standardOutput = out
        try probe.run(); probe.waitUntilExit()
        let fields = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
        #expect(fields == ["24", "16", "6"], "ffprobe: \(fields)")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: dir + "/g")).contains { $0.contains(".tmp") })
    }

    /// `dmm kinds` lists every registered kind with its inputs and outputs.
    @Test func kindsListsEveryRegisteredKindWithItsPorts() throws {
        let r = try Claims.ok(["kinds"], in: CLI.tempDir())
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let kinds = KindRegistry.builtins.ordered
        #expect(kinds.count > 30)
        for k in kinds {
            guard let at = lines.firstIndex(where: { $0 == k.name || $0.hasPrefix(k.name + "  (") }) else {
                Issue.record("dmm kinds does not list \(k.name)"); continue
            }
            if !k.configKeys.isEmpty { #expect(lines[at].contains("(" + k.configKeys.joined(separator: ", ") + ")"), "\(lines[at])") }
            let ports = at + 1 < lines.count ? lines[at + 1] : ""
            guard let kind = try? k.init(config: NeuronConfig()) else { continue }
            let (ins, outs) = (Self.names(ports, "in:", "out:"), Self.names(ports, "out:", nil))
            #expect(ins == kind.inputs.map(\.name), "\(k.name) inputs: \(ports)")
            #expect(outs == kind.outputs.map(\.name), "\(k.name) outputs: \(ports)")
        }
    }

    /// The port names between `from` and `to` on a `in: a b=1   out: y` line.
    static func names(_ line: String, _ from: String, _ to: String?) -> [String] {
        guard let a = line.range(of: from) else { return ["<missing \(from)>"] }
        var rest = line[a.upperBound...]
        if let to, let b = rest.range(of: to) { rest = rest[..<b.lowerBound] }
        let words = rest.split(separator: " ").map { String($0.split(separator: ":")[0].split(separator: "=")[0]) }
        return words == ["-"] ? [] : words
    }

    /// `dmm fmt -i` rewrites the file in place with the canonical text `dmm fmt` prints,
    /// keeps every comment, is idempotent, and the patch still renders the same picture.
    @Test func fmtInPlaceKeepsCommentsAndIsIdempotent() throws {
        let dir = CLI.tempDir()
        let messy = """
            # a messy patch
            size   8x8
            fps 10
            frames 2
            x:coord.x   # across
            t :   clock
            s:sin
            o:  rgb
            s.x=3*x+0.5·t   # phase
            o.r = s
            o.g=-0.5 s  +0.25
            # the end

            """
        try Claims.write(messy, dir, "p.dmm")
        let printed = try Claims.ok(["fmt", "p.dmm"], in: dir).stdout
        try Claims.ok(["render", "p.dmm", "-o", "before", "-q"], in: dir)
        try Claims.ok(["fmt", "-i", "p.dmm"], in: dir)
        let once = try String(contentsOfFile: dir + "/p.dmm", encoding: .utf8)
        #expect(once == printed, "fmt -i wrote something other than what fmt prints")
        #expect(once != messy)
        for comment in ["# a messy patch", "# across", "# phase", "# the end"] { #expect(once.contains(comment), "lost \(comment)") }
        try Claims.ok(["fmt", "--in-place", "p.dmm"], in: dir)
        #expect(try String(contentsOfFile: dir + "/p.dmm", encoding: .utf8) == once, "fmt -i is not idempotent")
        try Claims.ok(["render", "p.dmm", "-o", "after", "-q"], in: dir)
        #expect(try Claims.firstDifference(dir + "/before", dir + "/after", count: 2) == nil)
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: dir)).contains { $0.contains(".tmp") })
        // A broken patch is refused and left exactly as it was.
        try Claims.write("x: coord.x\no: rgb\no.r = x + nope\n", dir, "bad.dmm")
        let bad = try CLI.run(["fmt", "-i", "bad.dmm"], cwd: dir)
        #expect(bad.status == 1 && bad.stderr.hasPrefix("bad.dmm:3:"))
        #expect(try String(contentsOfFile: dir + "/bad.dmm", encoding: .utf8) == "x: coord.x\no: rgb\no.r = x + nope\n")
    }

    /// `inspect --dot FILE` writes a Graphviz digraph with a node for every neuron and an edge
    /// for every weight of the matrix `inspect` prints.
    @Test func dotFileHasEveryNeuronAndEdge() throws {
        let dir = CLI.tempDir()
        let patch = CLI.repoRoot + "/patches/plasma.dmm"
        try Claims.ok(["inspect", patch, "--dot", "g.dot"], in: dir)
        let text = try String(contentsOfFile: dir + "/g.dot", encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "digraph dmm {" && lines.last == "}")
        var nodes: [String] = [], edges: [(String, String, String)] = []
        let node = /^  "([^"]+)" \[label="[^"]*", style="rounded,filled", fillcolor="#[0-9a-f]{6}"\];$/
        let edge = /^  "([^"]+)" -> "([^"]+)" \[label="([^"]+)"\];$/
        for l in lines.dropFirst().dropLast() {
            if let m = l.wholeMatch(of: node) { nodes.append(String(m.1)) }
            else if let m = l.wholeMatch(of: edge) { edges.append((String(m.1), String(m.2), String(m.3))) }
            else { #expect(l.hasPrefix("  rankdir=") || l.hasPrefix("  node ["), "not Graphviz: \(l)") }
        }
        #expect(Set(nodes).count == nodes.count, "a node is declared twice")
        for (from, to, _) in edges { #expect(nodes.contains(from) && nodes.contains(to), "edge \(from) -> \(to) to an undeclared node") }
        // Against what inspect says: every neuron, and one edge per weight of every row.
        let network = try PatchLoader.load(path: patch).network
        for n in network.neurons.dropFirst() { #expect(nodes.contains(n.name), "no node for \(n.name)") }
        #expect(edges.count == network.matrix.count, "\(edges.count) edges for \(network.matrix.count) weights")
        let inspect = try Claims.ok(["inspect", patch], in: dir).stdout
        #expect(inspect.contains("\(network.neurons.count - 1) neurons, \(edges.count) weights"))
        #expect(edges.contains { $0 == ("s1", "s2", "0.25 → b") })
        #expect(edges.contains { $0 == ("one", "s1", "6 → a") })
        if let dot = ["/usr/bin/dot", "/usr/local/bin/dot"].first(where: FileManager.default.isExecutableFile(atPath:)) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: dot)
            p.arguments = ["-Tsvg", "-o", dir + "/g.svg", dir + "/g.dot"]
            try p.run(); p.waitUntilExit()
            #expect(p.terminationStatus == 0, "Graphviz refused the file")
        }
    }

    /// `patches/rewire.dmm` and `edit(at:, every:)`: from tick 20, every 30 ticks, the edit
    /// wired into `self` adds 3 to `s1.a` and moves 0.2 of the red channel from `s1` to `s2`.
    /// Between edits the picture is exactly that of the plain patch with k edits applied by
    /// hand; each edit shows in the picture at the frame the tick semantics give.
    @Test func rewireEditsThePictureEveryThirtyFrames() throws {
        let dir = CLI.tempDir()
        let source = try String(contentsOfFile: CLI.repoRoot + "/patches/rewire.dmm", encoding: .utf8)
        try Claims.ok(["render", CLI.repoRoot + "/patches/rewire.dmm", "-o", "rewire", "--size", "32x32", "--frames", "90", "-q"], in: dir)
        // The same network without Self, its weights after k edits written in.
        for k in 0...3 {
            var text = source.replacingOccurrences(of: "W.delta = bump\n", with: "")
                .replacingOccurrences(of: "W:    self\n", with: "")
                .split(separator: "\n").filter { !$0.hasPrefix("bump:") }.joined(separator: "\n")
            text = text.replacingOccurrences(of: "s1.a = 3\n", with: "s1.a = \(3 + 3 * k)\n")
                .replacingOccurrences(of: "out.r = 0.8 s1 + 0.2 s2", with: "out.r = \(0.8 - 0.2 * Double(k)) s1 + \(0.2 + 0.2 * Double(k)) s2")
            try Claims.write(text + "\n", dir, "plain\(k).dmm")
            try Claims.ok(["render", "plain\(k).dmm", "-o", "plain\(k)", "--size", "32x32", "--frames", "90", "-q"], in: dir)
        }
        let rewire = try Claims.frames(dir + "/rewire", count: 90).map(\.pixels)
        let plain = try (0...3).map { try Claims.frames(dir + "/plain\($0)", count: 90).map(\.pixels) }
        // Edit k fires at tick 20 + 30k (frame 21 + 30k); Self adds it to W at the end of the
        // next tick, so the new out.r row is read one tick after that (frame 23 + 30k) and the
        // new s1.a reaches `out` one connection later (frame 24 + 30k). The edits accumulate in
        // Float, the hand-written weights are rounded once: the pictures agree within a level.
        var stable = 1
        for k in 0...3 {
            let edit = 20 + 30 * k
            let last = min(90, edit + 2)          // the last frame before edit k shows
            for f in stable...last {
                let d = Self.maxDifference(rewire[f - 1], plain[k][f - 1])
                #expect(d <= 1, "frame \(f) is not the patch after \(k) edits (off by \(d) levels)")
            }
            if edit + 3 <= 90 {
                #expect(Self.maxDifference(rewire[edit + 2], plain[k][edit + 2]) > 10, "frame \(edit + 3) does not show edit \(k + 1)")
            }
            stable = edit + 5
        }
        #expect(Self.maxDifference(plain[0][40], plain[1][40]) > 10 && Self.maxDifference(plain[1][40], plain[2][40]) > 10,
                "the edits must change the picture")
    }

    /// `edit(at:, every:)` on its own: a constant picture whose red rises by 0.1 at every
    /// edit; edits at ticks 2, 7, 12, 17 show two ticks later (Self adds the ΔW at the end of
    /// the tick after the edit's; the row reads it at the next tick, whose picture is frame
    /// tick + 1).
    @Test func editEveryRepeatsOnSchedule() throws {
        let dir = CLI.tempDir()
        try Claims.write("""
            size 4x4
            fps 10
            frames 22
            W: self
            e: edit(at: 2, every: 5, delta: "{o.r:{one:0.1}}")
            o: rgb
            W.delta = e
            o.r = -0.5

            """, dir, "e.dmm")
        try Claims.ok(["render", "e.dmm", "-o", "f", "-q"], in: dir)
        let reds = try Claims.frames(dir + "/f", count: 22).map { Int($0.pixels[0]) }
        let edits = (1...22).map { f in [2, 7, 12, 17].filter { $0 + 2 <= f - 1 }.count }
        for f in 1...22 {
            let want = (-0.5 + 0.1 * Double(edits[f - 1]) + 1) * 127.5
            #expect(abs(Double(reds[f - 1]) - want) <= 1, "frame \(f): red \(reds[f - 1]), \(edits[f - 1]) edits give \(want)")
            if f > 1 { #expect((reds[f - 1] != reds[f - 2]) == (edits[f - 1] != edits[f - 2]), "frame \(f) changes off schedule: \(reds)") }
        }
    }

    /// The largest difference between two byte arrays of the same length (Int.max otherwise).
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard a.count == b.count else { return .max }
        return zip(a, b).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
    }
}
