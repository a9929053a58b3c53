import Foundation
import DMMCore
import PatchLanguage
import Live

/// Patches, scratch folders and helpers shared by the live tests.
enum LiveFixtures {
    /// A small visual patch with state (a clock, and feedback whose frame buffer carries over):
    /// a structural edit that lost state would change every later frame.
    static let visual = """
    # live-test.dmm
    size 32x24
    fps 30

    t:  clock
    x:  coord.x
    y:  coord.y
    s1: sin
    fb: feedback
    out: rgb

    s1.a = 6
    s1.x = x + 0.5 y
    s1.b = 2 t
    fb.in = 0.5 out.g + 0.45 fb
    fb.zoom = 1.02
    out.r = 0.8 s1
    out.g = 0.5 s1 + 0.3 fb
    out.b = -0.6 s1
    """ + "\n"

    /// An audio-only patch: one sine into the output.
    static let audio = """
    rate 48000
    block 64

    lfo: sin
    o1:  osc.sine
    out: audio.out

    o1.freq = 220
    out.left = 0.2 o1
    """ + "\n"

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "dmm-live-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func loaded(_ text: String, file: String = "live-test.dmm") throws -> LoadedPatch {
        let doc = try PatchParser.parse(text, file: file)
        return LoadedPatch(path: file, document: doc, network: try PatchBuilder.build(doc))
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
}

/// Keeps every frame a session produced, by tick.
final class CaptureSink: LiveSink, @unchecked Sendable {
    private let lock = NSLock()
    private var frames: [Int: [UInt8]] = [:]
    private var audioBlocks: [Int: [Float]] = [:]
    func consume(tick: Int, frame: UnsafeBufferPointer<UInt8>?, audio: UnsafeBufferPointer<Float>?) {
        lock.lock(); defer { lock.unlock() }
        if let frame { frames[tick] = Array(frame) }
        if let audio { audioBlocks[tick] = Array(audio) }
    }
    func finish() throws(LiveError) {}
    func frame(_ tick: Int) -> [UInt8]? { lock.lock(); defer { lock.unlock() }; return frames[tick] }
    var count: Int { lock.lock(); defer { lock.unlock() }; return frames.count }
}

/// Collects session events for assertions.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [LiveEvent] = []
    func add(_ e: LiveEvent) { lock.lock(); items.append(e); lock.unlock() }
    var all: [LiveEvent] { lock.lock(); defer { lock.unlock() }; return items }
    var applied: [(Int, String)] {
        all.compactMap { if case .applied(let t, let s, _) = $0 { (t, s) } else { nil } }
    }
    var rejected: [String] {
        all.compactMap { if case .rejected(let s, let r, _) = $0 { "\(s): \(r)" } else { nil } }
    }
}

/// A step-mode session running on its own thread, with capture and events.
final class SteppedSession {
    let session: LiveSession
    let capture = CaptureSink()
    let events = EventLog()
    let done = DispatchSemaphore(value: 0)

    init(_ text: String, frames: Int = 40, record: String? = nil, file: String = "live-test.dmm", smoothing: Double = 0.005) throws {
        var o = LiveSession.Options()
        o.pacing = .step
        o.frames = frames
        o.smoothing = smoothing
        session = try LiveSession(patch: try LiveFixtures.loaded(text, file: file), options: o)
        session.sinks = [capture]
        if let record { session.recorder = try EditRecorder(path: record, patch: file) }
        let ev = events
        session.onEvent = { ev.add($0) }
        let s = session, d = done
        Thread.detachNewThread { s.run(); d.signal() }
    }

    /// Submits a line and fails the test when it is refused.
    @discardableResult
    func submit(_ line: String) -> LiveReply { session.submit(line) }

    func step(_ n: Int) { session.step(n) }

    func finish() {
        session.endOfInput()
        done.wait()
    }

    /// The weight row ← column of the running network.
    func weight(_ row: String, _ column: String) -> Float {
        session.withPlan { plan in
            let net = plan.network
            let rp = row.split(separator: ".").map(String.init)
            let cp = column.split(separator: ".").map(String.init)
            guard let r = net.input(rp[0], rp[1]), let c = net.output(cp[0], cp.count > 1 ? cp[1] : nil) else { return .nan }
            return net.matrix[r, c]
        }
    }
}

/// Runs the real `dmm` binary built beside the test bundle, with stdin kept open and output
/// read line by line while it runs.
final class DMMProcess: @unchecked Sendable {
    static var binary: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("dmm").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("dmm").path
    }

    let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private let lock = NSCondition()
    private var lines: [String] = []
    private var errLines: [String] = []
    private var errText = ""
    private var partial = "", errPartial = ""

    init(_ args: [String], cwd: String) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        process.standardInput = input; process.standardOutput = output; process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] h in self?.take(h.availableData, err: false) }
        errors.fileHandleForReading.readabilityHandler = { [weak self] h in self?.take(h.availableData, err: true) }
        try process.run()
    }

    private func take(_ d: Data, err: Bool) {
        lock.lock(); defer { lock.unlock() }
        let s = String(decoding: d, as: UTF8.self)
        if err {
            errText += s
            errPartial += s
            while let nl = errPartial.firstIndex(of: "\n") {
                errLines.append(String(errPartial[..<nl]))
                errPartial = String(errPartial[errPartial.index(after: nl)...])
            }
        } else {
            partial += s
            while let nl = partial.firstIndex(of: "\n") {
                lines.append(String(partial[..<nl]))
                partial = String(partial[partial.index(after: nl)...])
            }
        }
        lock.broadcast()
    }

    func send(_ line: String) { input.fileHandleForWriting.write((line + "\n").data(using: .utf8)!) }
    func closeInput() { try? input.fileHandleForWriting.close() }

    /// Waits for a line of stdout (or, with `stderr`, of stderr: where errors and warnings go
    /// when not on a terminal) containing `text`; returns it (nil on timeout).
    func waitFor(_ text: String, stderr: Bool = false, timeout: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock(); defer { lock.unlock() }
        while true {
            if let l = (stderr ? errLines : lines).first(where: { $0.contains(text) }) { return l }
            if !lock.wait(until: deadline) { return nil }
        }
    }

    /// Waits until `count` output lines contain `text`.
    func waitFor(_ text: String, count: Int, stderr: Bool = false, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock(); defer { lock.unlock() }
        while (stderr ? errLines : lines).filter({ $0.contains(text) }).count < count {
            if !lock.wait(until: deadline) { return false }
        }
        return true
    }

    var stdout: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    /// Stderr split into lines.
    var stderrLines: [String] { lock.lock(); defer { lock.unlock() }; return errLines }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return errText }

    /// Waits for the process to end; returns its status (nil on timeout, after killing it).
    func wait(timeout: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate(); return nil }
        return process.terminationStatus
    }

    /// Runs to completion with no interaction.
    static func run(_ args: [String], cwd: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = try DMMProcess(args, cwd: cwd)
        p.closeInput()
        let s = p.wait(timeout: 120) ?? -1
        Thread.sleep(forTimeInterval: 0.05)
        return (s, p.stdout.joined(separator: "\n"), p.stderr)
    }
}

/// Frame files of a render or a headless live run.
enum Frames {
    static func name(_ i: Int) -> String { String(format: "frame_%05d.png", i) }

    /// The first frame index (1-based) where two folders differ, or nil when all `count` match.
    static func firstDifference(_ a: String, _ b: String, count: Int) -> Int? {
        for i in 1...count {
            let x = LiveFixtures.bytes(a + "/" + name(i)), y = LiveFixtures.bytes(b + "/" + name(i))
            if x == nil || y == nil || x != y { return i }
        }
        return nil
    }
}

/// A locked value for closures called from other threads.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func update(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
