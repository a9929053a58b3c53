import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Receives OSC over UDP and hands each message to a live session as an edit.
///
/// Bound to 127.0.0.1 unless told otherwise: an OSC port accepts edits from anyone who can
/// reach it, with no authentication, so listening beyond the machine must be asked for
/// (`--osc-host`) and is announced (`isLoopback` false). A malformed or refused packet is
/// counted, reported and answered with `/dmm/error ,s "why"` to its sender; it never stops
/// the server. One thread blocks in `poll`/`recvfrom`, so a packet is decoded and queued
/// microseconds after it arrives and applies at the next tick boundary.
public final class OSCServer: @unchecked Sendable {
    /// What the server reports (the command line prints these).
    public enum Event: Sendable {
        /// An edit was queued (due: its tick, nil for the next one).
        case received(summary: String, due: Int?, from: String)
        /// A well-formed message that is not a valid command here.
        case rejected(reason: String, count: Int, from: String)
        /// A datagram that is not OSC.
        case malformed(reason: String, count: Int, from: String)
    }

    /// The largest datagram decoded (bytes): anything longer is dropped unread as malformed,
    /// so one packet can only cost the OSC thread a bounded amount of decoding and parsing
    /// (a real controller sends a few dozen bytes; a big ΔW fragment a few kilobytes).
    public static let maxPacketBytes = 32_768

    /// The bound IPv4 address.
    public let host: String
    /// The bound port (the one asked for, or the one the system chose for port 0).
    public let port: Int
    /// True when bound to a loopback address (127.x.x.x).
    public let isLoopback: Bool
    /// Datagrams received (all), datagrams that were not OSC, messages refused.
    public let receivedCount = Atomic<Int>(0)
    public let malformedCount = Atomic<Int>(0)
    public let rejectedCount = Atomic<Int>(0)
    public var onEvent: (@Sendable (Event) -> Void)?

    private let fd: Int32
    private let running = Atomic<Bool>(false)
    private let session: LiveSession

    /// Binds a UDP socket on `host:port` (IPv4; `localhost` is 127.0.0.1; port 0 picks one).
    public init(session: LiveSession, host: String = "127.0.0.1", port: Int) throws(LiveError) {
        self.session = session
        let h = host == "localhost" ? "127.0.0.1" : (host == "*" ? "0.0.0.0" : host)
        self.host = h
        guard (0...65535).contains(port) else { throw LiveError("--osc port must be 0 to 65535, not \(port)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, h, &addr.sin_addr) == 1 else {
            throw LiveError("--osc-host '\(host)' is not an IPv4 address (e.g. 127.0.0.1 or 0.0.0.0)")
        }
        isLoopback = h.hasPrefix("127.")
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw LiveError("cannot open a UDP socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let why = String(cString: strerror(errno))
            close(s)
            throw LiveError("cannot listen for OSC on \(h):\(port): \(why)")
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        fd = s
    }

    deinit { close(fd) }

    /// Starts the receiving thread.
    public func start() {
        running.store(true, ordering: .relaxed)
        LiveThread.start { [self] in loop() }
    }

    /// Stops the thread within ~100 ms.
    public func stop() { running.store(false, ordering: .relaxed) }

    private func loop() {
        // One byte more than the limit, and MSG_TRUNC: recvfrom reports the datagram's real
        // length, so an oversize packet is recognised without being read.
        var buf = [UInt8](repeating: 0, count: Self.maxPacketBytes + 1)
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while running.load(ordering: .relaxed) {
            pfd.revents = 0
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buf.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, Int32(MSG_TRUNC), $0, &len) }
                }
            }
            let arrival = LiveClock.now()
            guard n >= 0 else { continue }
            if n > Self.maxPacketBytes { oversize(n, from: from); continue }
            handle(Array(buf[0..<n]), arrival: arrival, from: from)
        }
    }

    /// Counts, reports and answers a datagram over `maxPacketBytes`.
    private func oversize(_ n: Int, from: sockaddr_in) {
        receivedCount.add(1, ordering: .relaxed)
        let why = "packet of \(n) bytes is over the \(Self.maxPacketBytes)-byte limit; dropped"
        let count = malformedCount.add(1, ordering: .relaxed).newValue
        onEvent?(.malformed(reason: why, count: count, from: Self.text(from)))
        reply(.message(OSCMessage("/dmm/error", [.string(why)])), to: from)
    }

    /// Decodes one datagram and dispatches what it holds. Internal for tests.
    func handle(_ bytes: [UInt8], arrival: Double, from: sockaddr_in) {
        let who = Self.text(from)
        receivedCount.add(1, ordering: .relaxed)
        if bytes.count > Self.maxPacketBytes { receivedCount.add(-1, ordering: .relaxed); oversize(bytes.count, from: from); return }
        let packet: OSCPacket
        do { packet = try OSCCodec.decode(bytes) } catch {
            let n = malformedCount.add(1, ordering: .relaxed).newValue
            onEvent?(.malformed(reason: error.description, count: n, from: who))
            reply(.message(OSCMessage("/dmm/error", [.string("malformed packet: \(error.description)")])), to: from)
            return
        }
        dispatch(packet, time: .next, arrival: arrival, from: from, who: who)
    }

    private func dispatch(_ p: OSCPacket, time: EditTime, arrival: Double, from: sockaddr_in, who: String) {
        switch p {
        case .bundle(let tt, let elements):
            var t = EditTime.next
            if tt > OSCCodec.immediately, let tick = session.tick(atWallTime: OSCCodec.unixTime(timetag: tt)) { t = .tick(tick) }
            for e in elements { dispatch(e, time: t, arrival: arrival, from: from, who: who) }
        case .message(let m):
            let answer: LiveReply
            do {
                var cmd = try OSCMapping.command(for: m)
                if case .edit(let e, let own) = cmd, own == .next { cmd = .edit(e, at: time) }
                answer = session.execute(cmd, source: .osc, arrival: arrival)
            } catch {
                answer = .error(error.message)
            }
            switch answer {
            case .queued(let s, let due): onEvent?(.received(summary: s, due: due, from: who))
            case .error(let why):
                let n = rejectedCount.add(1, ordering: .relaxed).newValue
                onEvent?(.rejected(reason: "\(m.address): \(why)", count: n, from: who))
                reply(.message(OSCMessage("/dmm/error", [.string(why)])), to: from)
            case .text(let t): reply(.message(OSCMessage("/dmm/reply", [.string(t)])), to: from)
            default: break
            }
        }
    }

    private func reply(_ p: OSCPacket, to addr: sockaddr_in) {
        let bytes = OSCCodec.encode(p)
        var a = addr
        _ = bytes.withUnsafeBytes { b in
            withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, b.baseAddress, b.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    static func text(_ a: sockaddr_in) -> String {
        var addr = a.sin_addr
        var buf = [CChar](repeating: 0, count: 32)
        inet_ntop(AF_INET, &addr, &buf, 32)
        let ip = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(ip):\(UInt16(bigEndian: a.sin_port))"
    }
}

/// A tiny UDP sender for tests, the latency probe and scripts: one datagram per call.
public final class OSCSender: @unchecked Sendable {
    private let fd: Int32
    private var addr = sockaddr_in()

    /// A socket aimed at `host:port` (IPv4).
    public init(host: String = "127.0.0.1", port: Int) throws(LiveError) {
        guard (0...65535).contains(port) else { throw LiveError("port must be 0 to 65535, not \(port)") }
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw LiveError("'\(host)' is not an IPv4 address") }
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LiveError("cannot open a UDP socket") }
    }

    deinit { close(fd) }

    /// Sends raw bytes (well-formed or not).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { b in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == b.count
                }
            }
        }
    }

    /// Sends a packet.
    @discardableResult
    public func send(_ p: OSCPacket) -> Bool { send(OSCCodec.encode(p)) }
}
