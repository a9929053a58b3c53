#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How much memory the machine can still give, and a check made before any large allocation.
///
/// A value from a patch or the command line (a 16384×16384 picture with forty neurons, a
/// thousand target frames) can ask for more memory than the machine has; allocating it would
/// end in the kernel's OOM killer or in swap, minutes later and without a message. Every
/// engine, renderer and fitter therefore adds up what it is about to allocate and calls
/// ``check(_:for:hint:)`` first, which refuses with the amount needed and the amount available.
public enum MemoryBudget {
    /// Bytes available to this process: `MemAvailable` from /proc/meminfo, lowered to the
    /// cgroup's `memory.max` where one is set; nil where neither can be read (then nothing is
    /// refused).
    public static func availableBytes() -> Int? {
        var best: Int? = nil
        if let text = read("/proc/meminfo") {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                if let kb = digits, kb < Int.max / 1024 { best = kb * 1024 }
            }
        }
        if let text = read("/sys/fs/cgroup/memory.max"), let limit = Int(text.split(separator: "\n").first ?? "") {
            let usage = read("/sys/fs/cgroup/memory.current").flatMap { Int($0.split(separator: "\n").first ?? "") } ?? 0
            let left = max(0, limit - usage)
            best = min(best ?? left, left)
        }
        return best
    }

    /// The error thrown when something would not fit.
    public struct Exceeded: Error, Sendable, CustomStringConvertible {
        public var needed: Int
        public var available: Int
        public var description: String
    }

    /// Throws ``Exceeded`` when `bytes` is more than 90% of what is available.
    /// - Parameters:
    ///   - what: what needs it, as the message's subject ("render of 16384×16384").
    ///   - hint: what to change, appended after a semicolon ("use a smaller --size").
    public static func check(_ bytes: Int, for what: String, hint: String, available: Int? = availableBytes()) throws(Exceeded) {
        guard let available else { return }
        if bytes > available / 10 * 9 {
            throw Exceeded(needed: bytes, available: available,
                           description: "\(what) needs about \(format(bytes)) of memory but this machine has \(format(available)) available; \(hint)")
        }
    }

    /// `bytes` as a short human figure: "812 MB", "21.5 GB".
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 1e12 { return "\(rounded(b / 1e12)) TB" }
        if b >= 1e9 { return "\(rounded(b / 1e9)) GB" }
        if b >= 1e6 { return "\(Int((b / 1e6).rounded())) MB" }
        return "\(Int((b / 1e3).rounded(.up))) kB"
    }

    static func rounded(_ x: Double) -> String {
        x >= 100 ? "\(Int(x.rounded()))" : "\((x * 10).rounded() / 10)"
    }

    /// Saturating sum and product for byte counts that may come from absurd inputs.
    public static func add(_ a: Int, _ b: Int) -> Int { let (s, o) = a.addingReportingOverflow(b); return o ? .max : s }
    public static func multiply(_ a: Int, _ b: Int) -> Int { let (s, o) = a.multipliedReportingOverflow(by: b); return o ? .max : s }

    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
            if bytes.count > 1 << 20 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
