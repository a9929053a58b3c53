import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client that stops reading must not slow the session or the other clients: it
/// drops frames (newer ones replace unsent ones) while a client that keeps reading gets nearly
/// every tick.
@Suite(.serialized) struct StudioSlowClientTests {
    /// A raw WebSocket client on 127.0.0.1 (the test controls when it reads).
    final class RawSocket {
        let fd: Int32
        var buffer: [UInt8] = []

        init(port: Int, receiveBuffer: Int32? = nil) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            if var rb = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, socklen_t(MemoryLayout<Int32>.size)) }
            var tv = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard ok == 0 else { throw StudioTestError("connect failed") }
            let req = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            _ = Array(req.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let deadline = Date().addingTimeInterval(5)
            while StudioHTTP.find(buffer, Array("\r\n\r\n".utf8)) == nil && Date() < deadline { pump() }
            guard let end = StudioHTTP.find(buffer, Array("\r\n\r\n".utf8)),
                  String(decoding: buffer[0..<end], as: UTF8.self).hasPrefix("HTTP/1.1 101") else { throw StudioTestError("no upgrade") }
            buffer.removeFirst(end + 4)
        }
        deinit { close(fd) }

        /// Reads what is there (up to 200 ms).
        func pump() {
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 { buffer += buf[0..<n] }
        }

        /// Complete server frames read so far: (opcode, payload).
        func frames() -> [(UInt8, [UInt8])] {
            var out: [(UInt8, [UInt8])] = []
            while buffer.count >= 2 {
                let op = buffer[0] & 0x0F
                var len = Int(buffer[1] & 0x7F), head = 2
                if len == 126 { guard buffer.count >= 4 else { break }; len = Int(buffer[2]) << 8 | Int(buffer[3]); head = 4 }
                else if len == 127 { guard buffer.count >= 10 else { break }; len = (2..<10).reduce(0) { $0 << 8 | Int(buffer[$1]) }; head = 10 }
                guard buffer.count >= head + len else { break }
                out.append((op, Array(buffer[head..<(head + len)])))
                buffer.removeFirst(head + len)
            }
            return out
        }

        /// Ticks of the picture messages among `frames`.
        static func pictureTicks(_ frames: [(UInt8, [UInt8])]) -> [Int] {
            frames.compactMap { f in
                guard f.0 == 2, f.1.count >= 24, f.1[0] == 1 else { return nil }
                let bits = (8..<16).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(f.1[$1]) }
                return Int(Double(bitPattern: bits))
            }
        }
    }

    @Test func slowClientDropsFramesOthersDoNot() throws {
        let dir = LiveFixtures.tempDir()
        try LiveFixtures.write(LiveFixtures.visual.replacingOccurrences(of: "size 32x24", with: "size 256x192"), to: dir + "/big.dmm")
        let p = try DMMProcess(["live", "big.dmm", "--serve", "0", "--no-audio", "--plain", "--ticks-per-second", "60"], cwd: dir)
        defer { p.process.terminate() }
        guard let port = StudioHTTP.port(p) else { Issue.record("no studio line: \(p.stderr)"); return }
        let slow = try RawSocket(port: port, receiveBuffer: 4096)
        let fast = try RawSocket(port: port)
        var fastFrames: [(UInt8, [UInt8])] = []
        let t0 = Int(try StudioHTTP.request("GET", port: port, path: "/frame.png").headers["x-dmm-tick"] ?? "") ?? -1
        let start = Date()
        while Date().timeIntervalSince(start) < 2.5 { fast.pump(); fastFrames += fast.frames() }   // slow reads nothing
        let t1 = Int(try StudioHTTP.request("GET", port: port, path: "/frame.png").headers["x-dmm-tick"] ?? "") ?? -1
        // The session kept real time (60 ticks a second) although one client stalled.
        #expect(t1 - t0 >= 120, "ticks \(t0) → \(t1)")
        // The reading client got (nearly) every tick, the first messages being the greeting.
        let fastTicks = RawSocket.pictureTicks(fastFrames).filter { $0 > t0 && $0 <= t1 }
        #expect(fastFrames.first.map { String(decoding: $0.1, as: UTF8.self).contains("\"type\":\"hello\"") } == true)
        #expect(Double(fastTicks.count) >= 0.9 * Double(t1 - t0), "\(fastTicks.count) frames for \(t1 - t0) ticks")
        #expect(fastTicks == fastTicks.sorted())
        // The stalled client now reads: it gets far fewer frames, in order, the newest among them.
        var slowFrames: [(UInt8, [UInt8])] = []
        let drain = Date()
        while Date().timeIntervalSince(drain) < 1.0 { slow.pump(); slowFrames += slow.frames() }
        let slowTicks = RawSocket.pictureTicks(slowFrames)
        #expect(slowTicks == slowTicks.sorted() && Set(slowTicks).count == slowTicks.count)
        let missed = slowTicks.filter { $0 > t0 && $0 <= t1 }.count
        #expect(missed < (t1 - t0) / 2, "the stalled client received \(missed) of \(t1 - t0) frames")
        #expect((slowTicks.last ?? 0) > t1, "and then caught up to the present: \(slowTicks.suffix(3))")
    }
}
