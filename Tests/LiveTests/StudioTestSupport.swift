import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client on a raw TCP socket to 127.0.0.1, so the studio tests control
/// every header (Host, Origin, a WebSocket upgrade) exactly as a browser or an attacker would.
enum StudioHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends one request (`Connection: close`) and reads the whole response.
    static func request(_ method: String, port: Int, path: String, body: String? = nil,
                        headers: [String: String] = [:], timeout: Double = 10) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StudioTestError("socket failed") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { throw StudioTestError("connect to 127.0.0.1:\(port) failed") }
        var h = ["Host": "127.0.0.1:\(port)", "Connection": "close"]
        for (k, v) in headers { h[k] = v }
        let bytes = Array((body ?? "").utf8)
        if body != nil { h["Content-Length"] = "\(bytes.count)"; h["Content-Type"] = h["Content-Type"] ?? "text/plain" }
        var req = "\(method) \(path) HTTP/1.1\r\n"
        for (k, v) in h.sorted(by: { $0.key < $1.key }) { req += "\(k): \(v)\r\n" }
        let all = Array((req + "\r\n").utf8) + bytes
        _ = all.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        var expected: Int?
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
            if expected == nil, let end = find(data, Array("\r\n\r\n".utf8)) {
                let head = String(decoding: data[0..<end], as: UTF8.self)
                if head.hasPrefix("HTTP/1.1 101") { break }   // a WebSocket: the head is all we want
                if let cl = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }) {
                    expected = end + 4 + (Int(cl.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0)
                }
            }
            if let e = expected, data.count >= e { break }
        }
        guard let end = find(data, Array("\r\n\r\n".utf8)) else { throw StudioTestError("no response from \(method) \(path): \(String(decoding: data, as: UTF8.self))") }
        let lines = String(decoding: data[0..<end], as: UTF8.self).split(separator: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var hs: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            hs[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: hs, body: Array(data[(end + 4)...]))
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    /// The port from the `studio: http://HOST:PORT/…` line `dmm live --serve` prints.
    static func port(_ p: DMMProcess) -> Int? {
        guard let l = p.waitFor("studio: http://") else { return nil }
        let rest = l.split(separator: "//", maxSplits: 1).last ?? ""
        let hostPort = rest.split(separator: "/").first ?? ""
        return Int(hostPort.split(separator: ":").last ?? "")
    }

    /// `W[row, column]` from `GET /matrix` JSON (0 when absent).
    static func weight(_ json: [UInt8], _ row: String, _ column: String) throws -> Double {
        guard let o = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let rows = o["rows"] as? [String], let cols = o["columns"] as? [String],
              let entries = o["entries"] as? [[Double]] else { throw StudioTestError("not a matrix: \(String(decoding: json, as: UTF8.self))") }
        guard let r = rows.firstIndex(of: row), let c = cols.firstIndex(of: column) else { throw StudioTestError("no \(row) ← \(column)") }
        return entries.first { Int($0[0]) == r && Int($0[1]) == c }?[2] ?? 0
    }
}

struct StudioTestError: Error, CustomStringConvertible {
    var description: String
    init(_ s: String) { description = s }
}

/// Runs another program (python3, the browser driver) to completion.
enum Tool {
    static func run(_ exe: String, _ args: [String], timeout: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let o = Box(Data()), e = Box(Data())
        let group = DispatchGroup()
        for (pipe, box) in [(out, o), (err, e)] {
            group.enter()
            DispatchQueue.global().async { let d = pipe.fileHandleForReading.readDataToEndOfFile(); box.update { $0 = d }; group.leave() }
        }
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        _ = group.wait(timeout: .now() + 5)
        return (p.terminationStatus, String(decoding: o.value, as: UTF8.self), String(decoding: e.value, as: UTF8.self))
    }
}
