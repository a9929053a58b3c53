import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM for every command that writes files: complete files only, and the
/// conventional exit status (130 for SIGINT, 143 for SIGTERM).
///
/// One mechanism for all commands, so that Ctrl-C in `dmm render` behaves like Ctrl-C in
/// `dmm synth` or `dmm fmt -i`. ``install()`` replaces the default actions (which would kill
/// the process between a temporary file's creation and its rename, leaving `*.tmp-PID`
/// behind) by dispatch signal sources. What a signal then does depends on the command:
///
/// - By default it removes every unfinished temporary file (``AtomicFile`` keeps the list),
///   prints one line on stderr and exits with 128 + the signal at once. Files already renamed
///   into place (the frames finished so far) stay; the one being written disappears.
/// - Inside ``cooperating(_:)`` it only records the signal: the command polls
///   ``receivedSignal``, finishes what must not be lost (`dmm fit` saves a checkpoint) and
///   exits with ``exitCode``. A second signal while cooperating exits at once, as above, so
///   a command stuck in a long computation can still be stopped.
public enum SignalGuard {
    /// The first signal received (SIGINT or SIGTERM), 0 while none has arrived.
    private static let received = Atomic<Int32>(0)
    /// How many signals have arrived, and how many callers are inside `cooperating`.
    private static let count = Atomic<Int>(0)
    private static let cooperators = Atomic<Int>(0)
    private static let installed = Mutex<[any DispatchSourceSignal]>([])

    /// Takes over SIGINT and SIGTERM for this process; idempotent.
    public static func install() {
        installed.withLock { sources in
            guard sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { handle(sig) }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// The signal that asked the process to stop, or 0.
    public static var receivedSignal: Int32 { received.load(ordering: .acquiring) }

    /// Whether a stop was asked for (a cheap poll for render and fit loops).
    public static var stopRequested: Bool { receivedSignal != 0 }

    /// 128 + the signal received (130 for SIGINT, 143 for SIGTERM); 130 when none arrived.
    public static var exitCode: Int32 { 128 + (receivedSignal == 0 ? SIGINT : receivedSignal) }

    /// The signal's name for messages: "SIGINT", "SIGTERM".
    public static func name(_ sig: Int32) -> String { sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal \(sig)" }

    /// Runs `body` with signals only recorded, for commands that stop cleanly by themselves
    /// (they poll ``stopRequested``); see the type's documentation.
    public static func cooperating<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        install()
        cooperators.add(1, ordering: .sequentiallyConsistent)
        defer { cooperators.subtract(1, ordering: .sequentiallyConsistent) }
        return try body()
    }

    private static func handle(_ sig: Int32) {
        _ = received.compareExchange(expected: 0, desired: sig, ordering: .acquiringAndReleasing)
        let seen = count.add(1, ordering: .acquiringAndReleasing).newValue
        if cooperators.load(ordering: .sequentiallyConsistent) > 0 && seen == 1 { return }
        Platform.writeAll(2, "error: interrupted by \(name(sig)); unfinished files removed\n")
        AtomicFile.removeUnfinishedAndExit(128 + sig)
    }
}
