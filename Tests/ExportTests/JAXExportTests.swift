import DMMCore
import Export
import Fitting
import Foundation
import PatchLanguage
import Testing

/// One python3 process evaluating many exported modules (JAX start-up is paid once):
/// per job, the render against `dmm render`'s PNGs and/or loss and an Adam run.
private let harness = #"""
import importlib.util, json, os, sys
import numpy as np

def load(path):
    spec = importlib.util.spec_from_file_location("m_" + os.path.basename(path)[:-3].replace("-", "_"), path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m

out = []
for job in json.load(open(sys.argv[1])):
    m = load(job["module"])
    r = {}
    if "render" in job:
        t = m.load_target(job["render"])
        ref = np.rint((t + 1) * np.float32(127.5)).astype(int)
        pic = m.to_bytes(m.render(m.params(), t.shape[0])).astype(int)
        d = np.abs(pic - ref)
        r["render_max"] = int(d.max())
        r["frame_max"] = [int(x) for x in d.reshape(d.shape[0], -1).max(1)]
        r["channel_max"] = [int(d[..., c].max()) for c in range(3)]
    if "target" in job:
        t = m.load_target(job["target"])
        r["loss"] = float(m.loss(m.params(), t))
        if job.get("steps"):
            res = m.fit(t, job["steps"], 0.01, job.get("batch_frames"))
            r.update(losses=res["losses"], final=res["loss"], devices=res["devices"],
                     weights={k: float(v) for k, v in res["params"].items()})
    out.append(r)
print(json.dumps(out))
"""#

/// `dmm export --jax` against the engine: render, loss, Adam, import, devices.
@Suite(.enabled(if: Proc.hasJAX, "python3 cannot import jax (pip install jax): the JAX export tests are skipped"), .serialized)
struct JAXExportTests {
    /// A patch in a folder, exported, its own render as the target and a perturbed start.
    struct Case {
        var name: String
        var dir: String
        var frames: Int
    }

    /// Writes `text` as NAME.dmm, renders it (the target, and the reference pictures),
    /// writes NAME-start.dmm (perturbed) and exports both.
    static func prepare(_ name: String, text: String, frames: Int, in root: String, filter: String = "all") throws -> Case {
        let dir = root + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Proc.write(text, to: dir + "/\(name).dmm")
        try Proc.write(try ExportFixtures.perturbed(text, file: name + ".dmm"), to: dir + "/start.dmm")
        for (patch, out) in [("\(name).dmm", "target"), ("start.dmm", "start-render")] {
            let r = try Proc.dmm(["render", patch, "--frames", "\(frames)", "--filter", filter, "-o", out, "-q"], cwd: dir)
            #expect(r.status == 0, "\(name): dmm render \(patch): \(r)")
        }
        for (patch, module) in [("\(name).dmm", "exported.py"), ("start.dmm", "start.py")] {
            let r = try Proc.dmm(["export", patch, "--jax", "-o", module], cwd: dir)
            #expect(r.status == 0, "\(name): dmm export \(patch): \(r)")
        }
        return Case(name: name, dir: dir, frames: frames)
    }

    static func python(_ jobs: [[String: Any]], in root: String, env: [String: String] = [:]) throws -> [[String: Any]] {
        try Proc.write(harness, to: root + "/harness.py")
        let data = try JSONSerialization.data(withJSONObject: jobs)
        try data.write(to: URL(fileURLWithPath: root + "/jobs.json"))
        let r = try Proc.run(Proc.python!, [root + "/harness.py", root + "/jobs.json"], cwd: root, env: env)
        #expect(r.status == 0, "python harness: \(r)")
        return Proc.json(r.stdout) as? [[String: Any]] ?? []
    }

    static func plasmaText(size: String = "48x32") throws -> String {
        let text = try String(contentsOfFile: Proc.repoRoot + "/patches/plasma.dmm", encoding: .utf8)
        return text.replacingOccurrences(of: "size 256x256", with: "size \(size)")
    }

    /// A drawing patch of patches/ at a small size, the files it names made absolute (it is
    /// rendered and exported from a temporary folder).
    static func repoPatch(_ file: String, size: String) throws -> String {
        let text = try String(contentsOfFile: Proc.repoRoot + "/patches/" + file, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("size ") ? "size \(size)" : line.replacingOccurrences(of: "file: \"", with: "file: \"\(Proc.repoRoot)/patches/")
        }.joined(separator: "\n")
    }

    static func cppnText(_ root: String) throws -> String {
        let path = root + "/cppn-template.dmm"
        let r = try Proc.dmm(["template", "cppn", "--neurons", "8", "--size", "24x20", "--frames", "5", "-o", path], cwd: root)
        #expect(r.status == 0, "dmm template: \(r)")
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The generated family (PatchGenerator, shared with the reference tests), minus patches
    /// with a kind the JAX table does not cover (named, so a new kind is visible here).
    static func family() -> [GeneratedPatch] {
        ExportFixtures.generated(1...14).filter { g in
            let uncovered = g.kinds.map { $0.hasPrefix("scalar:") ? String($0.dropFirst(7)) : $0 }.filter { JAXKinds.table[$0] == nil }
            if !uncovered.isEmpty { print("ExportTests: \(g) skipped, no JAX expression for \(uncovered.sorted())") }
            return uncovered.isEmpty
        }
    }

    // MARK: Render

    /// The exported `render` matches `dmm render` within one 8-bit level on every frame: the
    /// drawing patches of patches/ that export (plasma, kaleido, noise-flow), the CPPN
    /// template, a feedback/hsv patch and the generated family (all kinds, scalar neurons,
    /// recurrences, clock rates, feedback).
    @Test func renderMatchesDmmRender() throws {
        let root = Proc.tempDir()
        var cases: [Case] = []
        // plasma at its own size: the coordinate convention on a square frame.
        cases.append(try Self.prepare("plasma", text: try Self.plasmaText(size: "256x256"), frames: 3, in: root))
        cases.append(try Self.prepare("cppn", text: try Self.cppnText(root), frames: 5, in: root))
        cases.append(try Self.prepare("feedback-hsv", text: ExportFixtures.feedbackHSV, frames: 6, in: root))
        cases.append(try Self.prepare("shaping", text: ExportFixtures.shaping, frames: 5, in: root))
        // The other drawing patches of patches/ that export: a picture through feedback (kaleido),
        // noise, smoothstep and mirrored feedback (noise-flow).
        cases.append(try Self.prepare("kaleido", text: try Self.repoPatch("kaleido.dmm", size: "48x40"), frames: 6, in: root))
        cases.append(try Self.prepare("noise-flow", text: try Self.repoPatch("noise-flow.dmm", size: "48x40"), frames: 6, in: root))
        for edge in ["black", "clamp", "wrap", "mirror"] {
            cases.append(try Self.prepare("displaced-\(edge)", text: ExportFixtures.displaced(edge: edge), frames: 5, in: root))
        }
        let family = Self.family()
        #expect(family.count >= 10, "too few generated patches export: \(family.count)")
        for g in family { cases.append(try Self.prepare("gen\(g.seed)", text: g.text, frames: g.frames, in: root)) }
        #expect(family.contains { $0.kinds.contains("feedback") } && family.contains { $0.kinds.contains("hsv") })
        // Each at its own weights; the named patches also at their perturbed starts (the
        // generated family is already random weights).
        var jobs: [(Case, String, [String: Any])] = []
        for (k, c) in cases.enumerated() {
            jobs.append((c, "patch", ["module": c.dir + "/exported.py", "render": c.dir + "/target"]))
            if k < 3 { jobs.append((c, "perturbed start", ["module": c.dir + "/start.py", "render": c.dir + "/start-render"])) }
        }
        let results = try Self.python(jobs.map(\.2), in: root)
        try #require(results.count == jobs.count)
        for ((c, what, _), r) in zip(jobs, results) {
            let worst = r["render_max"] as? Int ?? 99
            #expect(worst <= 1, "\(c.name) (\(what)): frames differ by up to \(worst) levels, per frame \(r["frame_max"] ?? "?")")
            #expect((r["frame_max"] as? [Int])?.count == c.frames, "\(c.name): frames compared")
        }
    }

    // MARK: Shaping, noise and media

    /// smoothstep, pow, noise.value, noise.perlin, noise.worley, image and video: the exported
    /// `render` matches `dmm render` within one 8-bit level on every frame (each fixture puts
    /// one kind per channel, so the per-channel difference is the kind's), and for the
    /// differentiable ones `loss(params(), target)` is `dmm fit --steps 1`'s loss (1e-4
    /// relative) and 10 Adam steps follow dmm fit's curve within 1 % (JAX's gradients of the
    /// noise and smoothstep expressions, pow's custom JVP, against the kinds' VJPs).
    @Test func shapingNoiseAndMediaMatchDmm() throws {
        let root = Proc.tempDir()
        var cases = [try Self.prepare("shaping2", text: ExportFixtures.shaping2, frames: 5, in: root),
                     try Self.prepare("noise", text: ExportFixtures.noise, frames: 5, in: root)]
        let fitted = cases.count
        if let ffmpeg = Proc.ffmpeg {
            let dir = root + "/media-files"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let make: [[String]] = [
                ["-f", "lavfi", "-i", "testsrc2=size=40x30:rate=30", "-frames:v", "3", "-c:v", "ffv1", "clip.mkv"],
                ["-f", "lavfi", "-i", "testsrc=size=40x30:rate=1", "-frames:v", "1", "-pix_fmt", "rgb24", "small.png"],
            ]
            for args in make {
                let r = try Proc.run(ffmpeg, ["-nostdin", "-y", "-loglevel", "error"] + args, cwd: dir)
                try #require(r.status == 0, "ffmpeg \(args.last!): \(r)")
            }
            let text = ExportFixtures.media(picture: Proc.repoRoot + "/patches/picture.png", small: dir + "/small.png", video: dir + "/clip.mkv")
            cases.append(try Self.prepare("media", text: text, frames: 5, in: root))
            let module = try String(contentsOfFile: cases[2].dir + "/exported.py", encoding: .utf8)
            #expect(module.contains("_DATA[\"im\"] = _unpack(\"float32\", (1, 3, 1200),")
                    && module.contains("_DATA[\"sm\"] = _unpack(\"uint8\", (1, 3, 1200),")
                    && module.contains("_DATA[\"vd\"] = _unpack(\"uint8\", (3, 3, 1200),"), "the pixels are embedded")
            #expect(!module.contains("picture.png\"") && !module.contains("clip.mkv"), "no file is read at run time")
        } else {
            Issue.record("ffmpeg is not on PATH: image and video are not checked (apt-get install ffmpeg)")
        }
        var dmmFirst: [Double] = [], dmmCurves: [[Double]] = []
        for c in cases.prefix(fitted) {
            let one = try Proc.dmm(["fit", "start.dmm", "--target", "target", "--steps", "1", "--stats", "-q", "-o", "one.dmm"], cwd: c.dir)
            try #require(one.status == 0, "\(c.name): dmm fit --steps 1: \(one)")
            dmmFirst.append(((Proc.json(one.stdout) as? [String: Any])?["losses_at"] as? [String: Any])?["1"] as? Double ?? .nan)
            let r = try Proc.dmm(["fit", "start.dmm", "--target", "target", "--steps", "10", "-q", "-o", "fitted.dmm"], cwd: c.dir)
            try #require(r.status == 0, "\(c.name): dmm fit: \(r)")
            let csv = try String(contentsOfFile: c.dir + "/fitted-loss.csv", encoding: .utf8)
            dmmCurves.append(csv.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[2]) ?? .nan })
        }
        var jobs: [[String: Any]] = []
        for (k, c) in cases.enumerated() {
            jobs.append(["module": c.dir + "/exported.py", "render": c.dir + "/target"])
            jobs.append(["module": c.dir + "/start.py", "render": c.dir + "/start-render"]
                        .merging(k < fitted ? ["target": c.dir + "/target", "steps": 10] : [:]) { a, _ in a })
        }
        let results = try Self.python(jobs, in: root)
        try #require(results.count == jobs.count)
        let kinds = ["shaping2": ["smoothstep", "pow", "pow (clamped) + scalar pow"],
                     "noise": ["noise.value", "noise.perlin + scalar perlin", "noise.worley"],
                     "media": ["image (resampled)", "image (own size)", "video"]]
        for (k, c) in cases.enumerated() {
            for (what, r) in [("patch", results[2 * k]), ("perturbed start", results[2 * k + 1])] {
                let worst = r["render_max"] as? Int ?? 99
                let channels = r["channel_max"] as? [Int] ?? []
                #expect(worst <= 1, "\(c.name) (\(what)): frames differ by up to \(worst) levels, per frame \(r["frame_max"] ?? "?"), per channel \(channels)")
                #expect((r["frame_max"] as? [Int])?.count == c.frames, "\(c.name): frames compared")
                print("ExportTests: \(c.name) (\(what)) max 8-bit difference per kind: "
                      + zip(kinds[c.name] ?? [], channels).map { "\($0) \($1)" }.joined(separator: ", "))
            }
            guard k < fitted else { continue }
            let r = results[2 * k + 1]
            let loss = r["loss"] as? Double ?? .nan
            #expect(abs(loss - dmmFirst[k]) <= 1e-4 * dmmFirst[k], "\(c.name): JAX loss \(loss), dmm fit --steps 1 \(dmmFirst[k])")
            let curve = r["losses"] as? [Double] ?? []
            try #require(curve.count == 10 && dmmCurves[k].count == 10, "\(c.name): curve lengths \(curve.count), \(dmmCurves[k].count)")
            let worst = zip(curve, dmmCurves[k]).map { abs($0 - $1) / $1 }.max() ?? .nan
            #expect(worst <= 0.01, "\(c.name): Adam curves differ by \(worst * 100) % (JAX \(curve), dmm \(dmmCurves[k]))")
            #expect(curve.last! < curve.first!, "\(c.name): the fit made progress")
            print("ExportTests: \(c.name) loss JAX \(loss) vs dmm \(dmmFirst[k]) (relative \(abs(loss - dmmFirst[k]) / dmmFirst[k])), Adam curves within \(worst * 100) %")
        }
    }

    // MARK: Loss and Adam

    /// `loss(params(), target)` equals the loss `dmm fit --steps 1` reports (1e-4 relative),
    /// and 30 Adam steps give dmm fit's loss curve within 1 % at every step.
    @Test func lossAndAdamCurveMatchDmmFit() throws {
        let root = Proc.tempDir()
        var cases: [Case] = []
        cases.append(try Self.prepare("plasma", text: try Self.plasmaText(), frames: 4, in: root))
        cases.append(try Self.prepare("cppn", text: try Self.cppnText(root), frames: 5, in: root))
        cases.append(try Self.prepare("feedback-hsv", text: ExportFixtures.feedbackHSV, frames: 6, in: root))
        for g in Self.family().prefix(4) { cases.append(try Self.prepare("gen\(g.seed)", text: g.text, frames: g.frames, in: root)) }
        var dmmCurves: [[Double]] = [], dmmFirst: [Double] = []
        for c in cases {
            let one = try Proc.dmm(["fit", "start.dmm", "--target", "target", "--steps", "1", "--stats", "-q", "-o", "one.dmm"], cwd: c.dir)
            try #require(one.status == 0, "\(c.name): dmm fit --steps 1: \(one)")
            let stats = Proc.json(one.stdout) as? [String: Any]
            dmmFirst.append(Double((stats?["losses_at"] as? [String: Any])?["1"] as? Double ?? .nan))
            let r = try Proc.dmm(["fit", "start.dmm", "--target", "target", "--steps", "30", "-q", "-o", "fitted.dmm"], cwd: c.dir)
            try #require(r.status == 0, "\(c.name): dmm fit: \(r)")
            let csv = try String(contentsOfFile: c.dir + "/fitted-loss.csv", encoding: .utf8)
            dmmCurves.append(csv.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[2]) ?? .nan })
        }
        let results = try Self.python(cases.map { ["module": $0.dir + "/start.py", "target": $0.dir + "/target", "steps": 30] }, in: root)
        try #require(results.count == cases.count)
        for (k, c) in cases.enumerated() {
            let r = results[k]
            let loss = r["loss"] as? Double ?? .nan
            #expect(abs(loss - dmmFirst[k]) <= 1e-4 * dmmFirst[k], "\(c.name): JAX loss \(loss), dmm fit --steps 1 \(dmmFirst[k])")
            let curve = r["losses"] as? [Double] ?? []
            try #require(curve.count == 30 && dmmCurves[k].count == 30, "\(c.name): curve lengths \(curve.count), \(dmmCurves[k].count)")
            #expect(curve[0] == loss || abs(curve[0] - loss) <= 1e-6 * loss, "\(c.name): step 1 is the loss at the start")
            let worst = zip(curve, dmmCurves[k]).map { abs($0 - $1) / $1 }.max() ?? .nan
            #expect(worst <= 0.01, "\(c.name): Adam curves differ by \(worst * 100) % (JAX \(curve.prefix(3))…\(curve.last!), dmm \(dmmCurves[k].prefix(3))…\(dmmCurves[k].last!))")
            #expect(curve.last! < curve.first!, "\(c.name): the fit made progress")
        }
    }

    // MARK: Import, command line, devices

    /// The module's `fit` command writes weights.json; `dmm import` puts them into the patch
    /// (comments and layout kept) and that patch renders to the loss the module reported.
    @Test func importOfExportedFitRendersToReportedLoss() throws {
        let root = Proc.tempDir()
        let cases = [try Self.prepare("plasma", text: try Self.plasmaText(), frames: 4, in: root),
                     try Self.prepare("feedback-hsv", text: ExportFixtures.feedbackHSV, frames: 6, in: root)]
        for c in cases {
            let fit = try Proc.run(Proc.python!, ["start.py", "fit", "--target", "target", "--steps", "25", "--lr", "0.01", "-o", "weights.json", "-q"], cwd: c.dir)
            try #require(fit.status == 0, "\(c.name): python fit: \(fit)")
            let reported = (Proc.json(fit.stdout) as? [String: Any])?["loss"] as? Double ?? .nan
            let imp = try Proc.dmm(["import", "start.dmm", "--weights", "weights.json", "-o", "imported.dmm"], cwd: c.dir)
            try #require(imp.status == 0, "\(c.name): dmm import: \(imp)")
            let text = try String(contentsOfFile: c.dir + "/imported.dmm", encoding: .utf8)
            let firstComment = try String(contentsOfFile: c.dir + "/start.dmm", encoding: .utf8).split(separator: "\n")[0]
            #expect(text.hasPrefix(String(firstComment)), "\(c.name): the patch's comment is kept")
            let check = try Proc.dmm(["fit", "imported.dmm", "--target", "target", "--steps", "0", "--stats", "-q", "-o", "check.dmm"], cwd: c.dir)
            try #require(check.status == 0, "\(c.name): dmm fit --steps 0: \(check)")
            let engine = (Proc.json(check.stdout) as? [String: Any])?["loss"] as? Double ?? .nan
            #expect(abs(engine - reported) <= 1e-4 * reported, "\(c.name): imported patch's loss \(engine), the module reported \(reported)")
            // The module's own PNG frames at those weights are the imported patch's render.
            let pyRender = try Proc.run(Proc.python!, ["start.py", "render", "-o", "py-frames", "--frames", "\(c.frames)", "--weights", "weights.json"], cwd: c.dir)
            try #require(pyRender.status == 0, "\(c.name): python render: \(pyRender)")
            let floor = try Proc.dmm(["fit", "imported.dmm", "--target", "py-frames", "--steps", "0", "--stats", "-q", "-o", "floor.dmm"], cwd: c.dir)
            let floorLoss = (Proc.json(floor.stdout) as? [String: Any])?["loss"] as? Double ?? .nan
            #expect(floorLoss <= 1 / (127.5 * 127.5), "\(c.name): the module's PNGs are more than a level from the imported patch (\(floorLoss))")
            let start = try Proc.run(Proc.python!, ["start.py", "loss", "--target", "target"], cwd: c.dir)
            let before = (Proc.json(start.stdout) as? [String: Any])?["loss"] as? Double ?? .nan
            #expect(reported < before, "\(c.name): the fit lowered the loss (\(before) → \(reported))")
        }
    }

    /// Four simulated devices (pixels sharded, feedback gathering across shards) give the
    /// one-device result; windows of frames (`batch_frames`) run and lower the loss.
    @Test func fourDevicesEqualOne() throws {
        let root = Proc.tempDir()
        let cases = [try Self.prepare("plasma", text: try Self.plasmaText(size: "30x22"), frames: 4, in: root),
                     try Self.prepare("feedback-hsv", text: ExportFixtures.feedbackHSV, frames: 6, in: root)]
        let jobs: [[String: Any]] = cases.map { ["module": $0.dir + "/start.py", "target": $0.dir + "/target", "steps": 10] }
        let one = try Self.python(jobs, in: root)
        let four = try Self.python(jobs + [["module": cases[1].dir + "/start.py", "target": cases[1].dir + "/target", "steps": 12, "batch_frames": 2]],
                                   in: root, env: ["XLA_FLAGS": "--xla_force_host_platform_device_count=4"])
        try #require(one.count == 2 && four.count == 3)
        for k in 0..<2 {
            #expect(one[k]["devices"] as? Int == 1 && four[k]["devices"] as? Int == 4, "device counts")
            let a = one[k]["losses"] as? [Double] ?? [], b = four[k]["losses"] as? [Double] ?? []
            try #require(a.count == 10 && b.count == 10)
            let worst = zip(a, b).map { abs($0 - $1) / $0 }.max() ?? .nan
            #expect(worst <= 1e-5, "\(cases[k].name): 4 devices differ from 1 by \(worst) (relative loss)")
            let wa = one[k]["weights"] as? [String: Double] ?? [:], wb = four[k]["weights"] as? [String: Double] ?? [:]
            #expect(!wa.isEmpty && Set(wa.keys) == Set(wb.keys))
            for (name, x) in wa { #expect(abs(x - (wb[name] ?? .nan)) <= 1e-5 * max(1, abs(x)), "\(cases[k].name): weight \(name)") }
        }
        let windows = four[2]["losses"] as? [Double] ?? []
        let final = four[2]["final"] as? Double ?? .nan, start = four[2]["loss"] as? Double ?? .nan
        #expect(windows.count == 12 && final < start, "batch_frames 2: loss \(start) → \(final)")
    }
}
