import Foundation
import FlyingFox
import FlyingSocks
import Synchronization
import DMMCore
import PatchLanguage
import MediaIO
import Live

/// `dmm live --serve`: an HTTP and WebSocket server inside a live session, serving a studio
/// page (picture, sound, the matrix as a control surface, the patch editor, a console) and
/// endpoints for scripts.
///
/// Every edit it receives goes through the session's own command path (`LiveSession.submit`,
/// the same parser and edit queue as stdin and OSC, applied at a tick boundary by
/// `TickPlan.apply(delta:)` and logged by `--record`); patch text goes through
/// `LiveSession.applyPatch`, the morph a `--watch` reload queues. Output reaches clients through
/// `sink` (add it to the session's sinks), which never blocks the tick.
///
/// Built on FlyingFox (no swift-nio: the whole server is a few thousand lines on POSIX sockets
/// and Swift concurrency, which keeps the project's build short). Requests are checked by
/// `StudioGuard` (Host, Origin, token) before any handler runs.
public final class StudioServer: @unchecked Sendable {
    /// Where and how the studio listens.
    public struct Options: Sendable {
        /// Address to bind (`--serve-host`): loopback unless the user asks for more.
        public var host = "127.0.0.1"
        /// Port (`--serve PORT`, default 8910; 0 picks a free one).
        public var port = 8910
        /// How long patch text applied from the editor morphs (as `--morph` for `--watch`).
        public var morph: LiveDuration = .seconds(0.5)
        public init() {}
    }

    /// The default port of `--serve`.
    public static let defaultPort = 8910
    /// Largest `POST /edit` body (one command line).
    public static let maxEditBytes = 64 * 1024
    /// Largest patch text from `POST /patch` or the editor.
    public static let maxPatchBytes = 1 << 20

    /// The bound address and port (the real port once started, when 0 was asked for).
    public let host: String
    public private(set) var port: Int
    /// The access token (required when bound beyond loopback); nil on loopback.
    public let token: String?
    /// Where the session's pictures and sound go: add it to `LiveSession.sinks`.
    public let sink: any LiveSink
    /// Requests refused by the Host/Origin/token checks.
    public let refusedCount = Atomic<Int>(0)

    private let session: LiveSession
    private let options: Options
    private let hub: StudioHub
    private let page: StudioPage
    private var server: HTTPServer?
    private let pending = Mutex<[Double: (client: Int, id: Int)]>([:])
    private let running = Atomic<Bool>(false)
    private let hello: String
    private let hasDisplay: Bool

    /// Prepares a studio for `session` (nothing listens until `start`).
    public init(session: LiveSession, options: Options) throws(LiveError) {
        self.session = session
        self.options = options
        guard (0...65535).contains(options.port) else { throw LiveError("--serve port must be 0 to 65535, not \(options.port)") }
        host = options.host == "localhost" ? "127.0.0.1" : options.host
        port = options.port
        token = Self.isLoopback(host) ? nil : StudioGuard.makeToken()
        page = try StudioPage()
        let t = session.timing
        let net = session.network
        hasDisplay = net.hasDisplay
        hub = StudioHub(sampleRate: t.sampleRate)
        sink = StudioSink(hub: hub, width: t.width, height: t.height)
        hello = StudioWire.json([
            "type": StudioWire.string("hello"), "path": StudioWire.string(session.path),
            "width": "\(t.width)", "height": "\(t.height)", "fps": StudioWire.number(t.fps),
            "sampleRate": "\(t.sampleRate)", "secondsPerTick": StudioWire.number(session.secondsPerTick),
            "hasDisplay": "\(net.hasDisplay)", "hasAudio": "\(net.hasAudio)",
            "morph": StudioWire.string(options.morph.description),
        ])
        hub.greeting = greeting
    }

    /// True for addresses only this machine can reach.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The page's address (with the token when one is needed).
    public var url: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let shown = h == "0.0.0.0" || h == "[::]" ? "127.0.0.1" : h
        return "http://\(shown):\(port)/" + (token.map { "?token=\($0)" } ?? "")
    }

    // MARK: Life

    /// Binds and starts serving; returns once listening (the real port is then in `port`).
    public func start() throws(LiveError) {
        let address: any SocketAddress
        do {
            if host.contains(":") { address = try sockaddr_in6.inet6(ip6: host, port: UInt16(port)) }
            else { address = try sockaddr_in.inet(ip4: host, port: UInt16(port)) }
        } catch { throw LiveError("--serve-host \(host) is not an IPv4 or IPv6 address") }
        let s = HTTPServer(address: address, timeout: 30, pool: HTTPServer.defaultPool(), logger: DisabledLogger.disabled,
                           handler: Routes(studio: self))
        server = s
        let ready = DispatchSemaphore(value: 0)
        let failure = Shared<String>(nil)
        Task {
            do { try await s.run() } catch { failure.setIfNil("\(error)") }
            ready.signal()
        }
        Task {
            do { try await s.waitUntilListening(timeout: 10) } catch { failure.setIfNil("\(error)") }
            ready.signal()
        }
        if ready.wait(timeout: .now() + 15) == .timedOut { throw LiveError("studio: the server did not start on \(host):\(port)") }
        if let f = failure.value { throw LiveError("studio: cannot listen on \(host):\(port): \(f)") }
        let bound = Shared<Int>(nil)
        let got = DispatchSemaphore(value: 0)
        Task {
            switch await s.listeningAddress {
            case .ip4(_, let p)?: bound.setIfNil(Int(p))
            case .ip6(_, let p)?: bound.setIfNil(Int(p))
            default: break
            }
            got.signal()
        }
        _ = got.wait(timeout: .now() + 5)
        if let p = bound.value { port = p }
        ListenerNoDelay.apply(port: port)
        running.store(true, ordering: .relaxed)
        LiveThread.start { [self] in pump() }
    }

    /// Closes every client and the listening socket.
    public func stop() {
        guard running.exchange(false, ordering: .relaxed) else { return }
        hub.broadcast(StudioWire.json(["type": StudioWire.string("finished"), "tick": "\(session.currentTick)"]))
        Thread.sleep(forTimeInterval: 0.05)
        hub.closeAll()
        guard let s = server else { return }
        let done = DispatchSemaphore(value: 0)
        Task { await s.stop(timeout: 0.5); done.signal() }
        _ = done.wait(timeout: .now() + 2)
    }

    /// Clients connected to the WebSocket now.
    public var clientCount: Int { hub.clientCount }

    private var greeting: @Sendable () -> [String] {
        { [hello, session] in
            [hello,
             StudioWire.json(["type": StudioWire.string("patch"), "text": StudioWire.string(session.patchText())]),
             Self.matrixMessage(session.matrixSnapshot())]
        }
    }

    static func matrixMessage(_ m: MatrixSnapshot) -> String { "{\"type\":\"matrix\",\"matrix\":\(m.json)}" }

    /// Sends the matrix whenever it changed (ten times a second at most: edits from any
    /// source and from Self alike) and a status line twice a second.
    private func pump() {
        var last: MatrixSnapshot?
        var lastStatus = 0.0
        while running.load(ordering: .relaxed) {
            LiveClock.sleep(until: LiveClock.now() + 0.1)
            guard hub.clientCount > 0 else { last = nil; continue }
            let m = session.matrixSnapshot()
            if last == nil || last!.rows != m.rows || last!.columns != m.columns || last!.entries != m.entries {
                hub.broadcast(Self.matrixMessage(m))
                last = m
            }
            let now = LiveClock.now()
            if now - lastStatus >= 0.5 {
                lastStatus = now
                hub.broadcast(StudioWire.json(["type": StudioWire.string("status"), "tick": "\(session.currentTick)",
                                               "clients": "\(hub.clientCount)"]))
            }
        }
    }

    // MARK: Session events

    /// Forwards a session event to every client (call from `LiveSession.onEvent`).
    public func event(_ e: LiveEvent) {
        switch e {
        case .applied(let tick, let summary, let source):
            hub.broadcast(StudioWire.json(["type": StudioWire.string("event"), "tick": "\(tick)",
                                           "text": StudioWire.string(summary), "source": StudioWire.string(source.rawValue)]))
            // A reload (from an editor or --watch) changes the text every editor shows.
            if summary.hasPrefix("reload ") {
                hub.broadcast(StudioWire.json(["type": StudioWire.string("patch"), "text": StudioWire.string(session.patchText())]))
            }
        case .rejected(let summary, let reason, let source):
            hub.broadcast(StudioWire.json(["type": StudioWire.string("error"), "text": StudioWire.string("\(summary): \(reason)"),
                                           "source": StudioWire.string(source.rawValue)]))
        case .warning(let w):
            hub.broadcast(StudioWire.json(["type": StudioWire.string("warning"), "text": StudioWire.string(w)]))
        case .finished: break
        }
    }

    /// Tells the client that sent an edit which tick applied it (call from
    /// `LiveSession.onApplied`): the page's edit → tick latency.
    public func applied(_ s: AppliedStamp) {
        guard s.source == .api, let who = pending.withLock({ $0.removeValue(forKey: s.arrival) }) else { return }
        hub.client(who.client)?.offer(text: StudioWire.json([
            "type": StudioWire.string("applied"), "id": "\(who.id)", "tick": "\(s.tick)",
            "serverMs": StudioWire.number((s.applied - s.arrival) * 1000),
            "wallMs": StudioWire.number(Date().timeIntervalSince1970 * 1000),
        ]))
    }

    // MARK: Commands

    /// The outcome of one command line: success, the text to show, and the tick it is due at.
    struct Outcome { var ok: Bool; var text: String }

    /// Runs a command line through the session's command path, off the server's threads
    /// (`step` blocks until its ticks are done).
    private func submit(_ line: String, arrival: Double, request: (client: Int, id: Int)?) async -> Outcome {
        if let request { pending.withLock { d in
            if d.count > 10_000 { d.removeAll() }   // edits refused at their tick leave no stamp
            d[arrival] = request
        } }
        let session = self.session
        let reply: LiveReply = await withCheckedContinuation { c in
            DispatchQueue.global().async { c.resume(returning: session.submit(line, source: .api, arrival: arrival)) }
        }
        if case .queued = reply {} else if request != nil { _ = pending.withLock { $0.removeValue(forKey: arrival) } }
        switch reply {
        case .queued(let s, let due): return Outcome(ok: true, text: due.map { "queued for tick \($0): \(s)" } ?? "queued: \(s)")
        case .text(let t): return Outcome(ok: true, text: t)
        case .error(let e): return Outcome(ok: false, text: "error: " + e)
        case .stepped(let t): return Outcome(ok: true, text: "at tick \(t)")
        case .quit:
            session.stop()
            return Outcome(ok: true, text: "stopping")
        case .none: return Outcome(ok: true, text: "")
        }
    }

    /// Applies patch text as a morph; on failure the error names line and column.
    private func applyPatch(_ text: String, arrival: Double, request: (client: Int, id: Int)?) -> (Outcome, PatchError?) {
        if let request { pending.withLock { $0[arrival] = request } }
        do throws(PatchError) {
            let due = try session.applyPatch(text: text, over: options.morph, arrival: arrival)
            return (Outcome(ok: true, text: "patch queued\(due.map { " for tick \($0)" } ?? ""): morphing over \(options.morph)"), nil)
        } catch {
            _ = pending.withLock { $0.removeValue(forKey: arrival) }
            return (Outcome(ok: false, text: error.summary), error)
        }
    }

    /// A message from a page: `{"id":N,"cmd":"set s1.a 3"}`, `{"id":N,"patch":"…"}` or
    /// `{"audio":true}`.
    func message(from client: StudioClient, _ text: String) async {
        struct Incoming: Decodable { var id: Int?; var cmd: String?; var patch: String?; var audio: Bool? }
        guard let m = try? JSONDecoder().decode(Incoming.self, from: Data(text.utf8)) else {
            client.offer(text: StudioWire.json(["type": StudioWire.string("reply"), "ok": "false",
                                                "text": StudioWire.string("error: not a studio message (JSON with cmd, patch or audio)")]))
            return
        }
        if let on = m.audio { client.setAudio(on) }
        let id = m.id ?? 0
        let arrival = LiveClock.now()
        if let cmd = m.cmd {
            let o = await submit(cmd, arrival: arrival, request: m.id == nil ? nil : (client.id, id))
            client.offer(text: StudioWire.json(["type": StudioWire.string("reply"), "id": "\(id)", "ok": "\(o.ok)", "text": StudioWire.string(o.text)]))
        }
        if let patch = m.patch {
            let (o, e) = applyPatch(patch, arrival: arrival, request: m.id == nil ? nil : (client.id, id))
            client.offer(text: StudioWire.json(["type": StudioWire.string("reply"), "id": "\(id)", "ok": "\(o.ok)", "text": StudioWire.string(o.text),
                                                "line": "\(e?.line ?? 0)", "column": "\(e?.column ?? 0)"]))
        }
    }

    // MARK: HTTP

    private struct Routes: HTTPHandler {
        let studio: StudioServer
        func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse { await studio.handle(request) }
    }

    private static func text(_ status: HTTPStatusCode, _ s: String, headers: [(String, String)] = []) -> HTTPResponse {
        var h: HTTPHeaders = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"]
        for (k, v) in headers { h[HTTPHeader(k)] = v }
        return HTTPResponse(statusCode: status, headers: h, body: Data((s.isEmpty || s.hasSuffix("\n") ? s : s + "\n").utf8))
    }

    func handle(_ r: HTTPRequest) async -> HTTPResponse {
        let path = r.path
        let asset = page.file(path)
        if let refused = StudioGuard(port: port, boundHost: host, token: token).refusal(r, isStaticAsset: asset != nil && path != "/" && path != "/index.html") {
            refusedCount.add(1, ordering: .relaxed)
            return Self.text(refused.0, refused.1)
        }
        switch (r.method, path) {
        case (.GET, _) where asset != nil:
            let (data, type) = asset!
            var h: HTTPHeaders = [.contentType: type, .cacheControl: "no-store", HTTPHeader("X-Content-Type-Options"): "nosniff"]
            if type.hasPrefix("text/html") {
                h[HTTPHeader("X-Frame-Options")] = "DENY"
                let wsHost = r.headers[.host] ?? "127.0.0.1:\(port)"
                h[HTTPHeader("Content-Security-Policy")] = "default-src 'self'; connect-src 'self' ws://\(wsHost); img-src 'self' data: blob:; frame-ancestors 'none'"
            }
            return HTTPResponse(statusCode: .ok, headers: h, body: data)
        case (.GET, "/frame.png"):
            return framePNG(r)
        case (.GET, "/patch"):
            return Self.text(.ok, session.patchText())
        case (.GET, "/matrix"):
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                                body: Data((session.matrixSnapshot().json + "\n").utf8))
        case (.POST, "/edit"):
            guard let body = await body(r, limit: Self.maxEditBytes) else { return Self.text(.payloadTooLarge, "error: a command line is at most \(Self.maxEditBytes) bytes") }
            var line = body
            while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
            if line.contains("\n") { return Self.text(.badRequest, "error: one command line per request") }
            let o = await submit(line, arrival: LiveClock.now(), request: nil)
            return Self.text(o.ok ? .ok : .badRequest, o.text, headers: [("X-DMM-Tick", "\(session.currentTick)")])
        case (.POST, "/patch"):
            guard let body = await body(r, limit: Self.maxPatchBytes) else { return Self.text(.payloadTooLarge, "error: a patch is at most \(Self.maxPatchBytes) bytes") }
            let (o, _) = applyPatch(body, arrival: LiveClock.now(), request: nil)
            return Self.text(o.ok ? .ok : .badRequest, o.text)
        case (.GET, "/ws"):
            let socket = StudioSocket(hub: hub, onText: { [weak self] c, t in await self?.message(from: c, t) })
            return (try? await WebSocketHTTPHandler(handler: socket).handleRequest(r)) ?? Self.text(.badRequest, "error: not a WebSocket handshake")
        case (_, "/edit"), (_, "/patch"), (_, "/frame.png"), (_, "/matrix"), (_, "/ws"):
            return Self.text(.methodNotAllowed, "error: \(r.method.rawValue) is not allowed on \(path)")
        default:
            return Self.text(.notFound, "error: no such page: \(path) (try /, /frame.png, /patch, /matrix, POST /edit, /ws)")
        }
    }

    /// The body as UTF-8 text, nil when longer than `limit` (checked before reading when the
    /// length is declared).
    private func body(_ r: HTTPRequest, limit: Int) async -> String? {
        if let n = r.headers[.contentLength].flatMap({ Int($0) }), n > limit { return nil }
        guard let d = try? await r.bodyData, d.count <= limit else { return nil }
        return String(decoding: d, as: UTF8.self)
    }

    /// `GET /frame.png[?tick=N]`: the newest picture, or tick N's while it is kept; the tick in
    /// `X-DMM-Tick`.
    private func framePNG(_ r: HTTPRequest) -> HTTPResponse {
        guard hasDisplay else { return Self.text(.notFound, "error: this patch has no picture (no display neuron)") }
        var want: Int?
        if let t = r.query["tick"] {
            guard let n = Int(t), n >= -LiveLimits.maxTick, n <= LiveLimits.maxTick else { return Self.text(.badRequest, "error: tick must be an integer, not '\(t)'") }
            want = n
        }
        guard let f = hub.frame(tick: want) else {
            return Self.text(.notFound, want == nil ? "error: no frame yet" : "error: frame of tick \(want!) is no longer kept (the last \(StudioHub.keptFrames) are)")
        }
        let png: [UInt8]
        do { png = try f.rgb.withUnsafeBufferPointer { try PNGCodec.encode(rgb: $0, width: f.width, height: f.height, options: PNGCodec.Options(level: 1, filter: .paeth)) } }
        catch { return Self.text(.internalServerError, "error: \(error)") }
        return HTTPResponse(statusCode: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store", HTTPHeader("X-DMM-Tick"): "\(f.tick)"],
                            body: Data(png))
    }
}

/// A value set from a task and read by the thread that started it.
private final class Shared<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    init(_ v: T?) { stored = v }
    var value: T? { lock.lock(); defer { lock.unlock() }; return stored }
    func setIfNil(_ v: T) { lock.lock(); if stored == nil { stored = v }; lock.unlock() }
}
