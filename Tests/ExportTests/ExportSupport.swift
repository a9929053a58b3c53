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

    /// `python3` from PATH.
    static let python: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

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

    /// The generated family: seeds whose patches the JAX table covers (a kind added to the
    /// generator later without a JAX expression is skipped, by name).
    static func generated(_ seeds: ClosedRange<UInt64>) -> [GeneratedPatch] { seeds.map { PatchGenerator.make(seed: $0) } }
}
