import Foundation
import FlyingFox

/// Who may talk to the studio: the checks every request passes before any handler runs.
///
/// - `Host` must name this server by address: `127.0.0.1`, `localhost`, `[::1]`, the bound
///   address, or (bound to every interface) any IP literal, always with the right port. A DNS
///   name that resolves to this machine (DNS rebinding) is refused, so a page elsewhere in the
///   user's browser cannot read the picture, patch or matrix through its own domain.
/// - `Origin`, when the browser sends one (it always does for WebSocket upgrades and POSTs
///   from pages), must be this server itself (`http://` + the request's Host): a foreign
///   page cannot post edits or open the socket (CSRF). Scripts that send no Origin pass.
/// - With `--serve-host` (anything but loopback) a random token is required as `?token=` or
///   the `X-DMM-Token` header on every route but the static page assets.
struct StudioGuard: Sendable {
    let port: Int
    let boundHost: String
    let token: String?

    /// Why the request is refused (status and message), or nil to let it through.
    func refusal(_ r: HTTPRequest, isStaticAsset: Bool) -> (HTTPStatusCode, String)? {
        guard let host = r.headers[.host]?.lowercased(), allowsHost(host) else {
            return (.forbidden, "refused: the Host header must name this server by address (127.0.0.1:\(port) or localhost:\(port))")
        }
        if let origin = r.headers[HTTPHeader("Origin")] {
            if origin.lowercased() != "http://" + host {
                return (.forbidden, "refused: requests from another origin (\(origin)) may not drive this session")
            }
        }
        if let token, !isStaticAsset {
            let given = r.query["token"] ?? r.headers[HTTPHeader("X-DMM-Token")] ?? ""
            if !Self.same(given, token) { return (.unauthorized, "refused: this studio needs the token printed at start (?token=…)") }
        }
        return nil
    }

    /// True when `host` ("name:port", lowercased) names this server.
    func allowsHost(_ host: String) -> Bool {
        let (name, p) = Self.split(host)
        guard p == port else { return false }
        if ["127.0.0.1", "localhost", "[::1]"].contains(name) { return true }
        let bound = boundHost.contains(":") ? "[\(boundHost.lowercased())]" : boundHost.lowercased()
        if name == bound { return true }
        if boundHost == "0.0.0.0" || boundHost == "::" { return Self.isIPLiteral(name) }
        return false
    }

    /// "name:port" → (name, port); a missing or bad port is -1.
    static func split(_ host: String) -> (String, Int) {
        guard let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") else { return (host, -1) }
        let name = String(host[..<colon])
        guard let p = Int(host[host.index(after: colon)...]), (0...65535).contains(p) else { return (name, -1) }
        return (name, p)
    }

    /// A dotted IPv4 address or a bracketed IPv6 one (never a DNS name).
    static func isIPLiteral(_ s: String) -> Bool {
        if s.hasPrefix("[") && s.hasSuffix("]") { return s.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in p.count <= 3 && !p.isEmpty && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber) && Int(p)! <= 255 }
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<min(x.count, y.count) { diff |= Int(x[i] ^ y[i]) }
        return diff == 0
    }

    /// 128 random bits as 32 hex digits.
    static func makeToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &g)) }.joined()
    }
}
