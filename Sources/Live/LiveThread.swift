#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached POSIX thread for a long-running loop (the tick loop, the OSC socket, the
/// file watcher, stdin).
///
/// These loops block in system calls for their whole life; parking them on Dispatch's shared
/// pool would starve the `concurrentPerform` workers that compute field tiles, so each gets a
/// thread of its own.
public enum LiveThread {
    private final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let b = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        if rc != 0 {
            // No thread: run inline rather than lose the work.
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        } else {
            pthread_detach(tid)
        }
    }
}

/// A mutex with a condition variable, for the few places that must wait (step mode, the end
/// of a step). Short critical sections only.
public final class LiveCondition: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()

    public init() {
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    /// Runs `body` with the mutex held.
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// Waits (mutex held by the caller through `locked`) until signalled or `timeout` seconds.
    public func wait(timeout: Double) {
        let deadline = LiveClock.now() + (timeout.isFinite ? max(0, timeout) : 0)
        var ts = timespec()
        let whole = min(deadline, 1e15).rounded(.down)   // clamped: Int(whole) is total
        ts.tv_sec = Int(whole)
        ts.tv_nsec = min(999_999_999, Int((deadline - whole) * 1e9))
        pthread_cond_timedwait(&cond, &mutex, &ts)
    }

    /// Wakes every waiter.
    public func broadcast() { pthread_cond_broadcast(&cond) }
}
