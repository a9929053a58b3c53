#if canImport(Glibc)
import Glibc
#endif

/// Turns Nagle's algorithm off for the studio's connections.
///
/// The studio sends many small WebSocket messages (a command's reply, then ~15 ms later the
/// "applied" note; frames whose last TCP segment is small). With Nagle on, each small write
/// waits for the ACK of the previous one, and browsers delay ACKs by up to 40 ms: measured,
/// edit → applied took 45 ms instead of 15. FlyingFox 0.27 has no option for TCP_NODELAY and
/// keeps its listening socket private, so the listener is found by its port among this
/// process's descriptors; on Linux accepted sockets inherit TCP_NODELAY from it.
enum ListenerNoDelay {
    /// Sets TCP_NODELAY on this process's listening TCP socket bound to `port`; true if found.
    @discardableResult
    static func apply(port: Int) -> Bool {
        var found = false
        for fd in Int32(3)..<Int32(4096) {
            var listening: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0, listening == 1 else { continue }
            var storage = sockaddr_storage()
            var slen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let ok = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &slen) } }
            guard ok == 0 else { continue }
            let p: UInt16
            switch Int32(storage.ss_family) {
            case AF_INET: p = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) } }
            case AF_INET6: p = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) } }
            default: continue
            }
            guard Int(p) == port else { continue }
            var one: Int32 = 1
            if setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 { found = true }
        }
        return found
    }
}
