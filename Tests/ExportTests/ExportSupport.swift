import DMMCore
import Foundation
import PatchLanguage

/// Runs the real `dmm` binary and `python3` with exported modules.
enum Proc {
    static let repoRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The `dmm` built beside the test bundle.
    static var dmm: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("dmm").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("dmm").path
    }

    struct Result: CustomStringConvertible {
        var status: Int32; var stdout: String; var stderr: String
        var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Runs `exe args…` in `cwd`; killed (status 137) after `timeout` seconds.
    static func run(_ exe: String, _ args: [String], cwd: String, env: [String: String] = [:], timeout: TimeInterval = 240) throws -> Result {
        signal(SIGPIPE, SIG_IGN)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let pid = p.processIdentifier
        let timer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        timer.cancel()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return Result(status: status, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func dmm(_ args: [String], cwd: String) throws -> Result { try run(dmm, args, cwd: cwd) }

    /// An executable from PATH.
    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// `python3` from PATH.
    static let python: String? = tool("python3")

    /// `ffmpeg` from PATH (the media fixture makes its video and a small picture with it).
    static let ffmpeg: String? = tool("ffmpeg")

    /// True when `python3 -c "import jax, numpy"` works. When it does not, the JAX tests are
    /// skipped with this reason shown (CI installs JAX in .ci/run).
    static let hasJAX: Bool = {
        guard let py = python, let r = try? run(py, ["-c", "import jax, numpy"], cwd: NSTemporaryDirectory(), timeout: 120) else { return false }
        return r.status == 0
    }()

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "dmm-export-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func write(_ text: String, to path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    static func json(_ text: String) -> Any? {
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") || $0.hasPrefix("[") }) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(line.utf8))
    }
}

/// Patches the export tests use, each written into a folder as `NAME.dmm`.
enum ExportFixtures {
    /// A patch with every trainable weight moved a little (alternately scaled up and down and
    /// offset): the start of a fit whose target is the original's render.
    static func perturbed(_ text: String, file: String) throws -> String {
        let doc = try PatchParser.parse(text, file: file)
        var net = try PatchBuilder.build(doc)
        var k = 0
        for e in net.matrix.entries where !e.entry.frozen {
            let s: Float = k % 2 == 0 ? 1 : -1
            net.matrix.set(e.input, e.output, e.entry.weight * (1 + 0.06 * s) + 0.03 * s)
            k += 1
        }
        return PatchPrinter.format(doc.updatingWeights(from: net))
    }

    /// A small feedback patch in hsv: the spatial kind, the hsv mapping, a scalar neuron and
    /// an accumulator, on a non-square frame.
    /// feedback read at a field-displaced position (Hydra's modulate), zoomed out so reads
    /// leave the frame and the edge mode decides what they see.
    static func displaced(edge: String) -> String {
        """
        size 24x16
        fps 30
        frames 5
        t: clock
        x: coord.x
        y: coord.y
        s1: sin
        d: sin
        fb: feedback(edge: "\(edge)")
        out: rgb
        s1.a = 4
        s1.x = x - 0.5 y
        s1.b = 2 t
        d.a = 3
        d.x = y
        fb.in = 0.6 s1 + 0.4 fb
        fb.zoom = 0.7
        fb.tx = 0.3
        fb.dx = 0.4 d
        fb.dy = -0.3 d
        out.r = fb
        out.g = s1
        out.b = 0.5 fb
        """
    }

    /// The shaping kinds the exporter covers, in fields and scalars.
    static let shaping = """
        size 24x16
        fps 30
        frames 5
        t: clock
        x: coord.x
        y: coord.y
        s1: sin
        fl: floor
        fr: fract
        st: step
        lo: min
        hi: max
        mx: mix
        md: mod
        sm: mod
        out: rgb
        s1.a = 3
        s1.x = x + 0.5 y
        s1.b = t
        fl.x = 3 x
        fr.x = 2.5 y + 0.7 t
        st.edge = 0.2
        st.x = s1
        lo.a = s1
        lo.b = 0.6 x
        hi.a = fr
        hi.b = -0.3 + 0.5 y
        mx.a = s1
        mx.b = fr
        mx.t = 0.5 + 0.4 x
        md.a = 3 x + t
        md.b = 0.7
        sm.a = 2 t
        sm.b = 0.9
        out.r = 0.3 fl + 0.5 st - 0.2 md
        out.g = lo + 0.5 hi
        out.b = mx - 0.4 sm
        """

    static let feedbackHSV = """
    # feedback + hsv: trails through a zoom and a turn
    size 24x16
    fps 30
    frames 6

    t: clock(rate: 0.5)
    x: coord.x
    y: coord.y
    r: coord.r
    lfo: sin
    acc: accum
    s1: sin
    g: gauss
    fb: feedback
    out: hsv

    lfo.x = 2 t
    acc.x = 0.1 lfo
    s1.a = 3
    s1.x = x + 0.5 y + 0.3 acc
    s1.b = t
    g.x = 2 r - 0.5 lfo
    fb.in = 0.7 s1 + 0.3 fb
    fb.zoom = 1.05 + 0.02 lfo
    fb.rotate = 0.1 t + 0.05
    fb.tx = 0.03
    fb.ty = -0.02
    out.h = 0.6 fb + 0.2 g
    out.s = 0.4 g + 0.2
    out.v = 0.5 s1 + 0.4
    """

    /// smoothstep and pow at their edges, one kind per channel: r is smoothstep (animated
    /// rising edge, lo > hi falling, lo = hi a step), g is pow (negative bases, a field
    /// exponent, p = 0, values in the hundreds), b is pow with its exponent clamp (|x| ≤ 0.01,
    /// p = −25: ±1.65e38, frozen weights so the fit's gradient stays finite) under a scalar pow.
    static let shaping2 = """
        size 24x16
        fps 30
        frames 5
        t: clock
        x: coord.x
        y: coord.y
        s1: sin
        ss: smoothstep
        sf: smoothstep
        se: smoothstep
        pw: pow
        p0: pow
        pb: pow
        pc: pow
        ps: pow
        out: rgb
        s1.a = 3
        s1.x = x + 0.5 y
        s1.b = t
        ss.lo = -0.3 + 0.2 t
        ss.hi = 0.5
        ss.x = s1
        sf.lo = 0.6
        sf.hi = -0.4
        sf.x = x
        se.lo = 0.1 + 0.1 t
        se.hi = 0.1 + 0.1 t
        se.x = y + 0.3 s1
        pw.x = 1.2 s1
        pw.p = 1.5 + 0.8 x
        p0.x = x - 0.2
        pb.x = 3 y
        pb.p = 6
        pc.x = 0.01! y
        pc.p = -25!
        ps.x = -0.5 + 0.3 t
        ps.p = 2.5
        out.r = 0.5 ss + 0.4 sf + 0.3 se - 0.5
        out.g = 0.4 pw + 0.2 p0 + 0.002 pb
        out.b = 0.5 pc + 0.3 ps
        """

    /// The three noise fields animated by the clock, one per channel (r value, g Perlin, b
    /// Worley), at negative and large lattice coordinates (the hash's two's complement and
    /// high bits), and a scalar Perlin noise (every input a scalar) in g.
    static let noise = """
        size 24x16
        fps 30
        frames 5
        seed 11
        t: clock
        x: coord.x
        y: coord.y
        nv: noise.value
        pn: noise.perlin
        nw: noise.worley
        ns: noise.perlin
        out: rgb
        nv.x = x
        nv.y = y - 1.5
        nv.z = 0.7 t
        nv.freq = 3
        pn.x = x + 731.3
        pn.y = 0.8 y
        pn.z = 0.5 t - 2
        pn.freq = 2.5
        nw.x = x - 2
        nw.y = y
        nw.z = 0.9 t
        nw.freq = 4
        ns.x = 0.3 t
        ns.y = 0.2
        ns.z = 2 t
        out.r = 0.9 nv
        out.g = 1.2 pn + 0.2 ns
        out.b = 0.8 nw
        """

    /// image and video, one per channel: r a picture resampled to the frame (patches/picture.png,
    /// 160×160, embedded as float32), g a picture at the frame's own size (embedded as bytes),
    /// b a video of 3 frames shown for 5 (the last frame holds), mixed with a sine.
    static func media(picture: String, small: String, video: String) -> String {
        """
        size 40x30
        fps 30
        frames 5
        x: coord.x
        s1: sin
        im: image(file: "\(picture)")
        sm: image(file: "\(small)")
        vd: video(file: "\(video)")
        out: rgb
        s1.a = 2
        s1.x = x
        out.r = im.r
        out.g = sm.g
        out.b = 0.8 vd.b + 0.2 s1
        """
    }

    /// The generated family: seeds whose patches the JAX table covers (a kind added to the
    /// generator later without a JAX expression is skipped, by name).
    static func generated(_ seeds: ClosedRange<UInt64>) -> [GeneratedPatch] { seeds.map { PatchGenerator.make(seed: $0) } }
}
