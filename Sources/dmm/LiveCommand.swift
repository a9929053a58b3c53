import ArgumentParser
import DMMCore
import PatchLanguage
import Rendering
import MediaIO
import Live
import Studio
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `dmm live`: runs a patch in real time and edits it while it runs, from the command line,
/// from OSC and from the patch file, every edit a ΔW applied at a tick boundary.
struct LiveRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Run a patch in real time and edit it live (stdin commands, OSC, --watch).",
        discussion: """
        Visual patches keep renders/live/latest.png current (--term also draws in the terminal); \
        audio plays through pw-play, paplay, aplay, sox or ffplay (--stdout: raw 32-bit float \
        stereo PCM on stdout; with no player, the last seconds go to renders/live/latest.wav). \
        Type 'help' for the commands. Ticks are numbered as in dmm render (frame f is tick f-1); \
        --record logs every edit with its tick for dmm render PATCH --replay FILE. \
        --step makes ticks advance only on 'step N' from stdin, so a script places every edit \
        at an exact tick; with --frames N --output DIR every frame is written as in dmm render.
        """)

    @Argument(help: "The patch file (.dmm). Omit to run the built-in demo.")
    var patch: String?

    @Option(help: "Listen for OSC over UDP on this port (0 picks a free one and prints it).")
    var osc: Int?

    @Option(name: .customLong("osc-host"), help: "Address to bind OSC to (default 127.0.0.1; anything else is reachable from the network).")
    var oscHost = "127.0.0.1"

    @Option(help: ArgumentHelp("Serve the studio (picture, sound, matrix, editor) at http://127.0.0.1:PORT/; a bare --serve uses port 8910, 0 picks a free one.", valueName: "port"))
    var serve: Int?

    @Option(name: .customLong("serve-host"), help: "Address to bind the studio to (default 127.0.0.1; anything else needs the token printed at start).")
    var serveHost = "127.0.0.1"

    @Flag(help: "Reload the patch file when it is saved: its new weights morph in (see --morph).")
    var watch = false

    @Option(help: "How long a --watch reload morphs (e.g. 500ms, 2s, 0, 30t).")
    var morph = "500ms"

    @Option(help: "Log every edit with its tick to this file (replay: dmm render PATCH --replay FILE).")
    var record: String?

    @Flag(help: "Also draw the picture in the terminal (24-bit colour).")
    var term = false

    @Option(help: "The PNG kept showing the latest frame.")
    var latest = "renders/live/latest.png"

    @Flag(name: .customLong("no-audio"), help: "No sound output (audio is still computed).")
    var noAudio = false

    @Flag(name: .customLong("stdout"), help: "Write the sound to stdout as raw PCM (32-bit float little-endian, stereo).")
    var toStdout = false

    @Option(help: "Use this player (pw-play, paplay, aplay, sox, ffplay) instead of the first found.")
    var player: String?

    @Option(help: "Where the sound goes when no player is found (the last 10 s, rewritten every second).")
    var wav = "renders/live/latest.wav"

    @Option(help: "Stop after this many frames (ticks 0 ..< N).")
    var frames: Int?

    @Option(name: .shortAndLong, help: "Write every frame to this folder as frame_00001.png … (and audio.wav), as dmm render does.")
    var output: String?

    @Flag(name: .customLong("no-pace"), help: "Run as fast as possible instead of in real time.")
    var noPace = false

    @Option(name: .customLong("ticks-per-second"), help: "Pace at this many ticks per second instead of the patch's rate.")
    var ticksPerSecond: Double?

    @Flag(help: "Tick only on 'step N' from stdin (deterministic scripts); at the end of input, run the rest of --frames unpaced.")
    var step = false

    @Option(help: "Instant changes of audio-signal gains glide over this time so they never click.")
    var smooth = "5ms"

    @Flag(help: "No line editing even on a terminal.")
    var plain = false

    @Flag(name: .shortAndLong, help: "Print only errors, warnings and replies.")
    var quiet = false

    @Option(name: .customLong("on-nan"), help: "When a neuron outputs NaN or ±inf: clip (default: NaN → 0, ±inf → ±1) or zero, and play on.")
    var onNan: String?

    @Option(name: .customLong("measure-latency"), help: .hidden)
    var measureLatency: Int?

    @Flag(help: .hidden)
    var json = false

    func validate() throws {
        if [noPace, step, ticksPerSecond != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --no-pace, --step and --ticks-per-second")
        }
        if let frames, frames < 1 { throw ValidationError("--frames must be at least 1") }
        if let onNan {
            try NonFiniteOption.check(onNan)
            if onNan == "stop" { throw ValidationError("--on-nan stop would end the show: dmm live takes clip or zero") }
        }
        if let r = ticksPerSecond, !(r > 0 && r <= 100_000) { throw ValidationError("--ticks-per-second must be above 0 and at most 100000") }
        if LiveDuration(morph) == nil { throw ValidationError("--morph must be a duration such as 500ms, 2s or 30t") }
        if LiveDuration(smooth) == nil { throw ValidationError("--smooth must be a duration such as 5ms") }
        if toStdout && noAudio { throw ValidationError("--stdout and --no-audio contradict each other") }
        if let m = measureLatency, !(1...1_000_000).contains(m) { throw ValidationError("--measure-latency needs a packet count from 1 to 1000000") }
        if let osc, !(0...65535).contains(osc) { throw ValidationError("--osc port must be 0 to 65535, not \(osc)") }
        if let serve, !(0...65535).contains(serve) { throw ValidationError("--serve port must be 0 to 65535, not \(serve)") }
    }

    func run() throws {
        if let n = measureLatency { return try runLatency(n) }
        var interrupted = false
        do throws(any Error) {
            interrupted = try runSession()
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
        if interrupted { throw ExitCode(liveSignal.load(ordering: .relaxed) == SIGTERM ? 143 : 130) }
    }

    private func load() throws -> LoadedPatch {
        if let patch { return try PatchLoader.load(path: patch) }
        let doc = try PatchParser.parse(DemoPatch.text, file: "demo.dmm")
        return LoadedPatch(path: "demo.dmm", document: doc, network: try PatchBuilder.build(doc))
    }

    private func runLatency(_ n: Int) throws {
        do throws(any Error) {
            let loaded = patch == nil ? nil : try PatchLoader.load(path: patch!)
            let report = try LatencyProbe.measure(patch: loaded, count: n)
            print(json ? report.json : report.description)
        } catch {
            throw fail(error)
        }
    }

    /// True when both paths name the same existing file (or are the same text).
    static func samePath(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Runs the session; returns true when it ended by Ctrl-C.
    private func runSession() throws -> Bool {
        let loaded = try load()
        // The log is created with O_TRUNC: aimed at the patch itself it would erase it.
        if let record, let patch, Self.samePath(record, patch) {
            throw ValidationError("--record \(record) is the patch file; the log would overwrite it")
        }
        let net = loaded.network
        var options = LiveSession.Options()
        options.frames = frames
        options.pacing = step ? .step : noPace ? .unpaced : ticksPerSecond.map { .ticksPerSecond($0) } ?? .realtime
        if case .seconds(let s) = LiveDuration(smooth)! { options.smoothing = s } else if case .ticks(let t) = LiveDuration(smooth)! {
            options.smoothing = Double(t) * net.timing.secondsPerTick
        }
        let session = try LiveSession(patch: loaded, options: options)
        let nanPolicy = NonFiniteOption.policy(onNan, default: .clip)
        session.withPlan { $0.nonFinite.policy = nanPolicy }

        let messageFD: Int32 = toStdout ? 2 : 1
        let editor = LineEditor(prompt: "dmm> ", output: messageFD, forcePlain: plain)
        let printer = LivePrinter(editor: editor, quiet: quiet)
        session.onEvent = { printer.event($0) }

        // Where the picture and the sound go.
        var sinks: [any LiveSink] = []
        let t = net.timing
        if let output {
            sinks.append(try FrameSequenceSink(directory: output, timing: t, withAudio: net.hasAudio))
        }
        if net.hasDisplay && (output == nil || term) {
            var preview: TerminalPreview?
            var draw: (@Sendable (String) -> Void)?
            if term {
                if editor.interactive {
                    let size = editor.terminalSize
                    var p = TerminalPreview(columns: min(size.columns, 96), width: t.width, height: t.height)
                    while p.rows > max(4, size.rows - 6) && p.columns > 8 { p = TerminalPreview(columns: p.columns - 4, width: t.width, height: t.height) }
                    preview = p
                    printer.setUpPreview(rows: p.rows, terminalRows: size.rows)
                    draw = { text in printer.drawPreview(text) }
                } else {
                    printer.warning("--term needs a terminal on \(toStdout ? "stderr" : "stdout"); no preview")
                }
            }
            let path: String? = output == nil ? latest : nil
            sinks.append(try LatestFrameSink(path: path, timing: t, preview: preview, draw: draw))
            if let path { printer.note("picture: \(path) (updated live)") }
        }
        if net.hasAudio && output == nil && !noAudio {
            if toStdout {
                sinks.append(PCMStreamSink(fd: 1, sampleRate: t.sampleRate))
                printer.note("audio: raw PCM on stdout (32-bit float little-endian, \(t.sampleRate) Hz, stereo)")
            } else if let (candidate, path) = AudioPlayer.find(only: player) {
                let p = try AudioPlayer(candidate, path: path, sampleRate: t.sampleRate)
                let sink = PCMStreamSink(player: p, sampleRate: t.sampleRate)
                let wavPath = wav
                sink.fallback = try RollingWAVSink(path: wav, sampleRate: t.sampleRate)
                sink.onBroken = { why in printer.warning("audio: \(why); writing the last 10 s to \(wavPath) instead") }
                sinks.append(sink)
                printer.note("audio: playing through \(candidate.name) (32-bit float, \(t.sampleRate) Hz, stereo)")
            } else {
                if let player { printer.warning("audio: player '\(player)' not found") }
                sinks.append(try RollingWAVSink(path: wav, sampleRate: t.sampleRate))
                printer.note("audio: no player found (pw-play, paplay, aplay, sox, ffplay); writing the last 10 s to \(wav)")
            }
        }
        session.sinks = sinks
        if let record {
            session.recorder = try EditRecorder(path: record, patch: loaded.path, document: loaded.document)
            printer.note("recording edits to \(record)")
        }

        var studio: StudioServer?
        if let serve {
            var o = StudioServer.Options()
            o.host = serveHost; o.port = serve; o.morph = LiveDuration(morph)!
            let s = try StudioServer(session: session, options: o)
            try s.start()
            session.sinks.append(s.sink)
            session.onEvent = { printer.event($0); s.event($0) }
            session.onApplied = { s.applied($0) }
            if s.token != nil {
                printer.warning("the studio is listening on \(s.host):\(s.port), reachable from other machines: anyone with its token can edit this patch")
            }
            printer.note("studio: \(s.url)", always: true)
            studio = s
        }

        var server: OSCServer?
        if let osc {
            let s = try OSCServer(session: session, host: oscHost, port: osc)
            s.onEvent = { printer.osc($0) }
            if !s.isLoopback {
                printer.warning("OSC is listening on \(s.host):\(s.port), reachable from other machines: anyone who can send it a packet can edit this patch")
            }
            printer.note("osc: listening on \(s.host):\(s.port)", always: true)
            s.start()
            server = s
        }
        var watcher: PatchWatcher?
        if watch {
            if patch == nil { printer.warning("--watch needs a patch file; the built-in demo has none") } else {
                let w = PatchWatcher(session: session, path: loaded.path, morph: LiveDuration(morph)!)
                w.onEvent = { printer.watch($0) }
                w.start()
                watcher = w
                printer.note("watching \(loaded.path) (morph \(morph))")
            }
        }

        // Ctrl-C (when stdin is not in raw mode) and SIGTERM stop the session cleanly: the
        // sinks finish their files and the terminal is restored.
        let interrupted = Atomic<Bool>(false)
        var signalSources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { interrupted.store(true, ordering: .relaxed); liveSignal.store(sig, ordering: .relaxed); session.stop() }
            src.resume()
            signalSources.append(src)
        }

        let t0 = net.timing
        let what = net.hasDisplay ? "\(t0.width)x\(t0.height) at \(PatchPrinter.number(t0.fps)) fps" : "audio at \(t0.sampleRate) Hz, block \(t0.block)"
        printer.note("live: \(loaded.path), \(what); \(session.warmUpTicks) warm-up ticks; type 'help' for commands")

        // Commands from stdin on their own thread; the session runs on this one.
        let stepMode = step
        LiveThread.start {
            while true {
                switch editor.read() {
                case .line(let l):
                    let reply = session.submit(l, source: .stdin)
                    if reply == .quit { session.stop(); return }
                    printer.reply(reply)
                case .endOfInput:
                    if stepMode { session.endOfInput() } else if editor.interactive { session.stop() }
                    return
                case .interrupt:
                    interrupted.store(true, ordering: .relaxed)
                    session.stop()
                    return
                }
                if session.isFinished { return }
            }
        }
        session.run()
        studio?.stop()
        server?.stop()
        watcher?.stop()
        printer.finish()
        editor.restore()
        if !quiet {
            var tail = "stopped at tick \(session.currentTick)"
            if let server { tail += "; OSC: \(server.receivedCount.load(ordering: .relaxed)) packets, \(server.malformedCount.load(ordering: .relaxed)) malformed, \(server.rejectedCount.load(ordering: .relaxed)) refused" }
            if let r = session.recorder { tail += "; \(r.lines) log lines in \(r.path)" }
            printer.line(tail)
        }
        printer.flush()
        if let e = session.withPlan({ $0.nonFinite.first }) {
            let replaced = session.withPlan { $0.nonFinite.replaced }
            FileHandleStderr.write(NonFiniteReport.warning(e, replaced: replaced, policy: nanPolicy, network: session.network) + "\n")
        }
        signalSources.forEach { $0.cancel() }
        return interrupted.load(ordering: .relaxed)
    }
}

/// Turns session, OSC and watcher events into terminal lines, on a serial queue so that the
/// tick and socket threads never wait for the terminal. OSC chatter (a fader sending a
/// hundred messages a second) is thinned to a few lines a second.
final class LivePrinter: @unchecked Sendable {
    let editor: LineEditor
    let quiet: Bool
    let queue = DispatchQueue(label: "dmm.live.print")
    private var oscWindow = 0.0, oscLines = 0, oscSkipped = 0
    private var previewRows = 0, terminalRows = 0

    init(editor: LineEditor, quiet: Bool) { self.editor = editor; self.quiet = quiet }

    func line(_ s: String) { queue.async { self.editor.print(s) } }
    func note(_ s: String, always: Bool = false) { if !quiet || always { line(s) } }
    func warning(_ s: String) { problem("warning: " + s) }
    /// Errors and warnings: on stderr unless the session is on a terminal (LineEditor.printProblem).
    func problem(_ s: String) { queue.async { self.editor.printProblem(s) } }
    func flush() { queue.sync {} }

    func event(_ e: LiveEvent) {
        switch e {
        case .applied(let tick, let summary, let source):
            if source == .osc { oscLine("@\(tick) osc: \(summary)") } else if !quiet { line("@\(tick) \(source == .stdin ? "" : "\(source.rawValue): ")\(summary)") }
        case .rejected(let summary, let reason, _): problem("error: \(summary): \(reason)")
        case .warning(let w): warning(w)
        case .finished: break
        }
    }

    func reply(_ r: LiveReply) {
        switch r {
        case .queued(let s, let due): if let due, !quiet { line("queued for tick \(due): \(s)") }
        case .text(let t): line(t)
        case .error(let e): problem("error: " + e)
        case .stepped(let tick): line("at tick \(tick)")
        case .quit, .none: break
        }
    }

    func osc(_ e: OSCServer.Event) {
        switch e {
        case .received(let s, let due, let from): oscLine("osc: queued \(s) from \(from)\(due.map { " for tick \($0)" } ?? "")")
        case .rejected(let why, let n, let from): if n <= 20 || n % 100 == 0 { problem("osc: refused from \(from) (\(n) so far): \(why)") }
        case .malformed(let why, let n, let from): if n <= 20 || n % 100 == 0 { problem("osc: malformed packet from \(from) (\(n) so far): \(why)") }
        }
    }

    private func oscLine(_ s: String) {
        guard !quiet else { return }
        queue.async { [self] in
            let now = LiveClock.now()
            if now - oscWindow > 1 {
                if oscSkipped > 0 { editor.print("osc: (\(oscSkipped) more messages)") }
                oscWindow = now; oscLines = 0; oscSkipped = 0
            }
            oscLines += 1
            if oscLines <= 10 { editor.print(s) } else { oscSkipped += 1 }
        }
    }

    func watch(_ e: PatchWatcher.Event) {
        switch e {
        case .reloaded(let path): note("watch: \(path) changed; morphing to it")
        case .failed(let description): problem(description + "\n(the running patch is unchanged)")
        }
    }

    /// Clears the screen and keeps the top rows for the picture (a scroll region below it).
    func setUpPreview(rows: Int, terminalRows: Int) {
        previewRows = rows; self.terminalRows = terminalRows
        editor.draw("\u{1B}[2J\u{1B}[\(rows + 2);\(terminalRows)r\u{1B}[\(terminalRows);1H")
    }

    func drawPreview(_ text: String) {
        editor.draw("\u{1B}7\u{1B}[1;1H" + text + "\u{1B}8")
    }

    func finish() {
        if previewRows > 0 { queue.sync { editor.draw("\u{1B}[r\u{1B}[\(terminalRows);1H\n") } }
    }
}

/// The signal that stopped a live session (SIGTERM exits 143, SIGINT and 'quit' by Ctrl-C 130).
let liveSignal = Atomic<Int32>(0)
